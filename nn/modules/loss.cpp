// Loss modules: the functional loss with the module's options; registered
// weight buffers (converted by Module::to) take the place of the options' ones.
#include "nn/modules/loss.h"

namespace ember::nn {

namespace F = functional;

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options_) : options(options_) {
  if (options.weight().defined()) weight = register_buffer("weight", options.weight().detach().clone());
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  auto o = options;
  o.weight(weight);
  return F::cross_entropy(input, target, o);
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options_) : options(options_) {
  if (options.weight().defined()) weight = register_buffer("weight", options.weight().detach().clone());
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  auto o = options;
  o.weight(weight);
  return F::nll_loss(input, target, o);
}

MSELossImpl::MSELossImpl(const MSELossOptions& options_) : options(options_) {}
Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, options); }

L1LossImpl::L1LossImpl(const L1LossOptions& options_) : options(options_) {}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, options); }

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions& options_) : options(options_) {}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::smooth_l1_loss(input, target, options); }

HuberLossImpl::HuberLossImpl(const HuberLossOptions& options_) : options(options_) {}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) { return F::huber_loss(input, target, options); }

BCELossImpl::BCELossImpl(const BCELossOptions& options_) : options(options_) {
  if (options.weight().defined()) weight = register_buffer("weight", options.weight().detach().clone());
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  auto o = options;
  o.weight(weight);
  return F::binary_cross_entropy(input, target, o);
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options_) : options(options_) {
  if (options.weight().defined()) weight = register_buffer("weight", options.weight().detach().clone());
  if (options.pos_weight().defined()) pos_weight = register_buffer("pos_weight", options.pos_weight().detach().clone());
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  auto o = options;
  o.weight(weight).pos_weight(pos_weight);
  return F::binary_cross_entropy_with_logits(input, target, o);
}

KLDivLossImpl::KLDivLossImpl(const KLDivLossOptions& options_) : options(options_) {}
Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) { return F::kl_div(input, target, options); }

MultiMarginLossImpl::MultiMarginLossImpl(const MultiMarginLossOptions& options_) : options(options_) {
  if (options.weight().defined()) weight = register_buffer("weight", options.weight().detach().clone());
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  auto o = options;
  o.weight(weight);
  return F::multi_margin_loss(input, target, o);
}

}  // namespace ember::nn
