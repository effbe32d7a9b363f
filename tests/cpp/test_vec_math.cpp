// The vectorizable float32 exp and erfc of ops/vec_math.h against the C
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
  CHECK(std::isnan(vec::exp(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("vec::erfc keeps its relative accuracy in both tails", "[vec_math]") {
  double worst = 0;
  for (float x = -6.0f; x < 9.0f; x += 0.00317f) worst = std::max(worst, rel_eps(vec::erfc(x), std::erfc(double(x))));
  CHECK(worst < 4.0);  // the fit's 1.2e-7 (1 eps) plus float rounding of its terms
  CHECK(vec::erfc(-20.0f) == 2.0f);
  CHECK(vec::erfc(20.0f) == 0.0f);
  CHECK(vec::erfc(1e30f) == 0.0f);
  CHECK(vec::erfc(-1e30f) == 2.0f);
  CHECK(std::isnan(vec::erfc(std::numeric_limits<float>::quiet_NaN())));
}
