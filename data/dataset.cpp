// Dataset's default batch (stack the samples) and TensorDataset.
#include "data/dataset.h"

#include <algorithm>

#include "autograd/error.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape.h"

namespace ember::data {

Example<> Dataset::get_batch(const std::vector<int64_t>& indices) const {
  EMBER_CHECK(!indices.empty(), "Dataset.get_batch: expected at least one index");
  tensor_list data, target;
  for (int64_t i : indices) {
    Example<> e = get(i);
    data.push_back(e.data);
    if (e.target.defined()) target.push_back(e.target);
  }
  EMBER_CHECK(target.empty() || target.size() == data.size(),
              "Dataset.get_batch: some samples have a target and some do not");
  return {stack(data), target.empty() ? Tensor() : stack(target)};
}

TensorDataset::TensorDataset(Tensor data, Tensor target) : data_(std::move(data)), target_(std::move(target)) {
  EMBER_CHECK(data_.defined() && data_.dim() >= 1, "TensorDataset: expected data with at least one dimension");
  EMBER_CHECK(!target_.defined() || (target_.dim() >= 1 && target_.size(0) == data_.size(0)),
              "TensorDataset: expected data and target with the same number of rows, got shapes {} and {}",
              shape_str(data_.shape()), target_.defined() ? shape_str(target_.shape()) : "undefined");
}

int64_t TensorDataset::size() const { return data_.size(0); }

Example<> TensorDataset::get(int64_t index) const {
  EMBER_CHECK_INDEX(index >= 0 && index < size(), "TensorDataset: index {} is out of range for {} samples", index,
                    size());
  return {data_.select(0, index), target_.defined() ? target_.select(0, index) : Tensor()};
}

Example<> TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  Tensor index = make_tensor({int64_t(indices.size())}, kInt64);
  std::copy(indices.begin(), indices.end(), index.data_ptr<int64_t>());
  return {data_.index_select(0, index), target_.defined() ? target_.index_select(0, index) : Tensor()};
}

}  // namespace ember::data
