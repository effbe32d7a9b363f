// L-BFGS, following torch/optim/lbfgs.py (PyTorch 2.13) step for step: the
// two-loop recursion over a limited history, the first step scaled by
// 1/|g|₁, and minFunc's strong-Wolfe line search with cubic interpolation.
// Vectors are flat doubles over all parameters, in parameter order.
#include "optim/lbfgs.h"

#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "ops/factory.h"
#include "ops/parallel.h"

namespace ember::optim {

namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double abs_max(const Vec& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

double abs_sum(const Vec& a) {
  double s = 0;
  for (double v : a) s += std::abs(v);
  return s;
}

// a ← a + alpha·b (Tensor.add_(b, alpha=alpha)).
void axpy(Vec& a, const Vec& b, double alpha) {
  for (size_t i = 0; i < a.size(); ++i) a[i] = a[i] + alpha * b[i];
}

// Python's min/max on two numbers: the first unless the second is strictly smaller/larger.
double py_min(double a, double b) { return b < a ? b : a; }
double py_max(double a, double b) { return b > a ? b : a; }

// The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds (default [x1, x2]).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  double xmin_bound, xmax_bound;
  if (bounds) std::tie(xmin_bound, xmax_bound) = *bounds;
  else if (x1 <= x2) xmin_bound = x1, xmax_bound = x2;
  else xmin_bound = x2, xmax_bound = x1;
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = std::sqrt(d2_square), min_pos;
    if (x1 <= x2) min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
    else min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return py_min(py_max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / 2.0;
}

}  // namespace

// ---- options ----

LBFGSOptions& LBFGSOptions::line_search_fn(const std::optional<std::string>& v) {
  EMBER_CHECK(!v || *v == "strong_wolfe", "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '{}'", *v);
  strong_wolfe_ = v.has_value();
  return *this;
}

std::vector<OptimizerOptions::Field> LBFGSOptions::fields() {
  return {{"lr", &lr_, nullptr},
          {"max_iter", &max_iter_, nullptr},
          {"max_eval", &max_eval_, nullptr},
          {"tolerance_grad", &tolerance_grad_, nullptr},
          {"tolerance_change", &tolerance_change_, nullptr},
          {"history_size", &history_size_, nullptr},
          {"line_search_fn", nullptr, &strong_wolfe_}};
}

void LBFGSOptions::validate(const std::string& optimizer) const {
  EMBER_CHECK(lr_ >= 0, "{}: invalid learning rate: expected lr >= 0, got {}", optimizer, lr_);
  EMBER_CHECK(max_iter_ >= 1 && max_iter_ == std::floor(max_iter_),
              "{}: invalid max_iter: expected an integer >= 1, got {}", optimizer, max_iter_);
  EMBER_CHECK(max_eval_ == -1 || (max_eval_ >= 1 && max_eval_ == std::floor(max_eval_)),
              "{}: invalid max_eval: expected an integer >= 1 (or None), got {}", optimizer, max_eval_);
  EMBER_CHECK(history_size_ >= 1 && history_size_ == std::floor(history_size_),
              "{}: invalid history_size: expected an integer >= 1, got {}", optimizer, history_size_);
}

// ---- optimizer ----

namespace {
LBFGSOptions resolved(LBFGSOptions o) {
  if (!o.max_eval()) o.max_eval(o.max_iter() * 5 / 4);
  return o;
}
}  // namespace

LBFGS::LBFGS(const std::vector<Tensor>& params, const LBFGSOptions& defaults)
    : LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

LBFGS::LBFGS(const std::vector<OptimizerParamGroup>& groups, const LBFGSOptions& defaults)
    : Optimizer(groups, resolved(defaults).clone(), "LBFGS") {
  EMBER_CHECK(param_groups().size() == 1, "LBFGS doesn't support per-parameter options (parameter groups), got {}",
              param_groups().size());
}

void LBFGS::update(Tensor&, const Tensor&, const OptimizerOptions&, ParamState&) {
  EMBER_CHECK_STATE(false, "LBFGS: the update runs inside step(closure)");
}

std::vector<Tensor>& LBFGS::params() {
  EMBER_CHECK(param_groups().size() == 1, "LBFGS doesn't support per-parameter options (parameter groups), got {}",
              param_groups().size());
  return param_groups()[0].params();
}

LBFGS::Vec LBFGS::gather_flat_grad() {
  Vec out;
  for (const Tensor& p : params()) {
    Tensor g = p.grad();
    if (!g.defined()) {
      out.insert(out.end(), size_t(p.numel()), 0.0);
      continue;
    }
    EMBER_CHECK(g.shape() == p.shape(), "LBFGS.step: gradient {} does not match parameter {}", shape_str(g.shape()),
                shape_str(p.shape()));
    Vec v = g.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

void LBFGS::add_grad(double step_size, const Vec& update) {
  size_t offset = 0;
  for (Tensor& p : params()) {
    EMBER_CHECK(p.is_contiguous(), "LBFGS.step: expected contiguous parameters, got strides {} for shape {}",
                fmt::join(p.strides(), ", "), shape_str(p.shape()));
    dispatch_floating(p.dtype(), "LBFGS.step", [&](auto tag) {
      using T = decltype(tag);
      T* data = p.data_ptr<T>();
      for (int64_t i = 0; i < p.numel(); ++i) data[i] = T(double(data[i]) + step_size * update[offset + size_t(i)]);
    });
    p.storage()->bump_version();
    offset += size_t(p.numel());
  }
}

std::vector<Tensor> LBFGS::clone_params() {
  std::vector<Tensor> out;
  for (const Tensor& p : params()) out.push_back(p.detach().clone());
  return out;
}

void LBFGS::set_params(const std::vector<Tensor>& values) {
  std::vector<Tensor>& ps = params();
  for (size_t i = 0; i < ps.size(); ++i) ps[i].copy_(values[i]);
}

std::pair<double, LBFGS::Vec> LBFGS::directional_evaluate(const std::function<Tensor()>& closure,
                                                          const std::vector<Tensor>& x, double t, const Vec& d) {
  add_grad(t, d);
  double loss;
  {
    AutoGradMode grad_mode(true);
    loss = closure().item<double>();
  }
  Vec flat_grad = gather_flat_grad();
  set_params(x);
  return {loss, flat_grad};
}

// minFunc's strong-Wolfe search along d from the current point (loss f, gradient g, slope gtd):
// on return t is the step, loss and flat_grad the values there.
void LBFGS::strong_wolfe(const std::function<Tensor()>& closure, double& t, const Vec& d, double& loss,
                         Vec& flat_grad, double gtd, int64_t& ls_func_evals) {
  // PyTorch calls its line search with the default tolerance_change, not the group's.
  const double c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9;
  const int max_ls = 25;
  const double f = loss;
  const Vec g = flat_grad;
  std::vector<Tensor> x = clone_params();
  double d_norm = abs_max(d);
  auto [f_new, g_new] = directional_evaluate(closure, x, t, d);
  ls_func_evals = 1;
  double gtd_new = dot(g_new, d);

  // Bracket an interval containing a point satisfying the Wolfe criteria.
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Vec g_prev = g;
  bool done = false;
  int ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Vec> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t}, bracket_f = {f_new}, bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    double min_step = t + 0.01 * (t - t_prev), max_step = t * 10, tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::make_pair(min_step, max_step));
    t_prev = tmp, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
    std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
    ls_func_evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter == max_ls) bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};

  // Zoom: refine the bracket until a point satisfies the criteria.
  bool insuf_progress = false;
  size_t low_pos = 0, high_pos = 1;
  if (!(bracket_f[0] <= bracket_f.back())) low_pos = 1, high_pos = 0;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // Too close to an end of the bracket (twice running, or outside it): move 10% of its length inside.
    double hi = py_max(bracket[0], bracket[1]), lo = py_min(bracket[0], bracket[1]);
    double eps = 0.1 * (hi - lo);
    if (py_min(hi - t, t - lo) < eps) {
      if (insuf_progress || t >= hi || t <= lo) {
        t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
    ls_func_evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
    if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low_pos]) {
      // Armijo fails or no lower than the lowest point: shrink from the high end.
      bracket[high_pos] = t, bracket_f[high_pos] = f_new, bracket_g[high_pos] = g_new;
      bracket_gtd[high_pos] = gtd_new;
      if (bracket_f[0] <= bracket_f[1]) low_pos = 0, high_pos = 1;
      else low_pos = 1, high_pos = 0;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0) {
        // The old high becomes the new low.
        bracket[high_pos] = bracket[low_pos], bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos], bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      bracket[low_pos] = t, bracket_f[low_pos] = f_new, bracket_g[low_pos] = g_new;
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  t = bracket[low_pos];
  loss = bracket_f[low_pos];
  flat_grad = bracket_g[low_pos];
}

Tensor LBFGS::step(const std::function<Tensor()>& closure) {
  EMBER_CHECK(bool(closure), "LBFGS.step: requires a closure that re-evaluates the model and returns the loss");
  const OptimizerOptions& o = param_groups()[0].options();
  const double lr = o.get("lr"), tolerance_grad = o.get("tolerance_grad"),
               tolerance_change = o.get("tolerance_change");
  const int64_t max_iter = int64_t(o.get("max_iter")), max_eval = int64_t(o.get("max_eval")),
                history_size = int64_t(o.get("history_size"));
  const bool strong_wolfe_search = o.get("line_search_fn") != 0;
  NoGradGuard no_grad;
  auto evaluate = [&] {
    AutoGradMode grad_mode(true);
    return closure();
  };

  Tensor orig_loss = evaluate();
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  func_evals_ += 1;
  Vec flat_grad = gather_flat_grad();
  bool opt_cond = abs_max(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    n_iter += 1;
    n_iter_ += 1;

    // The descent direction.
    if (n_iter_ == 1) {
      d_ = flat_grad;
      for (double& v : d_) v = -v;
      old_dirs_.clear(), old_stps_.clear(), ro_.clear();
      H_diag_ = 1;
    } else {
      Vec y = flat_grad, s = d_;
      for (size_t i = 0; i < y.size(); ++i) y[i] = y[i] - prev_flat_grad_[i];
      for (double& v : s) v = v * t_;
      double ys = dot(y, s);
      if (ys > 1e-10) {
        if (int64_t(old_dirs_.size()) == history_size) {
          old_dirs_.erase(old_dirs_.begin());
          old_stps_.erase(old_stps_.begin());
          ro_.erase(ro_.begin());
        }
        old_dirs_.push_back(y);
        old_stps_.push_back(s);
        ro_.push_back(1.0 / ys);
        H_diag_ = ys / dot(y, y);
      }
      // The two-loop recursion: d = −H·g with the limited-memory inverse Hessian H.
      size_t num_old = old_dirs_.size();
      if (al_.size() < size_t(history_size)) al_.resize(size_t(history_size));
      Vec q = flat_grad;
      for (double& v : q) v = -v;
      for (size_t k = num_old; k-- > 0;) {
        al_[k] = dot(old_stps_[k], q) * ro_[k];
        axpy(q, old_dirs_[k], -al_[k]);
      }
      Vec r = q;
      for (double& v : r) v = v * H_diag_;
      for (size_t k = 0; k < num_old; ++k) {
        double be_i = dot(old_dirs_[k], r) * ro_[k];
        axpy(r, old_stps_[k], al_[k] - be_i);
      }
      d_ = std::move(r);
    }
    prev_flat_grad_ = flat_grad;
    prev_loss_ = loss;

    // The step length: the first ever step is scaled by the gradient's 1-norm.
    t_ = n_iter_ == 1 ? py_min(1.0, 1.0 / abs_sum(flat_grad)) * lr : lr;
    double gtd = dot(flat_grad, d_);
    if (gtd > -tolerance_change) break;  // the directional derivative is below tolerance

    int64_t ls_func_evals = 0;
    if (strong_wolfe_search) {
      strong_wolfe(closure, t_, d_, loss, flat_grad, gtd, ls_func_evals);
      add_grad(t_, d_);
      opt_cond = abs_max(flat_grad) <= tolerance_grad;
    } else {
      add_grad(t_, d_);
      if (n_iter != max_iter) {
        // Re-evaluated except on the last iteration (of no use in a stochastic setting).
        loss = evaluate().item<double>();
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals_ += ls_func_evals;

    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    if (abs_max(d_) * std::abs(t_) <= tolerance_change) break;  // lack of progress
    if (std::abs(loss - prev_loss_) < tolerance_change) break;
  }
  return orig_loss;
}

// ---- state dict ----

namespace {
Tensor vec_tensor(const Vec& v) { return tensor(v, {int64_t(v.size())}, kFloat64); }
}  // namespace

TensorDict LBFGS::state_dict() const {
  TensorDict out = Optimizer::state_dict();
  auto put = [&](const std::string& name, const Tensor& t) { out.tensors["lbfgs." + name] = t; };
  put("func_evals", scalar_tensor(func_evals_, kInt64));
  put("n_iter", scalar_tensor(n_iter_, kInt64));
  put("scalars", vec_tensor({t_, H_diag_, prev_loss_}));
  put("d", vec_tensor(d_));
  put("prev_flat_grad", vec_tensor(prev_flat_grad_));
  put("ro", vec_tensor(ro_));
  put("al", vec_tensor(al_));
  for (size_t k = 0; k < old_dirs_.size(); ++k) {
    put("old_dirs." + std::to_string(k), vec_tensor(old_dirs_[k]));
    put("old_stps." + std::to_string(k), vec_tensor(old_stps_[k]));
  }
  return out;
}

void LBFGS::load_state_dict(const TensorDict& state_dict) {
  TensorDict base{{}, state_dict.metadata};
  std::map<std::string, Tensor> mine;
  for (const auto& [name, t] : state_dict.tensors) {
    if (name.compare(0, 6, "lbfgs.") == 0) mine[name.substr(6)] = t;
    else base.tensors[name] = t;
  }
  auto get = [&](const std::string& name, bool one_element) {
    auto it = mine.find(name);
    EMBER_CHECK(it != mine.end(), "LBFGS.load_state_dict: the state dict has no 'lbfgs.{}' tensor", name);
    EMBER_CHECK(it->second.dim() <= 1 && (!one_element || it->second.numel() == 1),
                "LBFGS.load_state_dict: 'lbfgs.{}' must be a {} tensor, got shape {}", name,
                one_element ? "one-element" : "1-D", shape_str(it->second.shape()));
    return it->second.to_vector();
  };
  // Read everything before changing anything.
  int64_t func_evals = int64_t(get("func_evals", true)[0]), n_iter = int64_t(get("n_iter", true)[0]);
  Vec scalars = get("scalars", false);
  EMBER_CHECK(scalars.size() == 3, "LBFGS.load_state_dict: 'lbfgs.scalars' must hold t, H_diag and prev_loss");
  Vec d = get("d", false), prev = get("prev_flat_grad", false), ro = get("ro", false), al = get("al", false);
  std::vector<Vec> dirs, stps;
  for (size_t k = 0; k < ro.size(); ++k) {
    dirs.push_back(get("old_dirs." + std::to_string(k), false));
    stps.push_back(get("old_stps." + std::to_string(k), false));
  }
  size_t numel = 0;
  for (const Tensor& p : param_groups()[0].params()) numel += size_t(p.numel());
  for (const Vec* v : {&d, &prev})
    EMBER_CHECK(v->empty() || v->size() == numel,
                "LBFGS.load_state_dict: saved vectors have {} elements but the parameters {}", v->size(), numel);
  for (size_t k = 0; k < dirs.size(); ++k)
    EMBER_CHECK(dirs[k].size() == numel && stps[k].size() == numel,
                "LBFGS.load_state_dict: history entry {} does not match the parameters' {} elements", k, numel);
  Optimizer::load_state_dict(base);
  func_evals_ = func_evals, n_iter_ = n_iter;
  t_ = scalars[0], H_diag_ = scalars[1], prev_loss_ = scalars[2];
  d_ = std::move(d), prev_flat_grad_ = std::move(prev), ro_ = std::move(ro), al_ = std::move(al);
  old_dirs_ = std::move(dirs), old_stps_ = std::move(stps);
}

}  // namespace ember::optim
