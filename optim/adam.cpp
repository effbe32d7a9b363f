// Adam's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_adam), shared with AdamW.
#include "optim/adam.h"

#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> AdamOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"beta1", &beta1_, nullptr},
          {"beta2", &beta2_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"amsgrad", nullptr, &amsgrad_},
          {"maximize", nullptr, &maximize_}};
}

void AdamOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(eps_ >= 0, "{}: invalid epsilon value: expected eps >= 0, got {}", optimizer, eps_);
  EMBER_CHECK(beta1_ >= 0 && beta1_ < 1, "{}: invalid beta parameter at index 0: expected 0 <= betas[0] < 1, got {}",
              optimizer, beta1_);
  EMBER_CHECK(beta2_ >= 0 && beta2_ < 1, "{}: invalid beta parameter at index 1: expected 0 <= betas[1] < 1, got {}",
              optimizer, beta2_);
  EMBER_CHECK(weight_decay_ >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay_);
}

Adam::Adam(const std::vector<Tensor>& params, const AdamOptions& defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adam::Adam(const std::vector<OptimizerParamGroup>& groups, const AdamOptions& defaults)
    : Optimizer(groups, defaults.clone(), "Adam") {}

void Adam::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  detail::adam_update(param, grad, static_cast<const AdamOptions&>(options), state, /*decoupled=*/false);
}

namespace detail {

void adam_update(Tensor& param, const Tensor& grad, const AdamOptions& o, ParamState& state, bool decoupled) {
  for (const char* name : {"exp_avg", "exp_avg_sq"})
    if (!state.buffers.count(name)) state.buffers[name] = zeros_like_param(param);
  if (o.amsgrad() && !state.buffers.count("max_exp_avg_sq"))
    state.buffers["max_exp_avg_sq"] = zeros_like_param(param);
  state.step += 1;
  // Not a structured binding: C++17 does not let the lambda below capture one (clang refuses).
  double beta1, beta2;
  std::tie(beta1, beta2) = o.betas();
  double bias_correction1 = 1 - std::pow(beta1, double(state.step));
  double bias_correction2 = 1 - std::pow(beta2, double(state.step));
  double step_size = o.lr() / bias_correction1;
  double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
  dispatch_floating(param.dtype(), decoupled ? "AdamW.step" : "Adam.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.buffers["exp_avg"].data_ptr<T>();
    T* v = state.buffers["exp_avg_sq"].data_ptr<T>();
    T* vmax = o.amsgrad() ? state.buffers["max_exp_avg_sq"].data_ptr<T>() : nullptr;
    const T wd = T(o.weight_decay()), shrink = T(1 - o.lr() * o.weight_decay());
    const T w1 = T(1 - beta1), b2 = T(beta2), w2 = T(1 - beta2), eps = T(o.eps());
    const T neg_step = T(-step_size), bc2 = T(bias_correction2_sqrt);
    const bool maximize = o.maximize(), l2 = !decoupled && o.weight_decay() != 0,
               shrink_p = decoupled && o.weight_decay() != 0;
    int64_t n = param.numel();
    parallel_for_simd(n, [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (shrink_p) p[i] = p[i] * shrink;
      if (l2) d = d + wd * p[i];
      m[i] = lerp(m[i], d, w1);
      v[i] = v[i] * b2 + w2 * d * d;
      T second = v[i];
      if (vmax) second = vmax[i] = std::max(vmax[i], v[i]);
      T denom = std::sqrt(second) / bc2 + eps;
      p[i] = p[i] + neg_step * m[i] / denom;
    });
  });
}

}  // namespace detail

}  // namespace ember::optim
