// RAdam's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_radam).
#include "optim/radam.h"

#include "autograd/error.h"
#include "ops/parallel.h"
#include "optim/adamax.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> RAdamOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"beta1", &beta1_, nullptr},
          {"beta2", &beta2_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"decoupled_weight_decay", nullptr, &decoupled_weight_decay_},
          {"maximize", nullptr, &maximize_}};
}

void RAdamOptions::validate(const std::string& optimizer) const {
  detail::validate_adam_like(optimizer, lr_, eps_, beta1_, beta2_, weight_decay_);
}

RAdam::RAdam(const std::vector<Tensor>& params, const RAdamOptions& defaults)
    : RAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

RAdam::RAdam(const std::vector<OptimizerParamGroup>& groups, const RAdamOptions& defaults)
    : Optimizer(groups, defaults.clone(), "RAdam") {}

void RAdam::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const RAdamOptions&>(options);
  for (const char* name : {"exp_avg", "exp_avg_sq"})
    if (!state.buffers.count(name)) state.buffers[name] = detail::zeros_like_param(param);
  state.step += 1;
  double beta1, beta2;
  std::tie(beta1, beta2) = o.betas();
  double step = double(state.step), lr = o.lr();
  double bias_correction1 = 1 - std::pow(beta1, step);
  double bias_correction2 = 1 - std::pow(beta2, step);
  double rho_inf = 2 / (1 - beta2) - 1;
  double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
  bool rectify = rho_t > 5.0;
  double rect = rectify ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5)
                        : 0.0;
  dispatch_floating(param.dtype(), "RAdam.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.buffers["exp_avg"].data_ptr<T>();
    T* v = state.buffers["exp_avg_sq"].data_ptr<T>();
    const T w1 = T(1 - beta1), b2 = T(beta2), w2 = T(1 - beta2), eps = T(o.eps()), wd = T(o.weight_decay());
    const T shrink = T(1 - lr * o.weight_decay()), bc1 = T(bias_correction1), lr_t = T(lr), r = T(rect);
    const T bc2_sqrt = T(std::pow(bias_correction2, 0.5));
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0, decoupled = o.decoupled_weight_decay();
    parallel_for_simd(param.numel(), [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) {
        if (decoupled) p[i] = p[i] * shrink;
        else d = d + wd * p[i];
      }
      m[i] = detail::lerp(m[i], d, w1);
      v[i] = v[i] * b2 + w2 * d * d;
      T corrected = m[i] / bc1 * lr_t;
      if (rectify) {
        // PyTorch's `scalar / tensor` is reciprocal(tensor) * scalar.
        T adaptive = T(1) / (std::sqrt(v[i]) + eps) * bc2_sqrt;
        p[i] = p[i] - corrected * adaptive * r;
      } else {
        p[i] = p[i] - corrected;
      }
    });
  });
}

}  // namespace ember::optim
