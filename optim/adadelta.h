// Adadelta: per-coordinate steps from running averages of squared gradients
// and squared updates, L2 weight decay and maximize, as torch.optim.Adadelta
// (the optimizer of PyTorch's MNIST example).
#pragma once

#include "optim/optimizer.h"

namespace ember::optim {

/// `AdadeltaOptions(1.0).rho(0.9).eps(1e-6).weight_decay(0)`; a double converts (`Adadelta(params, 1.0)`).
class AdadeltaOptions : public OptimizerOptions {
 public:
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's
  AdadeltaOptions& lr(double v) { lr_ = v; return *this; }
  AdadeltaOptions& rho(double v) { rho_ = v; return *this; }
  AdadeltaOptions& eps(double v) { eps_ = v; return *this; }
  AdadeltaOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  AdadeltaOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double rho() const { return rho_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdadeltaOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, rho_ = 0.9, eps_ = 1e-6, weight_decay_ = 0;
  bool maximize_ = false;
};

/// v ← ρv + (1−ρ)g²; Δ ← √(u+ε)/√(v+ε)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ.
class Adadelta : public Optimizer {
 public:
  Adadelta(const std::vector<Tensor>& params, const AdadeltaOptions& defaults = {});
  Adadelta(const std::vector<OptimizerParamGroup>& groups, const AdadeltaOptions& defaults = {});

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

}  // namespace ember::optim
