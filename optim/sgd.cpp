// SGD's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_sgd), so results agree to rounding.
#include "optim/sgd.h"

#include "autograd/error.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> SGDOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"momentum", &momentum_, nullptr},
          {"dampening", &dampening_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"nesterov", nullptr, &nesterov_},
          {"maximize", nullptr, &maximize_}};
}

void SGDOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(momentum_ >= 0, "{}: invalid momentum value: expected momentum >= 0, got {}", optimizer, momentum_);
  EMBER_CHECK(weight_decay_ >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay_);
  EMBER_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0),
              "{}: Nesterov momentum requires a momentum and zero dampening, got momentum={} dampening={}", optimizer,
              momentum_, dampening_);
}

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

SGD::SGD(const std::vector<OptimizerParamGroup>& groups, const SGDOptions& defaults)
    : Optimizer(groups, defaults.clone(), "SGD") {}

void SGD::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const SGDOptions&>(options);
  bool first = o.momentum() != 0 && !state.buffers.count("momentum_buffer");
  if (o.momentum() != 0 && first) state.buffers["momentum_buffer"] = detail::zeros_like_param(param);
  dispatch_floating(param.dtype(), "SGD.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* buf = o.momentum() != 0 ? state.buffers["momentum_buffer"].data_ptr<T>() : nullptr;
    const T lr = T(o.lr()), wd = T(o.weight_decay()), mu = T(o.momentum()), damp = T(1 - o.dampening());
    const bool maximize = o.maximize(), nesterov = o.nesterov(), decay = o.weight_decay() != 0;
    int64_t n = param.numel();
    parallel_for_simd(n, [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) d = d + wd * p[i];
      if (buf) {
        buf[i] = first ? d : buf[i] * mu + damp * d;
        d = nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] = p[i] + -lr * d;
    });
  });
}

}  // namespace ember::optim
