// softmax and log_softmax along one dimension, max-shifted (log-sum-exp) so
// inputs of any magnitude stay finite. Their backward rules are written with
// ember ops, so gradients of gradients work.
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember {

/// `SoftmaxFuncOptions(1).dtype(kFloat64)`: the input is cast to dtype first
/// when one is given. An empty dim (`SoftmaxFuncOptions(std::nullopt)`) is
/// PyTorch's deprecated implicit dim (0 for 0-, 1- and 3-d inputs, else 1), with its warning.
struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT(implicit), as libtorch
  explicit SoftmaxFuncOptions(std::optional<int64_t> dim) : dim_(dim) {}
  SoftmaxFuncOptions& dtype(std::optional<Dtype> v) { dtype_ = v; return *this; }
  std::optional<int64_t> dim() const { return dim_; }
  std::optional<Dtype> dtype() const { return dtype_; }

 private:
  std::optional<int64_t> dim_;
  std::optional<Dtype> dtype_;
};
using LogSoftmaxFuncOptions = SoftmaxFuncOptions;

/// exp(x - max) / sum(exp(x - max)) along the options' dim: `softmax(x, 1)`.
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
/// x - max - log(sum(exp(x - max))) along the options' dim.
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);

}  // namespace ember
