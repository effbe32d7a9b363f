// MaxPool3d, AvgPool3d and AdaptiveAvgPool3d: the ops of ops/pool3d.h as layers.
#pragma once

#include "nn/module.h"
#include "ops/pool3d.h"

namespace ember::nn {

using MaxPool3dOptions = MaxPool3dFuncOptions;
using AvgPool3dOptions = AvgPool3dFuncOptions;

/// max_pool3d(input, options).
class MaxPool3dImpl : public Module {
 public:
  explicit MaxPool3dImpl(const MaxPool3dOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override { return max_pool3d(input, options); }
  std::string extra_repr() const override;
  MaxPool3dOptions options;
};
class MaxPool3d : public ModuleHolder<MaxPool3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// avg_pool3d(input, options).
class AvgPool3dImpl : public Module {
 public:
  explicit AvgPool3dImpl(const AvgPool3dOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override { return avg_pool3d(input, options); }
  std::string extra_repr() const override;
  AvgPool3dOptions options;
};
class AvgPool3d : public ModuleHolder<AvgPool3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// adaptive_avg_pool3d(input, output_size).
class AdaptiveAvgPool3dImpl : public Module {
 public:
  explicit AdaptiveAvgPool3dImpl(Triple output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& input) override { return adaptive_avg_pool3d(input, output_size); }
  std::string extra_repr() const override;
  Triple output_size;
};
class AdaptiveAvgPool3d : public ModuleHolder<AdaptiveAvgPool3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
