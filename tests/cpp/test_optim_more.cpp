// Adadelta, Adamax, NAdam, RAdam and LBFGS: first steps worked by hand,
// several steps against plain scalar loops written from the papers' update
// rules, bad options named, state dicts resumed, LBFGS's closure-driven
// iterations on functions with known minima, and libtorch's spellings
// (`SGD(params, /*lr=*/0.1)`, `Adadelta(params, AdadeltaOptions(1.0).rho(0.9))`).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "optim/adadelta.h"
#include "optim/adamax.h"
#include "optim/lbfgs.h"
#include "optim/lr_scheduler.h"
#include "optim/nadam.h"
#include "optim/radam.h"
#include "optim/sgd.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::optim;
using ember::test::Contains;

namespace {

const std::vector<double> kStart = {0.5, -1.5, 2.0, 0.25};

double grad_at(int s, size_t i) { return std::sin(1.3 * s + 0.7 * double(i)) + 0.1 * double(i); }

// `steps` updates of a 4-element float64 parameter with the gradients grad_at(s, i).
std::vector<double> run(Optimizer* opt, Tensor& p, int steps) {
  for (int s = 0; s < steps; ++s) {
    std::vector<double> g(4);
    for (size_t i = 0; i < 4; ++i) g[i] = grad_at(s, i);
    p.set_grad(tensor(g, {4}, kFloat64));
    opt->step();
  }
  return p.to_vector();
}

template <class Opt, class Options>
std::vector<double> run_with(const Options& options, int steps) {
  Tensor p = tensor(kStart, {4}, kFloat64);
  p.requires_grad_();
  Opt opt({p}, options);
  return run(&opt, p, steps);
}

void check_close(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-13).margin(1e-15));
}

}  // namespace

TEST_CASE("first steps of Adadelta, Adamax, NAdam and RAdam worked by hand", "[optim]") {
  // One parameter θ = 2 with gradient g = 0.5.
  auto one_step = [](auto make) {
    Tensor p = tensor({2.0}, kFloat64);
    p.requires_grad_();
    auto opt = make(std::vector<Tensor>{p});
    p.set_grad(tensor({0.5}, kFloat64));
    opt->step();
    return p.item<double>();
  };
  // Adadelta (lr 1, ρ 0.9, ε 1e-6): v = 0.1·0.25; Δ = √(1e-6)/√(v + 1e-6)·0.5.
  CHECK(one_step([](auto p) { return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0).rho(0.9)); }) ==
        Approx(2 - std::sqrt(1e-6) / std::sqrt(0.025 + 1e-6) * 0.5).epsilon(1e-14));
  // Adamax (lr 0.1): m = 0.1·0.5, u = 0.5 + ε, θ − 0.1/(1 − 0.9)·m/u = θ − 0.1·0.5/(0.5 + 1e-8).
  CHECK(one_step([](auto p) { return std::make_unique<Adamax>(p, AdamaxOptions(0.1)); }) ==
        Approx(2 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-14));
  // NAdam (lr 0.1, ψ 0.004): μ1 = 0.9(1 − ½·0.96^0.004), μ2 = 0.9(1 − ½·0.96^0.008), denominator 0.5 + ε.
  double mu1 = 0.9 * (1 - 0.5 * std::pow(0.96, 0.004)), mu2 = 0.9 * (1 - 0.5 * std::pow(0.96, 0.008));
  double mu1_f = double(float(mu1));  // PyTorch's running product is float32
  double nadam = 2 - 0.1 * (1 - mu1) / (1 - mu1_f) * 0.5 / (0.5 + 1e-8) -
                 0.1 * mu2 / (1 - mu1_f * mu2) * 0.05 / (0.5 + 1e-8);
  CHECK(one_step([](auto p) { return std::make_unique<NAdam>(p, NAdamOptions(0.1)); }) == Approx(nadam).epsilon(1e-14));
  // RAdam: ρ₁ = 1 ≤ 5, so the first step is plain bias-corrected momentum: θ − lr·g.
  CHECK(one_step([](auto p) { return std::make_unique<RAdam>(p, RAdamOptions(0.1)); }) == Approx(2 - 0.1 * 0.5));
  // Decoupled weight decay shrinks θ first: θ(1 − lr·wd) − lr·g.
  CHECK(one_step([](auto p) {
          return std::make_unique<RAdam>(p, RAdamOptions(0.1).weight_decay(0.5).decoupled_weight_decay(true));
        }) == Approx(2 * (1 - 0.05) - 0.1 * 0.5));
}

TEST_CASE("Adadelta and Adamax match the reference loop", "[optim]") {
  for (int variant = 0; variant < 2; ++variant) {
    double lr = 0.7, rho = 0.8, eps = 1e-4, wd = variant ? 0.05 : 0.0;
    bool maximize = variant == 1;
    auto got = run_with<Adadelta>(AdadeltaOptions(lr).rho(rho).eps(eps).weight_decay(wd).maximize(maximize), 7);
    std::vector<double> p = kStart, v(4), u(4);
    for (int s = 0; s < 7; ++s)
      for (size_t i = 0; i < 4; ++i) {
        double g = (maximize ? -grad_at(s, i) : grad_at(s, i)) + wd * p[i];
        v[i] = rho * v[i] + (1 - rho) * g * g;
        double delta = std::sqrt(u[i] + eps) / std::sqrt(v[i] + eps) * g;
        u[i] = rho * u[i] + (1 - rho) * delta * delta;
        p[i] -= lr * delta;
      }
    INFO("Adadelta variant " << variant);
    check_close(got, p);
  }
  for (int variant = 0; variant < 2; ++variant) {
    double lr = 0.02, b1 = 0.7, b2 = 0.9, eps = 1e-3, wd = variant ? 0.05 : 0.0;
    auto got = run_with<Adamax>(AdamaxOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd), 7);
    std::vector<double> p = kStart, m(4), u(4);
    for (int s = 0; s < 7; ++s)
      for (size_t i = 0; i < 4; ++i) {
        double g = grad_at(s, i) + wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        u[i] = std::max(b2 * u[i], std::abs(g) + eps);
        p[i] -= lr / (1 - std::pow(b1, s + 1)) * m[i] / u[i];
      }
    INFO("Adamax variant " << variant);
    check_close(got, p);
  }
}

TEST_CASE("NAdam and RAdam match the reference loop, with L2 and decoupled weight decay", "[optim]") {
  for (int variant = 0; variant < 3; ++variant) {
    double lr = 0.02, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = variant ? 0.05 : 0.0, psi = 0.05;
    bool decoupled = variant == 2;
    auto got = run_with<NAdam>(
        NAdamOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd).momentum_decay(psi).decoupled_weight_decay(decoupled),
        9);
    std::vector<double> p = kStart, m(4), v(4);
    double mu_product = 1;
    for (int s = 0; s < 9; ++s) {
      double t = s + 1, mu = b1 * (1 - 0.5 * std::pow(0.96, t * psi)),
             mu_next = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
      mu_product = double(float(mu_product) * float(mu));
      for (size_t i = 0; i < 4; ++i) {
        if (decoupled) p[i] *= 1 - lr * wd;
        double g = grad_at(s, i) + (decoupled ? 0 : wd * p[i]);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double denom = std::sqrt(v[i] / (1 - std::pow(b2, t))) + eps;
        p[i] -= lr * (1 - mu) / (1 - mu_product) * g / denom + lr * mu_next / (1 - mu_product * mu_next) * m[i] / denom;
      }
    }
    INFO("NAdam variant " << variant);
    check_close(got, p);
  }
  for (int variant = 0; variant < 3; ++variant) {
    double lr = 0.02, b1 = 0.8, b2 = 0.9, eps = 1e-6, wd = variant ? 0.05 : 0.0;
    bool decoupled = variant == 2;
    // 12 steps: ρₜ > 5 from step 6 on (β2 = 0.9), so both branches run.
    auto got = run_with<RAdam>(RAdamOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd).decoupled_weight_decay(decoupled),
                               12);
    std::vector<double> p = kStart, m(4), v(4);
    double rho_inf = 2 / (1 - b2) - 1;
    for (int s = 0; s < 12; ++s) {
      double t = s + 1, bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
      double rho_t = rho_inf - 2 * t * std::pow(b2, t) / bc2;
      for (size_t i = 0; i < 4; ++i) {
        if (decoupled) p[i] *= 1 - lr * wd;
        double g = grad_at(s, i) + (decoupled ? 0 : wd * p[i]);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double step = lr * m[i] / bc1;
        if (rho_t > 5)
          step *= std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) *
                  std::sqrt(bc2) / (std::sqrt(v[i]) + eps);
        p[i] -= step;
      }
    }
    INFO("RAdam variant " << variant);
    check_close(got, p);
  }
}

TEST_CASE("new optimizers reject bad options naming themselves and the argument", "[optim]") {
  Tensor p = zeros({2}, TensorOptions(kFloat64).requires_grad());
  CHECK_THROWS_WITH(Adadelta({p}, AdadeltaOptions(-1)), Contains("Adadelta: invalid learning rate") && Contains("-1"));
  CHECK_THROWS_WITH(Adadelta({p}, AdadeltaOptions(1).rho(1.5)), Contains("Adadelta: invalid rho value") && Contains("1.5"));
  CHECK_THROWS_WITH(Adadelta({p}, AdadeltaOptions(1).eps(-1)), Contains("Adadelta: invalid epsilon"));
  CHECK_THROWS_WITH(Adamax({p}, AdamaxOptions(0.1).betas({0.9, 1.0})), Contains("Adamax: invalid beta parameter at index 1"));
  CHECK_THROWS_WITH(NAdam({p}, NAdamOptions(0.1).momentum_decay(-1)), Contains("NAdam: invalid momentum_decay"));
  CHECK_THROWS_WITH(RAdam({p}, RAdamOptions(0.1).weight_decay(-1)), Contains("RAdam: invalid weight_decay"));
  CHECK_THROWS_WITH(LBFGS({p}, LBFGSOptions(1).history_size(0)), Contains("LBFGS: invalid history_size"));
  CHECK_THROWS_WITH(LBFGSOptions(1).line_search_fn("armijo"), Contains("only 'strong_wolfe' is supported"));
  Tensor q = zeros({2}, TensorOptions(kFloat64).requires_grad());
  CHECK_THROWS_WITH(LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup({p}), OptimizerParamGroup({q})}),
                    Contains("LBFGS doesn't support per-parameter options"));
  LBFGS lbfgs({p});
  CHECK_THROWS_WITH(lbfgs.step(nullptr), Contains("requires a closure"));
}

TEST_CASE("libtorch spellings: a double converts to the options, Adadelta(params, AdadeltaOptions(1.0).rho(0.9))",
          "[optim]") {
  Tensor p = tensor({1.0, 2.0}, kFloat64);
  p.requires_grad_();
  SGD sgd({p}, /*lr=*/0.1);
  CHECK(sgd.param_groups()[0].options().get_lr() == 0.1);
  p.set_grad(tensor({1.0, -1.0}, kFloat64));
  sgd.step();
  CHECK(p.to_vector() == std::vector<double>{0.9, 2.1});
  Adadelta adadelta({p}, AdadeltaOptions(1.0).rho(0.9));
  CHECK(adadelta.defaults().get("rho") == 0.9);
  CHECK(adadelta.defaults().get("eps") == 1e-6);
  Adadelta by_lr({p}, 0.5);
  CHECK(by_lr.defaults().get_lr() == 0.5);
  LBFGS lbfgs({p}, LBFGSOptions(1).max_iter(8));
  CHECK(lbfgs.defaults().get("max_eval") == 10);  // max_iter * 5 / 4, as PyTorch
}

TEST_CASE("NAdam's state dict carries mu_product; a resumed run equals the uninterrupted one", "[optim]") {
  Tensor a = tensor(kStart, {4}, kFloat64), b = tensor(kStart, {4}, kFloat64);
  a.requires_grad_();
  b.requires_grad_();
  NAdam full({a}, NAdamOptions(0.05).weight_decay(0.01));
  run(&full, a, 10);
  NAdam first({b}, NAdamOptions(0.05).weight_decay(0.01));
  run(&first, b, 5);
  TensorDict state = first.state_dict();
  REQUIRE(state.tensors.count("state.0.mu_product"));
  NAdam resumed({b}, NAdamOptions(123.0));
  resumed.load_state_dict(state);
  for (int s = 5; s < 10; ++s) {
    std::vector<double> g(4);
    for (size_t i = 0; i < 4; ++i) g[i] = grad_at(s, i);
    b.set_grad(tensor(g, {4}, kFloat64));
    resumed.step();
  }
  CHECK(b.to_vector() == a.to_vector());
}

TEST_CASE("LBFGS: the first iteration steps min(1, 1/|g|₁)·lr along −g; it reaches known minima", "[optim]") {
  // f(x) = ½ Σ cᵢ xᵢ², g = c ⊙ x.
  Tensor c = tensor({1.0, 2.0, 3.0}, kFloat64);
  Tensor x = tensor({1.0, -1.0, 0.5}, kFloat64);
  x.requires_grad_();
  auto quadratic = [&] {
    Tensor loss = sum(c * x * x) * 0.5;
    loss.backward();
    return loss;
  };
  {
    LBFGS opt({x}, LBFGSOptions(0.5).max_iter(1));
    x.set_grad(Tensor());
    Tensor first = opt.step([&] {
      opt.zero_grad();
      return quadratic();
    });
    CHECK(first.item<double>() == Approx(0.5 * (1 + 2 + 0.75)));
    // g = (1, −2, 1.5), |g|₁ = 4.5: t = 0.5/4.5.
    double t = 0.5 / 4.5;
    check_close(x.to_vector(), {1 - t * 1, -1 + t * 2, 0.5 - t * 1.5});
    CHECK(opt.func_evals() == 1);
    CHECK(opt.n_iter() == 1);
  }
  for (bool wolfe : {false, true}) {
    INFO("strong_wolfe " << wolfe);
    // Rosenbrock's minimum is at (1, 1).
    Tensor w = tensor({-1.2, 1.0}, kFloat64);
    w.requires_grad_();
    LBFGSOptions o(wolfe ? 1.0 : 0.1);
    o.max_iter(wolfe ? 100 : 200).tolerance_grad(1e-12).tolerance_change(1e-15);
    if (wolfe) o.line_search_fn("strong_wolfe");
    LBFGS opt({w}, o);
    auto rosenbrock = [&] {
      opt.zero_grad();
      Tensor x0 = w.index({0}), x1 = w.index({1});
      Tensor loss = (x1 - x0 * x0).pow(2.0) * 100.0 + (1.0 - x0).pow(2.0);
      loss.backward();
      return loss;
    };
    for (int i = 0; i < 10; ++i) opt.step(rosenbrock);
    CHECK(w.to_vector()[0] == Approx(1.0).epsilon(1e-6));
    CHECK(w.to_vector()[1] == Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("new schedulers follow their definitions", "[optim][lr_scheduler]") {
  Tensor p = zeros({1}, TensorOptions(kFloat64).requires_grad());
  auto lr_of = [](const Optimizer& o) { return o.param_groups()[0].options().get_lr(); };
  SECTION("PolynomialLR: base·(1 − e/T)^power, then constant") {
    SGD opt({p}, SGDOptions(0.8));
    PolynomialLR s(opt, /*total_iters=*/4, /*power=*/2.0);
    std::vector<double> expect = {0.8, 0.8 * 0.5625, 0.8 * 0.25, 0.8 * 0.0625, 0.0, 0.0};
    for (double e : expect) {
      CHECK(lr_of(opt) == Approx(e).margin(1e-15));
      s.step();
    }
  }
  SECTION("ConstantLR: base·factor for total_iters epochs") {
    SGD opt({p}, SGDOptions(0.8));
    ConstantLR s(opt, 0.25, 3);
    for (double e : {0.2, 0.2, 0.2, 0.8, 0.8}) {
      CHECK(lr_of(opt) == Approx(e));
      s.step();
    }
  }
  SECTION("MultiplicativeLR multiplies from the second epoch on") {
    SGD opt({p}, SGDOptions(1.0));
    MultiplicativeLR s(opt, [](int64_t e) { return 1.0 / double(e + 1); });
    for (double e : {1.0, 0.5, 0.5 / 3, 0.5 / 3 / 4}) {
      CHECK(lr_of(opt) == Approx(e));
      s.step();
    }
  }
  SECTION("CosineAnnealingWarmRestarts restarts after T_0, then T_0·T_mult epochs; fractional epochs") {
    SGD opt({p}, SGDOptions(1.0));
    CosineAnnealingWarmRestarts s(opt, /*T_0=*/2, /*T_mult=*/2);
    // Epochs 0..6: T_cur 0,1 | 0,1,2,3 | 0 with T_i 2 | 4 | 8.
    std::vector<std::pair<double, double>> cur_i = {{0, 2}, {1, 2}, {0, 4}, {1, 4}, {2, 4}, {3, 4}, {0, 8}};
    for (auto [cur, ti] : cur_i) {
      CHECK(s.T_cur() == cur);
      CHECK(s.T_i() == ti);
      CHECK(lr_of(opt) == Approx((1 + std::cos(M_PI * cur / ti)) / 2).margin(1e-15));
      s.step();
    }
    s.step(3.5);  // in the second cycle (epochs 2..6): T_cur 1.5 of 4
    CHECK(s.T_cur() == 1.5);
    CHECK(s.T_i() == 4);
    CHECK(s.last_epoch() == 3);
    CHECK(lr_of(opt) == Approx((1 + std::cos(M_PI * 1.5 / 4)) / 2));
    CHECK_THROWS_WITH(s.step(-1.0), Contains("non-negative epoch"));
  }
  SECTION("CyclicLR triangular: up and down between base_lr and max_lr, momentum inversely") {
    SGD opt({p}, SGDOptions(0.5).momentum(0.5));
    CyclicLR s(opt, CyclicLROptions(0.01, 0.1).step_size_up(2));
    std::vector<double> lrs = {0.01, 0.055, 0.1, 0.055, 0.01, 0.055}, moms = {0.9, 0.85, 0.8, 0.85, 0.9, 0.85};
    for (size_t i = 0; i < lrs.size(); ++i) {
      CHECK(lr_of(opt) == Approx(lrs[i]));
      CHECK(opt.param_groups()[0].options().get("momentum") == Approx(moms[i]));
      s.step();
    }
    CHECK_THROWS_WITH(CyclicLR(opt, CyclicLROptions(0.01, 0.1).mode("square")), Contains("mode is invalid"));
  }
  SECTION("ChainedScheduler multiplies its schedulers' factors") {
    SGD opt({p}, SGDOptions(1.0));
    auto constant = std::make_shared<ConstantLR>(opt, 0.5, 2);
    auto exponential = std::make_shared<ExponentialLR>(opt, 0.9);
    ChainedScheduler s({constant, exponential});
    for (double e : {0.5, 0.5 * 0.9, 0.81, 0.729}) {
      CHECK(lr_of(opt) == Approx(e));
      CHECK(s.get_last_lr()[0] == Approx(e));
      s.step();
    }
    CHECK_THROWS_WITH(ChainedScheduler({}), Contains("at least one scheduler"));
  }
}

TEST_CASE("LBFGS's state dict carries its history: a resumed run equals the uninterrupted one", "[optim]") {
  Tensor c = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64);
  auto make_closure = [&](Tensor& x, LBFGS& opt) {
    return [&] {
      opt.zero_grad();
      Tensor loss = sum(c * x * x) * 0.5 + sum(x.sin());
      loss.backward();
      return loss;
    };
  };
  LBFGSOptions o = LBFGSOptions(1).max_iter(3).history_size(3).line_search_fn("strong_wolfe");
  Tensor a = tensor({1.0, -2.0, 0.5, 3.0}, kFloat64), b = tensor({1.0, -2.0, 0.5, 3.0}, kFloat64);
  a.requires_grad_();
  b.requires_grad_();
  LBFGS full({a}, o);
  for (int i = 0; i < 4; ++i) full.step(make_closure(a, full));
  LBFGS first({b}, o);
  for (int i = 0; i < 2; ++i) first.step(make_closure(b, first));
  TensorDict state = first.state_dict();
  CHECK(state.tensors.count("lbfgs.old_dirs.0"));
  LBFGS resumed({b}, LBFGSOptions(5));
  resumed.load_state_dict(state);
  CHECK(resumed.n_iter() == first.n_iter());
  for (int i = 0; i < 2; ++i) resumed.step(make_closure(b, resumed));
  CHECK(b.to_vector() == a.to_vector());
  TensorDict bad = state;
  bad.tensors.erase("lbfgs.d");
  CHECK_THROWS_WITH(resumed.load_state_dict(bad), Contains("no 'lbfgs.d' tensor"));
}
