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
