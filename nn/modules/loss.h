// Every loss of nn::functional as a module, as libtorch's
// torch/nn/modules/loss.h: options as the functional's, a two-argument
// forward(input, target) (`CrossEntropyLoss loss; Tensor l = loss(logits, y);`).
// Class weights are registered as buffers ("weight", "pos_weight"), as PyTorch.
#pragma once

#include "nn/functional.h"
#include "nn/module.h"

namespace ember::nn {

using CrossEntropyLossOptions = functional::CrossEntropyFuncOptions;
using NLLLossOptions = functional::NLLLossFuncOptions;
using MSELossOptions = functional::MSELossFuncOptions;
using L1LossOptions = functional::L1LossFuncOptions;
using SmoothL1LossOptions = functional::SmoothL1LossFuncOptions;
using HuberLossOptions = functional::HuberLossFuncOptions;
using BCELossOptions = functional::BinaryCrossEntropyFuncOptions;
using BCEWithLogitsLossOptions = functional::BinaryCrossEntropyWithLogitsFuncOptions;
using KLDivLossOptions = functional::KLDivFuncOptions;
using MultiMarginLossOptions = functional::MultiMarginLossFuncOptions;

// Each loss's forward takes (input, target); `using Module::forward` keeps the
// single-tensor one visible (it refuses), so the two-tensor one hides nothing.

/// input logits (N, C, *) or (C); target class indices (N, *) or probabilities shaped as input.
class CrossEntropyLossImpl : public Module {
 public:
  using Module::forward;
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  CrossEntropyLossOptions options;
  /// Registered copies of the options' tensors (undefined when not given).
  Tensor weight;
};
class CrossEntropyLoss : public ModuleHolder<CrossEntropyLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input log-probabilities (N, C, *) or (C); target class indices.
class NLLLossImpl : public Module {
 public:
  using Module::forward;
  explicit NLLLossImpl(const NLLLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  NLLLossOptions options;
  /// Registered copies of the options' tensors (undefined when not given).
  Tensor weight;
};
class NLLLoss : public ModuleHolder<NLLLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// (input - target)², reduced.
class MSELossImpl : public Module {
 public:
  using Module::forward;
  explicit MSELossImpl(const MSELossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MSELossOptions options;
};
class MSELoss : public ModuleHolder<MSELossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// |input - target|, reduced.
class L1LossImpl : public Module {
 public:
  using Module::forward;
  explicit L1LossImpl(const L1LossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  L1LossOptions options;
};
class L1Loss : public ModuleHolder<L1LossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta.
class SmoothL1LossImpl : public Module {
 public:
  using Module::forward;
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  SmoothL1LossOptions options;
};
class SmoothL1Loss : public ModuleHolder<SmoothL1LossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// 0.5 d² where |d| < delta, else delta (|d| - 0.5 delta).
class HuberLossImpl : public Module {
 public:
  using Module::forward;
  explicit HuberLossImpl(const HuberLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  HuberLossOptions options;
};
class HuberLoss : public ModuleHolder<HuberLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input probabilities, target in [0, 1], shaped alike.
class BCELossImpl : public Module {
 public:
  using Module::forward;
  explicit BCELossImpl(const BCELossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  BCELossOptions options;
  /// Registered copies of the options' tensors (undefined when not given).
  Tensor weight;
};
class BCELoss : public ModuleHolder<BCELossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// sigmoid and binary cross entropy in one stable op.
class BCEWithLogitsLossImpl : public Module {
 public:
  using Module::forward;
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  BCEWithLogitsLossOptions options;
  /// Registered copies of the options' tensors (undefined when not given).
  Tensor weight, pos_weight;
};
class BCEWithLogitsLoss : public ModuleHolder<BCEWithLogitsLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input log-probabilities; target probabilities (log ones with log_target).
class KLDivLossImpl : public Module {
 public:
  using Module::forward;
  explicit KLDivLossImpl(const KLDivLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  KLDivLossOptions options;
};
class KLDivLoss : public ModuleHolder<KLDivLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// multi-class hinge loss: input (N, C), target class indices (N).
class MultiMarginLossImpl : public Module {
 public:
  using Module::forward;
  explicit MultiMarginLossImpl(const MultiMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiMarginLossOptions options;
  /// Registered copies of the options' tensors (undefined when not given).
  Tensor weight;
};
class MultiMarginLoss : public ModuleHolder<MultiMarginLossImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
