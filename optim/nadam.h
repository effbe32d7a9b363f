// NAdam: Adam with Nesterov momentum and a momentum schedule
// (momentum_decay), L2 or decoupled weight decay and maximize, as
// torch.optim.NAdam.
#pragma once

#include <tuple>

#include "optim/optimizer.h"

namespace ember::optim {

/// `NAdamOptions(2e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).momentum_decay(4e-3)`.
class NAdamOptions : public OptimizerOptions {
 public:
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's options
  NAdamOptions& lr(double v) { lr_ = v; return *this; }
  NAdamOptions& betas(const std::tuple<double, double>& v) {
    std::tie(beta1_, beta2_) = v;
    return *this;
  }
  NAdamOptions& eps(double v) { eps_ = v; return *this; }
  NAdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  NAdamOptions& momentum_decay(double v) { momentum_decay_ = v; return *this; }
  /// Weight decay as AdamW's (θ ← θ·(1 − lr·wd)) instead of added to the gradient.
  NAdamOptions& decoupled_weight_decay(bool v) { decoupled_weight_decay_ = v; return *this; }
  NAdamOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double momentum_decay() const { return momentum_decay_; }
  bool decoupled_weight_decay() const { return decoupled_weight_decay_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<NAdamOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0, momentum_decay_ = 4e-3;
  bool decoupled_weight_decay_ = false, maximize_ = false;
};

/// μₜ = β1(1 − ½·0.96^(t·ψ)); θ ← θ − lr(1−μₜ)/(1−Πμ) · g/d − lr·μₜ₊₁/(1−Πμ·μₜ₊₁) · m/d, d = √(v/(1−β2ᵗ)) + ε.
/// The running product Πμ (state "mu_product") is kept in float32, as PyTorch keeps it.
class NAdam : public Optimizer {
 public:
  NAdam(const std::vector<Tensor>& params, const NAdamOptions& defaults = {});
  NAdam(const std::vector<OptimizerParamGroup>& groups, const NAdamOptions& defaults = {});

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
  bool is_scalar_state(const std::string& name) const override { return name == "mu_product"; }
};

}  // namespace ember::optim
