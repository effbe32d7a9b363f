// DataLoader: batches of a Dataset in sequential or seeded shuffled order,
// optionally sharded by rank for data-parallel training (as PyTorch's
// DistributedSampler), each batch prepared on a background thread while the
// previous one is in use, so the training step does not wait for data.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>

#include "autograd/generator.h"
#include "data/dataset.h"

namespace ember::data {

/// `DataLoaderOptions(64).shuffle(true).seed(0)`.
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

  int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  const std::optional<uint64_t>& seed() const { return seed_; }
  Generator* generator() const { return generator_; }
  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }

 private:
  int64_t batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::optional<uint64_t> seed_;
  Generator* generator_ = nullptr;
  int64_t num_replicas_ = 1;
  int64_t rank_ = 0;
};

/// `for (const Example& batch : loader) { ... batch.data ... batch.target ... }`.
/// A batch stacks its samples along a new first dimension (Dataset::get_batch).
/// Breaking out of the loop stops the background thread cleanly; an exception
/// thrown while preparing a batch is rethrown by the iterator's increment.
class DataLoader {
  struct Epoch;

 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = DataLoaderOptions());
  ~DataLoader();

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = const Example*;
    using reference = const Example&;

    Iterator() = default;
    const Example& operator*() const { return current_; }
    const Example* operator->() const { return &current_; }
    /// Waits for the next batch (usually ready already).
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return epoch_ == other.epoch_; }
    bool operator!=(const Iterator& other) const { return epoch_ != other.epoch_; }

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<Epoch> epoch) : epoch_(std::move(epoch)) {}
    std::shared_ptr<Epoch> epoch_;  // null at the end
    Example current_;
  };

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
  std::vector<int64_t> epoch_indices();

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::unique_ptr<Generator> own_generator_;
};

}  // namespace ember::data
