// ember::optim: each optimizer drives a least-squares problem to its known
// minimum, each update matches a hand-written scalar reference loop, bad
// options are rejected, state dicts resume bit for bit, and the schedulers,
// clipping and early stopping follow their definitions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"
#include "optim/early_stopping.h"
#include "optim/lr_scheduler.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::optim;
using ember::test::Contains;

namespace {

// min_w mean((A w - b)^2) with b = A w*: the minimum loss is exactly 0.
struct LeastSquares {
  Tensor A = tensor({1, 2, 0.5, -1, 0.3, 1, 2, -0.7, 0.1, 0.2, 1.5, -1, 0.8, 0.8, 0.8, -0.3, 0.4, 1.1}, {6, 3}, kFloat64);
  Tensor b = matmul(A, tensor({0.5, -1.0, 2.0}, {3, 1}, kFloat64));
  Tensor w = zeros({3, 1}, TensorOptions(kFloat64).requires_grad());
  Tensor loss() const { return mean(pow(sub(matmul(A, w), b), 2.0)); }
};

double train(LeastSquares& ls, Optimizer& opt, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    opt.step([&] {
      Tensor l = ls.loss();
      l.backward();
      return l;
    });
  }
  NoGradGuard no_grad;
  return ls.loss().item<double>();
}

std::vector<double> values(const Tensor& t) { return t.to_vector(); }

// Runs `steps` updates with fixed pseudo-random gradients on a 4-element float64 parameter.
std::vector<double> run(const std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>& make, int steps,
                        std::vector<std::vector<double>>* grads_out = nullptr) {
  Tensor p = tensor({0.5, -1.5, 2.0, 0.25}, kFloat64);
  p.requires_grad_();
  auto opt = make({p});
  for (int s = 0; s < steps; ++s) {
    std::vector<double> g(4);
    for (int i = 0; i < 4; ++i) g[size_t(i)] = std::sin(1.3 * s + 0.7 * i) + 0.1 * i;
    if (grads_out) grads_out->push_back(g);
    p.set_grad(tensor(g, {4}, kFloat64));
    opt->step();
  }
  return values(p);
}

void check_close(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-13).margin(1e-15));
}

const std::vector<double> kP0 = {0.5, -1.5, 2.0, 0.25};

}  // namespace

TEST_CASE("every optimizer drives least squares to its zero minimum", "[optim]") {
  struct Case {
    const char* name;
    std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)> make;
    int steps;
    double tol;
  };
  std::vector<Case> cases = {
      {"SGD", [](auto p) { return std::make_unique<SGD>(p, SGDOptions(0.1)); }, 400, 1e-10},
      {"SGD nesterov", [](auto p) { return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true)); },
       200, 1e-10},
      {"Adam", [](auto p) { return std::make_unique<Adam>(p, AdamOptions(0.05)); }, 600, 1e-8},
      {"AdamW", [](auto p) { return std::make_unique<AdamW>(p, AdamWOptions(0.05).weight_decay(0)); }, 600, 1e-8},
      {"Adagrad", [](auto p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.5)); }, 600, 1e-8},
      {"RMSprop", [](auto p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.001).momentum(0.9)); }, 1500,
       1e-6},
  };
  for (auto& c : cases) {
    INFO(c.name);
    LeastSquares ls;
    auto opt = c.make({ls.w});
    double start = ls.loss().item<double>();
    double end = train(ls, *opt, c.steps);
    CHECK(start > 1);
    CHECK(end < c.tol);
  }
}

TEST_CASE("SGD matches the reference loop with momentum, dampening, Nesterov, weight decay, maximize", "[optim]") {
  for (int variant = 0; variant < 3; ++variant) {
    double lr = 0.1, mu = 0.9, damp = variant == 0 ? 0.3 : 0.0, wd = 0.01;
    bool nesterov = variant == 1, maximize = variant == 2;
    std::vector<std::vector<double>> grads;
    auto got = run(
        [&](auto p) {
          return std::make_unique<SGD>(
              p, SGDOptions(lr).momentum(mu).dampening(damp).weight_decay(wd).nesterov(nesterov).maximize(maximize));
        },
        6, &grads);
    std::vector<double> p = kP0, buf(4);
    for (size_t s = 0; s < grads.size(); ++s)
      for (size_t i = 0; i < 4; ++i) {
        double g = (maximize ? -grads[s][i] : grads[s][i]) + wd * p[i];
        buf[i] = s == 0 ? g : mu * buf[i] + (1 - damp) * g;
        p[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
      }
    INFO("variant " << variant);
    check_close(got, p);
  }
}

TEST_CASE("Adam and AdamW match the reference loop, with and without AMSGrad", "[optim]") {
  for (int variant = 0; variant < 4; ++variant) {
    bool amsgrad = variant % 2 == 1, decoupled = variant >= 2;
    double lr = 0.01, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.05;
    std::vector<std::vector<double>> grads;
    auto got = run(
        [&](auto p) -> std::unique_ptr<Optimizer> {
          if (decoupled)
            return std::make_unique<AdamW>(p, AdamWOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd).amsgrad(amsgrad));
          return std::make_unique<Adam>(p, AdamOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd).amsgrad(amsgrad));
        },
        6, &grads);
    std::vector<double> p = kP0, m(4), v(4), vmax(4);
    for (size_t s = 0; s < grads.size(); ++s) {
      double t = double(s + 1);
      for (size_t i = 0; i < 4; ++i) {
        double g = grads[s][i];
        if (decoupled) p[i] *= 1 - lr * wd;
        else g += wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        vmax[i] = std::max(vmax[i], v[i]);
        double vhat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(b2, t));
        p[i] -= lr * (m[i] / (1 - std::pow(b1, t))) / (std::sqrt(vhat) + eps);
      }
    }
    INFO("variant " << variant);
    check_close(got, p);
  }
}

TEST_CASE("Adagrad and RMSprop match the reference loop", "[optim]") {
  std::vector<std::vector<double>> grads;
  double lr = 0.1, decay = 0.05, init = 0.2, eps = 1e-10, wd = 0.01;
  auto got = run(
      [&](auto p) {
        return std::make_unique<Adagrad>(
            p, AdagradOptions(lr).lr_decay(decay).initial_accumulator_value(init).eps(eps).weight_decay(wd));
      },
      6, &grads);
  std::vector<double> p = kP0, sum(4, init);
  for (size_t s = 0; s < grads.size(); ++s)
    for (size_t i = 0; i < 4; ++i) {
      double g = grads[s][i] + wd * p[i];
      sum[i] += g * g;
      p[i] -= lr / (1 + double(s) * decay) * g / (std::sqrt(sum[i]) + eps);
    }
  check_close(got, p);

  for (int variant = 0; variant < 2; ++variant) {
    bool centered = variant == 1;
    double alpha = 0.9, mu = variant == 1 ? 0.5 : 0.0, reps = 1e-8;
    grads.clear();
    got = run(
        [&](auto q) {
          return std::make_unique<RMSprop>(
              q, RMSpropOptions(lr).alpha(alpha).eps(reps).weight_decay(wd).momentum(mu).centered(centered));
        },
        6, &grads);
    std::vector<double> q = kP0, sq(4), ga(4), buf(4);
    for (size_t s = 0; s < grads.size(); ++s)
      for (size_t i = 0; i < 4; ++i) {
        double g = grads[s][i] + wd * q[i];
        sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
        ga[i] = alpha * ga[i] + (1 - alpha) * g;
        double avg = std::sqrt(centered ? sq[i] - ga[i] * ga[i] : sq[i]) + reps;
        if (mu > 0) {
          buf[i] = mu * buf[i] + g / avg;
          q[i] -= lr * buf[i];
        } else {
          q[i] -= lr * g / avg;
        }
      }
    INFO("RMSprop variant " << variant);
    check_close(got, q);
  }
}

TEST_CASE("optimizers reject bad options at construction", "[optim]") {
  Tensor p = zeros({2}, TensorOptions(kFloat64).requires_grad());
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(-0.1)), Contains("SGD: invalid learning rate") && Contains("-0.1"));
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(-1)), Contains("momentum >= 0"));
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).nesterov(true)), Contains("Nesterov momentum requires"));
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                    Contains("zero dampening"));
  CHECK_THROWS_WITH(Adam({p}, AdamOptions(0.1).betas({1.0, 0.999})), Contains("betas[0]"));
  CHECK_THROWS_WITH(Adam({p}, AdamOptions(0.1).betas({0.9, -0.1})), Contains("betas[1]"));
  CHECK_THROWS_WITH(AdamW({p}, AdamWOptions(0.1).eps(-1)), Contains("AdamW: invalid epsilon"));
  CHECK_THROWS_WITH(RMSprop({p}, RMSpropOptions(0.1).alpha(-1)), Contains("alpha"));
  CHECK_THROWS_WITH(Adagrad({p}, AdagradOptions(0.1).lr_decay(-1)), Contains("lr_decay"));
  CHECK_THROWS_AS(SGD(std::vector<Tensor>{}, SGDOptions(0.1)), ValueError);
  CHECK_THROWS_WITH(SGD({p, p}, SGDOptions(0.1)), Contains("more than one parameter group"));
  CHECK_THROWS_AS(SGD({zeros({2}, kInt64)}, SGDOptions(0.1)), TypeError);
  // A bad group is rejected when added.
  SGD opt({p}, SGDOptions(0.1));
  CHECK_THROWS_WITH(opt.add_param_group(OptimizerParamGroup({zeros({1}, kFloat64)}, SGDOptions(-1).clone())),
                    Contains("invalid learning rate"));
}

TEST_CASE("param groups keep their own options; zero_grad clears or zeroes", "[optim]") {
  Tensor a = ones({2}, TensorOptions(kFloat64).requires_grad()), b = ones({2}, TensorOptions(kFloat64).requires_grad());
  SGD opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}), OptimizerParamGroup({b}, SGDOptions(1.0).clone())},
          SGDOptions(0.1));
  a.set_grad(ones({2}, kFloat64));
  b.set_grad(ones({2}, kFloat64));
  opt.step();
  CHECK(values(a) == std::vector<double>{0.9, 0.9});
  CHECK(values(b) == std::vector<double>{0.0, 0.0});
  CHECK(opt.param_groups()[0].options().get_lr() == 0.1);
  opt.zero_grad(false);
  CHECK(values(a.grad()) == std::vector<double>{0, 0});
  opt.zero_grad();
  CHECK(!a.grad().defined());
  opt.step();  // no gradients: nothing moves
  CHECK(values(b) == std::vector<double>{0.0, 0.0});
}

TEST_CASE("state dict save, load and continue equals the uninterrupted run bit for bit", "[optim]") {
  auto path = (std::filesystem::temp_directory_path() / ("ember_optim_" + std::to_string(std::random_device{}()))).string();
  std::vector<std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>> makers = {
      [](auto p) { return std::make_unique<SGD>(p, SGDOptions(0.1).momentum(0.9).nesterov(true)); },
      [](auto p) { return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true)); },
      [](auto p) { return std::make_unique<AdamW>(p, AdamWOptions(0.01)); },
      [](auto p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.01)); },
      [](auto p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).centered(true).momentum(0.3)); },
  };
  for (auto& make : makers) {
    auto step_with = [](Tensor& p, Optimizer& opt, int s) {
      p.set_grad(tensor({std::sin(double(s)), std::cos(double(s)), 0.3}, {3}, kFloat32));
      opt.step();
    };
    Tensor p1 = tensor({1, 2, 3}, kFloat32).requires_grad_(), p2 = p1.detach().clone().requires_grad_();
    auto full = make({p1});
    for (int s = 0; s < 10; ++s) step_with(p1, *full, s);
    auto first = make({p2});
    for (int s = 0; s < 5; ++s) step_with(p2, *first, s);
    save(*first, path);
    Tensor p3 = p2.detach().clone().requires_grad_();
    auto resumed = make({p3});
    load(*resumed, path);
    for (int s = 5; s < 10; ++s) step_with(p3, *resumed, s);
    INFO(full->name());
    CHECK(std::memcmp(p1.raw_data(), p3.raw_data(), 3 * sizeof(float)) == 0);
  }
  // A state dict of another optimizer, or for other parameters, is refused.
  Tensor p = zeros({3}, TensorOptions(kFloat32).requires_grad());
  SGD sgd({p}, SGDOptions(0.1));
  CHECK_THROWS_WITH(load(sgd, path), Contains("belongs to a RMSprop optimizer"));
  RMSprop other({zeros({4}, TensorOptions(kFloat32).requires_grad())}, RMSpropOptions());
  CHECK_THROWS_WITH(load(other, path), Contains("state.0."));
  std::filesystem::remove(path);
}

TEST_CASE("schedulers follow their closed forms", "[optim][lr_scheduler]") {
  Tensor p = zeros({1}, TensorOptions(kFloat64).requires_grad());
  auto lr_after = [&](auto make, int steps) {
    SGD opt({p}, SGDOptions(1.0).momentum(0.5));
    auto sched = make(opt);
    std::vector<double> lrs{sched->get_last_lr()[0]};
    for (int i = 0; i < steps; ++i) {
      sched->step();
      lrs.push_back(opt.param_groups()[0].options().get_lr());
    }
    return lrs;
  };
  auto step = lr_after([](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); }, 7);
  CHECK(step == std::vector<double>{1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25});
  auto multi = lr_after([](Optimizer& o) { return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{2, 5, 5}, 0.1); }, 6);
  CHECK(multi[1] == 1.0);
  CHECK(multi[2] == Approx(0.1));
  CHECK(multi[5] == Approx(0.001));
  auto cosine = lr_after([](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 10, 0.1); }, 10);
  for (int e = 0; e <= 10; ++e) CHECK(cosine[size_t(e)] == Approx(0.1 + 0.9 * (1 + std::cos(M_PI * e / 10)) / 2));
  auto linear = lr_after([](Optimizer& o) { return std::make_unique<LinearLR>(o, 0.25, 1.0, 3); }, 5);
  CHECK(linear[0] == 0.25);
  CHECK(linear[1] == Approx(0.5));
  CHECK(linear[3] == Approx(1.0));
  CHECK(linear[5] == Approx(1.0));
  auto lambda = lr_after([](Optimizer& o) { return std::make_unique<LambdaLR>(o, [](int64_t e) { return 1.0 / (e + 1); }); }, 3);
  CHECK(lambda == std::vector<double>{1, 0.5, 1.0 / 3, 0.25});
  auto one = lr_after([](Optimizer& o) { return std::make_unique<OneCycleLR>(o, OneCycleLROptions(1.0).total_steps(10)); }, 9);
  CHECK(one[0] == Approx(1.0 / 25));
  CHECK(one[2] == Approx(1.0));  // the peak at pct_start * total_steps - 1
  CHECK(one[9] == Approx(1.0 / 25 / 1e4));
}

TEST_CASE("a scheduler built with last_epoch resumes from the groups' initial_lr", "[optim][lr_scheduler]") {
  Tensor p = zeros({1}, TensorOptions(kFloat64).requires_grad());
  SGD opt({p}, SGDOptions(1.0));
  CHECK_THROWS_WITH(StepLR(opt, 3, 0.5, 4), Contains("'initial_lr' is not specified in param_groups[0]"));
  CHECK_THROWS_WITH(StepLR(opt, 3, 0.5, -2), Contains("last_epoch >= -1"));
  // Resuming at epoch 4: the constructor's step goes to epoch 5 from initial_lr 2.
  opt.param_groups()[0].initial_lr = 2.0;
  LambdaLR lambda(opt, [](int64_t e) { return 1.0 / double(e + 1); }, 4);
  CHECK(lambda.last_epoch() == 5);
  CHECK(lambda.get_last_lr()[0] == 2.0 / 6);
  // ExponentialLR and CosineAnnealingLR keep the current lr on that step (PyTorch's initial mode) ...
  opt.param_groups()[0].options().set_lr(0.5);
  ExponentialLR exp(opt, 0.5, 4);
  CHECK(exp.get_last_lr()[0] == 0.5);
  exp.step();
  CHECK(exp.get_last_lr()[0] == 0.25);
  // ... and their closed form agrees with where they resumed.
  exp.step(int64_t(7));
  CHECK(exp.get_last_lr()[0] == 2.0 * std::pow(0.5, 7));
}

TEST_CASE("Adagrad holds its sums and step counts from construction", "[optim]") {
  Tensor a = zeros({2}, TensorOptions(kFloat64).requires_grad()), b = zeros({3}, TensorOptions(kFloat32).requires_grad());
  Adagrad opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}),
                                              OptimizerParamGroup({b}, AdagradOptions().initial_accumulator_value(0.5).clone())},
              AdagradOptions().initial_accumulator_value(0.25));
  TensorDict d = opt.state_dict();
  REQUIRE(d.tensors.size() == 4);
  CHECK(d.tensors.at("state.0.step").item<int64_t>() == 0);
  CHECK(values(d.tensors.at("state.0.sum")) == std::vector<double>{0.25, 0.25});
  CHECK(d.tensors.at("state.1.sum").dtype() == kFloat32);
  CHECK(values(d.tensors.at("state.1.sum")) == std::vector<double>{0.5, 0.5, 0.5});
  // SGD has no step count in its state, as in PyTorch.
  SGD sgd({a}, SGDOptions(0.1).momentum(0.9));
  a.set_grad(ones({2}, kFloat64));
  sgd.step();
  TensorDict s = sgd.state_dict();
  CHECK(s.tensors.size() == 1);
  CHECK(s.tensors.count("state.0.momentum_buffer") == 1);
}

TEST_CASE("ReduceLROnPlateau cuts lr after patience bad epochs, then cools down", "[optim][lr_scheduler]") {
  Tensor p = zeros({1}, TensorOptions(kFloat64).requires_grad());
  SGD opt({p}, SGDOptions(1.0));
  ReduceLROnPlateau sched(opt, ReduceLROnPlateauOptions().patience(2).cooldown(1).factor(0.5));
  std::vector<double> losses = {5, 4, 4, 4, 4, 4, 4, 4, 3};
  std::vector<double> lrs;
  for (double l : losses) {
    sched.step(l);
    lrs.push_back(sched.get_last_lr()[0]);
  }
  CHECK(lrs == std::vector<double>{1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5});
  CHECK(sched.best() == 3);
  CHECK_THROWS_WITH(ReduceLROnPlateau(opt, ReduceLROnPlateauOptions().factor(1.0)), Contains("factor should be < 1.0"));
}

TEST_CASE("clip_grad_norm_ scales to max_norm and returns the total norm; clip_grad_value_ clamps", "[optim]") {
  Tensor a = zeros({2}, TensorOptions(kFloat64).requires_grad()), b = zeros({1}, TensorOptions(kFloat64).requires_grad());
  Tensor none = zeros({1}, TensorOptions(kFloat64).requires_grad());
  a.set_grad(tensor({3.0, 0.0}, kFloat64));
  b.set_grad(tensor({4.0}, kFloat64));
  double total = clip_grad_norm_({a, b, none}, 1.0);
  CHECK(total == Approx(5.0));
  CHECK(values(a.grad())[0] == Approx(3.0 / (5.0 + 1e-6)));
  CHECK(values(b.grad())[0] == Approx(4.0 / (5.0 + 1e-6)));
  a.set_grad(tensor({-3.0, 2.0}, kFloat64));
  CHECK(clip_grad_norm_({a}, 10.0, INFINITY) == 3.0);
  CHECK(values(a.grad()) == std::vector<double>{-3.0, 2.0});
  CHECK(clip_grad_norm_({a}, 10.0, 1.0) == Approx(5.0));
  a.set_grad(tensor({NAN, 1.0}, kFloat64));
  CHECK_THROWS_WITH(clip_grad_norm_({a}, 1.0, 2.0, true), Contains("non-finite"));
  a.set_grad(tensor({-3.0, 0.5}, kFloat64));
  clip_grad_value_({a, none}, 1.0);
  CHECK(values(a.grad()) == std::vector<double>{-1.0, 0.5});
}

TEST_CASE("EarlyStopping stops after patience epochs without improvement by min_delta", "[optim]") {
  EarlyStopping stop(2, 0.1, "min");
  CHECK(!stop.step(1.0));
  CHECK(!stop.step(0.95));  // not better by more than 0.1
  CHECK(stop.step(0.92));
  CHECK(stop.best() == 1.0);
  EarlyStopping up(1, 0.0, "max");
  CHECK(!up.step(0.5));
  CHECK(!up.step(0.6));
  CHECK(up.improved());
  CHECK(up.step(0.6));
  CHECK_THROWS_WITH(EarlyStopping(1, 0.0, "up"), Contains("mode"));
}
