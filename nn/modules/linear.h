// Linear and the shape-only layers (Identity, Flatten, Unflatten), as
// libtorch's torch/nn/modules/linear.h. Linear is initialised as PyTorch's:
// weight kaiming_uniform_(a=sqrt(5)), bias U(-1/sqrt(in), 1/sqrt(in)).
#pragma once

#include "autograd/shape.h"
#include "nn/module.h"

namespace ember::nn {

/// `LinearOptions(784, 10).bias(false)`.
struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }

 private:
  int64_t in_features_, out_features_;
  bool bias_ = true;
};

/// y = x Wᵀ + b: input (*, in_features) -> (*, out_features). `Linear fc(784, 10); y = fc(x);`
class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features) : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options);
  /// Registers weight (out, in) and bias (out); called by the constructor.
  void reset();
  /// PyTorch's default initialisation.
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  LinearOptions options;
  Tensor weight, bias;
};
class Linear : public ModuleHolder<LinearImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// Returns its input.
class IdentityImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};
class Identity : public ModuleHolder<IdentityImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `FlattenOptions().start_dim(1).end_dim(-1)` (the defaults).
struct FlattenOptions {
  FlattenOptions& start_dim(int64_t v) { start_dim_ = v; return *this; }
  FlattenOptions& end_dim(int64_t v) { end_dim_ = v; return *this; }
  int64_t start_dim() const { return start_dim_; }
  int64_t end_dim() const { return end_dim_; }

 private:
  int64_t start_dim_ = 1, end_dim_ = -1;
};

/// Flattens dims start_dim..end_dim: (N, C, H, W) -> (N, C*H*W) by default.
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(const FlattenOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override { return input.flatten(options.start_dim(), options.end_dim()); }
  std::string extra_repr() const override;

  FlattenOptions options;
};
class Flatten : public ModuleHolder<FlattenImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `UnflattenOptions(1, {16, 4, 4})`: splits dim into sizes.
struct UnflattenOptions {
  UnflattenOptions(int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  int64_t dim() const { return dim_; }
  const Shape& sizes() const { return sizes_; }

 private:
  int64_t dim_;
  Shape sizes_;
};

class UnflattenImpl : public Module {
 public:
  UnflattenImpl(int64_t dim, Shape sizes) : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(UnflattenOptions options) : options(std::move(options)) {}
  Tensor forward(const Tensor& input) override { return input.unflatten(options.dim(), options.sizes()); }
  std::string extra_repr() const override;

  UnflattenOptions options;
};
class Unflatten : public ModuleHolder<UnflattenImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
