// Unfold and Fold layers over ops/unfold.h (libtorch's UnfoldOptions / FoldOptions).
#pragma once

#include "nn/module.h"
#include "ops/unfold.h"

namespace ember::nn {

using UnfoldOptions = UnfoldFuncOptions;
using FoldOptions = FoldFuncOptions;

/// (N, C, H, W) -> (N, C kH kW, L): the sliding blocks as columns.
class UnfoldImpl : public Module {
 public:
  explicit UnfoldImpl(const UnfoldOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UnfoldOptions options;
};
class Unfold : public ModuleHolder<UnfoldImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// (N, C kH kW, L) -> (N, C, output_size): the blocks summed back in place.
class FoldImpl : public Module {
 public:
  explicit FoldImpl(const FoldOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  FoldOptions options;
};
class Fold : public ModuleHolder<FoldImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
