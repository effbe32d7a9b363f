// Normalization modules: registration, PyTorch's initialisation and running
// statistics bookkeeping; the arithmetic is in ops/norm.cpp.
#include "nn/modules/norm.h"

#include "autograd/grad_mode.h"
#include "ops/factory.h"
#include "ops/norm.h"

namespace ember::nn {

void NormImplBase::reset() {
  int64_t c = options.num_features();
  EMBER_CHECK(c > 0, "{}: expected num_features > 0, got {}", name(), c);
  if (options.affine()) {
    weight = register_parameter("weight", empty({c}));
    if (options.bias()) bias = register_parameter("bias", empty({c}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", empty({c}));
    running_var = register_buffer("running_var", empty({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", empty({}, kInt64));
  }
  reset_parameters();
}

void NormImplBase::reset_running_stats() {
  if (!running_mean.defined()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void NormImplBase::reset_parameters() {
  reset_running_stats();
  NoGradGuard no_grad;
  if (weight.defined()) weight.fill_(1.0);
  if (bias.defined()) bias.zero_();
}

double NormImplBase::count_batch() {
  if (!is_training() || !num_batches_tracked.defined()) return options.momentum().value_or(0.0);
  {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  return options.momentum() ? *options.momentum() : 1.0 / num_batches_tracked.item<double>();
}

std::string NormImplBase::extra_repr() const {
  const auto& o = options;
  return fmt::format("{}, eps={}, momentum={}, affine={}, bias={}, track_running_stats={}", o.num_features(),
                     py_float(o.eps()), o.momentum() ? py_float(*o.momentum()) : "None", py_bool(o.affine()),
                     py_bool(bias.defined()), py_bool(o.track_running_stats()));
}

Tensor NormImplBase::normalize(const Tensor& input, bool instance) {
  const double factor = count_batch();
  const bool batch_stats = is_training() || !running_mean.defined();
  if (instance)
    return instance_norm(input, InstanceNormFuncOptions()
                                    .running_mean(running_mean)
                                    .running_var(running_var)
                                    .weight(weight)
                                    .bias(bias)
                                    .use_input_stats(batch_stats)
                                    .momentum(factor)
                                    .eps(options.eps()));
  return batch_norm(input, running_mean, running_var,
                    BatchNormFuncOptions().weight(weight).bias(bias).training(batch_stats).momentum(factor).eps(
                        options.eps()));
}

Tensor BatchNorm1dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, "BatchNorm1d: expected 2D or 3D input, got {}D input {}",
              input.dim(), shape_str(input.shape()));
  return normalize(input, false);
}

Tensor BatchNorm2dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 4, "BatchNorm2d: expected 4D input, got {}D input {}", input.dim(),
              shape_str(input.shape()));
  return normalize(input, false);
}

Tensor BatchNorm3dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 5, "BatchNorm3d: expected 5D input, got {}D input {}", input.dim(),
              shape_str(input.shape()));
  return normalize(input, false);
}

InstanceNorm2dImpl::InstanceNorm2dImpl(const InstanceNormOptions& options_)
    : NormImplBase(options_.batch_norm_options()) {
  reset();
}

Tensor InstanceNorm2dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, "InstanceNorm2d: expected 3D or 4D input, got {}D input {}",
              input.dim(), shape_str(input.shape()));
  if (input.dim() == 3) return normalize(input.unsqueeze(0), true).squeeze(0);
  return normalize(input, true);
}

// ---- LayerNorm ----

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : options(options_) { reset(); }

void LayerNormImpl::reset() {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", empty(options.normalized_shape()));
    if (options.bias()) bias = register_parameter("bias", empty(options.normalized_shape()));
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) weight.fill_(1.0);
  if (bias.defined()) bias.zero_();
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return layer_norm(input, LayerNormFuncOptions(options.normalized_shape()).weight(weight).bias(bias).eps(options.eps()));
}

std::string LayerNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}, bias={}", py_tuple(options.normalized_shape()),
                     py_float(options.eps()), py_bool(options.elementwise_affine()), py_bool(bias.defined()));
}

// ---- GroupNorm ----

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options_) : options(options_) { reset(); }

void GroupNormImpl::reset() {
  EMBER_CHECK(options.num_groups() > 0 && options.num_channels() % options.num_groups() == 0,
              "GroupNorm: num_channels must be divisible by num_groups, got {} and {}", options.num_channels(),
              options.num_groups());
  if (options.affine()) {
    weight = register_parameter("weight", empty({options.num_channels()}));
    if (options.bias()) bias = register_parameter("bias", empty({options.num_channels()}));
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) weight.fill_(1.0);
  if (bias.defined()) bias.zero_();
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return group_norm(input, GroupNormFuncOptions(options.num_groups()).weight(weight).bias(bias).eps(options.eps()));
}

std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}, bias={}", options.num_groups(), options.num_channels(),
                     py_float(options.eps()), py_bool(options.affine()), py_bool(bias.defined()));
}

// ---- LocalResponseNorm ----

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return local_response_norm(input, options);
}

std::string LocalResponseNormImpl::extra_repr() const {
  return fmt::format("{}, alpha={}, beta={}, k={}", options.size(), py_float(options.alpha()), py_float(options.beta()),
                     py_float(options.k()));
}

}  // namespace ember::nn
