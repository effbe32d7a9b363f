// libtorch's torch::data spelling (data/datasets.h, data/example_transforms.h)
// on a few hand-made MNIST images: values after Normalize<> and Stack<>,
// sequential order, batch shapes, drop_last, seeded shuffles that repeat,
// custom Dataset<Self> subclasses, and workers(n) giving the same batches.
#include <unistd.h>

#include <filesystem>
#include <set>

#include "data/datasets.h"
#include "data/idx.h"
#include "test_helpers.h"

namespace ember::test {
namespace {

namespace fs = std::filesystem;
using data::DataLoaderOptions;
using data::make_data_loader;
using data::datasets::MNIST;
namespace transforms = data::transforms;

constexpr int64_t kCount = 10, kSide = 4;

// Pixel (n, y, x) of image n is (7n + 3y + x) mod 256; the label of image n is n mod 10.
double pixel(int64_t n, int64_t y, int64_t x) { return double((7 * n + 3 * y + x) % 256); }

struct MnistDir {
  fs::path path;
  MnistDir() {
    path = fs::temp_directory_path() / ("ember_datasets_" + std::to_string(::getpid()));
    fs::create_directories(path);
    std::vector<double> img, lab;
    for (int64_t n = 0; n < kCount; ++n) {
      lab.push_back(double(n % 10));
      for (int64_t y = 0; y < kSide; ++y)
        for (int64_t x = 0; x < kSide; ++x) img.push_back(pixel(n, y, x));
    }
    for (const char* prefix : {"train", "t10k"}) {
      data::write_idx((path / (std::string(prefix) + "-images-idx3-ubyte")).string(),
                      tensor(img, {kCount, kSide, kSide}, kFloat64), data::IdxType::UByte);
      data::write_idx((path / (std::string(prefix) + "-labels-idx1-ubyte")).string(), tensor(lab, {kCount}, kInt64),
                      data::IdxType::UByte, /*gzip=*/true);
    }
  }
  ~MnistDir() { fs::remove_all(path); }
};

// The labels of every batch of one epoch (they name the images: label n is image n).
template <typename Loader>
std::vector<std::vector<int64_t>> labels_of(Loader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& batch : loader) {
    std::vector<int64_t> ids;
    for (double v : values(batch.target)) ids.push_back(int64_t(v));
    out.push_back(ids);
  }
  return out;
}

TEST_CASE("datasets::MNIST with Normalize<> and Stack<> batches as libtorch's", "[datasets]") {
  MnistDir dir;
  auto dataset = MNIST(dir.path.string(), MNIST::Mode::kTest)
                     .map(transforms::Normalize<>(0.1307, 0.3081))
                     .map(transforms::Stack<>());
  REQUIRE(dataset.size().value() == size_t(kCount));
  auto loader = make_data_loader<data::samplers::SequentialSampler>(std::move(dataset),
                                                                    DataLoaderOptions().batch_size(4).workers(2));
  int64_t seen = 0;
  std::vector<int64_t> sizes;
  for (auto& batch : *loader) {
    int64_t b = batch.data.size(0);
    sizes.push_back(b);
    REQUIRE(batch.data.shape() == Shape{b, 1, kSide, kSide});
    REQUIRE(batch.data.dtype() == kFloat32);
    REQUIRE(batch.target.shape() == Shape{b});
    REQUIRE(batch.target.dtype() == kInt64);
    std::vector<double> got = values(batch.data), labels = values(batch.target);
    for (int64_t k = 0; k < b; ++k) {
      int64_t n = seen + k;
      CHECK(labels[size_t(k)] == double(n % 10));
      for (int64_t y = 0; y < kSide; ++y)
        for (int64_t x = 0; x < kSide; ++x) {
          // ToTensor's float32 uint8 / 255, then (x - mean) / std in float32.
          float want = (float(pixel(n, y, x)) / 255.0f - float(0.1307)) / float(0.3081);
          CHECK(got[size_t((k * kSide + y) * kSide + x)] == Approx(want).epsilon(1e-6));
        }
    }
    seen += b;
  }
  CHECK(sizes == std::vector<int64_t>{4, 4, 2});
}

TEST_CASE("make_data_loader: drop_last, the default random sampler and seeded reproducibility", "[datasets]") {
  MnistDir dir;
  auto make = [&](DataLoaderOptions o) {
    return make_data_loader(MNIST(dir.path.string()).map(transforms::Stack<>()), o);
  };
  auto dropped = make_data_loader<data::samplers::SequentialSampler>(
      MNIST(dir.path.string()).map(transforms::Stack<>()), DataLoaderOptions(3).drop_last(true));
  CHECK(labels_of(*dropped) == std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}});

  auto a = make(DataLoaderOptions(4).seed(7));
  auto b = make(DataLoaderOptions(4).seed(7).workers(3));
  auto first = labels_of(*a), second = labels_of(*a);
  CHECK(labels_of(*b) == first);   // same seed, any workers: the same epochs
  CHECK(labels_of(*b) == second);
  CHECK(first != second);          // each epoch its own order
  std::vector<int64_t> flat;
  for (const auto& batch : first) flat.insert(flat.end(), batch.begin(), batch.end());
  // The order is randperm of a generator seeded 7, as the sampler promises.
  Generator g(7);
  Tensor perm = randperm(kCount, &g);
  std::vector<int64_t> want(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + kCount);
  CHECK(flat == want);
  CHECK(std::set<int64_t>(flat.begin(), flat.end()).size() == size_t(kCount));
}

// A user's dataset the libtorch way: only get and size.
class Squares : public data::datasets::Dataset<Squares> {
 public:
  data::Example<> get(size_t index) override {
    return {full({2}, double(index * index)), scalar_tensor(int64_t(index), kInt64)};
  }
  std::optional<size_t> size() const override { return 5; }
};

TEST_CASE("a Dataset<Self> subclass, Lambda transforms and unstacked batches", "[datasets]") {
  auto doubled = Squares().map(transforms::TensorLambda<>([](Tensor x) { return x * 2.0; })).map(transforms::Stack<>());
  auto loader = make_data_loader(std::move(doubled), DataLoaderOptions(2).seed(1));
  std::vector<int64_t> seen;
  for (auto& batch : *loader) {
    std::vector<double> d = values(batch.data), t = values(batch.target);
    for (size_t k = 0; k < t.size(); ++k) {
      CHECK(d[2 * k] == 2 * t[k] * t[k]);
      seen.push_back(int64_t(t[k]));
    }
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<int64_t>{0, 1, 2, 3, 4});
  // Without Stack a batch is the vector of its examples.
  auto raw = make_data_loader<data::samplers::SequentialSampler>(Squares(), 3);
  std::vector<size_t> sizes;
  for (auto& batch : *raw) {
    sizes.push_back(batch.size());
    CHECK(values(batch[0].target)[0] == double(sizes.size() == 1 ? 0 : 3));
  }
  CHECK(sizes == std::vector<size_t>{3, 2});
}

TEST_CASE("datasets::MNIST reports a missing folder", "[datasets]") {
  CHECK_THROWS_AS(MNIST("/nonexistent/ember", MNIST::Mode::kTrain), ValueError);
  MnistDir dir;
  MNIST test(dir.path.string(), MNIST::Mode::kTest);
  CHECK(!test.is_train());
  CHECK(test.images().shape() == Shape{kCount, 1, kSide, kSide});
  CHECK(values(test.get(3).target)[0] == 3.0);
}

}  // namespace
}  // namespace ember::test
