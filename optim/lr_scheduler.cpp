// The schedulers' formulas, transcribed from torch/optim/lr_scheduler.py
// (PyTorch 2.13) term for term, so lr sequences agree to the last bit or two.
#include "optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/error.h"

namespace ember::optim {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Python's a % b for b > 0 (the result takes b's sign).
int64_t py_mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

}  // namespace

namespace detail {

std::vector<double> per_group(const std::vector<double>& values, size_t groups, const char* op, const char* what) {
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  EMBER_CHECK(values.size() == groups, "{}: expected {} values for {} (one per param group), got {}", op, groups, what,
              values.size());
  return values;
}

void save_children(std::map<std::string, double>& out, const std::vector<std::shared_ptr<LRScheduler>>& children) {
  for (size_t i = 0; i < children.size(); ++i)
    for (const auto& [k, v] : children[i]->state_dict()) out["_schedulers." + std::to_string(i) + "." + k] = v;
}

void load_children(const std::map<std::string, double>& state,
                   const std::vector<std::shared_ptr<LRScheduler>>& children) {
  for (size_t i = 0; i < children.size(); ++i) {
    std::string prefix = "_schedulers." + std::to_string(i) + ".";
    std::map<std::string, double> sub;
    for (const auto& [k, v] : state)
      if (k.compare(0, prefix.size(), prefix) == 0) sub[k.substr(prefix.size())] = v;
    children[i]->load_state_dict(sub);
  }
}

}  // namespace detail

using detail::per_group;

// ---- base ----

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch) : optimizer_(optimizer), last_epoch_(last_epoch) {
  EMBER_CHECK(last_epoch >= -1, "lr_scheduler: expected last_epoch >= -1, got {}", last_epoch);
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    OptimizerParamGroup& g = groups[i];
    if (last_epoch == -1 && !g.initial_lr) g.initial_lr = g.options().get_lr();
    EMBER_CHECK(g.initial_lr.has_value(),
                "lr_scheduler: param 'initial_lr' is not specified in param_groups[{}] when resuming with last_epoch "
                "{} >= 0 (load the optimizer's state dict first)",
                i, last_epoch);
    base_lrs_.push_back(*g.initial_lr);
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  is_initial_ = true;
  step();
  is_initial_ = false;
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const OptimizerParamGroup& g : optimizer_.param_groups()) out.push_back(g.options().get_lr());
  return out;
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  EMBER_CHECK(lrs.size() == groups.size(), "lr_scheduler: the optimizer has {} param groups but the scheduler {}",
              groups.size(), lrs.size());
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

void LRScheduler::step() {
  step_count_ += 1;
  last_epoch_ += 1;
  apply(get_lr());
}

void LRScheduler::step_epoch(double epoch) {
  step_count_ += 1;
  last_epoch_ = int64_t(epoch);
  auto closed = closed_form_lr();
  apply(closed ? *closed : get_lr());
}

std::map<std::string, double> LRScheduler::state_dict() const {
  std::map<std::string, double> out{{"last_epoch", double(last_epoch_)}, {"_step_count", double(step_count_)}};
  for (size_t i = 0; i < base_lrs_.size(); ++i) out["base_lrs." + std::to_string(i)] = base_lrs_[i];
  for (size_t i = 0; i < last_lr_.size(); ++i) out["_last_lr." + std::to_string(i)] = last_lr_[i];
  return out;
}

void LRScheduler::load_state_dict(const std::map<std::string, double>& state) {
  auto get = [&](const std::string& key) {
    auto it = state.find(key);
    EMBER_CHECK(it != state.end(), "lr_scheduler.load_state_dict: missing '{}'", key);
    return it->second;
  };
  last_epoch_ = int64_t(get("last_epoch"));
  step_count_ = int64_t(get("_step_count"));
  for (size_t i = 0; i < base_lrs_.size(); ++i) base_lrs_[i] = get("base_lrs." + std::to_string(i));
  last_lr_.assign(base_lrs_.size(), 0.0);
  for (size_t i = 0; i < last_lr_.size(); ++i) last_lr_[i] = get("_last_lr." + std::to_string(i));
}

// ---- StepLR ----

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "StepLR: expected step_size > 0, got {}", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, double(last_epoch_ / step_size_)));
  return lrs;
}

// ---- MultiStepLR ----

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, double(hits));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, double(passed)));
  return lrs;
}

// ---- ExponentialLR ----

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (is_initial_) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, double(last_epoch_)));
  return lrs;
}

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, "CosineAnnealingLR: expected T_max > 0, got {}", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (is_initial_) return lrs;
  double T = double(T_max_), e = double(last_epoch_);
  for (size_t i = 0; i < lrs.size(); ++i) {
    if (step_count_ == 1 && last_epoch_ > 0)
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    else if (py_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0)
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    else
      lrs[i] = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lrs[i] - eta_min_) + eta_min_;
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * double(last_epoch_) / double(T_max_))) / 2);
  return lrs;
}

// ---- LinearLR ----

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters,
                   int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  EMBER_CHECK(start_factor > 0 && start_factor <= 1,
              "LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got {}",
              start_factor);
  EMBER_CHECK(end_factor >= 0 && end_factor <= 1,
              "LinearLR: ending multiplicative factor expected to be between 0 and 1, got {}", end_factor);
  EMBER_CHECK(total_iters > 0, "LinearLR: expected total_iters > 0, got {}", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (is_initial_ || last_epoch_ > total_iters_) return lrs;
  double d = end_factor_ - start_factor_;
  for (double& lr : lrs)
    lr = lr * (1.0 + d / (double(total_iters_) * start_factor_ + double(last_epoch_ - 1) * d));
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * (start_factor_ + (end_factor_ - start_factor_) *
                                              double(std::min(total_iters_, last_epoch_)) / double(total_iters_)));
  return lrs;
}

// ---- LambdaLR ----

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda), last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), lr_lambdas_(std::move(lr_lambdas)) {
  EMBER_CHECK(lr_lambdas_.size() == optimizer.param_groups().size(), "LambdaLR: expected {} lr_lambdas, but got {}",
              optimizer.param_groups().size(), lr_lambdas_.size());
  for (const Lambda& f : lr_lambdas_) EMBER_CHECK(bool(f), "LambdaLR: lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lr_lambdas_[i](last_epoch_));
  return lrs;
}

// ---- OneCycleLR ----

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), options_(options) {
  const auto& o = options_;
  if (o.total_steps_) {
    EMBER_CHECK(*o.total_steps_ > 0, "OneCycleLR: expected positive integer total_steps, but got {}", *o.total_steps_);
    total_steps_ = *o.total_steps_;
  } else {
    EMBER_CHECK(o.epochs_ && o.steps_per_epoch_,
                "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
    EMBER_CHECK(*o.epochs_ > 0, "OneCycleLR: expected positive integer epochs, but got {}", *o.epochs_);
    EMBER_CHECK(*o.steps_per_epoch_ > 0, "OneCycleLR: expected positive integer steps_per_epoch, but got {}",
                *o.steps_per_epoch_);
    total_steps_ = *o.epochs_ * *o.steps_per_epoch_;
  }
  EMBER_CHECK(o.pct_start_ >= 0 && o.pct_start_ <= 1, "OneCycleLR: expected float between 0 and 1 pct_start, but got {}",
              o.pct_start_);
  EMBER_CHECK(o.anneal_strategy_ == "cos" || o.anneal_strategy_ == "linear",
              "OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got {}", o.anneal_strategy_);
  enum { kInitial, kMax, kMin, kMaxMomentum, kBaseMomentum };
  double total = double(total_steps_);
  if (o.three_phase_)
    phases_ = {{o.pct_start_ * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {2 * o.pct_start_ * total - 2, kMax, kInitial, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitial, kMin, kMaxMomentum, kMaxMomentum}};
  else
    phases_ = {{o.pct_start_ * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {total - 1, kMax, kMin, kBaseMomentum, kMaxMomentum}};

  auto& groups = optimizer.param_groups();
  std::vector<double> max_lrs = per_group(o.max_lr_, groups.size(), "OneCycleLR", "max_lr");
  const OptimizerOptions& defaults = optimizer.defaults();
  if (o.cycle_momentum_) {
    EMBER_CHECK(defaults.has("momentum") || defaults.has("beta1"),
                "OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
    momentum_key_ = defaults.has("beta1") ? "beta1" : "momentum";
  }
  // A fresh run starts every group at max_lr/div_factor and max_momentum; a
  // resumed one (last_epoch >= 0) keeps the restored lr, momentum and initial_lr.
  bool fresh = last_epoch == -1;
  if (fresh) base_lrs_.clear();
  for (size_t i = 0; i < groups.size(); ++i) {
    double initial = max_lrs[i] / o.div_factor_;
    group_values_.push_back({initial, max_lrs[i], initial / o.final_div_factor_, o.max_momentum_, o.base_momentum_});
    if (!fresh) continue;
    groups[i].initial_lr = initial;
    base_lrs_.push_back(initial);
    if (o.cycle_momentum_) groups[i].options().set(momentum_key_, o.max_momentum_);
  }
  initial_step();
}

std::vector<double> OneCycleLR::get_lr() {
  EMBER_CHECK(last_epoch_ <= total_steps_, "OneCycleLR: tried to step {} times. The specified number of total steps is {}",
              last_epoch_, total_steps_);
  auto anneal = [&](double start, double end, double pct) {
    if (options_.anneal_strategy_ == "cos") return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1);
    return (end - start) * pct + start;
  };
  auto& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  double step_num = double(last_epoch_);
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& v = group_values_[g];
    double start_step = 0.0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i == phases_.size() - 1) {
        double pct = (step_num - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(v[phase.start_lr], v[phase.end_lr], pct));
        if (options_.cycle_momentum_)
          groups[g].options().set(momentum_key_, anneal(v[phase.start_momentum], v[phase.end_momentum], pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

// ---- SequentialLR ----

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  EMBER_CHECK(!schedulers_.empty(), "SequentialLR: expects at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    EMBER_CHECK(schedulers_[i] != nullptr, "SequentialLR: scheduler {} is null", i);
    EMBER_CHECK(&schedulers_[i]->optimizer() == &optimizer,
                "SequentialLR: expects all schedulers to belong to the same optimizer, but scheduler {} has another", i);
  }
  EMBER_CHECK(milestones_.size() + 1 == schedulers_.size(),
              "SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, "
              "but got number of schedulers {} and the number of milestones to be equal to {}",
              schedulers_.size(), milestones_.size());
  last_epoch_ = 0;
  // Undo what constructing the schedulers did, then take the first scheduler's initial step.
  auto& groups = optimizer_.param_groups();
  for (auto& g : groups) g.options().set_lr(*g.initial_lr);
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  size_t idx = std::upper_bound(milestones_.begin(), milestones_.end(), 0) - milestones_.begin();
  schedulers_[idx]->initial_step();
  last_lr_ = schedulers_[idx]->get_last_lr();
}

void SequentialLR::step() {
  last_epoch_ += 1;
  size_t idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s.step(int64_t(0));
  else s.step();
  last_lr_ = s.get_last_lr();
}

std::vector<double> SequentialLR::get_lr() { return group_lrs(); }

std::map<std::string, double> SequentialLR::state_dict() const {
  std::map<std::string, double> out = LRScheduler::state_dict();
  detail::save_children(out, schedulers_);
  return out;
}

void SequentialLR::load_state_dict(const std::map<std::string, double>& state) {
  LRScheduler::load_state_dict(state);
  detail::load_children(state, schedulers_);
}

// ---- ReduceLROnPlateau ----

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options) {
  EMBER_CHECK(options_.factor_ < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got {}", options_.factor_);
  EMBER_CHECK(options_.mode_ == "min" || options_.mode_ == "max", "ReduceLROnPlateau: mode {} is unknown!",
              options_.mode_);
  EMBER_CHECK(options_.threshold_mode_ == "rel" || options_.threshold_mode_ == "abs",
              "ReduceLROnPlateau: threshold mode {} is unknown!", options_.threshold_mode_);
  min_lrs_ = per_group(options_.min_lr_, optimizer.param_groups().size(), "ReduceLROnPlateau", "min_lr");
  best_ = options_.mode_ == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (const auto& g : optimizer_.param_groups()) last_lr_.push_back(g.options().get_lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  bool rel = options_.threshold_mode_ == "rel";
  if (options_.mode_ == "min") return rel ? a < best * (1.0 - options_.threshold_) : a < best - options_.threshold_;
  return rel ? a > best * (options_.threshold_ + 1.0) : a > best + options_.threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  auto& groups = optimizer_.param_groups();
  if (num_bad_epochs_ > options_.patience_) {
    if (min_lrs_.size() != groups.size()) min_lrs_ = per_group(options_.min_lr_, groups.size(), "ReduceLROnPlateau", "min_lr");
    for (size_t i = 0; i < groups.size(); ++i) {
      double old_lr = groups[i].options().get_lr();
      double new_lr = std::max(old_lr * options_.factor_, min_lrs_[i]);
      if (old_lr - new_lr > options_.eps_) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : groups) last_lr_.push_back(g.options().get_lr());
}

std::map<std::string, double> ReduceLROnPlateau::state_dict() const {
  std::map<std::string, double> out{{"last_epoch", double(last_epoch_)},
                                    {"best", best_},
                                    {"num_bad_epochs", double(num_bad_epochs_)},
                                    {"cooldown_counter", double(cooldown_counter_)}};
  for (size_t i = 0; i < last_lr_.size(); ++i) out["_last_lr." + std::to_string(i)] = last_lr_[i];
  return out;
}

void ReduceLROnPlateau::load_state_dict(const std::map<std::string, double>& state) {
  auto get = [&](const std::string& key) {
    auto it = state.find(key);
    EMBER_CHECK(it != state.end(), "ReduceLROnPlateau.load_state_dict: missing '{}'", key);
    return it->second;
  };
  last_epoch_ = int64_t(get("last_epoch"));
  best_ = get("best");
  num_bad_epochs_ = int64_t(get("num_bad_epochs"));
  cooldown_counter_ = int64_t(get("cooldown_counter"));
  for (size_t i = 0; i < last_lr_.size(); ++i) last_lr_[i] = get("_last_lr." + std::to_string(i));
}

}  // namespace ember::optim
