// AdamW: the Adam kernel with decoupled weight decay.
#include "optim/adamw.h"

namespace ember::optim {

AdamW::AdamW(const std::vector<Tensor>& params, const AdamWOptions& defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

AdamW::AdamW(const std::vector<OptimizerParamGroup>& groups, const AdamWOptions& defaults)
    : Optimizer(groups, defaults.clone(), "AdamW") {}

void AdamW::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  detail::adam_update(param, grad, static_cast<const AdamOptions&>(options), state, /*decoupled=*/true);
}

}  // namespace ember::optim
