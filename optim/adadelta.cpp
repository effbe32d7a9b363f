// Adadelta's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_adadelta).
#include "optim/adadelta.h"

#include "autograd/error.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> AdadeltaOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"rho", &rho_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"maximize", nullptr, &maximize_}};
}

void AdadeltaOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(rho_ >= 0 && rho_ <= 1, "{}: invalid rho value: expected 0 <= rho <= 1, got {}", optimizer, rho_);
  EMBER_CHECK(eps_ >= 0, "{}: invalid epsilon value: expected eps >= 0, got {}", optimizer, eps_);
  EMBER_CHECK(weight_decay_ >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay_);
}

Adadelta::Adadelta(const std::vector<Tensor>& params, const AdadeltaOptions& defaults)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adadelta::Adadelta(const std::vector<OptimizerParamGroup>& groups, const AdadeltaOptions& defaults)
    : Optimizer(groups, defaults.clone(), "Adadelta") {}

void Adadelta::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const AdadeltaOptions&>(options);
  for (const char* name : {"square_avg", "acc_delta"})
    if (!state.buffers.count(name)) state.buffers[name] = detail::zeros_like_param(param);
  state.step += 1;
  dispatch_floating(param.dtype(), "Adadelta.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = state.buffers["square_avg"].data_ptr<T>();
    T* u = state.buffers["acc_delta"].data_ptr<T>();
    const T rho = T(o.rho()), w = T(1 - o.rho()), eps = T(o.eps()), wd = T(o.weight_decay()), neg_lr = T(-o.lr());
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
    parallel_for_simd(param.numel(), [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) d = d + wd * p[i];
      v[i] = v[i] * rho + w * d * d;
      T std_ = std::sqrt(v[i] + eps);
      T delta = std::sqrt(u[i] + eps) / std_ * d;
      u[i] = u[i] * rho + w * delta * delta;
      p[i] = p[i] + neg_lr * delta;
    });
  });
}

}  // namespace ember::optim
