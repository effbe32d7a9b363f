// RAdam: Adam whose adaptive step is rectified (and skipped while the
// variance estimate is unreliable), L2 or decoupled weight decay and
// maximize, as torch.optim.RAdam.
#pragma once

#include <tuple>

#include "optim/optimizer.h"

namespace ember::optim {

/// `RAdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).decoupled_weight_decay(false)`.
class RAdamOptions : public OptimizerOptions {
 public:
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's options
  RAdamOptions& lr(double v) { lr_ = v; return *this; }
  RAdamOptions& betas(const std::tuple<double, double>& v) {
    std::tie(beta1_, beta2_) = v;
    return *this;
  }
  RAdamOptions& eps(double v) { eps_ = v; return *this; }
  RAdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// Weight decay as AdamW's (θ ← θ·(1 − lr·wd)) instead of added to the gradient.
  RAdamOptions& decoupled_weight_decay(bool v) { decoupled_weight_decay_ = v; return *this; }
  RAdamOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool decoupled_weight_decay() const { return decoupled_weight_decay_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RAdamOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0;
  bool decoupled_weight_decay_ = false, maximize_ = false;
};

/// ρ∞ = 2/(1−β2) − 1, ρₜ = ρ∞ − 2tβ2ᵗ/(1−β2ᵗ); θ ← θ − lr·m̂·r·√(1−β2ᵗ)/(√v + ε) when ρₜ > 5, else θ − lr·m̂.
class RAdam : public Optimizer {
 public:
  RAdam(const std::vector<Tensor>& params, const RAdamOptions& defaults = {});
  RAdam(const std::vector<OptimizerParamGroup>& groups, const RAdamOptions& defaults = {});

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

}  // namespace ember::optim
