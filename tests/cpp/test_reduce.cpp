// Reductions against naive loops over the logical elements (contiguous,
// transposed and sliced inputs, every dim set, keepdim), PyTorch's edge cases
// and errors, and gradients against central finite differences in float64,
// first and second order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// The values of each output element's group, in row-major order of the
// reduced dims, computed by walking every element of x's logical shape.
struct Groups {
  Shape out_shape;
  std::vector<std::vector<double>> values;
};

Groups naive_groups(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const int64_t nd = x.dim();
  std::vector<bool> reduced(nd, dims.empty());
  for (int64_t d : dims) reduced[d < 0 ? d + nd : d] = true;
  Groups g;
  int64_t m = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[d]) m *= x.size(d);
    if (!reduced[d] || keepdim) g.out_shape.push_back(reduced[d] ? 1 : x.size(d));
  }
  g.values.resize(m);
  std::vector<double> v = x.to_vector();
  std::vector<int64_t> idx(nd, 0);
  for (double value : v) {
    int64_t k = 0;
    for (int64_t d = 0; d < nd; ++d)
      if (!reduced[d]) k = k * x.size(d) + idx[d];
    g.values[k].push_back(value);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < x.size(d)) break;
      idx[d] = 0;
    }
  }
  return g;
}

double naive_sum(const std::vector<double>& v) {
  long double s = 0;
  for (double e : v) s += e;
  return double(s);
}

double naive_var(const std::vector<double>& v, int64_t correction) {
  double m = naive_sum(v) / double(v.size());
  long double s = 0;
  for (double e : v) s += (e - m) * (e - m);
  return double(s / std::max<long double>(double(v.size()) - correction, 0));
}

// Checks f(x, dims, keepdim) against reduce(group) for every output element.
void check_against(const Tensor& out, const Groups& g, const std::function<double(const std::vector<double>&)>& reduce,
                   double rel) {
  REQUIRE(out.shape() == g.out_shape);
  std::vector<double> got = out.to_vector();
  for (size_t k = 0; k < got.size(); ++k) {
    double want = reduce(g.values[k]);
    INFO("output " << k << " of " << got.size());
    if (std::isnan(want))
      CHECK(std::isnan(got[k]));
    else
      CHECK(got[k] == Approx(want).epsilon(rel).margin(rel));
  }
}

// The inputs every reduction is checked on: contiguous, transposed, sliced,
// and one large enough to take the multi-threaded paths.
std::vector<Tensor> sample_inputs(Dtype dtype) {
  manual_seed(7);
  return {randn({4, 5, 6}, dtype), randn({6, 5, 4}, dtype).transpose(0, 2),
          randn({4, 10, 6}, dtype).slice(1, 1, 10, 3), randn({50, 40, 30}, dtype).permute({2, 0, 1}),
          randn({70, 600}, dtype).unsqueeze(1)};
}

std::vector<std::vector<int64_t>> dim_sets(int64_t nd) {
  if (nd == 2) return {{}, {0}, {1}, {-1}, {0, 1}};
  return {{}, {0}, {1}, {2}, {-1}, {0, 2}, {2, 0}, {-3, 1}, {1, 2}, {0, 1, 2}};
}

// Central differences of the scalar f at x (float64), one element at a time.
std::vector<double> numeric_grad(const std::function<double(const Tensor&)>& f, const Tensor& x, double eps = 1e-6) {
  std::vector<double> v = x.to_vector(), grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    std::vector<double> hi = v, lo = v;
    hi[i] += eps;
    lo[i] -= eps;
    grad[i] = (f(tensor(hi, x.shape(), kFloat64)) - f(tensor(lo, x.shape(), kFloat64))) / (2 * eps);
  }
  return grad;
}

// Checks the gradient of sum(op(x) * w) (w fixed random weights) against
// finite differences, and (for ops whose gradient depends on x) its second
// derivative along a random direction.
void check_gradients(const std::function<Tensor(const Tensor&)>& op, const Tensor& x0, bool second_order = false) {
  Tensor x = x0.detach().contiguous().requires_grad_();
  Tensor w;
  {
    NoGradGuard no_grad;
    w = randn(op(x).shape(), kFloat64);
  }
  auto loss = [&](const Tensor& in) { return sum(op(in) * w); };
  Tensor g = autograd::grad({loss(x)}, {x}, {}, std::nullopt, second_order)[0];
  std::vector<double> num = numeric_grad([&](const Tensor& in) { return loss(in).item(); }, x);
  std::vector<double> ana = g.to_vector();
  REQUIRE(ana.size() == num.size());
  for (size_t i = 0; i < num.size(); ++i) {
    INFO("first derivative, element " << i);
    CHECK(ana[i] == Approx(num[i]).margin(1e-6).epsilon(1e-5));
  }
  if (!second_order) return;
  // d/dx <grad(x), v>, by autograd through the backward graph vs by differences.
  Tensor v = randn(x.shape(), kFloat64);
  Tensor gg = autograd::grad({sum(g * v)}, {x}, {}, std::nullopt, false, true)[0];
  auto directional = [&](const Tensor& in) {
    Tensor xi = in.detach().requires_grad_();
    Tensor gi = autograd::grad({loss(xi)}, {xi})[0];
    return sum(gi * v).item();
  };
  std::vector<double> num2 = numeric_grad(directional, x);
  std::vector<double> ana2 = gg.defined() ? gg.to_vector() : std::vector<double>(num2.size(), 0.0);
  for (size_t i = 0; i < num2.size(); ++i) {
    INFO("second derivative, element " << i);
    CHECK(ana2[i] == Approx(num2[i]).margin(1e-5).epsilon(1e-4));
  }
}

}  // namespace

TEST_CASE("sum and mean match naive loops over every dim set of strided inputs", "[reduce]") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const double rel = dt == kFloat32 ? 1e-5 : 1e-12;
    for (const Tensor& x : sample_inputs(dt))
      for (const auto& dims : dim_sets(x.dim()))
        for (bool keepdim : {false, true}) {
          INFO(dtype_name(dt) << " input " << shape_str(x.shape()) << " dims " << shape_str(dims) << " keepdim "
                              << keepdim);
          Groups g = naive_groups(x, dims, keepdim);
          Tensor s = sum(x, dims, keepdim), m = mean(x, dims, keepdim);
          CHECK(s.dtype() == dt);
          check_against(s, g, naive_sum, rel);
          check_against(m, g, [](const std::vector<double>& v) { return naive_sum(v) / double(v.size()); }, rel);
        }
  }
}

TEST_CASE("float32 sums accumulate in double", "[reduce]") {
  // 2^24 + 1 is not representable in float; a float accumulator would stall at 2^24.
  Tensor x = ones({(1 << 24) + 3}, kFloat32);
  CHECK(sum(x).item() == double((1 << 24) + 4));  // rounded once, at the end
  CHECK(sum(x.unsqueeze(0), {1}).item() == double((1 << 24) + 4));
}

TEST_CASE("var and std match naive two-pass formulas for each correction", "[reduce]") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const double rel = dt == kFloat32 ? 1e-4 : 1e-10;
    for (const Tensor& x : sample_inputs(dt))
      for (const auto& dims : dim_sets(x.dim()))
        for (int64_t correction : {0, 1, 2}) {
          INFO(dtype_name(dt) << " input " << shape_str(x.shape()) << " dims " << shape_str(dims) << " correction "
                              << correction);
          Groups g = naive_groups(x, dims, false);
          auto ref = [correction](const std::vector<double>& v) { return naive_var(v, correction); };
          check_against(var(x, dims, correction), g, ref, rel);
          check_against(ember::std(x, dims, correction), g,
                        [&](const std::vector<double>& v) { return std::sqrt(ref(v)); }, rel);
        }
  }
}

TEST_CASE("var follows PyTorch when the degrees of freedom run out", "[reduce]") {
  CHECK(std::isnan(var(tensor({3.0})).item()));                    // 0 / 0
  CHECK(var(tensor({3.0}), {}, 0).item() == 0.0);
  CHECK(std::isinf(var(tensor({1.0, 2.0}), {}, 3).item()));        // divisor clamps to 0
  CHECK(std::isnan(var(empty({0})).item()));
  CHECK_THROWS_AS(var(tensor({1.0, 2.0}, kInt64)), TypeError);
  CHECK_THROWS_WITH(ember::std(tensor({1.0, 2.0}, kInt64)), Contains("std: expected a floating point tensor"));
}

TEST_CASE("amax, amin, max and min match naive loops, indices included", "[reduce]") {
  using Values = std::vector<double>;
  auto largest = [](const Values& v) { return *std::max_element(v.begin(), v.end()); };
  auto smallest = [](const Values& v) { return *std::min_element(v.begin(), v.end()); };
  auto first_max = [](const Values& v) { return double(std::max_element(v.begin(), v.end()) - v.begin()); };
  auto first_min = [](const Values& v) { return double(std::min_element(v.begin(), v.end()) - v.begin()); };
  for (Dtype dt : {kFloat32, kFloat64, kInt64}) {
    std::vector<Tensor> inputs = sample_inputs(kFloat64);
    if (dt == kInt64)
      for (Tensor& x : inputs) x = to_dtype(x * 3.0, kInt64);  // many ties
    for (const Tensor& x0 : inputs) {
      Tensor x = to_dtype(x0, dt);
      for (const auto& dims : dim_sets(x.dim()))
        for (bool keepdim : {false, true}) {
          INFO(dtype_name(dt) << " input " << shape_str(x.shape()) << " dims " << shape_str(dims));
          Groups g = naive_groups(x, dims, keepdim);
          check_against(amax(x, dims, keepdim), g, largest, 0);
          check_against(amin(x, dims, keepdim), g, smallest, 0);
        }
      for (int64_t d = -x.dim(); d < x.dim(); ++d)
        for (bool keepdim : {false, true}) {
          INFO(dtype_name(dt) << " input " << shape_str(x.shape()) << " dim " << d);
          Groups g = naive_groups(x, {d}, keepdim);
          auto [values, indices] = max(x, d, keepdim);
          auto [min_values, min_indices] = min(x, d, keepdim);
          CHECK(indices.dtype() == kInt64);
          // std::max_element/min_element return the first occurrence, as PyTorch does.
          check_against(values, g, largest, 0);
          check_against(indices, g, first_max, 0);
          check_against(min_values, g, smallest, 0);
          check_against(min_indices, g, first_min, 0);
          check_against(argmax(x, d, keepdim), g, first_max, 0);
          check_against(argmin(x, d, keepdim), g, first_min, 0);
        }
      // Without dim: an index into the flattened tensor.
      Groups all = naive_groups(x, {}, false);
      check_against(argmax(x), all, first_max, 0);
      check_against(argmin(x), all, first_min, 0);
      CHECK(argmax(x, std::nullopt, true).shape() == Shape(size_t(x.dim()), 1));
    }
  }
}

TEST_CASE("max picks the first of tied values and NaN wins", "[reduce]") {
  Tensor x = tensor({1.0, 3.0, 3.0, 2.0});
  auto [v, i] = max(x, 0);
  CHECK(v.item() == 3.0);
  CHECK(i.item() == 1.0);
  CHECK(argmin(tensor({2.0, 1.0, 5.0, 1.0})).item() == 1.0);
  Tensor nan = tensor({1.0, std::nan(""), 3.0, std::nan("")});
  auto [nv, ni] = max(nan, 0);
  CHECK(std::isnan(nv.item()));
  CHECK(ni.item() == 1.0);
  CHECK(std::isnan(amin(nan).item()));
  CHECK(argmax(nan).item() == 1.0);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(amax(tensor({-inf, -inf})).item() == -inf);
  CHECK(amin(tensor({inf, inf}, kFloat32)).item() == inf);
  Tensor extremes = tensor({-9e18, -8e18}, kInt64);
  CHECK(amax(extremes).item<int64_t>() == int64_t(-8e18));
  CHECK(amin(extremes).item<int64_t>() == int64_t(-9e18));
}

TEST_CASE("logsumexp matches a naive sum and stays finite for large inputs", "[reduce]") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const double rel = dt == kFloat32 ? 1e-5 : 1e-12;
    for (const Tensor& x : sample_inputs(dt))
      for (const auto& dims : dim_sets(x.dim())) {
        INFO(dtype_name(dt) << " input " << shape_str(x.shape()) << " dims " << shape_str(dims));
        Groups g = naive_groups(x, dims, true);
        check_against(logsumexp(x, dims, true), g, [](const std::vector<double>& v) {
          long double s = 0;
          for (double e : v) s += std::exp((long double)e);
          return double(std::log(s));
        }, rel);
      }
  }
  Tensor big = tensor({1e4, 1e4 - 1.0, -1e4}, kFloat32);
  CHECK(logsumexp(big, {0}).item() == Approx(1e4 + std::log1p(std::exp(-1.0))));
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(logsumexp(tensor({inf, 1.0}), {0}).item() == inf);
  CHECK(logsumexp(tensor({inf, inf}), {0}).item() == inf);
  CHECK(logsumexp(tensor({-inf, -inf}), {0}).item() == -inf);
  CHECK(logsumexp(empty({0}), {0}).item() == -inf);
  Tensor ints = logsumexp(tensor({1.0, 2.0}, kInt64), {0});
  CHECK(ints.dtype() == kFloat32);
  CHECK(ints.item() == Approx(std::log(std::exp(1.0) + std::exp(2.0))));
}

TEST_CASE("sums of int64 and bool are int64, mean of int64 is a TypeError", "[reduce]") {
  Tensor i = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, kInt64);
  Tensor s = sum(i, {1});
  CHECK(s.dtype() == kInt64);
  CHECK(s.to_vector() == std::vector<double>{6, 15});
  Tensor b = gt(i, scalar_tensor(2, kInt64));
  CHECK(sum(b).dtype() == kInt64);
  CHECK(sum(b).item() == 4.0);
  CHECK(sum(b, {0}).to_vector() == std::vector<double>{1, 1, 2});
  CHECK(amax(b).item() == 1.0);
  CHECK_THROWS_AS(mean(i), TypeError);
  CHECK_THROWS_WITH(mean(i), Contains("mean: expected a floating point tensor") && Contains("int64"));
}

TEST_CASE("reductions of empty tensors follow PyTorch", "[reduce]") {
  CHECK(sum(empty({0})).item() == 0.0);
  CHECK(std::isnan(mean(empty({0, 3})).item()));
  CHECK(sum(empty({0, 3}), {0}).to_vector() == std::vector<double>{0, 0, 0});
  CHECK(amax(empty({0, 3}), {1}).shape() == Shape{0});
  CHECK(std::get<1>(max(empty({0, 3}), 1)).shape() == Shape{0});
  CHECK_THROWS_AS(amax(empty({0, 3})), IndexError);
  CHECK_THROWS_WITH(amax(empty({0, 3}), {0}), Contains("amax: expected reduction dim 0 to have non-zero size"));
  CHECK_THROWS_WITH(max(empty({2, 0}), -1), Contains("max: expected reduction dim 1 to have non-zero size"));
  CHECK_THROWS_AS(argmax(empty({0})), IndexError);
}

TEST_CASE("dims wrap, keepdim keeps size-1 dims, and 0-d tensors reduce to themselves", "[reduce]") {
  Tensor x = randn({2, 3, 4}, kFloat64);
  CHECK(sum(x, {-1}).shape() == Shape{2, 3});
  CHECK(sum(x, {-1, 0}, true).shape() == Shape{1, 3, 1});
  CHECK(sum(x, {}, true).shape() == Shape{1, 1, 1});
  CHECK(sum(x).shape() == Shape{});
  CHECK(sum(x, {1}).to_vector() == sum(x, {-2}).to_vector());
  Tensor s = scalar_tensor(5.0, kFloat64);
  CHECK(sum(s, {0}).item() == 5.0);
  CHECK(std::get<1>(max(s, -1)).item() == 0.0);
  CHECK(sum(s, {0}, true).shape() == Shape{});
}

TEST_CASE("bad dims raise IndexError and duplicate dims ValueError", "[reduce]") {
  Tensor x = randn({2, 3});
  CHECK_THROWS_AS(sum(x, {2}), IndexError);
  CHECK_THROWS_WITH(sum(x, {2}), Contains("sum: dimension out of range") && Contains("got 2"));
  CHECK_THROWS_AS(amax(x, {-3}), IndexError);
  CHECK_THROWS_AS(max(x, 5), IndexError);
  CHECK_THROWS_AS(argmax(x, 2), IndexError);
  CHECK_THROWS_AS(sum(x, {0, 0}), ValueError);
  CHECK_THROWS_WITH(mean(x, {1, -1}), Contains("mean: dim 1 appears multiple times in the list of dims"));
  CHECK_THROWS_WITH(var(x, {0, -2}), Contains("var: dim 0 appears multiple times"));
}

TEST_CASE("sum_to folds broadcast dims back and its gradient is an expand", "[reduce]") {
  manual_seed(3);
  Tensor x = randn({4, 2, 3, 5}, kFloat64);
  for (const Shape& target : std::vector<Shape>{{4, 2, 3, 5}, {3, 5}, {1, 5}, {3, 1}, {2, 1, 1}, {}, {1, 1, 1, 1}}) {
    INFO("target " << shape_str(target));
    Tensor out = sum_to(x, target);
    REQUIRE(out.shape() == target);
    // Reference: accumulate each element into the target position it broadcast from.
    std::vector<double> want(size_t(numel_of(target)), 0.0), v = x.to_vector();
    const size_t lead = x.shape().size() - target.size();
    for (size_t i = 0; i < v.size(); ++i) {
      int64_t rem = int64_t(i), pos = 0, mult = 1;
      for (size_t d = x.shape().size(); d-- > lead;) {
        int64_t id = rem % x.shape()[d];
        rem /= x.shape()[d];
        int64_t td = target[d - lead];
        pos += (td == 1 ? 0 : id) * mult;
        mult *= td;
      }
      want[size_t(pos)] += v[i];
    }
    std::vector<double> got = out.to_vector();
    for (size_t k = 0; k < want.size(); ++k) CHECK(got[k] == Approx(want[k]).epsilon(1e-12));
  }
  check_gradients([](const Tensor& t) { return sum_to(t, {2, 1, 5}); }, randn({3, 2, 4, 5}, kFloat64));
  CHECK_THROWS_WITH(sum_to(x, {4, 5}), Contains("sum_to") && Contains("[4, 5]"));
  CHECK_THROWS_AS(sum_to(randn({3}), {2, 3}), ValueError);
}

TEST_CASE("sum, mean, var, std and logsumexp gradients match finite differences", "[reduce][grad]") {
  manual_seed(11);
  Tensor x = randn({3, 4, 2}, kFloat64);
  for (const auto& dims : std::vector<std::vector<int64_t>>{{}, {0}, {-1}, {0, 2}, {1}}) {
    for (bool keepdim : {false, true}) {
      INFO("dims " << shape_str(dims) << " keepdim " << keepdim);
      check_gradients([&](const Tensor& t) { return sum(t, dims, keepdim); }, x);
      check_gradients([&](const Tensor& t) { return mean(t, dims, keepdim); }, x);
      check_gradients([&](const Tensor& t) { return var(t, dims, 1, keepdim); }, x, true);
      check_gradients([&](const Tensor& t) { return var(t, dims, 0, keepdim); }, x, true);
      check_gradients([&](const Tensor& t) { return ember::std(t, dims, 1, keepdim); }, x, true);
      check_gradients([&](const Tensor& t) { return logsumexp(t, dims, keepdim); }, x, true);
    }
  }
  // The reductions' own gradients also hold on a non-contiguous input.
  check_gradients([](const Tensor& t) { return var(t.transpose(0, 1), {0}); }, x, true);
}

TEST_CASE("amax, amin and max(dim) gradients match finite differences away from ties", "[reduce][grad]") {
  manual_seed(13);
  Tensor x = randn({3, 4, 5}, kFloat64);
  for (const auto& dims : std::vector<std::vector<int64_t>>{{}, {0}, {-1}, {0, 2}})
    for (bool keepdim : {false, true}) {
      INFO("dims " << shape_str(dims) << " keepdim " << keepdim);
      check_gradients([&](const Tensor& t) { return amax(t, dims, keepdim); }, x);
      check_gradients([&](const Tensor& t) { return amin(t, dims, keepdim); }, x);
    }
  for (int64_t d : {0, 1, -1})
    for (bool keepdim : {false, true}) {
      INFO("dim " << d << " keepdim " << keepdim);
      check_gradients([&](const Tensor& t) { return std::get<0>(max(t, d, keepdim)); }, x);
      check_gradients([&](const Tensor& t) { return std::get<0>(min(t, d, keepdim)); }, x);
    }
}

TEST_CASE("amax shares the gradient evenly among ties, max(dim) gives it to the index", "[reduce][grad]") {
  Tensor x = tensor({1.0, 4.0, 4.0, 2.0, 4.0, 0.0}, {2, 3}, kFloat64).requires_grad_();
  amax(x).backward();
  std::vector<double> g = x.grad().to_vector();
  CHECK(g == std::vector<double>{0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0});
  Tensor y = tensor({1.0, 4.0, 4.0, 2.0, 4.0, 0.0}, {2, 3}, kFloat64).requires_grad_();
  amin(y, {1}).backward(tensor({2.0, 5.0}, kFloat64));
  CHECK(y.grad().to_vector() == std::vector<double>{2, 0, 0, 0, 0, 5});
  Tensor z = tensor({1.0, 4.0, 4.0, 2.0, 4.0, 0.0}, {2, 3}, kFloat64).requires_grad_();
  std::get<0>(max(z, 1)).backward(tensor({2.0, 5.0}, kFloat64));
  CHECK(z.grad().to_vector() == std::vector<double>{0, 2, 0, 0, 5, 0});
}

TEST_CASE("std's gradient is 0, not NaN, where all values are equal (as PyTorch)", "[reduce][grad]") {
  Tensor x = tensor({2.0, 2.0, 1.0, 3.0}, {2, 2}, kFloat64).requires_grad_();
  sum(ember::std(x, {1})).backward();
  std::vector<double> g = x.grad().to_vector();
  CHECK(g[0] == 0.0);
  CHECK(g[1] == 0.0);
  // Row 2: std = sqrt(2), d std / dx = (x - mean) / ((N - 1) std) = ∓1/sqrt(2).
  CHECK(g[2] == Approx(-1 / std::sqrt(2.0)));
  CHECK(g[3] == Approx(1 / std::sqrt(2.0)));
}

TEST_CASE("argmax and int64 results carry no gradient", "[reduce][grad]") {
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  CHECK_FALSE(argmax(x, 1).requires_grad());
  auto [values, indices] = max(x, 0);
  CHECK(values.requires_grad());
  CHECK_FALSE(indices.requires_grad());
  CHECK(sum(x).grad_fn() != nullptr);
}
