// libtorch's torch::data spelling on ember's loader: datasets::Dataset<Self>
// (implement get and size), datasets::MNIST(root, MNIST::Mode::kTest),
// `.map(transforms::Normalize<>(0.1307, 0.3081)).map(transforms::Stack<>())`,
// and `make_data_loader(std::move(dataset), DataLoaderOptions().batch_size(64).workers(2))`
// iterated as `for (auto& batch : *loader) { batch.data; batch.target; }`.
// Batches are prepared one ahead on a background thread (detail::Prefetcher,
// the same as ember::data::DataLoader's), in order, whatever `workers` is.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "data/dataloader.h"
#include "data/example_transforms.h"
#include "data/mnist.h"

namespace ember::data {

namespace samplers {
/// A new random permutation each epoch (make_data_loader's default, as libtorch's):
/// randperm of the options' generator, else of one seeded with options' seed,
/// else of the default generator.
struct RandomSampler {};
/// 0, 1, ..., size - 1.
struct SequentialSampler {};
}  // namespace samplers

namespace datasets {

template <typename Source, typename AppliedTransform>
class MapDataset;

/// A dataset served in batches: `get_batch(indices)`; `.map(t)` wraps it in a MapDataset.
template <typename Self, typename Batch, typename BatchRequest = std::vector<size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  virtual ~BatchDataset() = default;
  virtual Batch get_batch(BatchRequest request) = 0;
  virtual std::optional<size_t> size() const = 0;

  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return MapDataset<Self, TransformType>(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return MapDataset<Self, TransformType>(static_cast<Self&>(*this), std::move(transform));
  }
};

/// libtorch's Dataset: implement `ExampleType get(size_t index)` and `std::optional<size_t> size() const`;
/// a batch is the vector of its examples.
template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;
  virtual ExampleType get(size_t index) = 0;
  std::vector<ExampleType> get_batch(std::vector<size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

/// A dataset whose batches pass through `transform.apply_batch`.
template <typename Source, typename AppliedTransform>
class MapDataset
    : public BatchDataset<MapDataset<Source, AppliedTransform>, typename AppliedTransform::OutputBatchType,
                          typename Source::BatchRequestType> {
 public:
  using DatasetType = Source;
  using TransformType = AppliedTransform;
  using BatchType = typename AppliedTransform::OutputBatchType;
  using BatchRequestType = typename Source::BatchRequestType;

  MapDataset(Source dataset, AppliedTransform transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}
  BatchType get_batch(BatchRequestType indices) override {
    return transform_.apply_batch(dataset_.get_batch(std::move(indices)));
  }
  std::optional<size_t> size() const override { return dataset_.size(); }
  const Source& dataset() const { return dataset_; }
  const AppliedTransform& transform() const { return transform_; }

 private:
  Source dataset_;
  AppliedTransform transform_;
};

/// libtorch's MNIST: the IDX files (raw or gzip) `{train,t10k}-{images-idx3,labels-idx1}-ubyte`
/// in `root`; each example a float32 (1, 28, 28) image in [0, 1] and an int64 scalar label.
/// It shares ember::data::MNIST's loading (and its copy of the images, when copied).
class MNIST : public Dataset<MNIST> {
 public:
  enum class Mode { kTrain, kTest };
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);
  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;
  bool is_train() const noexcept { return train_; }
  /// All images (N, 1, 28, 28) and labels (N).
  const Tensor& images() const;
  const Tensor& targets() const;

 private:
  std::shared_ptr<const data::MNIST> data_;
  bool train_;
};

}  // namespace datasets

/// One epoch after another of `dataset`'s batches, in `Sampler`'s order; as libtorch's
/// StatelessDataLoader: `for (auto& batch : loader)`.
template <typename Dataset, typename Sampler = samplers::RandomSampler>
class StatelessDataLoader {
 public:
  using BatchType = typename Dataset::BatchType;
  using Iterator = detail::BatchIterator<BatchType>;

  StatelessDataLoader(Dataset dataset, DataLoaderOptions options)
      : dataset_(std::make_shared<Dataset>(std::move(dataset))), options_(options) {
    EMBER_CHECK(options_.batch_size() > 0, "make_data_loader: expected batch_size > 0, got {}", options_.batch_size());
    EMBER_CHECK(options_.workers() >= 0, "make_data_loader: expected workers >= 0, got {}", options_.workers());
    std::optional<size_t> n = dataset_->size();
    EMBER_CHECK(n.has_value(), "make_data_loader: expected a dataset with a size");
    size_ = int64_t(*n);
    if (options_.seed() && !options_.generator()) own_generator_ = std::make_unique<Generator>(*options_.seed());
  }

  /// Starts an epoch: draws its order and starts preparing batches.
  Iterator begin() {
    constexpr bool shuffle = std::is_same_v<Sampler, samplers::RandomSampler>;
    int64_t samples = detail::shard_size(size_, options_);
    std::vector<int64_t> order = detail::epoch_order(size_, shuffle, options_, own_generator_.get(), samples);
    int64_t batches = detail::batch_count(samples, options_);
    if (batches == 0) return end();
    std::shared_ptr<Dataset> dataset = dataset_;
    auto fetch = [dataset](std::vector<int64_t> ids) {
      return dataset->get_batch(typename Dataset::BatchRequestType(ids.begin(), ids.end()));
    };
    Iterator it(std::make_shared<detail::Prefetcher<BatchType>>(fetch, std::move(order), options_.batch_size(),
                                                                 batches));
    ++it;
    return it;
  }
  Iterator end() { return Iterator(); }
  const DataLoaderOptions& options() const noexcept { return options_; }

 private:
  std::shared_ptr<Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t size_ = 0;
  std::unique_ptr<Generator> own_generator_;
};

/// libtorch's make_data_loader: `make_data_loader(std::move(dataset), DataLoaderOptions().batch_size(64))`,
/// shuffled each epoch unless `make_data_loader<samplers::SequentialSampler>(...)`.
template <typename Sampler = samplers::RandomSampler, typename Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset,
                                                                        DataLoaderOptions options = DataLoaderOptions()) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(std::move(dataset), options);
}

/// `make_data_loader(std::move(dataset), /*batch_size=*/64)`.
template <typename Sampler = samplers::RandomSampler, typename Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset, size_t batch_size) {
  return make_data_loader<Sampler>(std::move(dataset), DataLoaderOptions(int64_t(batch_size)));
}

/// `make_data_loader(std::move(dataset), samplers::SequentialSampler(), options)`.
template <typename Dataset, typename Sampler,
          typename = std::enable_if_t<std::is_same_v<Sampler, samplers::RandomSampler> ||
                                      std::is_same_v<Sampler, samplers::SequentialSampler>>>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset, Sampler,
                                                                        DataLoaderOptions options = DataLoaderOptions()) {
  return make_data_loader<Sampler>(std::move(dataset), options);
}

}  // namespace ember::data
