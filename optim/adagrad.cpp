// Adagrad's fused per-parameter update, in the operation order of PyTorch's
// single-tensor path (_single_tensor_adagrad).
#include "optim/adagrad.h"

#include <cmath>

#include "autograd/error.h"
#include "ops/factory.h"
#include "ops/parallel.h"

namespace ember::optim {

std::vector<OptimizerOptions::Field> AdagradOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"lr_decay", &lr_decay_, nullptr},
          {"weight_decay", &weight_decay_, nullptr},
          {"initial_accumulator_value", &initial_accumulator_value_, nullptr},
          {"eps", &eps_, nullptr},
          {"maximize", nullptr, &maximize_}};
}

void AdagradOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(lr_decay_ >= 0, "{}: invalid lr_decay value: expected lr_decay >= 0, got {}", optimizer, lr_decay_);
  EMBER_CHECK(weight_decay_ >= 0, "{}: invalid weight_decay value: expected weight_decay >= 0, got {}", optimizer,
              weight_decay_);
  EMBER_CHECK(initial_accumulator_value_ >= 0,
              "{}: invalid initial_accumulator_value value: expected initial_accumulator_value >= 0, got {}", optimizer,
              initial_accumulator_value_);
  EMBER_CHECK(eps_ >= 0, "{}: invalid epsilon value: expected eps >= 0, got {}", optimizer, eps_);
}

Adagrad::Adagrad(const std::vector<Tensor>& params, const AdagradOptions& defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adagrad::Adagrad(const std::vector<OptimizerParamGroup>& groups, const AdagradOptions& defaults)
    : Optimizer(groups, defaults.clone(), "Adagrad") {
  // Each group's own initial_accumulator_value (PyTorch uses the default's here
  // but the group's for groups added later; the group's is the consistent choice).
  for (const OptimizerParamGroup& g : param_groups()) {
    double init = g.options().get("initial_accumulator_value");
    for (const Tensor& p : g.params()) mutable_state(p).buffers["sum"] = full(p.shape(), init, p.dtype());
  }
}

void Adagrad::update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  if (!state.buffers.count("sum"))
    state.buffers["sum"] = full(param.shape(), o.initial_accumulator_value(), param.dtype());
  state.step += 1;
  double clr = o.lr() / (1 + double(state.step - 1) * o.lr_decay());
  dispatch_floating(param.dtype(), "Adagrad.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* sum = state.buffers["sum"].data_ptr<T>();
    const T wd = T(o.weight_decay()), eps = T(o.eps()), neg_clr = T(-clr);
    const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
    int64_t n = param.numel();
    parallel_for_simd(n, [&](int64_t i) {
      T d = maximize ? -g[i] : g[i];
      if (decay) d = d + wd * p[i];
      sum[i] = sum[i] + d * d;
      T std = std::sqrt(sum[i]) + eps;
      p[i] = p[i] + neg_clr * d / std;
    });
  });
}

}  // namespace ember::optim
