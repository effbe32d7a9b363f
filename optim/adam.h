// Adam: bias-corrected first and second moment estimates, L2 weight decay
// added to the gradient, AMSGrad and maximize, as torch.optim.Adam.
#pragma once

#include <tuple>

#include "optim/optimizer.h"

namespace ember::optim {

/// `AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).amsgrad(false)`.
class AdamOptions : public OptimizerOptions {
 public:
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's
  AdamOptions& lr(double v) { lr_ = v; return *this; }
  AdamOptions& betas(const std::tuple<double, double>& v) {
    std::tie(beta1_, beta2_) = v;
    return *this;
  }
  AdamOptions& eps(double v) { eps_ = v; return *this; }
  AdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  AdamOptions& amsgrad(bool v) { amsgrad_ = v; return *this; }
  AdamOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool amsgrad() const { return amsgrad_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0;
  bool amsgrad_ = false, maximize_ = false;
};

/// m ← β1·m + (1−β1)g; v ← β2·v + (1−β2)g²; θ ← θ − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
class Adam : public Optimizer {
 public:
  Adam(const std::vector<Tensor>& params, const AdamOptions& defaults);
  Adam(const std::vector<OptimizerParamGroup>& groups, const AdamOptions& defaults);

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

namespace detail {
/// Adam's update; `decoupled` applies weight decay to θ directly (AdamW) instead of to the gradient.
void adam_update(Tensor& param, const Tensor& grad, const AdamOptions& options, ParamState& state, bool decoupled);
}  // namespace detail

}  // namespace ember::optim
