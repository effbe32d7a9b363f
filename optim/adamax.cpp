// Adamax's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_adamax).
#include "optim/adamax.h"

#include <algorithm>

#include "autograd/error.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> AdamaxOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"beta1", &beta1_, nullptr},
          {"beta2", &beta2_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"maximize", nullptr, &maximize_}};
}

namespace detail {
void validate_adam_like(const std::string& optimizer, double lr, double eps, double beta1, double beta2,
                        double weight_decay) {
  EMBER_CHECK(lr >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr);
  EMBER_CHECK(eps >= 0, "{}: invalid epsilon value: expected eps >= 0, got {}", optimizer, eps);
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, "{}: invalid beta parameter at index 0: expected 0 <= betas[0] < 1, got {}",
              optimizer, beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, "{}: invalid beta parameter at index 1: expected 0 <= betas[1] < 1, got {}",
              optimizer, beta2);
  EMBER_CHECK(weight_decay >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay);
}
}  // namespace detail

void AdamaxOptions::validate(const std::string& optimizer) const {
  detail::validate_adam_like(optimizer, lr_, eps_, beta1_, beta2_, weight_decay_);
}

Adamax::Adamax(const std::vector<Tensor>& params, const AdamaxOptions& defaults)
    : Adamax(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adamax::Adamax(const std::vector<OptimizerParamGroup>& groups, const AdamaxOptions& defaults)
    : Optimizer(groups, defaults.clone(), "Adamax") {}

void Adamax::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const AdamaxOptions&>(options);
  for (const char* name : {"exp_avg", "exp_inf"})
    if (!state.buffers.count(name)) state.buffers[name] = detail::zeros_like_param(param);
  state.step += 1;
  double beta1, beta2;
  std::tie(beta1, beta2) = o.betas();
  double clr = o.lr() / (1 - std::pow(beta1, double(state.step)));
  dispatch_floating(param.dtype(), "Adamax.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.buffers["exp_avg"].data_ptr<T>();
    T* u = state.buffers["exp_inf"].data_ptr<T>();
    const T w1 = T(1 - beta1), b2 = T(beta2), eps = T(o.eps()), wd = T(o.weight_decay()), neg_clr = T(-clr);
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
    parallel_for_simd(param.numel(), [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) d = d + wd * p[i];
      m[i] = detail::lerp(m[i], d, w1);
      T decayed = u[i] * b2, bound = std::abs(d) + eps;
      u[i] = (std::isnan(decayed) || decayed > bound) ? decayed : bound;  // torch.maximum: NaN wins
      p[i] = p[i] + neg_clr * m[i] / u[i];
    });
  });
}

}  // namespace ember::optim
