// Losses against naive double loops written from PyTorch's documented
// formulas (weighted mean over the weights of non-ignored targets, label
// smoothing, probability targets), gradcheck / gradgradcheck in float64, and
// the argument errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/generator.h"
#include "autograd/gradcheck.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loss.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// Cross entropy over x laid out (N, C, S), targets (N, S), PyTorch's rules.
std::vector<double> naive_cross_entropy(const std::vector<double>& x, int64_t n, int64_t c, int64_t s,
                                        const std::vector<int64_t>& t, const std::vector<double>& w, int64_t ignore,
                                        double smoothing, LossReduction red) {
  std::vector<double> per, nll, smooth;
  double wsum = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < s; ++p) {
      auto at = [&](int64_t k) { return x[size_t((i * c + k) * s + p)]; };
      double mx = -INFINITY, z = 0;
      for (int64_t k = 0; k < c; ++k) mx = std::max(mx, at(k));
      for (int64_t k = 0; k < c; ++k) z += std::exp(at(k) - mx);
      double lse = mx + std::log(z);
      int64_t y = t[size_t(i * s + p)];
      double a = 0, b = 0;
      if (y != ignore) {
        a = -w[size_t(y)] * (at(y) - lse);
        for (int64_t k = 0; k < c; ++k) b -= w[size_t(k)] * (at(k) - lse);
        wsum += w[size_t(y)];
      }
      nll.push_back(a);
      smooth.push_back(b);
      per.push_back((1 - smoothing) * a + smoothing / double(c) * b);
    }
  if (red == LossReduction::None) return per;
  double total = 0;
  for (double v : per) total += v;
  return {red == LossReduction::Sum ? total : total / wsum};
}

void check_close(const Tensor& got, const std::vector<double>& want, double rel = 1e-12) {
  std::vector<double> g = got.to_vector();
  REQUIRE(g.size() == want.size());
  for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(want[i]).epsilon(rel).margin(1e-12));
}

struct CeCase {
  Shape shape;  // input shape; target drops dim 1 (or everything for 1-d input)
  bool weighted;
  int64_t ignore_index;
  double smoothing;
};

}  // namespace

TEST_CASE("cross_entropy and nll_loss with class indices match the naive loss", "[loss][cross_entropy]") {
  Generator gen(10);
  const std::vector<CeCase> cases{
      {{5, 4}, false, -100, 0.0}, {{5, 4}, true, -100, 0.0}, {{5, 4}, true, 2, 0.0},  {{5, 4}, false, 1, 0.3},
      {{5, 4}, true, 0, 0.2},     {{3, 4, 2, 3}, true, 3, 0.1}, {{3, 4, 5}, false, -100, 0.0}, {{4}, true, -100, 0.25},
  };
  for (const CeCase& cc : cases) {
    const bool flat = cc.shape.size() == 1;
    const int64_t n = flat ? 1 : cc.shape[0], c = flat ? cc.shape[0] : cc.shape[1];
    int64_t s = 1;
    Shape tshape;
    if (!flat) tshape.push_back(n);
    for (size_t d = 2; d < cc.shape.size(); ++d) {
      s *= cc.shape[d];
      tshape.push_back(cc.shape[d]);
    }
    Tensor x = randn(cc.shape, kFloat64, &gen) * 2.0;
    Tensor target = randint(0, c, tshape, kInt64, &gen);
    std::vector<double> tv = target.to_vector();
    std::vector<int64_t> t(tv.begin(), tv.end());
    Tensor weight = cc.weighted ? rand({c}, kFloat64, &gen) + 0.5 : Tensor();
    std::vector<double> w = cc.weighted ? weight.to_vector() : std::vector<double>(size_t(c), 1.0);
    for (LossReduction red : {LossReduction::None, LossReduction::Mean, LossReduction::Sum}) {
      INFO("shape " << cc.shape.size() << "-d, weighted " << cc.weighted << ", ignore " << cc.ignore_index
                    << ", smoothing " << cc.smoothing << ", reduction " << int(red));
      auto want = naive_cross_entropy(x.to_vector(), n, c, s, t, w, cc.ignore_index, cc.smoothing, red);
      Tensor got = cross_entropy(x, target,
                                 CrossEntropyFuncOptions()
                                     .weight(weight)
                                     .ignore_index(cc.ignore_index)
                                     .reduction(red)
                                     .label_smoothing(cc.smoothing));
      check_close(got, want);
      if (red == LossReduction::None) CHECK(got.shape() == tshape);
      check_close(cross_entropy(x.to_float(), target,
                                CrossEntropyFuncOptions()
                                    .weight(cc.weighted ? weight.to_float() : Tensor())
                                    .ignore_index(cc.ignore_index)
                                    .reduction(red)
                                    .label_smoothing(cc.smoothing)),
                  want, 1e-5);
      auto fn = [&](const tensor_list& in) {
        return tensor_list{cross_entropy(in[0], target,
                                         CrossEntropyFuncOptions()
                                             .weight(weight)
                                             .ignore_index(cc.ignore_index)
                                             .reduction(red)
                                             .label_smoothing(cc.smoothing))};
      };
      Tensor xg = x.detach().requires_grad_();
      CHECK(autograd::gradcheck(fn, {xg}));
      CHECK(autograd::gradgradcheck(fn, {xg}));
      if (cc.smoothing == 0.0) {  // nll_loss alone on log-probabilities
        Tensor lp = x - x.logsumexp({flat ? 0 : 1}, true);
        check_close(
            nll_loss(lp, target, NLLLossFuncOptions().weight(weight).ignore_index(cc.ignore_index).reduction(red)),
            want, 1e-10);
        auto nfn = [&](const tensor_list& in) {
          return tensor_list{nll_loss(
              in[0], target, NLLLossFuncOptions().weight(weight).ignore_index(cc.ignore_index).reduction(red))};
        };
        CHECK(autograd::gradcheck(nfn, {xg}));
        CHECK(autograd::gradgradcheck(nfn, {xg}));
      }
    }
  }
}

TEST_CASE("cross_entropy with class probabilities matches the naive loss", "[loss][cross_entropy]") {
  Generator gen(11);
  const int64_t n = 3, c = 4, s = 2;
  Tensor x = randn({n, c, s}, kFloat64, &gen);
  Tensor p = rand({n, c, s}, kFloat64, &gen);
  Tensor weight = rand({c}, kFloat64, &gen) + 0.5;
  std::vector<double> xv = x.to_vector(), pv = p.to_vector(), w = weight.to_vector();
  for (double eps : {0.0, 0.2}) {
    std::vector<double> per;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t q = 0; q < s; ++q) {
        double mx = -INFINITY, z = 0, l = 0;
        for (int64_t k = 0; k < c; ++k) mx = std::max(mx, xv[size_t((i * c + k) * s + q)]);
        for (int64_t k = 0; k < c; ++k) z += std::exp(xv[size_t((i * c + k) * s + q)] - mx);
        for (int64_t k = 0; k < c; ++k) {
          size_t at = size_t((i * c + k) * s + q);
          double tk = pv[at] * (1 - eps) + eps / double(c);
          l -= w[size_t(k)] * tk * (xv[at] - mx - std::log(z));
        }
        per.push_back(l);
      }
    double total = 0;
    for (double v : per) total += v;
    check_close(cross_entropy(x, p,
                              CrossEntropyFuncOptions()
                                  .weight(weight)
                                  .ignore_index(-100)
                                  .reduction(LossReduction::None)
                                  .label_smoothing(eps)),
                per);
    check_close(cross_entropy(x, p,
                              CrossEntropyFuncOptions()
                                  .weight(weight)
                                  .ignore_index(-100)
                                  .reduction(LossReduction::Sum)
                                  .label_smoothing(eps)),
                {total});
    check_close(cross_entropy(x, p,
                              CrossEntropyFuncOptions()
                                  .weight(weight)
                                  .ignore_index(-100)
                                  .reduction(LossReduction::Mean)
                                  .label_smoothing(eps)),
                {total / double(n * s)});
  }
  auto fn = [&](const tensor_list& in) {
    return tensor_list{cross_entropy(in[0], in[1],
                                     CrossEntropyFuncOptions()
                                         .weight(weight)
                                         .ignore_index(-100)
                                         .reduction(LossReduction::Mean)
                                         .label_smoothing(0.1))};
  };
  Tensor xg = x.detach().requires_grad_(), pg = p.detach().requires_grad_();
  CHECK(autograd::gradcheck(fn, {xg, pg}));
  CHECK(autograd::gradgradcheck(fn, {xg, pg}));
}

TEST_CASE("cross_entropy names an out-of-range target and the class count", "[loss][errors]") {
  Tensor x = zeros({2, 4}, kFloat64);
  CHECK_THROWS_AS(cross_entropy(x, tensor({1, 7}, kInt64)), IndexError);
  CHECK_THROWS_WITH(cross_entropy(x, tensor({1, 7}, kInt64)), Contains("target 7") && Contains("4 classes"));
  CHECK_THROWS_WITH(nll_loss(x, tensor({-1, 0}, kInt64)), Contains("nll_loss: target -1"));
  CHECK_NOTHROW(cross_entropy(x, tensor({1, -100}, kInt64)));
  CHECK_THROWS_WITH(cross_entropy(x, tensor({1, 2, 3}, kInt64)), Contains("expected target of shape [2]"));
  CHECK_THROWS_WITH(cross_entropy(x, zeros({2, 3}, kFloat64)), Contains("cross_entropy") && Contains("[2, 3]"));
  CHECK_THROWS_WITH(cross_entropy(x, tensor({1, 2}, kInt64), CrossEntropyFuncOptions().weight(ones({3}, kFloat64))),
                    Contains("weight of shape [4]"));
  CHECK_THROWS_WITH(
      cross_entropy(x, tensor({1, 2}, kInt64),
                    CrossEntropyFuncOptions().ignore_index(-100).reduction(LossReduction::Mean).label_smoothing(1.5)),
      Contains("label_smoothing in [0.0, 1.0], got 1.5"));
  CHECK_THROWS_AS(nll_loss(x, tensor({1.0, 2.0}, kFloat64)), TypeError);
  CHECK_THROWS_WITH(loss_reduction("avg", "mse_loss"), Contains("mse_loss: expected reduction") && Contains("'avg'"));
  CHECK(loss_reduction("sum", "mse_loss") == LossReduction::Sum);
}

namespace {

struct Elementwise {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&, LossReduction)> op;
  std::function<double(double, double)> ref;
  bool probabilities;  // input in (0, 1)
};

double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

}  // namespace

TEST_CASE("elementwise losses match their formulas and pass gradcheck", "[loss]") {
  Generator gen(12);
  const double w0 = 0.7, pw = 1.8;  // weight and pos_weight fill values
  std::vector<Elementwise> losses{
      {"mse",
       [](const Tensor& x, const Tensor& t, LossReduction r) {
         return mse_loss(x, t, MSELossFuncOptions().reduction(r));
       },
       [](double x, double t) { return (x - t) * (x - t); }, false},
      {"l1",
       [](const Tensor& x, const Tensor& t, LossReduction r) {
         return l1_loss(x, t, L1LossFuncOptions().reduction(r));
       },
       [](double x, double t) { return std::abs(x - t); }, false},
      {"smooth_l1(0.5)",
       [](const Tensor& x, const Tensor& t, LossReduction r) {
         return smooth_l1_loss(x, t, SmoothL1LossFuncOptions().reduction(r).beta(0.5));
       },
       [](double x, double t) {
         double d = std::abs(x - t);
         return d < 0.5 ? 0.5 * d * d / 0.5 : d - 0.25;
       },
       false},
      {"huber(0.8)",
       [](const Tensor& x, const Tensor& t, LossReduction r) {
         return huber_loss(x, t, HuberLossFuncOptions().reduction(r).delta(0.8));
       },
       [](double x, double t) {
         double d = std::abs(x - t);
         return d < 0.8 ? 0.5 * d * d : 0.8 * (d - 0.4);
       },
       false},
      {"bce",
       [&](const Tensor& x, const Tensor& t, LossReduction r) {
         return binary_cross_entropy(x, t, BinaryCrossEntropyFuncOptions().weight(full_like(x, w0)).reduction(r));
       },
       [&](double x, double t) { return -w0 * (t * std::log(x) + (1 - t) * std::log(1 - x)); }, true},
      {"bce_with_logits",
       [&](const Tensor& x, const Tensor& t, LossReduction r) {
         return binary_cross_entropy_with_logits(x, t,
                                                 BinaryCrossEntropyWithLogitsFuncOptions()
                                                     .weight(full_like(x, w0))
                                                     .reduction(r)
                                                     .pos_weight(full_like(x, pw)));
       },
       [&](double x, double t) { return w0 * (pw * t * softplus(-x) + (1 - t) * softplus(x)); }, false},
      {"kl_div",
       [](const Tensor& x, const Tensor& t, LossReduction r) { return kl_div(x, t, KLDivFuncOptions().reduction(r)); },
       [](double x, double t) { return t * (std::log(t) - x); }, false},
      {"kl_div(log_target)",
       [](const Tensor& x, const Tensor& t, LossReduction r) {
         return kl_div(x, t, KLDivFuncOptions().reduction(r).log_target(true));
       },
       [](double x, double t) { return std::exp(t) * (t - x); }, false},
  };
  for (const Elementwise& l : losses) {
    INFO(l.name);
    Tensor x = l.probabilities ? rand({3, 5}, kFloat64, &gen) * 0.9 + 0.05 : randn({3, 5}, kFloat64, &gen) * 2.0;
    Tensor t = rand({3, 5}, kFloat64, &gen) * 0.9 + 0.05;
    std::vector<double> xv = x.to_vector(), tv = t.to_vector(), per;
    double total = 0;
    for (size_t i = 0; i < xv.size(); ++i) {
      per.push_back(l.ref(xv[i], tv[i]));
      total += per.back();
    }
    check_close(l.op(x, t, LossReduction::None), per);
    check_close(l.op(x, t, LossReduction::Sum), {total});
    check_close(l.op(x, t, LossReduction::Mean), {total / double(per.size())});
    for (LossReduction r : {LossReduction::None, LossReduction::Mean}) {
      auto fn = [&](const tensor_list& in) { return tensor_list{l.op(in[0], in[1], r)}; };
      Tensor xg = x.detach().requires_grad_(), tg = t.detach().requires_grad_();
      CHECK(autograd::gradcheck(fn, {xg, tg}));
      CHECK(autograd::gradgradcheck(fn, {xg, tg}));
    }
  }
  Tensor x = randn({4, 3}, kFloat64, &gen), t = rand({4, 3}, kFloat64, &gen);
  CHECK(kl_div(x, t, KLDivFuncOptions().reduction(LossReduction::BatchMean)).item() ==
        Approx(kl_div(x, t, KLDivFuncOptions().reduction(LossReduction::Sum)).item() / 4.0));
}

TEST_CASE("multi_margin_loss matches the hinge formula for p = 1 and 2", "[loss][multi_margin]") {
  Generator gen(13);
  const int64_t n = 4, c = 5;
  Tensor x = randn({n, c}, kFloat64, &gen);
  Tensor target = randint(0, c, {n}, kInt64, &gen);
  Tensor weight = rand({c}, kFloat64, &gen) + 0.5;
  std::vector<double> xv = x.to_vector(), tv = target.to_vector(), w = weight.to_vector();
  for (int64_t p : {1, 2}) {
    for (bool weighted : {false, true}) {
      std::vector<double> per;
      for (int64_t i = 0; i < n; ++i) {
        int64_t y = int64_t(tv[size_t(i)]);
        double l = 0;
        for (int64_t k = 0; k < c; ++k) {
          if (k == y) continue;
          double z = std::max(0.0, 0.9 - xv[size_t(i * c + y)] + xv[size_t(i * c + k)]);
          l += (p == 2 ? z * z : z) * (weighted ? w[size_t(y)] : 1.0);
        }
        per.push_back(l / double(c));
      }
      Tensor wt = weighted ? weight : Tensor();
      check_close(
          multi_margin_loss(x, target,
                            MultiMarginLossFuncOptions().p(p).margin(0.9).weight(wt).reduction(LossReduction::None)),
          per);
      auto fn = [&](const tensor_list& in) {
        return tensor_list{multi_margin_loss(
            in[0], target, MultiMarginLossFuncOptions().p(p).margin(0.9).weight(wt).reduction(LossReduction::Mean))};
      };
      Tensor xg = x.detach().requires_grad_();
      CHECK(autograd::gradcheck(fn, {xg}));
      CHECK(autograd::gradgradcheck(fn, {xg}));
    }
  }
  CHECK_THROWS_WITH(multi_margin_loss(x, target, MultiMarginLossFuncOptions().p(3)),
                    Contains("multi_margin_loss: expected p to be 1 or 2, got p=3"));
  CHECK_THROWS_AS(multi_margin_loss(x, tensor({0, 1, 2, 5}, kInt64)), IndexError);
}

TEST_CASE("elementwise losses reject bad arguments", "[loss][errors]") {
  Tensor x = full({2, 2}, 0.5, kFloat64);
  CHECK_THROWS_WITH(binary_cross_entropy(x + 1.0, x), Contains("binary_cross_entropy: expected every input element in [0, 1], got 1.5"));
  CHECK_THROWS_WITH(binary_cross_entropy(x, ones({3}, kFloat64)), Contains("target of the input's shape [2, 2], got [3]"));
  CHECK_THROWS_WITH(huber_loss(x, x, HuberLossFuncOptions().reduction(LossReduction::Mean).delta(0.0)),
                    Contains("huber_loss: expected delta > 0, got delta=0"));
  CHECK_THROWS_WITH(smooth_l1_loss(x, x, SmoothL1LossFuncOptions().reduction(LossReduction::Mean).beta(-1.0)),
                    Contains("beta >= 0"));
  CHECK_THROWS_WITH(mse_loss(x, x, MSELossFuncOptions().reduction(LossReduction::BatchMean)),
                    Contains("mse_loss: expected reduction"));
}
