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

}  // namespace ember
