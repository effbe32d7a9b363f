// softmax and log_softmax against a naive per-lane reference in double, on
// every dim, non-contiguous inputs, huge magnitudes (stability) and float32.
// The op table (op_table.cpp) checks the gradients.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "autograd/generator.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/softmax.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// Reference over a contiguous (d0, d1, d2) buffer along `dim`.
std::vector<double> naive_softmax(const std::vector<double>& x, const Shape& shape, int64_t dim, bool log_form) {
  std::vector<double> y(x.size());
  int64_t outer = 1, inner = 1, n = shape[size_t(dim)];
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    if (d < dim) outer *= shape[size_t(d)];
    if (d > dim) inner *= shape[size_t(d)];
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return size_t((o * n + k) * inner + i); };
      double mx = -INFINITY;
      for (int64_t k = 0; k < n; ++k) mx = std::max(mx, x[at(k)]);
      double s = 0;
      for (int64_t k = 0; k < n; ++k) s += std::exp(x[at(k)] - mx);
      for (int64_t k = 0; k < n; ++k)
        y[at(k)] = log_form ? x[at(k)] - mx - std::log(s) : std::exp(x[at(k)] - mx) / s;
    }
  return y;
}

}  // namespace

TEST_CASE("softmax and log_softmax match a naive reference on every dim", "[softmax]") {
  Generator gen(1);
  Tensor x = randn({3, 4, 5}, kFloat64, &gen) * 3.0;
  std::vector<double> xv = x.to_vector();
  for (int64_t dim : {0, 1, 2, -1}) {
    INFO("dim " << dim);
    int64_t d = dim < 0 ? dim + 3 : dim;
    for (bool log_form : {false, true}) {
      std::vector<double> want = naive_softmax(xv, x.shape(), d, log_form);
      std::vector<double> got = (log_form ? log_softmax(x, dim) : softmax(x, dim)).to_vector();
      for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-14));
      std::vector<double> got32 = (log_form ? log_softmax(x.to_float(), dim) : softmax(x.to_float(), dim)).to_vector();
      for (size_t i = 0; i < want.size(); ++i) CHECK(got32[i] == Approx(want[i]).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("softmax works on a transposed (non-contiguous) input", "[softmax]") {
  Generator gen(2);
  Tensor x = randn({4, 6}, kFloat64, &gen).t();  // (6, 4) view
  std::vector<double> want = naive_softmax(x.contiguous().to_vector(), {6, 4}, 1, false);
  std::vector<double> got = softmax(x, 1).to_vector();
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-12));
}

TEST_CASE("log_softmax and softmax stay finite for inputs of +-1e4", "[softmax][stability]") {
  for (Dtype dt : {kFloat64, kFloat32}) {
    Tensor x = tensor({1e4, -1e4, 0.0, 1e4 - 1.0, -1e4, 1e4}, {2, 3}, dt);
    std::vector<double> ls = log_softmax(x, 1).to_vector(), sm = softmax(x, 1).to_vector();
    for (size_t i = 0; i < ls.size(); ++i) {
      CHECK(std::isfinite(ls[i]));
      CHECK(std::isfinite(sm[i]));
    }
    CHECK(ls[0] == Approx(0.0).margin(1e-6));
    CHECK(ls[1] == Approx(-2e4));
    // float32's spacing near 1e4 is ~1e-3, so the shifted result is good to about that.
    CHECK(ls[3] == Approx(-1.0 - std::log1p(std::exp(-1.0))).margin(dt == kFloat32 ? 2e-3 : 1e-9));
    CHECK(sm[5] == Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-5));
  }
}

TEST_CASE("softmax rejects a bad dim and integer input", "[softmax][errors]") {
  CHECK_THROWS_AS(softmax(ones({2, 3}), 2), IndexError);
  CHECK_THROWS_WITH(log_softmax(ones({2, 3}), -3), Contains("log_softmax"));
  CHECK_THROWS_AS(softmax(ones({2}, kInt64), 0), TypeError);
}
