// The DataLoader's epoch: the order of the indices is drawn when the epoch
// starts; a worker thread then builds one batch ahead of the consumer,
// handing it over through a one-slot buffer guarded by a mutex and a
// condition variable. The worker waits for the slot to be empty before
// building the next batch, so at most one batch is prepared in advance.
#include "data/dataloader.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "ops/factory.h"

namespace ember::data {

struct DataLoader::Epoch {
  Epoch(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices, int64_t batch_size,
        int64_t num_batches)
      : dataset_(std::move(dataset)), indices_(std::move(indices)), batch_size_(batch_size),
        num_batches_(num_batches), worker_([this] { run(); }) {}

  ~Epoch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  // The next batch into *out, or false after the last one; rethrows what the worker threw.
  bool next(Example* out) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (taken_ == num_batches_) return false;
    cv_.wait(lock, [&] { return ready_ || error_; });
    if (!ready_) std::rethrow_exception(error_);
    *out = std::move(*ready_);
    ready_.reset();
    ++taken_;
    lock.unlock();
    cv_.notify_all();
    return true;
  }

  void run() {
    NoGradGuard no_grad;  // grad mode is per thread: batches record no history
    try {
      for (int64_t b = 0; b < num_batches_; ++b) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return stop_ || !ready_; });
          if (stop_) return;
        }
        int64_t begin = b * batch_size_, end = std::min<int64_t>(begin + batch_size_, int64_t(indices_.size()));
        Example batch = dataset_->get_batch(std::vector<int64_t>(indices_.begin() + begin, indices_.begin() + end));
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ready_ = std::move(batch);
        }
        cv_.notify_all();
      }
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
      }
      cv_.notify_all();
    }
  }

  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
  int64_t batch_size_, num_batches_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<Example> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  int64_t taken_ = 0;
  std::thread worker_;  // last: starts once every other member exists
};

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  EMBER_CHECK_STATE(epoch_ != nullptr, "DataLoader: cannot advance an iterator past the end");
  bool more = false;
  try {
    more = epoch_->next(&current_);
  } catch (...) {
    epoch_.reset();
    throw;
  }
  if (!more) {
    epoch_.reset();
    current_ = Example();
  }
  return *this;
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  EMBER_CHECK(dataset_ != nullptr, "DataLoader: expected a dataset, got null");
  EMBER_CHECK(options_.batch_size() > 0, "DataLoader: expected batch_size > 0, got {}", options_.batch_size());
  EMBER_CHECK(options_.num_replicas() >= 1, "DataLoader: expected num_replicas >= 1, got {}",
              options_.num_replicas());
  EMBER_CHECK(options_.rank() >= 0 && options_.rank() < options_.num_replicas(),
              "DataLoader: expected 0 <= rank < num_replicas = {}, got rank {}", options_.num_replicas(),
              options_.rank());
  if (options_.seed() && !options_.generator()) own_generator_ = std::make_unique<Generator>(*options_.seed());
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::num_samples() const {
  int64_t n = dataset_->size(), replicas = options_.num_replicas();
  return options_.drop_last() ? n / replicas : (n + replicas - 1) / replicas;
}

int64_t DataLoader::size() const {
  int64_t n = num_samples(), b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::epoch_indices() {
  int64_t n = dataset_->size();
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (options_.shuffle()) {
    Generator* gen = options_.generator() ? options_.generator() : own_generator_.get();
    Tensor perm = randperm(n, gen);
    std::copy(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + n, order.begin());
  } else {
    std::iota(order.begin(), order.end(), int64_t(0));
  }
  // DistributedSampler's shards: rank r takes positions r, r + R, r + 2R, ...
  // of the order, padded by repeating it from the start up to R * num_samples()
  // (or cut down to that when drop_last).
  int64_t replicas = options_.num_replicas(), shard = num_samples();
  if (replicas == 1) return order;
  std::vector<int64_t> mine(static_cast<size_t>(shard));
  for (int64_t k = 0; k < shard; ++k) mine[size_t(k)] = order[size_t((options_.rank() + k * replicas) % n)];
  return mine;
}

DataLoader::Iterator DataLoader::begin() {
  std::vector<int64_t> indices = epoch_indices();
  int64_t batches = size();
  if (batches == 0) return end();
  Iterator it(std::make_shared<Epoch>(dataset_, std::move(indices), options_.batch_size(), batches));
  ++it;
  return it;
}

}  // namespace ember::data
