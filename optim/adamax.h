// Adamax: Adam with the infinity norm in place of the second moment, L2
// weight decay and maximize, as torch.optim.Adamax.
#pragma once

#include <tuple>

#include "optim/optimizer.h"

namespace ember::optim {

/// `AdamaxOptions(2e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0)`.
class AdamaxOptions : public OptimizerOptions {
 public:
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's options
  AdamaxOptions& lr(double v) { lr_ = v; return *this; }
  AdamaxOptions& betas(const std::tuple<double, double>& v) {
    std::tie(beta1_, beta2_) = v;
    return *this;
  }
  AdamaxOptions& eps(double v) { eps_ = v; return *this; }
  AdamaxOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  AdamaxOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  std::tuple<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool maximize() const { return maximize_; }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamaxOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  std::vector<Field> fields() override;

 private:
  double lr_, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weight_decay_ = 0;
  bool maximize_ = false;
};

/// m ← β1·m + (1−β1)g; u ← max(β2·u, |g| + ε); θ ← θ − lr/(1−β1ᵗ) · m/u.
class Adamax : public Optimizer {
 public:
  Adamax(const std::vector<Tensor>& params, const AdamaxOptions& defaults = {});
  Adamax(const std::vector<OptimizerParamGroup>& groups, const AdamaxOptions& defaults = {});

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

namespace detail {
/// The checks Adam's relatives share (lr, eps, both betas, weight_decay), with PyTorch's wording.
void validate_adam_like(const std::string& optimizer, double lr, double eps, double beta1, double beta2,
                        double weight_decay);
}  // namespace detail

}  // namespace ember::optim
