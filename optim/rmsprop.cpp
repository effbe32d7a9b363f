// RMSprop's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_rmsprop).
#include "optim/rmsprop.h"

#include <cmath>

#include "autograd/error.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> RMSpropOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"alpha", &alpha_, nullptr},
          {"eps", &eps_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"momentum", &momentum_, nullptr},
          {"centered", nullptr, &centered_},
          {"maximize", nullptr, &maximize_}};
}

void RMSpropOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(eps_ >= 0, "{}: invalid epsilon value: expected eps >= 0, got {}", optimizer, eps_);
  EMBER_CHECK(momentum_ >= 0, "{}: invalid momentum value: expected momentum >= 0, got {}", optimizer, momentum_);
  EMBER_CHECK(weight_decay_ >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay_);
  EMBER_CHECK(alpha_ >= 0, "{}: invalid alpha value: expected alpha >= 0, got {}", optimizer, alpha_);
}

RMSprop::RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

RMSprop::RMSprop(const std::vector<OptimizerParamGroup>& groups, const RMSpropOptions& defaults)
    : Optimizer(groups, defaults.clone(), "RMSprop") {}

void RMSprop::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  if (!state.buffers.count("square_avg")) state.buffers["square_avg"] = detail::zeros_like_param(param);
  if (o.momentum() > 0 && !state.buffers.count("momentum_buffer"))
    state.buffers["momentum_buffer"] = detail::zeros_like_param(param);
  if (o.centered() && !state.buffers.count("grad_avg")) state.buffers["grad_avg"] = detail::zeros_like_param(param);
  state.step += 1;
  dispatch_floating(param.dtype(), "RMSprop.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* sq = state.buffers["square_avg"].data_ptr<T>();
    T* gavg = o.centered() ? state.buffers["grad_avg"].data_ptr<T>() : nullptr;
    T* buf = o.momentum() > 0 ? state.buffers["momentum_buffer"].data_ptr<T>() : nullptr;
    const T wd = T(o.weight_decay()), alpha = T(o.alpha()), w = T(1 - o.alpha()), eps = T(o.eps());
    const T mu = T(o.momentum()), neg_lr = T(-o.lr());
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
    int64_t n = param.numel();
    parallel_for_simd(n, [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) d = d + wd * p[i];
      sq[i] = sq[i] * alpha + w * d * d;
      T avg;
      if (gavg) {
        // ATen's lerp with weight 1 - alpha (see adam.cpp).
        gavg[i] = std::abs(w) < T(0.5) ? gavg[i] + w * (d - gavg[i]) : d - (d - gavg[i]) * (T(1) - w);
        avg = std::sqrt(sq[i] + T(-1) * gavg[i] * gavg[i]);
      } else {
        avg = std::sqrt(sq[i]);
      }
      avg = avg + eps;
      if (buf) {
        buf[i] = buf[i] * mu + d / avg;
        p[i] = p[i] + neg_lr * buf[i];
      } else {
        p[i] = p[i] + neg_lr * d / avg;
      }
    });
  });
}

}  // namespace ember::optim
