// batch_norm against naive per-channel statistics in double (training and
// eval), the in-place running-stat update computed by hand, gradcheck and
// gradgradcheck for input, weight and bias, and the argument errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "autograd/generator.h"
#include "autograd/gradcheck.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/norm.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

struct Stats {
  std::vector<double> mean, var;  // biased variance
};

// Per-channel statistics of a contiguous (N, C, S) buffer.
Stats naive_stats(const std::vector<double>& x, int64_t n, int64_t c, int64_t s) {
  Stats st{std::vector<double>(size_t(c)), std::vector<double>(size_t(c))};
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k) sum += x[size_t((i * c + ch) * s + k)];
    double m = sum / double(n * s);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k) sq += std::pow(x[size_t((i * c + ch) * s + k)] - m, 2);
    st.mean[size_t(ch)] = m;
    st.var[size_t(ch)] = sq / double(n * s);
  }
  return st;
}

}  // namespace

TEST_CASE("batch_norm in training normalises with batch statistics and updates running stats", "[norm][batch_norm]") {
  Generator gen(20);
  const int64_t n = 3, c = 4, s = 6;
  Tensor x = randn({n, c, 2, 3}, kFloat64, &gen) * 2.0 + 5.0;
  Tensor w = rand({c}, kFloat64, &gen) + 0.5, b = randn({c}, kFloat64, &gen);
  Tensor rm = randn({c}, kFloat64, &gen), rv = rand({c}, kFloat64, &gen) + 1.0;
  std::vector<double> rm0 = rm.to_vector(), rv0 = rv.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  Tensor y = batch_norm(x, rm, rv, w, b, true, 0.2, 1e-3);
  Stats st = naive_stats(x.to_vector(), n, c, s);
  std::vector<double> xv = x.to_vector(), yv = y.to_vector();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < s; ++k) {
        size_t at = size_t((i * c + ch) * s + k);
        double want = (xv[at] - st.mean[size_t(ch)]) / std::sqrt(st.var[size_t(ch)] + 1e-3) * wv[size_t(ch)] + bv[size_t(ch)];
        CHECK(yv[at] == Approx(want).epsilon(1e-12));
      }
  std::vector<double> rm1 = rm.to_vector(), rv1 = rv.to_vector();
  const double m = double(n * s);
  for (size_t ch = 0; ch < size_t(c); ++ch) {
    CHECK(rm1[ch] == Approx(0.8 * rm0[ch] + 0.2 * st.mean[ch]).epsilon(1e-12));
    CHECK(rv1[ch] == Approx(0.8 * rv0[ch] + 0.2 * st.var[ch] * m / (m - 1)).epsilon(1e-12));
  }
  CHECK(rm._version() == 1);
}

TEST_CASE("batch_norm in eval uses the running statistics and float32 agrees", "[norm][batch_norm]") {
  Generator gen(21);
  Tensor x = randn({5, 3}, kFloat64, &gen);
  Tensor rm = tensor({0.5, -1.0, 2.0}, kFloat64), rv = tensor({1.5, 0.25, 4.0}, kFloat64);
  Tensor w = tensor({2.0, 0.5, -1.0}, kFloat64), b = tensor({0.1, 0.2, 0.3}, kFloat64);
  std::vector<double> xv = x.to_vector(), y = batch_norm(x, rm, rv, w, b).to_vector();
  std::vector<double> y32 = batch_norm(x.to_float(), rm.to_float(), rv.to_float(), w.to_float(), b.to_float()).to_vector();
  std::vector<double> rmv = rm.to_vector(), rvv = rv.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  for (size_t i = 0; i < xv.size(); ++i) {
    size_t ch = i % 3;
    double want = (xv[i] - rmv[ch]) / std::sqrt(rvv[ch] + 1e-5) * wv[ch] + bv[ch];
    CHECK(y[i] == Approx(want).epsilon(1e-12));
    CHECK(y32[i] == Approx(want).epsilon(1e-5).margin(1e-6));
  }
  CHECK(rm.to_vector() == rmv);  // eval leaves running stats alone
}

TEST_CASE("batch_norm gradients pass gradcheck and gradgradcheck", "[norm][batch_norm][gradcheck]") {
  Generator gen(22);
  for (bool training : {true, false}) {
    for (Shape shape : {Shape{4, 3}, Shape{2, 3, 2, 2}}) {
      INFO("training " << training << ", dims " << shape.size());
      Tensor x = randn(shape, kFloat64, &gen).requires_grad_();
      Tensor w = (rand({3}, kFloat64, &gen) + 0.5).requires_grad_();
      Tensor b = randn({3}, kFloat64, &gen).requires_grad_();
      Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
      auto fn = [&](const tensor_list& in) {
        return tensor_list{batch_norm(in[0], rm, rv, in[1], in[2], training, 0.1, 1e-5)};
      };
      CHECK(autograd::gradcheck(fn, {x, w, b}));
      CHECK(autograd::gradgradcheck(fn, {x, w, b}));
      auto plain = [&](const tensor_list& in) { return tensor_list{batch_norm(in[0], rm, rv, {}, {}, training)}; };
      CHECK(autograd::gradcheck(plain, {x}));
      CHECK(autograd::gradgradcheck(plain, {x}));
    }
  }
}

TEST_CASE("batch_norm rejects bad arguments before computing", "[norm][batch_norm][errors]") {
  Tensor x = ones({2, 3, 4}, kFloat64), c3 = ones({3}, kFloat64);
  CHECK_THROWS_WITH(batch_norm(x, c3, c3, ones({4}, kFloat64)),
                    Contains("batch_norm: expected weight of shape [3]") && Contains("got [4]"));
  CHECK_THROWS_WITH(batch_norm(ones({1, 3}, kFloat64), c3, c3, {}, {}, true),
                    Contains("more than 1 value per channel"));
  CHECK_THROWS_WITH(batch_norm(x, {}, {}), Contains("running_mean and running_var in evaluation mode"));
  CHECK_THROWS_WITH(batch_norm(ones({3}, kFloat64), c3, c3), Contains("expected input of shape (N, C, ...)"));
  CHECK_NOTHROW(batch_norm(x, {}, {}, {}, {}, true));
}
