// The vectorizable float32 exp and normal cdf of ops/vec_math.h against the C
// library in double, over a dense sweep of their ranges and the edge cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "ops/vec_math.h"

using namespace ember;

namespace {
// Relative error in units of float's epsilon (1 ulp at 1.0 is 1.19e-7).
double rel_eps(double got, double want) {
  return std::fabs(got - want) / std::max(std::fabs(want), 1e-300) / std::numeric_limits<float>::epsilon();
}
}  // namespace

TEST_CASE("vec::exp is within 2 float ulp of exp over the whole range", "[vec_math]") {
  double worst = 0;
  for (float x = -87.0f; x < 88.3f; x += 0.00731f) worst = std::max(worst, rel_eps(vec::exp(x), std::exp(double(x))));
  CHECK(worst < 2.0);
  CHECK(vec::exp(0.0f) == 1.0f);
  CHECK(vec::exp(-200.0f) == 0.0f);
  CHECK(std::isinf(vec::exp(100.0f)));
  CHECK(vec::exp(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(std::isinf(vec::exp(std::numeric_limits<float>::infinity())));
  CHECK(vec::exp(-1e30f) == 0.0f);
  CHECK(std::isnan(vec::exp(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("vec::normal_cdf_pdf keeps its relative accuracy in both tails", "[vec_math]") {
  double worst_cdf = 0, worst_pdf = 0;
  // Down to Phi(-12.9) = 2e-38, the smallest normal float.
  for (float x = -12.9f; x < 9.0f; x += 0.00317f) {
    auto [cdf, pdf] = vec::normal_cdf_pdf(x);
    worst_cdf = std::max(worst_cdf, rel_eps(cdf, 0.5 * std::erfc(-double(x) / std::sqrt(2.0))));
    worst_pdf = std::max(worst_pdf, rel_eps(pdf, std::exp(-0.5 * double(x) * double(x)) / std::sqrt(2 * M_PI)));
  }
  CHECK(worst_cdf < 3.5);  // the fit's 5e-8 plus float rounding of t, the polynomial and exp: 2.7 measured (3.2 without fma)
  CHECK(worst_pdf < 2.0);
  CHECK(vec::normal_cdf_pdf(0.0f).cdf == 0.5f);
  CHECK(vec::normal_cdf_pdf(-20.0f).cdf == 0.0f);
  CHECK(vec::normal_cdf_pdf(20.0f).cdf == 1.0f);
  CHECK(vec::normal_cdf_pdf(-1e30f).cdf == 0.0f);
  CHECK(vec::normal_cdf_pdf(1e30f).pdf == 0.0f);
  CHECK(vec::normal_cdf_pdf(-std::numeric_limits<float>::infinity()).cdf == 0.0f);
  CHECK(vec::normal_cdf_pdf(std::numeric_limits<float>::infinity()).cdf == 1.0f);
  CHECK(std::isnan(vec::normal_cdf_pdf(std::numeric_limits<float>::quiet_NaN()).cdf));
  CHECK(std::isnan(vec::normal_cdf_pdf(std::numeric_limits<float>::quiet_NaN()).pdf));
}
