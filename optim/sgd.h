// Stochastic gradient descent with momentum (the velocity form, with
// dampening and Nesterov), L2 weight decay and maximize, as torch.optim.SGD.
#pragma once

#include "optim/optimizer.h"

namespace ember::optim {

/// `SGDOptions(0.1).momentum(0.9).weight_decay(5e-4).nesterov(true)`.
class SGDOptions : public OptimizerOptions {
 public:
  SGDOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
  SGDOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double dampening() const { return dampening_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, momentum_ = 0, dampening_ = 0, weight_decay_ = 0;
  bool nesterov_ = false, maximize_ = false;
};

/// g ← g + wd·θ; v ← μv + (1−τ)g (v = g on the first step); g ← g + μv (Nesterov) or v; θ ← θ − lr·g.
class SGD : public Optimizer {
 public:
  SGD(const std::vector<Tensor>& params, const SGDOptions& defaults);
  SGD(const std::vector<OptimizerParamGroup>& groups, const SGDOptions& defaults);

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
  bool counts_steps() const override { return false; }
};

}  // namespace ember::optim
