// L-BFGS as torch.optim.LBFGS (after minFunc): each step(closure) runs up to
// max_iter quasi-Newton iterations over all parameters as one flat vector,
// with a fixed step or a strong-Wolfe line search. One parameter group only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

/// `LBFGSOptions(1).max_iter(20).history_size(100).line_search_fn("strong_wolfe")`;
/// max_eval defaults to max_iter * 5 / 4.
class LBFGSOptions : public OptimizerOptions {
 public:
  LBFGSOptions(double lr = 1) : lr_(lr) {}  // NOLINT: implicit from an lr, as libtorch's options
  LBFGSOptions& lr(double v) { lr_ = v; return *this; }
  LBFGSOptions& max_iter(int64_t v) { max_iter_ = double(v); return *this; }
  LBFGSOptions& max_eval(std::optional<int64_t> v) { max_eval_ = v ? double(*v) : -1; return *this; }
  LBFGSOptions& tolerance_grad(double v) { tolerance_grad_ = v; return *this; }
  LBFGSOptions& tolerance_change(double v) { tolerance_change_ = v; return *this; }
  LBFGSOptions& history_size(int64_t v) { history_size_ = double(v); return *this; }
  /// std::nullopt (fixed step lr) or "strong_wolfe".
  LBFGSOptions& line_search_fn(const std::optional<std::string>& v);
  double lr() const { return lr_; }
  int64_t max_iter() const { return int64_t(max_iter_); }
  std::optional<int64_t> max_eval() const {
    return max_eval_ < 0 ? std::nullopt : std::optional<int64_t>(int64_t(max_eval_));
  }
  double tolerance_grad() const { return tolerance_grad_; }
  double tolerance_change() const { return tolerance_change_; }
  int64_t history_size() const { return int64_t(history_size_); }
  std::optional<std::string> line_search_fn() const {
    return strong_wolfe_ ? std::optional<std::string>("strong_wolfe") : std::nullopt;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<LBFGSOptions>(*this); }
  void validate(const std::string& optimizer) const override;

 protected:
  /// By name: "max_eval" is -1 while unset; "line_search_fn" is a flag (1 = strong_wolfe).
  std::vector<Field> fields() override;

 private:
  double lr_, max_iter_ = 20, max_eval_ = -1, tolerance_grad_ = 1e-7, tolerance_change_ = 1e-9, history_size_ = 100;
  bool strong_wolfe_ = false;
};

class LBFGS : public Optimizer {
 public:
  LBFGS(const std::vector<Tensor>& params, const LBFGSOptions& defaults = {});
  /// PyTorch's form with groups: exactly one group is accepted.
  LBFGS(const std::vector<OptimizerParamGroup>& groups, const LBFGSOptions& defaults = {});
  /// Runs the iterations; `closure` (required) clears the gradients, computes
  /// the loss, calls backward and returns the loss. Returns the first loss.
  Tensor step(const std::function<Tensor()>& closure) override;
  /// Function evaluations and iterations so far (PyTorch's state "func_evals", "n_iter").
  int64_t func_evals() const { return func_evals_; }
  int64_t n_iter() const { return n_iter_; }
  /// The base layout plus PyTorch's LBFGS state (which it files under the
  /// first parameter): "lbfgs.<name>" float64 tensors, the history as
  /// "lbfgs.old_dirs.<k>" / "lbfgs.old_stps.<k>".
  TensorDict state_dict() const override;
  void load_state_dict(const TensorDict& state_dict) override;

 protected:
  void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) override;

 private:
  using Vec = std::vector<double>;
  std::vector<Tensor>& params();
  Vec gather_flat_grad();
  void add_grad(double step_size, const Vec& update);
  std::vector<Tensor> clone_params();
  void set_params(const std::vector<Tensor>& values);
  /// The loss and flat gradient at x + t·d; the parameters are put back to x.
  std::pair<double, Vec> directional_evaluate(const std::function<Tensor()>& closure, const std::vector<Tensor>& x,
                                              double t, const Vec& d);
  void strong_wolfe(const std::function<Tensor()>& closure, double& t, const Vec& d, double& loss, Vec& flat_grad,
                    double gtd, int64_t& ls_func_evals);

  // PyTorch's LBFGS state (which it files under the first parameter).
  int64_t func_evals_ = 0, n_iter_ = 0;
  Vec d_, prev_flat_grad_, al_;
  double t_ = 0, H_diag_ = 1, prev_loss_ = 0;
  std::vector<Vec> old_dirs_, old_stps_;
  Vec ro_;
};

}  // namespace ember::optim
