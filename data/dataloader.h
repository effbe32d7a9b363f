// DataLoader: batches of a Dataset in sequential or seeded shuffled order,
// optionally sharded by rank for data-parallel training (as PyTorch's
// DistributedSampler), each batch prepared on a background thread while the
// previous one is in use, so the training step does not wait for data.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "autograd/generator.h"
#include "data/dataset.h"

namespace ember::data {

/// `DataLoaderOptions(64).shuffle(true).seed(0)`, or libtorch's
/// `DataLoaderOptions().batch_size(64).workers(2)`.
struct DataLoaderOptions {
  explicit DataLoaderOptions(int64_t batch_size = 1) : batch_size_(batch_size) {}
  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  /// Draw a new random order each epoch (each begin()).
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  /// Drop the last batch if it is smaller than batch_size; with several
  /// replicas, also drop the samples that do not divide evenly among them
  /// (instead of repeating some to even the shards out).
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  /// Shuffle with a generator of the loader's own seeded with `v` (epochs
  /// differ, the sequence of epochs is the same for the same seed).
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// Shuffle with `gen` (kept by pointer: it must outlive the loader).
  /// Without seed or generator, shuffling draws from the default generator.
  DataLoaderOptions& generator(Generator* v) { generator_ = v; return *this; }
  /// Serve only shard `rank` of `num_replicas`: every rank must use the same
  /// seed, so all draw the same order and their shards are disjoint.
  DataLoaderOptions& num_replicas(int64_t v) { num_replicas_ = v; return *this; }
  DataLoaderOptions& rank(int64_t v) { rank_ = v; return *this; }
  /// libtorch's worker threads. ember prepares batches on one background
  /// thread whatever the number, in order: the batches are the same for any value.
  DataLoaderOptions& workers(int64_t v) { workers_ = v; return *this; }
  /// libtorch's options kept for its spelling; with one background thread building
  /// one batch ahead, batches always come in order and none is waited for past its
  /// preparation, so they change nothing.
  DataLoaderOptions& max_jobs(int64_t v) { max_jobs_ = v; return *this; }
  DataLoaderOptions& timeout(std::chrono::milliseconds v) { timeout_ = v; return *this; }
  DataLoaderOptions& enforce_ordering(bool v) { enforce_ordering_ = v; return *this; }

  int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  const std::optional<uint64_t>& seed() const { return seed_; }
  Generator* generator() const { return generator_; }
  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }
  int64_t workers() const { return workers_; }
  const std::optional<int64_t>& max_jobs() const { return max_jobs_; }
  const std::optional<std::chrono::milliseconds>& timeout() const { return timeout_; }
  bool enforce_ordering() const { return enforce_ordering_; }

 private:
  int64_t batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::optional<uint64_t> seed_;
  Generator* generator_ = nullptr;
  int64_t num_replicas_ = 1;
  int64_t rank_ = 0;
  int64_t workers_ = 0;
  std::optional<int64_t> max_jobs_;
  std::optional<std::chrono::milliseconds> timeout_;
  bool enforce_ordering_ = true;
};

namespace detail {

/// One epoch of batches: a worker thread builds batch b from the indices
/// [b * batch_size, (b + 1) * batch_size) with `fetch`, one batch ahead of the
/// consumer, handing it over through a one-slot buffer guarded by a mutex and
/// a condition variable; errors are rethrown by next().
template <typename Batch>
class Prefetcher {
 public:
  using Fetch = std::function<Batch(std::vector<int64_t>)>;
  Prefetcher(Fetch fetch, std::vector<int64_t> indices, int64_t batch_size, int64_t num_batches)
      : fetch_(std::move(fetch)), indices_(std::move(indices)), batch_size_(batch_size), num_batches_(num_batches),
        worker_([this] { run(); }) {}
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  /// The next batch into *out, or false after the last one; rethrows what the worker threw.
  bool next(Batch* out) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (taken_ == num_batches_) return false;
    cv_.wait(lock, [&] { return ready_.has_value() || error_; });
    if (!ready_) std::rethrow_exception(error_);
    *out = std::move(*ready_);
    ready_.reset();
    ++taken_;
    lock.unlock();
    cv_.notify_all();
    return true;
  }

 private:
  void run();

  Fetch fetch_;
  std::vector<int64_t> indices_;
  int64_t batch_size_, num_batches_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<Batch> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  int64_t taken_ = 0;
  std::thread worker_;  // last: starts once every other member exists
};

// Grad mode is per thread: batches built on the worker record no history.
void run_without_grad(const std::function<void()>& body);

template <typename Batch>
void Prefetcher<Batch>::run() {
  try {
    run_without_grad([&] {
      for (int64_t b = 0; b < num_batches_; ++b) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return stop_ || !ready_.has_value(); });
          if (stop_) return;
        }
        int64_t begin = b * batch_size_, end = std::min<int64_t>(begin + batch_size_, int64_t(indices_.size()));
        Batch batch = fetch_(std::vector<int64_t>(indices_.begin() + begin, indices_.begin() + end));
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ready_ = std::move(batch);
        }
        cv_.notify_all();
      }
    });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

/// The indices of one epoch of `n` samples under `options`: 0..n-1, or a
/// randperm of options' generator (else `own`, else the default generator)
/// when `shuffle`; then this rank's shard. `num_samples` is the shard's size.
std::vector<int64_t> epoch_order(int64_t n, bool shuffle, const DataLoaderOptions& options, Generator* own,
                                 int64_t num_samples);
/// Samples per shard and batches per epoch under `options`.
int64_t shard_size(int64_t n, const DataLoaderOptions& options);
int64_t batch_count(int64_t samples, const DataLoaderOptions& options);

/// An input iterator over a Prefetcher's batches; the end iterator has none.
template <typename Batch>
class BatchIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;
  using pointer = Batch*;
  using reference = Batch&;

  BatchIterator() = default;
  explicit BatchIterator(std::shared_ptr<Prefetcher<Batch>> epoch) : epoch_(std::move(epoch)) {}
  Batch& operator*() { return current_; }
  const Batch& operator*() const { return current_; }
  Batch* operator->() { return &current_; }
  const Batch* operator->() const { return &current_; }
  /// Waits for the next batch (usually ready already).
  BatchIterator& operator++();
  bool operator==(const BatchIterator& other) const { return epoch_ == other.epoch_; }
  bool operator!=(const BatchIterator& other) const { return epoch_ != other.epoch_; }

 private:
  std::shared_ptr<Prefetcher<Batch>> epoch_;  // null at the end
  Batch current_;
};

// Defined out of line so the message check stays in one place (dataloader.cpp).
[[noreturn]] void throw_past_end();

template <typename Batch>
BatchIterator<Batch>& BatchIterator<Batch>::operator++() {
  if (epoch_ == nullptr) throw_past_end();
  bool more = false;
  try {
    more = epoch_->next(&current_);
  } catch (...) {
    epoch_.reset();
    throw;
  }
  if (!more) {
    epoch_.reset();
    current_ = Batch();
  }
  return *this;
}

}  // namespace detail

/// `for (const Example& batch : loader) { ... batch.data ... batch.target ... }`.
/// A batch stacks its samples along a new first dimension (Dataset::get_batch).
/// Breaking out of the loop stops the background thread cleanly; an exception
/// thrown while preparing a batch is rethrown by the iterator's increment.
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = DataLoaderOptions());
  ~DataLoader();

  using Iterator = detail::BatchIterator<Example<>>;

  /// Starts an epoch: draws its order and starts preparing batches.
  Iterator begin();
  Iterator end() { return Iterator(); }
  /// Batches per epoch.
  int64_t size() const;
  /// Samples this loader's shard holds per epoch.
  int64_t num_samples() const;
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::unique_ptr<Generator> own_generator_;
};

}  // namespace ember::data
