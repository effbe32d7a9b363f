// The DataLoader's epoch order (sequential or a randperm, then this rank's
// shard) and its batches, prepared by detail::Prefetcher (dataloader.h).
#include "data/dataloader.h"

#include <numeric>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "ops/factory.h"

namespace ember::data {

namespace detail {

void run_without_grad(const std::function<void()>& body) {
  NoGradGuard no_grad;
  body();
}

void throw_past_end() { throw Error("DataLoader: cannot advance an iterator past the end"); }

int64_t shard_size(int64_t n, const DataLoaderOptions& options) {
  int64_t replicas = options.num_replicas();
  return options.drop_last() ? n / replicas : (n + replicas - 1) / replicas;
}

int64_t batch_count(int64_t samples, const DataLoaderOptions& options) {
  int64_t b = options.batch_size();
  return options.drop_last() ? samples / b : (samples + b - 1) / b;
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, const DataLoaderOptions& options, Generator* own,
                                 int64_t num_samples) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (shuffle) {
    Generator* gen = options.generator() ? options.generator() : own;
    Tensor perm = randperm(n, gen);
    std::copy(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + n, order.begin());
  } else {
    std::iota(order.begin(), order.end(), int64_t(0));
  }
  // DistributedSampler's shards: rank r takes positions r, r + R, r + 2R, ...
  // of the order, padded by repeating it from the start up to R * num_samples
  // (or cut down to that when drop_last).
  int64_t replicas = options.num_replicas();
  if (replicas == 1) return order;
  std::vector<int64_t> mine(static_cast<size_t>(num_samples));
  for (int64_t k = 0; k < num_samples; ++k) mine[size_t(k)] = order[size_t((options.rank() + k * replicas) % n)];
  return mine;
}

}  // namespace detail

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  EMBER_CHECK(dataset_ != nullptr, "DataLoader: expected a dataset, got null");
  EMBER_CHECK(options_.batch_size() > 0, "DataLoader: expected batch_size > 0, got {}", options_.batch_size());
  EMBER_CHECK(options_.workers() >= 0, "DataLoader: expected workers >= 0, got {}", options_.workers());
  EMBER_CHECK(options_.num_replicas() >= 1, "DataLoader: expected num_replicas >= 1, got {}",
              options_.num_replicas());
  EMBER_CHECK(options_.rank() >= 0 && options_.rank() < options_.num_replicas(),
              "DataLoader: expected 0 <= rank < num_replicas = {}, got rank {}", options_.num_replicas(),
              options_.rank());
  if (options_.seed() && !options_.generator()) own_generator_ = std::make_unique<Generator>(*options_.seed());
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::num_samples() const { return detail::shard_size(dataset_->size(), options_); }

int64_t DataLoader::size() const { return detail::batch_count(num_samples(), options_); }

DataLoader::Iterator DataLoader::begin() {
  std::vector<int64_t> indices =
      detail::epoch_order(dataset_->size(), options_.shuffle(), options_, own_generator_.get(), num_samples());
  int64_t batches = size();
  if (batches == 0) return end();
  std::shared_ptr<const Dataset> dataset = dataset_;
  auto fetch = [dataset](std::vector<int64_t> ids) { return dataset->get_batch(ids); };
  Iterator it(std::make_shared<detail::Prefetcher<Example<>>>(fetch, std::move(indices), options_.batch_size(),
                                                               batches));
  ++it;
  return it;
}

}  // namespace ember::data
