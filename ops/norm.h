// Normalization layers of torch.nn.functional: batch_norm (one-pass channel
// statistics, running stats updated in place), layer_norm, group_norm,
// instance_norm and local_response_norm. Backward rules use ember ops, so
// gradients of gradients work.
#pragma once

#include "autograd/tensor.h"

namespace ember {

struct BatchNormFuncOptions {
  BatchNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  BatchNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  BatchNormFuncOptions& training(bool v) { training_ = v; return *this; }
  BatchNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  BatchNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  bool training() const { return training_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

 private:
  Tensor weight_, bias_;
  bool training_ = false;
  double momentum_ = 0.1;
  double eps_ = 1e-5;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  LayerNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  LayerNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  LayerNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Shape& normalized_shape() const { return normalized_shape_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  double eps() const { return eps_; }

 private:
  Shape normalized_shape_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT(implicit), as libtorch
  GroupNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  GroupNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  GroupNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  int64_t num_groups() const { return num_groups_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  double eps() const { return eps_; }

 private:
  int64_t num_groups_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};

struct InstanceNormFuncOptions {
  InstanceNormFuncOptions& running_mean(const Tensor& v) { running_mean_ = v; return *this; }
  InstanceNormFuncOptions& running_var(const Tensor& v) { running_var_ = v; return *this; }
  InstanceNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  InstanceNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  InstanceNormFuncOptions& use_input_stats(bool v) { use_input_stats_ = v; return *this; }
  InstanceNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  InstanceNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  bool use_input_stats() const { return use_input_stats_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

 private:
  Tensor running_mean_, running_var_, weight_, bias_;
  bool use_input_stats_ = true;
  double momentum_ = 0.1;
  double eps_ = 1e-5;
};

struct LocalResponseNormFuncOptions {
  LocalResponseNormFuncOptions(int64_t size) : size_(size) {}  // NOLINT(implicit), as libtorch
  LocalResponseNormFuncOptions& alpha(double v) { alpha_ = v; return *this; }
  LocalResponseNormFuncOptions& beta(double v) { beta_ = v; return *this; }
  LocalResponseNormFuncOptions& k(double v) { k_ = v; return *this; }
  int64_t size() const { return size_; }
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  double k() const { return k_; }

 private:
  int64_t size_;
  double alpha_ = 1e-4;
  double beta_ = 0.75;
  double k_ = 1.0;
};

/// input (N, C, *). training: normalise with the batch's mean and biased
/// variance per channel and, when running stats are given, update them in
/// place: r = (1 - momentum) r + momentum * stat (unbiased variance).
/// eval: normalise with the running stats. weight/bias (C) are optional.
/// `batch_norm(x, rm, rv, BatchNormFuncOptions().weight(w).bias(b).training(true))`.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

/// input (*, normalized_shape): each row over the trailing normalized_shape
/// dims is normalised with its mean and biased variance, then y = xhat w + b
/// with weight/bias of shape normalized_shape (optional).
/// `layer_norm(x, LayerNormFuncOptions({64}).weight(w).bias(b))`.
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

/// input (N, C, *), C divisible by num_groups: statistics per sample and group
/// of C / num_groups channels; weight/bias (C) are optional, per channel.
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

/// input (N, C, *): statistics per sample and channel over the spatial dims
/// (use_input_stats), the running stats (C) updated in place with their mean
/// over the batch; otherwise the running stats normalise. weight/bias (C).
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});

/// input (N, C, *), dim >= 3: y = x / (k + alpha / size * sum of x² over the
/// channels c - size/2 .. c + (size-1)/2)^beta, as torch (zero padded, always
/// divided by size).
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);

/// F.normalize's options, libtorch's F::NormalizeFuncOptions: `NormalizeFuncOptions().p(1).dim(-1)`.
struct NormalizeFuncOptions {
  NormalizeFuncOptions& p(double v) { p_ = v; return *this; }
  NormalizeFuncOptions& dim(int64_t v) { dim_ = v; return *this; }
  NormalizeFuncOptions& eps(double v) { eps_ = v; return *this; }
  double p() const { return p_; }
  int64_t dim() const { return dim_; }
  double eps() const { return eps_; }

 private:
  double p_ = 2.0;
  int64_t dim_ = 1;
  double eps_ = 1e-12;
};

/// x / max(||x||_p over dim, eps) (torch.nn.functional.normalize); p > 0, or infinity for the max norm.
Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options = {});

}  // namespace ember
