// MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts,
// CyclicLR and ChainedScheduler, transcribed from torch/optim/lr_scheduler.py
// (PyTorch 2.13) term for term, as the schedulers in lr_scheduler.cpp.
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "optim/lr_scheduler.h"

namespace ember::optim {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

// ---- MultiplicativeLR ----

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : MultiplicativeLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda), last_epoch) {}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), lr_lambdas_(std::move(lr_lambdas)) {
  EMBER_CHECK(lr_lambdas_.size() == optimizer.param_groups().size(),
              "MultiplicativeLR: expected {} lr_lambdas, but got {}", optimizer.param_groups().size(),
              lr_lambdas_.size());
  for (const Lambda& f : lr_lambdas_) EMBER_CHECK(bool(f), "MultiplicativeLR: lr_lambda is empty");
  initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (is_initial_) return lrs;
  for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * lr_lambdas_[i](last_epoch_);
  return lrs;
}

// ---- ConstantLR ----

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), factor_(factor), total_iters_(total_iters) {
  EMBER_CHECK(factor >= 0 && factor <= 1,
              "ConstantLR: constant multiplicative factor expected to be between 0 and 1, got {}", factor);
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * factor_;
  } else if (last_epoch_ == total_iters_) {
    for (double& lr : lrs) lr = lr * (1.0 / factor_);
  }
  return lrs;
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * (factor_ + double(last_epoch_ >= total_iters_) * (1 - factor_)));
  return lrs;
}

// ---- PolynomialLR ----

PolynomialLR::PolynomialLR(Optimizer& optimizer, int64_t total_iters, double power, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), total_iters_(total_iters), power_(power) {
  EMBER_CHECK(total_iters > 0, "PolynomialLR: expected total_iters > 0, got {}", total_iters);
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (is_initial_ || last_epoch_ > total_iters_) return lrs;
  double T = double(total_iters_), e = double(last_epoch_);
  double decay_factor = std::pow((1.0 - e / T) / (1.0 - (e - 1) / T), power_);
  for (double& lr : lrs) lr = lr * decay_factor;
  return lrs;
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  std::vector<double> lrs;
  double T = double(total_iters_);
  for (double base : base_lrs_)
    lrs.push_back(base * std::pow(1.0 - double(std::min(total_iters_, last_epoch_)) / T, power_));
  return lrs;
}

// ---- CosineAnnealingWarmRestarts ----

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult,
                                                         double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch),
      T_0_(T_0),
      T_mult_(T_mult),
      eta_min_(eta_min),
      T_i_(double(T_0)),
      T_cur_(double(last_epoch)) {
  EMBER_CHECK(T_0 > 0, "CosineAnnealingWarmRestarts: expected positive integer T_0, but got {}", T_0);
  EMBER_CHECK(T_mult >= 1, "CosineAnnealingWarmRestarts: expected integer T_mult >= 1, but got {}", T_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * T_cur_ / T_i_)) / 2);
  return lrs;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    step_epoch(0);
    return;
  }
  step_count_ += 1;
  T_cur_ = T_cur_ + 1;
  if (T_cur_ >= T_i_) {
    T_cur_ = std::fmod(T_cur_, T_i_);
    T_i_ = T_i_ * double(T_mult_);
  }
  last_epoch_ += 1;
  apply(get_lr());
}

void CosineAnnealingWarmRestarts::step_epoch(double epoch) {
  EMBER_CHECK(epoch >= 0, "CosineAnnealingWarmRestarts: expected non-negative epoch, but got {}", epoch);
  step_count_ += 1;
  double T_0 = double(T_0_), T_mult = double(T_mult_);
  if (epoch >= T_0) {
    if (T_mult_ == 1) {
      T_cur_ = std::fmod(epoch, T_0);
    } else {
      // The restart n whose cycle holds epoch: T_0·(T_mult^n − 1)/(T_mult − 1) <= epoch.
      auto n = int64_t(std::log(epoch / T_0 * (T_mult - 1) + 1) / std::log(T_mult));
      double power = std::pow(T_mult, double(n));
      T_cur_ = epoch - T_0 * (power - 1) / (T_mult - 1);
      T_i_ = T_0 * power;
    }
  } else {
    T_i_ = T_0;
    T_cur_ = epoch;
  }
  last_epoch_ = int64_t(std::floor(epoch));
  apply(get_lr());
}

std::map<std::string, double> CosineAnnealingWarmRestarts::state_dict() const {
  std::map<std::string, double> out = LRScheduler::state_dict();
  out["T_cur"] = T_cur_;
  out["T_i"] = T_i_;
  return out;
}

void CosineAnnealingWarmRestarts::load_state_dict(const std::map<std::string, double>& state) {
  LRScheduler::load_state_dict(state);
  for (const char* key : {"T_cur", "T_i"})
    EMBER_CHECK(state.count(key), "CosineAnnealingWarmRestarts.load_state_dict: missing '{}'", key);
  T_cur_ = state.at("T_cur");
  T_i_ = state.at("T_i");
}

// ---- CyclicLR ----

namespace {

// What PyTorch does before LRScheduler's constructor records initial_lr: a fresh
// run starts every group at base_lr (and momentum at max_momentum).
Optimizer& start_cycle(Optimizer& optimizer, const CyclicLROptions& o, int64_t last_epoch) {
  auto& groups = optimizer.param_groups();
  std::vector<double> base_lrs = detail::per_group(o.base_lr_, groups.size(), "CyclicLR", "base_lr");
  if (last_epoch == -1)
    for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base_lrs[i]);
  if (o.cycle_momentum_) {
    const OptimizerOptions& defaults = optimizer.defaults();
    EMBER_CHECK(defaults.has("momentum") || defaults.has("beta1"),
                "CyclicLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
    std::string key = defaults.has("beta1") ? "beta1" : "momentum";
    std::vector<double> max_m = detail::per_group(o.max_momentum_, groups.size(), "CyclicLR", "max_momentum");
    if (last_epoch == -1)
      for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set(key, max_m[i]);
  }
  return optimizer;
}

}  // namespace

CyclicLR::CyclicLR(Optimizer& optimizer, const CyclicLROptions& options, int64_t last_epoch)
    : LRScheduler(start_cycle(optimizer, options, last_epoch), last_epoch), options_(options) {
  const auto& o = options_;
  size_t groups = optimizer.param_groups().size();
  max_lrs_ = detail::per_group(o.max_lr_, groups, "CyclicLR", "max_lr");
  double up = o.step_size_up_, down = o.step_size_down_ ? *o.step_size_down_ : up;
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  EMBER_CHECK(o.scale_fn_ || o.mode_ == "triangular" || o.mode_ == "triangular2" || o.mode_ == "exp_range",
              "CyclicLR: mode is invalid and scale_fn is None (mode '{}', expected 'triangular', 'triangular2' or "
              "'exp_range')",
              o.mode_);
  scale_mode_ = o.scale_fn_ ? o.scale_mode_ : o.mode_ == "exp_range" ? "iterations" : "cycle";
  EMBER_CHECK(scale_mode_ == "cycle" || scale_mode_ == "iterations",
              "CyclicLR: scale_mode must be 'cycle' or 'iterations', got '{}'", scale_mode_);
  if (o.cycle_momentum_) {
    momentum_key_ = optimizer.defaults().has("beta1") ? "beta1" : "momentum";
    base_momentums_ = detail::per_group(o.base_momentum_, groups, "CyclicLR", "base_momentum");
    max_momentums_ = detail::per_group(o.max_momentum_, groups, "CyclicLR", "max_momentum");
  }
  initial_step();
  // As in PyTorch, the first step used the groups' initial_lr; the cycle then runs from base_lr.
  base_lrs_ = detail::per_group(o.base_lr_, groups, "CyclicLR", "base_lr");
}

double CyclicLR::scale(double x) const {
  if (options_.scale_fn_) return options_.scale_fn_(x);
  if (options_.mode_ == "triangular") return 1.0;
  if (options_.mode_ == "triangular2") return 1 / std::pow(2.0, x - 1);
  return std::pow(options_.gamma_, x);
}

std::vector<double> CyclicLR::get_lr() {
  double e = double(last_epoch_);
  double cycle = std::floor(1 + e / total_size_);
  double x = 1.0 + e / total_size_ - cycle;
  double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  double s = scale(scale_mode_ == "cycle" ? cycle : e);
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] + (max_lrs_[i] - base_lrs_[i]) * scale_factor * s);
  if (options_.cycle_momentum_) {
    auto& groups = optimizer_.param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      groups[i].options().set(momentum_key_, max_momentums_[i] - base_height * s);
    }
  }
  return lrs;
}

// ---- ChainedScheduler ----

namespace {
Optimizer& chain_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  EMBER_CHECK(!schedulers.empty(),
              "ChainedScheduler: expects at least one scheduler to be chained, but got no scheduler");
  EMBER_CHECK(schedulers[0] != nullptr, "ChainedScheduler: scheduler 0 is null");
  return schedulers[0]->optimizer();
}
}  // namespace

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(chain_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    EMBER_CHECK(schedulers_[i] != nullptr, "ChainedScheduler: scheduler {} is null", i);
    EMBER_CHECK(&schedulers_[i]->optimizer() == &optimizer_,
                "ChainedScheduler: expects all schedulers to belong to the same optimizer, but scheduler at index {} "
                "has another",
                i);
  }
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

std::vector<double> ChainedScheduler::get_lr() { return group_lrs(); }

std::map<std::string, double> ChainedScheduler::state_dict() const {
  std::map<std::string, double> out;
  for (size_t i = 0; i < last_lr_.size(); ++i) out["_last_lr." + std::to_string(i)] = last_lr_[i];
  detail::save_children(out, schedulers_);
  return out;
}

void ChainedScheduler::load_state_dict(const std::map<std::string, double>& state) {
  for (size_t i = 0; i < last_lr_.size(); ++i) {
    auto it = state.find("_last_lr." + std::to_string(i));
    EMBER_CHECK(it != state.end(), "ChainedScheduler.load_state_dict: missing '_last_lr.{}'", i);
    last_lr_[i] = it->second;
  }
  detail::load_children(state, schedulers_);
}

}  // namespace ember::optim
