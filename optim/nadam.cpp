// NAdam's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_nadam).
#include "optim/nadam.h"

#include "autograd/error.h"
#include "ops/parallel.h"
#include "optim/adamax.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> NAdamOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"beta1", &beta1_, nullptr},
          {"beta2", &beta2_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"momentum_decay", &momentum_decay_, nullptr},
          {"decoupled_weight_decay", nullptr, &decoupled_weight_decay_},
          {"maximize", nullptr, &maximize_}};
}

void NAdamOptions::validate(const std::string& optimizer) const {
  detail::validate_adam_like(optimizer, lr_, eps_, beta1_, beta2_, weight_decay_);
  EMBER_CHECK(momentum_decay_ >= 0, "{}: invalid momentum_decay value: expected momentum_decay >= 0, got {}",
              optimizer, momentum_decay_);
}

NAdam::NAdam(const std::vector<Tensor>& params, const NAdamOptions& defaults)
    : NAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

NAdam::NAdam(const std::vector<OptimizerParamGroup>& groups, const NAdamOptions& defaults)
    : Optimizer(groups, defaults.clone(), "NAdam") {}

void NAdam::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const NAdamOptions&>(options);
  for (const char* name : {"exp_avg", "exp_avg_sq"})
    if (!state.buffers.count(name)) state.buffers[name] = detail::zeros_like_param(param);
  if (!state.scalars.count("mu_product")) state.scalars["mu_product"] = 1.0;
  state.step += 1;
  double beta1, beta2;
  std::tie(beta1, beta2) = o.betas();
  double step = double(state.step), lr = o.lr();
  double bias_correction2 = 1 - std::pow(beta2, step);
  double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, step * o.momentum_decay()));
  double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
  // PyTorch holds mu_product in a float32 tensor: `mu_product *= mu` rounds to float32.
  double mu_product = double(float(state.scalars["mu_product"]) * float(mu));
  state.scalars["mu_product"] = mu_product;
  double mu_product_next = mu_product * mu_next;
  double grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product);
  double avg_coef = (-lr * mu_next) / (1.0 - mu_product_next);
  dispatch_floating(param.dtype(), "NAdam.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.buffers["exp_avg"].data_ptr<T>();
    T* v = state.buffers["exp_avg_sq"].data_ptr<T>();
    const T w1 = T(1 - beta1), b2 = T(beta2), w2 = T(1 - beta2), eps = T(o.eps()), wd = T(o.weight_decay());
    const T shrink = T(1 - lr * o.weight_decay()), bc2 = T(bias_correction2), gc = T(grad_coef), ac = T(avg_coef);
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0, decoupled = o.decoupled_weight_decay();
    parallel_for_simd(param.numel(), [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) {
        if (decoupled) p[i] = p[i] * shrink;
        else d = d + wd * p[i];
      }
      m[i] = detail::lerp(m[i], d, w1);
      v[i] = v[i] * b2 + w2 * d * d;
      T denom = std::sqrt(v[i] / bc2) + eps;
      p[i] = p[i] + gc * d / denom;
      p[i] = p[i] + ac * m[i] / denom;
    });
  });
}

}  // namespace ember::optim
