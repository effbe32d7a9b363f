// ember::nn::functional: each function unpacks its options struct and calls
// the op of the same name in ops/ (the math, checks and gradients live there).
#include "nn/functional.h"

#include "ops/activation.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/norm.h"
#include "ops/softmax.h"

namespace ember::nn::functional {

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return ember::conv2d(input, weight, options.bias(), options.args());
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options) {
  return ember::conv1d(input, weight, options.bias(), options.args());
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return ember::max_pool2d(input, options);
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return ember::max_pool2d_with_indices(input, options);
}
Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return ember::max_pool1d(input, options);
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return ember::max_pool1d_with_indices(input, options);
}
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return ember::avg_pool2d(input, options);
}
Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options) {
  return ember::avg_pool1d(input, options);
}
Tensor lp_pool2d(const Tensor& input, const LPPool2dFuncOptions& options) { return ember::lp_pool2d(input, options); }
Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options) {
  return ember::adaptive_avg_pool2d(input, options.output_size());
}
Tensor adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& options) {
  return ember::adaptive_max_pool2d(input, options.output_size());
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool2dFuncOptions& options) {
  return ember::adaptive_max_pool2d_with_indices(input, options.output_size());
}

Tensor relu(const Tensor& input) { return ember::relu(input); }
Tensor relu6(const Tensor& input) { return ember::relu6(input); }
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options) {
  return ember::leaky_relu(input, options.negative_slope());
}
Tensor prelu(const Tensor& input, const Tensor& weight) { return ember::prelu(input, weight); }
Tensor elu(const Tensor& input, const ELUFuncOptions& options) { return ember::elu(input, options.alpha()); }
Tensor selu(const Tensor& input) { return ember::selu(input); }
Tensor celu(const Tensor& input, const CELUFuncOptions& options) { return ember::celu(input, options.alpha()); }
Tensor gelu(const Tensor& input, const GELUFuncOptions& options) { return ember::gelu(input, options.approximate()); }
Tensor silu(const Tensor& input) { return ember::silu(input); }
Tensor mish(const Tensor& input) { return ember::mish(input); }
Tensor sigmoid(const Tensor& input) { return ember::sigmoid(input); }
Tensor tanh(const Tensor& input) { return ember::tanh(input); }
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options) {
  return ember::softplus(input, options.beta(), options.threshold());
}
Tensor softsign(const Tensor& input) { return ember::softsign(input); }
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options) {
  return ember::hardtanh(input, options.min_val(), options.max_val());
}
Tensor hardsigmoid(const Tensor& input) { return ember::hardsigmoid(input); }
Tensor hardswish(const Tensor& input) { return ember::hardswish(input); }

Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  return ember::softmax(options.dtype() ? input.to(*options.dtype()) : input, options.dim());
}
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  return ember::log_softmax(options.dtype() ? input.to(*options.dtype()) : input, options.dim());
}
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return ember::linear(input, weight, bias);
}
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  return ember::dropout(input, options.p(), options.training());
}
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options) {
  return ember::dropout2d(input, options.p(), options.training());
}
Tensor pad(const Tensor& input, const PadFuncOptions& options) {
  return ember::pad(input, options.pad(), options.mode(), options.value());
}
Tensor one_hot(const Tensor& tensor, int64_t num_classes) { return ember::one_hot(tensor, num_classes); }

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  return ember::batch_norm(input, running_mean, running_var, options.weight(), options.bias(), options.training(),
                           options.momentum(), options.eps());
}
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return ember::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(), options.eps());
}
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  return ember::group_norm(input, options.num_groups(), options.weight(), options.bias(), options.eps());
}
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options) {
  return ember::instance_norm(input, options.running_mean(), options.running_var(), options.weight(), options.bias(),
                              options.use_input_stats(), options.momentum(), options.eps());
}
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options) {
  return ember::local_response_norm(input, options.size(), options.alpha(), options.beta(), options.k());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  return ember::cross_entropy(input, target, options.weight(), options.ignore_index(), options.reduction(),
                              options.label_smoothing());
}
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  return ember::nll_loss(input, target, options.weight(), options.ignore_index(), options.reduction());
}
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  return ember::mse_loss(input, target, options.reduction());
}
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  return ember::l1_loss(input, target, options.reduction());
}
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options) {
  return ember::smooth_l1_loss(input, target, options.reduction(), options.beta());
}
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options) {
  return ember::huber_loss(input, target, options.reduction(), options.delta());
}
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  return ember::binary_cross_entropy(input, target, options.weight(), options.reduction());
}
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  return ember::binary_cross_entropy_with_logits(input, target, options.weight(), options.reduction(),
                                                 options.pos_weight());
}
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options) {
  return ember::kl_div(input, target, options.reduction(), options.log_target());
}
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options) {
  return ember::multi_margin_loss(input, target, options.p(), options.margin(), options.weight(), options.reduction());
}

}  // namespace ember::nn::functional
