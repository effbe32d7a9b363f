// Adagrad: per-coordinate learning rates from the running sum of squared
// gradients, with lr decay and L2 weight decay, as torch.optim.Adagrad.
#pragma once

#include "optim/optimizer.h"

namespace ember::optim {

/// `AdagradOptions(1e-2).lr_decay(0).weight_decay(0).initial_accumulator_value(0).eps(1e-10)`.
class AdagradOptions : public OptimizerOptions {
 public:
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's
  AdagradOptions& lr(double v) { lr_ = v; return *this; }
  AdagradOptions& lr_decay(double v) { lr_decay_ = v; return *this; }
  AdagradOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  AdagradOptions& initial_accumulator_value(double v) { initial_accumulator_value_ = v; return *this; }
  AdagradOptions& eps(double v) { eps_ = v; return *this; }
  AdagradOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double lr_decay() const { return lr_decay_; }
  double weight_decay() const { return weight_decay_; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double eps() const { return eps_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, lr_decay_ = 0, weight_decay_ = 0, initial_accumulator_value_ = 0, eps_ = 1e-10;
  bool maximize_ = false;
};

/// s ← s + g²; θ ← θ − lr/(1 + (t−1)·lr_decay) · g / (√s + ε). As in PyTorch,
/// the sums (filled with initial_accumulator_value) and step counts exist from
/// construction, so a fresh optimizer's state dict already holds them.
class Adagrad : public Optimizer {
 public:
  Adagrad(const std::vector<Tensor>& params, const AdagradOptions& defaults);
  Adagrad(const std::vector<OptimizerParamGroup>& groups, const AdagradOptions& defaults);

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

}  // namespace ember::optim
