// Activation functions of torch.nn.functional. relu, leaky_relu and gelu are
// fused kernels with hand-written (differentiable) backward rules; the rest
// are short kernels or compositions of elementwise ops. sigmoid and tanh live
// in ops/elementwise.h.
#pragma once

#include <string>

#include "autograd/tensor.h"

namespace ember {

/// max(x, 0).
Tensor relu(const Tensor& input);
/// relu in place.
Tensor& relu_(Tensor& input);
/// x where x > threshold, else value (torch.nn.functional.threshold), and in place.
Tensor threshold(const Tensor& input, double threshold, double value);
Tensor& threshold_(Tensor& input, double threshold, double value);
/// min(max(x, 0), 6).
Tensor relu6(const Tensor& input);
/// x for x > 0, negative_slope * x otherwise.
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
/// x for x > 0, weight * x otherwise; weight has one element or one per channel
/// (input dim 1, or no channel dim for inputs of fewer than 2 dims).
Tensor prelu(const Tensor& input, const Tensor& weight);
/// x for x > 0, alpha * (exp(x) - 1) otherwise.
Tensor elu(const Tensor& input, double alpha = 1.0);
/// scale * elu(x, alpha) with the self-normalising constants of Klambauer et al.
Tensor selu(const Tensor& input);
/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha != 0.
Tensor celu(const Tensor& input, double alpha = 1.0);
/// x Phi(x); approximate "none" (erf form) or "tanh".
Tensor gelu(const Tensor& input, const std::string& approximate = "none");
/// x sigmoid(x) (swish).
Tensor silu(const Tensor& input);
/// x tanh(softplus(x)).
Tensor mish(const Tensor& input);
/// log(1 + exp(beta x)) / beta, and x where beta x > threshold.
Tensor softplus(const Tensor& input, double beta = 1.0, double threshold = 20.0);
/// x / (1 + |x|).
Tensor softsign(const Tensor& input);
/// clamp(x, min_val, max_val); min_val <= max_val.
Tensor hardtanh(const Tensor& input, double min_val = -1.0, double max_val = 1.0);
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& input);
/// x relu6(x + 3) / 6.
Tensor hardswish(const Tensor& input);

}  // namespace ember
