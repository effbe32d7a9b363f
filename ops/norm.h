// Normalization layers of torch.nn.functional: batch_norm (one-pass channel
// statistics, running stats updated in place), layer_norm, group_norm,
// instance_norm and local_response_norm. Backward rules use ember ops, so
// gradients of gradients work.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// input (N, C, *). training: normalise with the batch's mean and biased
/// variance per channel and, when running stats are given, update them in
/// place: r = (1 - momentum) r + momentum * stat (unbiased variance).
/// eval: normalise with the running stats. weight/bias (C) are optional.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false, double momentum = 0.1,
                  double eps = 1e-5);

/// input (*, normalized_shape): each row over the trailing normalized_shape
/// dims is normalised with its mean and biased variance, then y = xhat w + b
/// with weight/bias of shape normalized_shape (optional).
/// `layer_norm(x, {64}, w, b)`.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

/// input (N, C, *), C divisible by num_groups: statistics per sample and group
/// of C / num_groups channels; weight/bias (C) are optional, per channel.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

/// input (N, C, *): statistics per sample and channel over the spatial dims
/// (use_input_stats), the running stats (C) updated in place with their mean
/// over the batch; otherwise the running stats normalise. weight/bias (C).
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = {}, const Tensor& running_var = {},
                     const Tensor& weight = {}, const Tensor& bias = {}, bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

/// input (N, C, *), dim >= 3: y = x / (k + alpha / size * sum of x² over the
/// channels c - size/2 .. c + (size-1)/2)^beta, as torch (zero padded, always
/// divided by size).
Tensor local_response_norm(const Tensor& input, int64_t size, double alpha = 1e-4, double beta = 0.75,
                           double k = 1.0);

}  // namespace ember
