// Learning-rate schedulers, as torch.optim.lr_scheduler: each one writes a
// new lr into every parameter group when step() is called (after the
// optimizer's step), using PyTorch's recursive (chainable) formulas so
// schedulers compose exactly as they do there.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

/// Base of the epoch-driven schedulers. Constructing one records each
/// group's initial_lr (if no scheduler did yet) and takes the first step
/// (last_epoch 0), as PyTorch does. Given `last_epoch` >= 0 (resuming), every
/// group must already hold its initial_lr (restored with the optimizer's state
/// dict) and the first step goes to last_epoch + 1 from the current lrs.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer, int64_t last_epoch = -1);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch (or batch) and writes the new lr into the groups.
  virtual void step();
  /// Jumps to `epoch`, with the closed form where the schedule has one (PyTorch's deprecated step(epoch)).
  void step(int64_t epoch) { step_epoch(double(epoch)); }
  /// The lr of each group after the last step.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }
  /// The mutable state ("last_epoch", "_step_count", "base_lrs.<i>", "_last_lr.<i>", plus the schedule's own).
  virtual std::map<std::string, double> state_dict() const;
  virtual void load_state_dict(const std::map<std::string, double>& state);

 protected:
  /// Called by each subclass at the end of its constructor (get_lr is virtual).
  void initial_step();
  /// step(epoch)'s work; CosineAnnealingWarmRestarts takes fractional epochs.
  virtual void step_epoch(double epoch);
  /// The next lr of each group, from the current one (chainable form).
  virtual std::vector<double> get_lr() = 0;
  /// The lr at last_epoch from base_lrs alone, for the schedules that have one.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  std::vector<double> group_lrs() const;
  void apply(const std::vector<double>& lrs);

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  /// True during the constructor's step (PyTorch's _initial_mode): schedules that
  /// would otherwise advance the lr once more when resuming keep it instead.
  bool is_initial_ = false;
  std::vector<double> last_lr_;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

/// lr ← lr·gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// lr ← lr·gamma at each milestone (a milestone listed k times multiplies by gamma^k).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

/// lr ← lr·gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double gamma_;
};

/// Cosine annealing from base_lr to eta_min over T_max epochs (PyTorch's recursive form, which restarts upward after T_max).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

/// Multiplies lr by a factor moving linearly from start_factor to end_factor over total_iters epochs (warm-up).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5,
           int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

/// lr = base_lr · lambda(epoch), one function for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lr_lambdas_;
};

/// OneCycleLR's options: total_steps, or epochs and steps_per_epoch.
struct OneCycleLROptions {
  explicit OneCycleLROptions(std::vector<double> max_lr) : max_lr_(std::move(max_lr)) {}
  explicit OneCycleLROptions(double max_lr) : max_lr_({max_lr}) {}
  OneCycleLROptions& total_steps(int64_t v) { total_steps_ = v; return *this; }
  OneCycleLROptions& epochs(int64_t v) { epochs_ = v; return *this; }
  OneCycleLROptions& steps_per_epoch(int64_t v) { steps_per_epoch_ = v; return *this; }
  OneCycleLROptions& pct_start(double v) { pct_start_ = v; return *this; }
  /// "cos" or "linear".
  OneCycleLROptions& anneal_strategy(std::string v) { anneal_strategy_ = std::move(v); return *this; }
  OneCycleLROptions& cycle_momentum(bool v) { cycle_momentum_ = v; return *this; }
  OneCycleLROptions& base_momentum(double v) { base_momentum_ = v; return *this; }
  OneCycleLROptions& max_momentum(double v) { max_momentum_ = v; return *this; }
  OneCycleLROptions& div_factor(double v) { div_factor_ = v; return *this; }
  OneCycleLROptions& final_div_factor(double v) { final_div_factor_ = v; return *this; }
  OneCycleLROptions& three_phase(bool v) { three_phase_ = v; return *this; }

  std::vector<double> max_lr_;  // one value for all groups, or one per group
  std::optional<int64_t> total_steps_, epochs_, steps_per_epoch_;
  double pct_start_ = 0.3;
  std::string anneal_strategy_ = "cos";
  bool cycle_momentum_ = true;
  double base_momentum_ = 0.85, max_momentum_ = 0.95, div_factor_ = 25.0, final_div_factor_ = 1e4;
  bool three_phase_ = false;
};

/// The 1cycle policy: lr rises from max_lr/div_factor to max_lr, then anneals to
/// initial_lr/final_div_factor, while momentum (or Adam's beta1) moves inversely.
class OneCycleLR : public LRScheduler {
 public:
  /// With last_epoch >= 0 the groups' momentum is left as restored (PyTorch does the same).
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indices into group_values_
  };
  OneCycleLROptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
  std::string momentum_key_;  // "momentum" or "beta1"
  std::vector<std::array<double, 5>> group_values_;  // initial_lr, max_lr, min_lr, max_momentum, base_momentum
};

/// Runs schedulers one after another, switching at the milestones.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  void step() override;
  std::map<std::string, double> state_dict() const override;
  void load_state_dict(const std::map<std::string, double>& state) override;

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

/// lr ← lr · lambda(epoch) every epoch after the first (one function for all groups or one per group).
class MultiplicativeLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lr_lambdas_;
};

/// lr = base_lr · factor until total_iters epochs have passed, then base_lr.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double factor_;
  int64_t total_iters_;
};

/// lr = base_lr · (1 − min(epoch, total_iters)/total_iters)^power.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  int64_t total_iters_;
  double power_;
};

/// SGDR: cosine annealing from base_lr to eta_min over T_i epochs, restarting with T_i ← T_i·T_mult.
/// step(epoch) takes fractional epochs (epoch + batch / batches_per_epoch).
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0,
                              int64_t last_epoch = -1);
  void step() override;
  void step(double epoch) { step_epoch(epoch); }
  double T_cur() const { return T_cur_; }
  double T_i() const { return T_i_; }
  std::map<std::string, double> state_dict() const override;
  void load_state_dict(const std::map<std::string, double>& state) override;

 protected:
  std::vector<double> get_lr() override;
  void step_epoch(double epoch) override;

 private:
  int64_t T_0_, T_mult_;
  double eta_min_, T_i_, T_cur_;
};

/// CyclicLR's options; "triangular", "triangular2" or "exp_range" mode, or a custom scale_fn.
struct CyclicLROptions {
  CyclicLROptions(std::vector<double> base_lr, std::vector<double> max_lr)
      : base_lr_(std::move(base_lr)), max_lr_(std::move(max_lr)) {}
  CyclicLROptions(double base_lr, double max_lr) : base_lr_({base_lr}), max_lr_({max_lr}) {}
  CyclicLROptions& step_size_up(double v) { step_size_up_ = v; return *this; }
  CyclicLROptions& step_size_down(std::optional<double> v) { step_size_down_ = v; return *this; }
  CyclicLROptions& mode(std::string v) { mode_ = std::move(v); return *this; }
  CyclicLROptions& gamma(double v) { gamma_ = v; return *this; }
  /// A custom scale; its argument is the cycle number or the iteration (scale_mode "cycle" or "iterations").
  CyclicLROptions& scale_fn(std::function<double(double)> v) { scale_fn_ = std::move(v); return *this; }
  CyclicLROptions& scale_mode(std::string v) { scale_mode_ = std::move(v); return *this; }
  CyclicLROptions& cycle_momentum(bool v) { cycle_momentum_ = v; return *this; }
  CyclicLROptions& base_momentum(std::vector<double> v) { base_momentum_ = std::move(v); return *this; }
  CyclicLROptions& max_momentum(std::vector<double> v) { max_momentum_ = std::move(v); return *this; }

  std::vector<double> base_lr_, max_lr_;  // one value for all groups, or one per group
  double step_size_up_ = 2000;
  std::optional<double> step_size_down_;
  std::string mode_ = "triangular";
  double gamma_ = 1.0;
  std::function<double(double)> scale_fn_;
  std::string scale_mode_ = "cycle";
  bool cycle_momentum_ = true;
  std::vector<double> base_momentum_ = {0.8}, max_momentum_ = {0.9};
};

/// Cycles lr between base_lr and max_lr (and momentum, or Adam's beta1, inversely between max and base).
class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, const CyclicLROptions& options, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;

 private:
  double scale(double x) const;
  CyclicLROptions options_;
  std::vector<double> max_lrs_, base_momentums_, max_momentums_;
  double total_size_, step_ratio_;
  std::string scale_mode_, momentum_key_;
};

/// Steps every scheduler in turn each epoch, so their factors multiply.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;
  std::map<std::string, double> state_dict() const override;
  void load_state_dict(const std::map<std::string, double>& state) override;

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

namespace detail {
/// One value for all groups, or exactly one per group (ValueError naming `op` and `what` otherwise).
std::vector<double> per_group(const std::vector<double>& values, size_t groups, const char* op, const char* what);
/// Sub-scheduler state under "_schedulers.<i>." (SequentialLR, ChainedScheduler).
void save_children(std::map<std::string, double>& out, const std::vector<std::shared_ptr<LRScheduler>>& children);
void load_children(const std::map<std::string, double>& state,
                   const std::vector<std::shared_ptr<LRScheduler>>& children);
}  // namespace detail

/// ReduceLROnPlateau's options (PyTorch's defaults).
struct ReduceLROnPlateauOptions {
  /// "min" (lower metric is better) or "max".
  ReduceLROnPlateauOptions& mode(std::string v) { mode_ = std::move(v); return *this; }
  ReduceLROnPlateauOptions& factor(double v) { factor_ = v; return *this; }
  ReduceLROnPlateauOptions& patience(int64_t v) { patience_ = v; return *this; }
  ReduceLROnPlateauOptions& threshold(double v) { threshold_ = v; return *this; }
  /// "rel" or "abs".
  ReduceLROnPlateauOptions& threshold_mode(std::string v) { threshold_mode_ = std::move(v); return *this; }
  ReduceLROnPlateauOptions& cooldown(int64_t v) { cooldown_ = v; return *this; }
  /// One floor for all groups, or one per group.
  ReduceLROnPlateauOptions& min_lr(std::vector<double> v) { min_lr_ = std::move(v); return *this; }
  ReduceLROnPlateauOptions& eps(double v) { eps_ = v; return *this; }

  std::string mode_ = "min";
  double factor_ = 0.1;
  int64_t patience_ = 10;
  double threshold_ = 1e-4;
  std::string threshold_mode_ = "rel";
  int64_t cooldown_ = 0;
  std::vector<double> min_lr_ = {0.0};
  double eps_ = 1e-8;
};

/// Multiplies lr by factor when the metric has not improved for more than patience epochs.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::map<std::string, double> state_dict() const;
  void load_state_dict(const std::map<std::string, double>& state);

 private:
  bool is_better(double a, double best) const;
  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  int64_t last_epoch_ = 0, num_bad_epochs_ = 0, cooldown_counter_ = 0;
  double best_;
  std::vector<double> last_lr_;
};

}  // namespace ember::optim
