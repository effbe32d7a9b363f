// AdamW: Adam with decoupled weight decay (θ ← θ·(1 − lr·wd) before the
// Adam step), default weight_decay 1e-2, as torch.optim.AdamW.
#pragma once

#include "optim/adam.h"

namespace ember::optim {

/// The options of Adam with weight_decay defaulting to 1e-2.
class AdamWOptions : public AdamOptions {
 public:
  // Implicit from an lr, as libtorch's options.
  AdamWOptions(double lr = 1e-3) : AdamOptions(lr) { weight_decay_ = 1e-2; }  // NOLINT
  AdamWOptions& lr(double v) { AdamOptions::lr(v); return *this; }
  AdamWOptions& betas(const std::tuple<double, double>& v) { AdamOptions::betas(v); return *this; }
  AdamWOptions& eps(double v) { AdamOptions::eps(v); return *this; }
  AdamWOptions& weight_decay(double v) { AdamOptions::weight_decay(v); return *this; }
  AdamWOptions& amsgrad(bool v) { AdamOptions::amsgrad(v); return *this; }
  AdamWOptions& maximize(bool v) { AdamOptions::maximize(v); return *this; }
  using AdamOptions::amsgrad;
  using AdamOptions::betas;
  using AdamOptions::eps;
  using AdamOptions::lr;
  using AdamOptions::maximize;
  using AdamOptions::weight_decay;

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamWOptions>(*this); }
};

class AdamW : public Optimizer {
 public:
  AdamW(const std::vector<Tensor>& params, const AdamWOptions& defaults);
  AdamW(const std::vector<OptimizerParamGroup>& groups, const AdamWOptions& defaults);

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;
};

}  // namespace ember::optim
