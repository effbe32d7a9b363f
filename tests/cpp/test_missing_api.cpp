// all/any, var_mean/std_mean, advanced indexing with several index tensors
// (get, set, index_put with accumulate), pow's gradients at zero and the CPU
// Device, against naive loops and hand-derived values; gradients of the
// differentiable ones (first and second order) against central differences.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "autograd/device.h"
#include "autograd/engine.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/reduce.h"

#include "test_helpers.h"

using namespace ember;
using namespace ember::test;

namespace {

Tensor longs(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, kInt64); }
Tensor bools(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, kBool); }

// seq's values with every third element zero, so all and any differ.
Tensor with_zeros(const Shape& shape) {
  Tensor x = seq(shape);
  double* p = x.data_ptr<double>();
  for (int64_t i = 0; i < x.numel(); i += 3) p[i] = 0.0;
  return x;
}

}  // namespace

TEST_CASE("all and any reduce every dim or the given ones to bools", "[missing_api]") {
  Tensor x = with_zeros({3, 4});  // zeros at flat 0, 3, 6, 9: rows 0, 0, 1, 2; cols 0, 3, 2, 1
  CHECK(all(x).dtype() == kBool);
  CHECK(all(x).dim() == 0);
  CHECK_FALSE(all(x).item<bool>());
  CHECK(any(x).item<bool>());
  CHECK(all(ones({2, 2})).item<bool>());
  CHECK_FALSE(any(zeros({2, 2})).item<bool>());
  // Naive loops along each dim.
  Tensor rows = x.all({1}), cols = x.any({0}, true), cols_all = all(x, {-2});
  REQUIRE(rows.shape() == Shape{3});
  REQUIRE(cols.shape() == Shape{1, 4});
  for (int64_t i = 0; i < 3; ++i) {
    bool every = true;
    for (int64_t j = 0; j < 4; ++j) every = every && elem(x, {i, j}) != 0;
    CHECK(elem(rows, {i}) == double(every));
  }
  for (int64_t j = 0; j < 4; ++j) {
    bool some = false, every = true;
    for (int64_t i = 0; i < 3; ++i) {
      some = some || elem(x, {i, j}) != 0;
      every = every && elem(x, {i, j}) != 0;
    }
    CHECK(elem(cols, {0, j}) == double(some));
    CHECK(elem(cols_all, {j}) == double(every));
  }
  // A strided view, int64 and bool inputs, NaN, empty tensors and dims={} (nothing reduced).
  CHECK(all(strided({2, 3})).item<bool>());
  CHECK_FALSE(all(longs({1, 0, 2}, {3})).item<bool>());
  CHECK(any(bools({0, 1}, {2})).item<bool>());
  CHECK(all(tensor({std::nan(""), 1.0})).item<bool>());
  CHECK(all(zeros({0, 3})).item<bool>());
  CHECK_FALSE(any(zeros({0, 3})).item<bool>());
  CHECK(all(zeros({0, 3}), {0}).shape() == Shape{3});
  Tensor same = all(x, {});
  REQUIRE(same.shape() == x.shape());
  for_each_index(x.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(same, i) == double(elem(x, i) != 0)); });
  // Not differentiable.
  Tensor leaf = seq({2}).requires_grad_(true);
  CHECK_FALSE(any(leaf).requires_grad());
}

TEST_CASE("all and any reject bad dims", "[missing_api]") {
  Tensor x = zeros({2, 3});
  expect_error<IndexError>([&] { all(x, {2}); }, "out of range");
  expect_error<ValueError>([&] { any(x, {1, 1}); }, "any: dim 1 appears multiple times");
}

TEST_CASE("var_mean and std_mean return var/std and mean, differentiably", "[missing_api]") {
  Tensor x = seq({2, 3});  // rows 0.5, 1.75, 3 and 4.25, 5.5, 6.75: each mean +-1.25
  auto [v, m] = var_mean(x, {1});
  auto [s, m2] = std_mean(x, {1}, 0, true);
  REQUIRE(v.shape() == Shape{2});
  REQUIRE(s.shape() == Shape{2, 1});
  CHECK(elem(m, {0}) == Approx(1.75));
  CHECK(elem(m, {1}) == Approx(5.5));
  CHECK(elem(v, {0}) == Approx(2 * 1.25 * 1.25 / 2));  // correction 1: sum of squares / (3 - 1)
  CHECK(elem(s, {1, 0}) == Approx(std::sqrt(2 * 1.25 * 1.25 / 3)));
  CHECK(elem(m2, {1, 0}) == Approx(5.5));
  check_gradients([](const tensor_list& in) {
    auto [a, b] = var_mean(in[0], {0}, 1, false);
    return a + b * 3.0;
  }, {seq({3, 2})});
  check_gradients([](const tensor_list& in) {
    auto [a, b] = std_mean(in[0]);
    return a * 2.0 - b;
  }, {strided({2, 3})});
  expect_error<TypeError>([] { var_mean(longs({1, 2}, {2})); }, "var_mean: expected a floating point tensor");
  expect_error<TypeError>([] { std_mean(longs({1, 2}, {2})); }, "std_mean: expected a floating point tensor");
}

TEST_CASE("several index tensors broadcast together and pick elements as naive loops do", "[missing_api]") {
  Tensor x = seq({2, 3, 4});
  // Adjacent indices: x[:, i, j] has shape [2, 2, 2] (i [2, 1] broadcast with j [2]).
  Tensor i = longs({0, 2}, {2, 1}), j = longs({3, -1}, {2});
  Tensor a = x.index({Slice{}, i, j});
  REQUIRE(a.shape() == Shape{2, 2, 2});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t p = 0; p < 2; ++p)
      for (int64_t q = 0; q < 2; ++q) CHECK(elem(a, {n, p, q}) == elem(x, {n, p == 0 ? 0 : 2, 3}));
  // Separated by a slice: the index dims go in front, x[i, :, j] has shape [2, 3].
  Tensor b = x.index({longs({1, 0}, {2}), Slice{}, longs({0, 2}, {2})});
  REQUIRE(b.shape() == Shape{2, 3});
  for (int64_t k = 0; k < 2; ++k)
    for (int64_t c = 0; c < 3; ++c) CHECK(elem(b, {k, c}) == elem(x, {k == 0 ? 1 : 0, c, k == 0 ? 0 : 2}));
  // An integer is applied first (a select), so x[i, 1, j] keeps the index dims in place: shape [2].
  Tensor c = x.index({longs({0, 1}, {2}), 1, longs({2, 3}, {2})});
  REQUIRE(c.shape() == Shape{2});
  CHECK(elem(c, {0}) == elem(x, {0, 1, 2}));
  CHECK(elem(c, {1}) == elem(x, {1, 1, 3}));
  // A mask counts as one index per dim it covers: x[mask(2, 3), j] pairs each true element with j.
  Tensor mask = bools({1, 0, 1, 0, 1, 0}, {2, 3});
  Tensor d = x.index({mask, longs({0, 1, 3}, {3})});
  REQUIRE(d.shape() == Shape{3});
  CHECK(elem(d, {0}) == elem(x, {0, 0, 0}));
  CHECK(elem(d, {1}) == elem(x, {0, 2, 1}));
  CHECK(elem(d, {2}) == elem(x, {1, 1, 3}));
  // Strided input, three indices.
  Tensor s = strided({2, 3, 4});
  Tensor e = s.index({longs({1, 0}, {2}), longs({2, 2}, {2}), longs({0, 3}, {2})});
  REQUIRE(e.shape() == Shape{2});
  CHECK(elem(e, {0}) == elem(s, {1, 2, 0}));
  CHECK(elem(e, {1}) == elem(s, {0, 2, 3}));
}

TEST_CASE("advanced indexing is differentiable in its input", "[missing_api]") {
  Tensor i = longs({1, 0, 1}, {3}), j = longs({2, 2, 0}, {3});  // repeated positions add up
  check_gradients([&](const tensor_list& in) { return in[0].index({i, Slice{}, j}); }, {seq({2, 3, 3})});
  check_gradients([&](const tensor_list& in) { return in[0].index({Slice{}, i, j}); }, {strided({2, 2, 3})});
}

TEST_CASE("index_put_ with several index tensors writes the value broadcast and is differentiable", "[missing_api]") {
  Tensor x = zeros({3, 4}, kFloat64);
  Tensor i = longs({0, 2}, {2}), j = longs({1, 3}, {2});
  x.index_put_({i, j}, tensor({5.0, 6.0}, kFloat64), false);
  x.index_put_({Slice{}, TensorIndex::none(), longs({0}, {1})}, tensor({-1.0}, kFloat64));
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      double want = c == 0 ? -1.0 : (r == 0 && c == 1) ? 5.0 : (r == 2 && c == 3) ? 6.0 : 0.0;
      CHECK(elem(x, {r, c}) == want);
    }
  // d x = g with the written positions zeroed; d value = g at them (summed over broadcasting).
  check_gradients([&](const tensor_list& in) {
    Tensor out = in[0] * 1.0;
    out.index_put_({longs({1, 0}, {2}), Slice{}, longs({0, 1}, {2})}, in[1]);
    return out;
  }, {seq({2, 2, 3}), seq({2, 1})});
}

TEST_CASE("index_put with accumulate sums repeated positions", "[missing_api]") {
  Tensor x = seq({4, 2});
  Tensor i = longs({1, 1, 3, 1}, {4});
  Tensor v = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0}, {4, 2}, kFloat64);
  Tensor out = index_put(x, {i}, v, true);
  // Naive: out = x, then out[i[k]] += v[k] for every k.
  std::vector<double> want = values(x);
  const std::vector<double> pos = {1, 1, 3, 1};
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t c = 0; c < 2; ++c) want[size_t(pos[k]) * 2 + c] += elem(v, {k, c});
  CHECK(values(out) == want);
  CHECK(values(x) == values(seq({4, 2})));  // out of place
  Tensor y = zeros({3}, kFloat64);
  uint32_t version = y._version();
  y.index_put_({longs({0, 0, 2}, {3})}, tensor({1.0, 2.0, 3.0}, kFloat64), true);
  CHECK(values(y) == std::vector<double>{3.0, 0.0, 3.0});
  CHECK(y._version() > version);
  // d x = g; d value = g[i] (each repeat takes the gradient of its position).
  check_gradients([&](const tensor_list& in) { return index_put(in[0], {i}, in[1], true); }, {seq({4, 2}), seq({4, 2})});
  check_gradients([&](const tensor_list& in) { return in[0].index_put({longs({2, 0}, {2}), longs(std::vector<double>{1}, {})}, in[1]); },
                  {seq({3, 2}), seq({2})});
}

TEST_CASE("index_put takes 0-d index tensors as advanced indices", "[missing_api]") {
  // (i0, j) index dims 0 and 1 of [2, 3, 4]; i0 is 0-d and broadcasts with j: the region is [2, 4].
  Tensor x = zeros({2, 3, 4}, kFloat64);
  Tensor out = index_put(x, {longs(std::vector<double>{1}, {}), longs({0, 2}, {2})}, ones({2, 4}, kFloat64));
  for_each_index(out.shape(), [&](const std::vector<int64_t>& p) {
    CHECK(elem(out, p) == double(p[0] == 1 && (p[1] == 0 || p[1] == 2)));
  });
}

TEST_CASE("advanced indexing reports PyTorch's errors", "[missing_api]") {
  Tensor x = seq({2, 3, 4});
  expect_error<IndexError>([&] { x.index({longs({0, 1}, {2}), longs({0, 1, 2}, {3})}); },
                           "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]");
  expect_error<IndexError>([&] { x.index({longs({0, 1}, {2}), longs({0, 3}, {2})}); },
                           "index 3 is out of bounds for dimension 1 with size 3");
  expect_error<IndexError>([&] { x.index({seq({1})}); }, "tensors used as indices must be int64 or bool tensors, got float64");
  expect_error<IndexError>([&] { index_put(x, {longs({0}, {1}), longs({0}, {1}), longs({0}, {1}), longs({0}, {1})}, seq({1})); },
                           "too many indices for tensor of dimension 3 (got 4)");
  expect_error<TypeError>([&] { index_put(x, {longs({0}, {1})}, seq({1}, kFloat32)); },
                          "Index put requires the source and destination dtypes match, got float64 for the destination "
                          "and float32 for the source");
  expect_error<ValueError>([&] { index_put(x, {longs({0, 1}, {2})}, seq({3})); },
                           "value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 3, 4]");
}

TEST_CASE("pow's gradients follow PyTorch at a zero base and a zero exponent", "[missing_api]") {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor a = tensor({0.0, 0.0, 0.0, 2.0, 0.0}, kFloat64).requires_grad_(true);
  Tensor b = tensor({-1.0, 0.0, 2.0, 0.0, 0.5}, kFloat64).requires_grad_(true);
  Tensor y = pow(a, b);
  y.backward(ones({5}, kFloat64));
  // d/da = b a^(b-1), 0 where b = 0: -1 * 0^-2 = -inf, 0 (b = 0), 2 * 0 = 0, 0 (b = 0), 0.5 * 0^-0.5 = inf.
  CHECK(values(a.grad()) == std::vector<double>{-inf, 0.0, 0.0, 0.0, inf});
  // d/db = a^b log a, 0 where a = 0 and b >= 0: inf * -inf = -inf at b = -1; log 2 at (2, 0).
  std::vector<double> gb = values(b.grad());
  CHECK(gb[0] == -inf);
  CHECK(gb[1] == 0.0);
  CHECK(gb[2] == 0.0);
  CHECK(gb[3] == Approx(std::log(2.0)));
  CHECK(gb[4] == 0.0);
  // A number as the base: d/db 0^b = -inf at b = -1, 0 for b >= 0; d/db 2^b = 2^b log 2.
  Tensor e = tensor({-1.0, 0.0, 3.0}, kFloat64).requires_grad_(true);
  Tensor z = pow(Scalar(0.0), e);
  CHECK(z.grad_fn()->name() == "PowBackward2");
  z.backward(ones({3}, kFloat64));
  CHECK(values(e.grad()) == std::vector<double>{-inf, 0.0, 0.0});
  Tensor e2 = tensor({-1.0, 0.0, 3.0}, kFloat64).requires_grad_(true);
  pow(Scalar(2.0), e2).backward(ones({3}, kFloat64));
  std::vector<double> g2 = values(e2.grad());
  CHECK(g2[0] == Approx(0.5 * std::log(2.0)));
  CHECK(g2[2] == Approx(8.0 * std::log(2.0)));
  // Away from zero, first and second order against finite differences.
  check_gradients([](const tensor_list& in) { return pow(in[0], in[1]); },
                  {tensor({0.5, 1.5, 2.0}, kFloat64), tensor({-1.0, 0.5, 3.0}, kFloat64)});
  check_gradients([](const tensor_list& in) { return pow(Scalar(2.5), in[0]); }, {tensor({-1.0, 0.5}, kFloat64)});
}

TEST_CASE("Device is the CPU, with an optional index; other devices are refused", "[missing_api]") {
  Device cpu(kCPU);
  CHECK(cpu.is_cpu());
  CHECK_FALSE(cpu.has_index());
  CHECK(cpu.str() == "cpu");
  CHECK(Device("cpu") == cpu);
  Device first("cpu:0");
  CHECK(first.index() == 0);
  CHECK(first.str() == "cpu:0");
  CHECK(first != cpu);
  CHECK(Device(kCPU, 2).str() == "cpu:2");
  expect_error<ValueError>([] { Device("cuda"); },
                           "ember runs on the CPU only: expected device 'cpu' or 'cpu:<index>', got 'cuda'");
  expect_error<ValueError>([] { Device("cpu:"); }, "with a non-negative integer index, got 'cpu:'");
  expect_error<ValueError>([] { Device("cpu:-1"); }, "got 'cpu:-1'");
  expect_error<ValueError>([] { Device(kCPU, -2); }, "expected a non-negative device index, got -2");
  // Tensors: created on the CPU, moved there as themselves.
  Tensor t = zeros({2}, TensorOptions().device(kCPU).dtype(kFloat64));
  CHECK(t.dtype() == kFloat64);
  CHECK(t.device() == cpu);
  CHECK(ones({1}, kCPU).device().is_cpu());
  CHECK(t.to(kCPU).is_same(t));
  CHECK(t.cpu().is_same(t));
  CHECK(t.to(Device("cpu"), kFloat32).dtype() == kFloat32);
}
