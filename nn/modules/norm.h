// Normalization modules, as libtorch's: BatchNorm1d/2d (running statistics,
// momentum or a cumulative average when momentum is unset, affine,
// track_running_stats, PyTorch's num_batches_tracked buffer), LayerNorm,
// GroupNorm, InstanceNorm2d and LocalResponseNorm. Forward calls the ops.
#pragma once

#include <optional>

#include "nn/functional.h"
#include "nn/module.h"

namespace ember::nn {

/// `BatchNormOptions(64).eps(1e-5).momentum(0.1).affine(true).bias(true).track_running_stats(true)`;
/// `.momentum(std::nullopt)` averages all batches seen (PyTorch's momentum=None).
struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT(implicit), as libtorch
  BatchNormOptions& eps(double v) { eps_ = v; return *this; }
  BatchNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
  BatchNormOptions& affine(bool v) { affine_ = v; return *this; }
  /// With affine: whether the bias is learned too (PyTorch 2.13's `bias`).
  BatchNormOptions& bias(bool v) { bias_ = v; return *this; }
  BatchNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  std::optional<double> momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool bias() const { return bias_; }
  bool track_running_stats() const { return track_running_stats_; }

 private:
  int64_t num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true;
  bool bias_ = true;
  bool track_running_stats_ = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

/// BatchNormOptions with PyTorch's InstanceNorm defaults: affine false, track_running_stats false.
struct InstanceNormOptions {
  InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT(implicit), as libtorch
  InstanceNormOptions& eps(double v) { eps_ = v; return *this; }
  InstanceNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
  InstanceNormOptions& affine(bool v) { affine_ = v; return *this; }
  /// With affine: whether the bias is learned too (PyTorch 2.13's `bias`).
  InstanceNormOptions& bias(bool v) { bias_ = v; return *this; }
  InstanceNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  /// The same settings as BatchNormOptions (what the shared base holds).
  BatchNormOptions batch_norm_options() const {
    return BatchNormOptions(num_features_).eps(eps_).momentum(momentum_).affine(affine_).bias(bias_).track_running_stats(
        track_running_stats_);
  }

 private:
  int64_t num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = false;
  bool bias_ = true;
  bool track_running_stats_ = false;
};
using InstanceNorm2dOptions = InstanceNormOptions;

/// What BatchNorm1d/2d and InstanceNorm2d share: weight/bias (affine),
/// running_mean/running_var/num_batches_tracked (track_running_stats).
class NormImplBase : public Module {
 public:
  void reset();
  /// Running mean 0, variance 1, batch count 0.
  void reset_running_stats();
  /// reset_running_stats, weight 1, bias 0.
  void reset_parameters();
  std::string extra_repr() const override;

  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  explicit NormImplBase(const BatchNormOptions& options) : options(options) {}
  /// In training with running stats: counts the batch and returns the update
  /// factor (momentum, or 1 / batches for a cumulative average).
  double count_batch();
  /// Counts the batch and normalises with batch statistics in training (or
  /// without running stats), with the running stats otherwise; `instance`
  /// takes them per sample and channel (instance_norm) instead of per channel.
  Tensor normalize(const Tensor& input, bool instance);
};

/// input (N, C) or (N, C, L); statistics per channel over N (and L).
class BatchNorm1dImpl : public NormImplBase {
 public:
  explicit BatchNorm1dImpl(const BatchNormOptions& options) : NormImplBase(options) { reset(); }
  Tensor forward(const Tensor& input) override;
};
class BatchNorm1d : public ModuleHolder<BatchNorm1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C, H, W); statistics per channel over N, H, W.
class BatchNorm2dImpl : public NormImplBase {
 public:
  explicit BatchNorm2dImpl(const BatchNormOptions& options) : NormImplBase(options) { reset(); }
  Tensor forward(const Tensor& input) override;
};
class BatchNorm2d : public ModuleHolder<BatchNorm2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C, D, H, W) (volumes, video); statistics per channel over N, D, H, W.
class BatchNorm3dImpl : public NormImplBase {
 public:
  explicit BatchNorm3dImpl(const BatchNormOptions& options) : NormImplBase(options) { reset(); }
  Tensor forward(const Tensor& input) override;
};
class BatchNorm3d : public ModuleHolder<BatchNorm3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C, H, W) or (C, H, W); statistics per sample and channel. Its
/// `options` member holds the InstanceNormOptions as BatchNormOptions.
class InstanceNorm2dImpl : public NormImplBase {
 public:
  explicit InstanceNorm2dImpl(const InstanceNormOptions& options);
  Tensor forward(const Tensor& input) override;
};
class InstanceNorm2d : public ModuleHolder<InstanceNorm2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `LayerNormOptions({64}).eps(1e-5).elementwise_affine(true)`.
struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  LayerNormOptions& eps(double v) { eps_ = v; return *this; }
  LayerNormOptions& elementwise_affine(bool v) { elementwise_affine_ = v; return *this; }
  /// With elementwise_affine: whether the bias is learned too.
  LayerNormOptions& bias(bool v) { bias_ = v; return *this; }
  const Shape& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }
  bool elementwise_affine() const { return elementwise_affine_; }
  bool bias() const { return bias_; }

 private:
  Shape normalized_shape_;
  double eps_ = 1e-5;
  bool elementwise_affine_ = true;
  bool bias_ = true;
};

/// input (*, normalized_shape); weight 1 and bias 0 of shape normalized_shape.
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(const LayerNormOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LayerNormOptions options;
  Tensor weight, bias;
};
class LayerNorm : public ModuleHolder<LayerNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `GroupNormOptions(num_groups, num_channels).eps(1e-5).affine(true).bias(true)`.
struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}
  GroupNormOptions& eps(double v) { eps_ = v; return *this; }
  GroupNormOptions& affine(bool v) { affine_ = v; return *this; }
  GroupNormOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t num_groups() const { return num_groups_; }
  int64_t num_channels() const { return num_channels_; }
  double eps() const { return eps_; }
  bool affine() const { return affine_; }
  bool bias() const { return bias_; }

 private:
  int64_t num_groups_, num_channels_;
  double eps_ = 1e-5;
  bool affine_ = true;
  bool bias_ = true;
};

/// input (N, C, *); per-channel weight 1 and bias 0.
class GroupNormImpl : public Module {
 public:
  explicit GroupNormImpl(const GroupNormOptions& options);
  GroupNormImpl(int64_t num_groups, int64_t num_channels) : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  GroupNormOptions options;
  Tensor weight, bias;
};
class GroupNorm : public ModuleHolder<GroupNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

using LocalResponseNormOptions = functional::LocalResponseNormFuncOptions;

/// input (N, C, *): normalised over neighbouring channels.
class LocalResponseNormImpl : public Module {
 public:
  explicit LocalResponseNormImpl(const LocalResponseNormOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LocalResponseNormOptions options;
};
class LocalResponseNorm : public ModuleHolder<LocalResponseNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
