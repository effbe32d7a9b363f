// Pooling modules, as libtorch's torch/nn/modules/pooling.h. Their options
// are the pooling ops' (`MaxPool2dOptions` is ops/pool.h's MaxPool2dFuncOptions:
// `MaxPool2dOptions(3).stride(2)`); forward calls the op. No parameters.
#pragma once

#include "nn/module.h"
#include "ops/pool.h"

namespace ember::nn {

using MaxPool2dOptions = MaxPool2dFuncOptions;
using MaxPool1dOptions = MaxPool1dFuncOptions;
using AvgPool2dOptions = AvgPool2dFuncOptions;
using AvgPool1dOptions = AvgPool1dFuncOptions;
using LPPool2dOptions = LPPool2dFuncOptions;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPool2dFuncOptions;
using AdaptiveMaxPool2dOptions = AdaptiveMaxPool2dFuncOptions;

/// input (N, C, H, W) or (C, H, W).
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(const MaxPool2dOptions& options) : options(options) {}
  explicit MaxPool2dImpl(Pair kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& input) override { return max_pool2d(input, options); }
  /// (values, indices flat over H*W), Python's return_indices=True.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};
class MaxPool2d : public ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C, L) or (C, L).
class MaxPool1dImpl : public Module {
 public:
  explicit MaxPool1dImpl(const MaxPool1dOptions& options) : options(options) {}
  explicit MaxPool1dImpl(int64_t kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& input) override { return max_pool1d(input, options); }
  std::string extra_repr() const override;
  MaxPool1dOptions options;
};
class MaxPool1d : public ModuleHolder<MaxPool1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(const AvgPool2dOptions& options) : options(options) {}
  explicit AvgPool2dImpl(Pair kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& input) override { return avg_pool2d(input, options); }
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};
class AvgPool2d : public ModuleHolder<AvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

class AvgPool1dImpl : public Module {
 public:
  explicit AvgPool1dImpl(const AvgPool1dOptions& options) : options(options) {}
  explicit AvgPool1dImpl(int64_t kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& input) override { return avg_pool1d(input, options); }
  std::string extra_repr() const override;
  AvgPool1dOptions options;
};
class AvgPool1d : public ModuleHolder<AvgPool1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

class LPPool2dImpl : public Module {
 public:
  explicit LPPool2dImpl(const LPPool2dOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override { return lp_pool2d(input, options); }
  std::string extra_repr() const override;
  LPPool2dOptions options;
};
class LPPool2d : public ModuleHolder<LPPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// Output (N, C, oH, oW) whatever the input size: `AdaptiveAvgPool2d(1)` is global pooling.
class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override { return adaptive_avg_pool2d(input, options); }
  std::string extra_repr() const override;
  AdaptiveAvgPool2dOptions options;
};
class AdaptiveAvgPool2d : public ModuleHolder<AdaptiveAvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

class AdaptiveMaxPool2dImpl : public Module {
 public:
  explicit AdaptiveMaxPool2dImpl(const AdaptiveMaxPool2dOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override { return adaptive_max_pool2d(input, options); }
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveMaxPool2dOptions options;
};
class AdaptiveMaxPool2d : public ModuleHolder<AdaptiveMaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
