// DataLoader: batch order, sizes and drop_last, seeded reproducible
// shuffling, shards that cover the data set without overlap, the background
// thread (batches built off the main thread, errors propagated, early break)
// and the stacking fallback for datasets without a batch fast path.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <set>
#include <thread>

#include "data/dataloader.h"
#include "ops/shape.h"
#include "test_helpers.h"

namespace ember::test {
namespace {

using data::DataLoader;
using data::DataLoaderOptions;
using Example = data::Example<>;

// Sample i is the row [i] with target 2i: a batch shows which indices it holds.
std::shared_ptr<data::TensorDataset> numbered(int64_t n) {
  std::vector<double> v(static_cast<size_t>(n)), t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    v[size_t(i)] = double(i);
    t[size_t(i)] = double(2 * i);
  }
  return std::make_shared<data::TensorDataset>(tensor(v, {n, 1}, kFloat32), tensor(t, {n}, kInt64));
}

// Every epoch's indices in order, batch by batch; checks targets match data.
std::vector<std::vector<int64_t>> batches_of(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Example& batch : loader) {
    std::vector<int64_t> ids;
    std::vector<double> data = values(batch.data), target = values(batch.target);
    REQUIRE(batch.data.dim() == 2);
    for (size_t k = 0; k < data.size(); ++k) {
      CHECK(target[k] == 2 * data[k]);
      ids.push_back(int64_t(data[k]));
    }
    out.push_back(ids);
  }
  return out;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), int64_t(0));
  return v;
}

TEST_CASE("DataLoader without shuffle serves the samples in order, the last batch short", "[dataloader]") {
  DataLoader loader(numbered(10), DataLoaderOptions(4));
  CHECK(loader.size() == 3);
  auto batches = batches_of(loader);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0] == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(batches[1] == std::vector<int64_t>{4, 5, 6, 7});
  CHECK(batches[2] == std::vector<int64_t>{8, 9});
  CHECK(batches_of(loader) == batches);  // a second epoch, same order
}

TEST_CASE("DataLoader with drop_last serves only full batches", "[dataloader]") {
  DataLoader loader(numbered(10), DataLoaderOptions(4).drop_last(true));
  CHECK(loader.size() == 2);
  auto batches = batches_of(loader);
  REQUIRE(batches.size() == 2);
  CHECK(flat(batches) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
  DataLoader none(numbered(3), DataLoaderOptions(4).drop_last(true));
  CHECK(none.size() == 0);
  CHECK(none.begin() == none.end());
}

TEST_CASE("DataLoader shuffles with randperm of its seeded generator, reproducibly", "[dataloader]") {
  DataLoader a(numbered(50), DataLoaderOptions(8).shuffle(true).seed(7));
  DataLoader b(numbered(50), DataLoaderOptions(8).shuffle(true).seed(7));
  std::vector<int64_t> a1 = flat(batches_of(a)), a2 = flat(batches_of(a));
  CHECK(a1 == flat(batches_of(b)));
  CHECK(a2 == flat(batches_of(b)));
  CHECK(a1 != a2);  // each epoch draws a new order
  std::vector<int64_t> sorted = a1;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == iota(50));
  // The order is randperm's for the same seed (PyTorch's RandomSampler rule).
  Generator g(7);
  Tensor perm = randperm(50, &g);
  CHECK(a1 == std::vector<int64_t>(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + 50));
  DataLoader c(numbered(50), DataLoaderOptions(8).shuffle(true).seed(8));
  CHECK(flat(batches_of(c)) != a1);
}

TEST_CASE("DataLoader shuffles with a caller's generator, reproducible by reseeding it", "[dataloader]") {
  Generator g(3);
  DataLoader loader(numbered(20), DataLoaderOptions(5).shuffle(true).generator(&g));
  std::vector<int64_t> first = flat(batches_of(loader));
  g.manual_seed(3);
  CHECK(flat(batches_of(loader)) == first);
}

TEST_CASE("DataLoader shards cover the data set, one disjoint slice per rank", "[dataloader]") {
  int64_t n = GENERATE(12, 10, 7);
  int64_t replicas = GENERATE(1, 2, 3, 4);
  bool shuffle = GENERATE(false, true);
  bool drop_last = GENERATE(false, true);
  CAPTURE(n, replicas, shuffle, drop_last);
  std::vector<int64_t> all;
  std::set<int64_t> seen;
  for (int64_t rank = 0; rank < replicas; ++rank) {
    DataLoader loader(numbered(n), DataLoaderOptions(2).shuffle(shuffle).seed(11).num_replicas(replicas).rank(rank)
                                       .drop_last(drop_last));
    std::vector<int64_t> mine = flat(batches_of(loader));
    int64_t per_rank = drop_last ? n / replicas : (n + replicas - 1) / replicas;
    CHECK(loader.num_samples() == per_rank);
    // drop_last also drops a short last batch of the shard.
    CHECK(int64_t(mine.size()) == (drop_last ? per_rank / 2 * 2 : per_rank));
    all.insert(all.end(), mine.begin(), mine.end());
    seen.insert(mine.begin(), mine.end());
  }
  if (!drop_last) {
    // Every sample is served; the shards only repeat the few samples that
    // pad them to equal length (DistributedSampler's rule).
    CHECK(int64_t(seen.size()) == n);
    CHECK(int64_t(all.size()) == (n + replicas - 1) / replicas * replicas);
  } else {
    CHECK(seen.size() == all.size());  // disjoint
  }
  if (n % replicas == 0 && !drop_last) CHECK(seen.size() == all.size());
}

// Samples built slowly, recording which threads build batches and how many.
struct SlowDataset : data::Dataset {
  mutable std::atomic<int> batches_built{0};
  mutable std::atomic<bool> off_main_thread{true};
  std::thread::id main_thread = std::this_thread::get_id();
  int64_t fail_at = -1;  // batch number whose building throws

  Example get(int64_t i) const override { return {full({2}, double(i)), scalar_tensor(i, kInt64)}; }
  int64_t size() const override { return 40; }
  Example get_batch(const std::vector<int64_t>& indices) const override {
    if (std::this_thread::get_id() == main_thread) off_main_thread = false;
    int built = batches_built++;
    EMBER_CHECK(built != fail_at, "SlowDataset: batch {} fails", built);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Dataset::get_batch(indices);
  }
};

TEST_CASE("DataLoader builds batches on a background thread, at most one ahead", "[dataloader]") {
  auto ds = std::make_shared<SlowDataset>();
  DataLoader loader(ds, DataLoaderOptions(4));
  int seen = 0;
  for (const Example& batch : loader) {
    ++seen;
    // Give the worker time to run ahead: it may build the next batch only.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(ds->batches_built.load() <= seen + 1);
    CHECK(batch.data.shape() == Shape{4, 2});
  }
  CHECK(seen == 10);
  CHECK(ds->off_main_thread.load());
}

TEST_CASE("DataLoader stops its thread cleanly when the loop breaks early", "[dataloader]") {
  auto ds = std::make_shared<SlowDataset>();
  DataLoader loader(ds, DataLoaderOptions(4));
  for (const Example& batch : loader) {
    CHECK(batch.data.size(0) == 4);
    break;
  }
  int built = ds->batches_built.load();
  CHECK(built <= 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(ds->batches_built.load() == built);  // the worker is gone
  int count = 0;
  for (const Example& batch : loader) count += int(batch.data.size(0));  // a new epoch works
  CHECK(count == 40);
}

TEST_CASE("DataLoader rethrows an error raised while building a batch", "[dataloader]") {
  auto ds = std::make_shared<SlowDataset>();
  ds->fail_at = 2;
  DataLoader loader(ds, DataLoaderOptions(4));
  int served = 0;
  try {
    for (const Example& batch : loader) {
      (void)batch;
      ++served;
    }
    FAIL("no exception");
  } catch (const ValueError& e) {
    CHECK_THAT(e.what(), Contains("SlowDataset: batch 2 fails"));
  }
  CHECK(served == 2);
}

TEST_CASE("DataLoader stacks samples of a dataset without a batch fast path", "[dataloader]") {
  struct Squares : data::Dataset {
    Example get(int64_t i) const override { return {full({1, 2}, double(i * i)), Tensor()}; }
    int64_t size() const override { return 5; }
  };
  DataLoader loader(std::make_shared<Squares>(), DataLoaderOptions(3));
  std::vector<double> got;
  for (const Example& batch : loader) {
    CHECK(batch.data.dim() == 3);
    CHECK_FALSE(batch.target.defined());
    std::vector<double> v = values(batch.data);
    got.insert(got.end(), v.begin(), v.end());
  }
  CHECK(got == std::vector<double>{0, 0, 1, 1, 4, 4, 9, 9, 16, 16});
}

TEST_CASE("DataLoader rejects bad options", "[dataloader]") {
  expect_error<ValueError>([] { DataLoader(numbered(4), DataLoaderOptions(0)); }, "expected batch_size > 0, got 0");
  expect_error<ValueError>([] { DataLoader(numbered(4), DataLoaderOptions(1).num_replicas(2).rank(2)); },
                           "expected 0 <= rank < num_replicas = 2, got rank 2");
  expect_error<ValueError>([] { data::TensorDataset(zeros({3, 2}), zeros({4})); },
                           "same number of rows, got shapes [3, 2] and [4]");
}

}  // namespace
}  // namespace ember::test
