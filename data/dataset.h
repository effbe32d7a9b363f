// Datasets as libtorch's C++ frontend has them: a Dataset maps an index to an
// Example {data, target}; TensorDataset serves rows of tensors held in memory.
// get_batch is the hook the DataLoader calls, so a dataset whose samples are
// rows of a tensor can gather a whole batch at once instead of stacking.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace ember::data {

/// One sample, or a batch of them (the batch dimension first): libtorch's
/// `Example<>`, a tensor and its target (which may be undefined).
template <typename Data = Tensor, typename Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;
  Example() = default;
  Example(Data data_, Target target_) : data(std::move(data_)), target(std::move(target_)) {}
  Data data;
  Target target;
};

/// A map-style dataset. Subclasses implement get and size; override
/// get_batch when a batch can be built faster than by stacking get(i).
/// get and get_batch may be called from the DataLoader's background thread.
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Sample `index`, 0 <= index < size().
  virtual Example<> get(int64_t index) const = 0;
  virtual int64_t size() const = 0;
  /// The samples at `indices`, stacked along a new first dimension.
  virtual Example<> get_batch(const std::vector<int64_t>& indices) const;
};

/// Rows of `data` (and of `target`, if defined) along dimension 0:
/// `TensorDataset(images, labels)`; both must have the same number of rows.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(Tensor data, Tensor target = {});
  Example<> get(int64_t index) const override;
  int64_t size() const override;
  /// Gathers the rows with one index_select per tensor.
  Example<> get_batch(const std::vector<int64_t>& indices) const override;
  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 private:
  Tensor data_, target_;
};

}  // namespace ember::data
