// ember::nn::init, as torch.nn.init: in-place initialisers for parameters,
// drawn from ember's default generator (so manual_seed makes them
// reproducible), run under NoGradGuard, bumping the tensor's version.
// Gains and fans follow PyTorch's definitions exactly.
#pragma once

#include <string>
#include <utility>

#include "autograd/tensor.h"

namespace ember::nn::init {

/// PyTorch's recommended gain for a nonlinearity: "linear", "conv1d",
/// "conv2d", "sigmoid" -> 1; "tanh" -> 5/3; "relu" -> sqrt(2); "leaky_relu"
/// -> sqrt(2 / (1 + param²)) (param: negative slope, 0.01 when not given);
/// "selu" -> 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

/// (fan_in, fan_out) of a weight with at least 2 dims: size(1) and size(0)
/// times the receptive field (the product of the dims after the first two).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0.0, double b = 1.0);
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
/// U(-b, b), b = gain sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
/// N(0, std²), std = gain sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
/// U(-b, b), b = gain(nonlinearity, a) sqrt(3 / fan); mode "fan_in" or "fan_out".
/// With the defaults, the MSRA variance 2 / fan_in for ReLU needs nonlinearity "relu".
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
/// N(0, std²), std = gain(nonlinearity, a) / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");
/// N(mean, std²) restricted to [a, b] (inverse-CDF sampling, as PyTorch).
Tensor trunc_normal_(Tensor tensor, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0);
/// A (semi-)orthogonal matrix, as torch.nn.init.orthogonal_: the tensor seen as
/// (size(0), numel / size(0)) gets the Q of a QR decomposition of a normal
/// matrix (R's diagonal made positive), times gain; rows are orthonormal when
/// there are fewer rows than columns, columns otherwise. At least 2-d.
Tensor orthogonal_(Tensor tensor, double gain = 1.0);

}  // namespace ember::nn::init
