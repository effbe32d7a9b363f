// Dropout modules: elements (Dropout) or whole channels (Dropout2d) zeroed
// with probability p in training, identity in eval.
#pragma once

#include "nn/module.h"

namespace ember::nn {

/// `DropoutOptions(0.2)`; p in [0, 1]; inplace: the mask applied to the input itself.
struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT(implicit), as libtorch
  DropoutOptions& p(double v) { p_ = v; return *this; }
  DropoutOptions& inplace(bool v) { inplace_ = v; return *this; }
  double p() const { return p_; }
  bool inplace() const { return inplace_; }

 private:
  double p_;
  bool inplace_ = false;
};
using Dropout2dOptions = DropoutOptions;

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(const DropoutOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};
class Dropout : public ModuleHolder<DropoutImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C, H, W) or (C, H, W): one draw per channel.
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(const Dropout2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Dropout2dOptions options;
};
class Dropout2d : public ModuleHolder<Dropout2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
