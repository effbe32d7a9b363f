// mm, bmm and matmul against a naive triple loop with torch.matmul's rules
// written out independently (1-d operands, broadcast batch dims), on
// contiguous, transposed and strided operands in float32, float64 and int64;
// the errors; and gradients against central finite differences in float64.
// linear against a naive x Wᵀ + b with gradcheck and gradgradcheck.
#include <catch2/catch.hpp>

#include <functional>

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/gradcheck.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// torch.matmul by definition: vectors become (1, k) / (k, 1), batch dims
// broadcast right-aligned, the added dims are dropped from the result.
std::vector<double> naive_matmul(const Tensor& a, const Tensor& b, Shape& out_shape) {
  Shape sa = a.shape(), sb = b.shape();
  if (sa.size() == 1) sa.insert(sa.begin(), 1);
  if (sb.size() == 1) sb.push_back(1);
  const int64_t n = sa[sa.size() - 2], k = sa.back(), m = sb.back();
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  const size_t nb = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), nb - ba.size(), 1);
  bb.insert(bb.begin(), nb - bb.size(), 1);
  Shape batch(nb);
  for (size_t d = 0; d < nb; ++d) batch[d] = ba[d] == 1 ? bb[d] : ba[d];
  out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(n);
  if (b.dim() > 1) out_shape.push_back(m);
  std::vector<double> va = a.to_vector(), vb = b.to_vector();
  int64_t total = 1;
  for (int64_t s : batch) total *= s;
  std::vector<double> out;
  for (int64_t z = 0; z < total; ++z) {
    // Batch index -> flat matrix number in a and in b (size-1 dims repeat).
    int64_t rem = z, za = 0, zb = 0, ma = 1, mb = 1;
    for (size_t d = nb; d-- > 0;) {
      int64_t i = rem % batch[d];
      rem /= batch[d];
      za += (ba[d] == 1 ? 0 : i) * ma;
      zb += (bb[d] == 1 ? 0 : i) * mb;
      ma *= ba[d];
      mb *= bb[d];
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        long double s = 0;
        for (int64_t p = 0; p < k; ++p) s += (long double)va[za * n * k + i * k + p] * vb[zb * k * m + p * m + j];
        out.push_back(double(s));
      }
  }
  return out;
}

Tensor random_tensor(const Shape& shape, Dtype dt) {
  return dt == kInt64 ? randint(-5, 6, shape) : randn(shape, dt);
}

// The same logical matrix stack in three layouts: contiguous, stored
// transposed (BLAS reads it with a transpose flag) and with a step-2 last dim
// (must be copied).
std::vector<Tensor> layouts(const Shape& shape, Dtype dt) {
  std::vector<Tensor> out{random_tensor(shape, dt)};
  const int64_t nd = int64_t(shape.size());
  if (nd >= 2) {
    Shape swapped = shape;
    std::swap(swapped[nd - 1], swapped[nd - 2]);
    out.push_back(random_tensor(swapped, dt).transpose(nd - 2, nd - 1));
  }
  if (nd >= 1 && shape.back() > 0) {
    Shape wide = shape;
    wide.back() *= 2;
    out.push_back(random_tensor(wide, dt).slice(nd - 1, 0, wide.back(), 2));
  }
  return out;
}

void check_close(const Tensor& got, const std::vector<double>& want, const Shape& shape, Dtype dt, int64_t k) {
  REQUIRE(got.shape() == shape);
  REQUIRE(got.dtype() == dt);
  std::vector<double> v = got.to_vector();
  REQUIRE(v.size() == want.size());
  const double tol = dt == kFloat32 ? 1e-5 * double(k + 1) : dt == kFloat64 ? 1e-12 * double(k + 1) : 0.0;
  for (size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == Approx(want[i]).epsilon(tol).margin(tol));
  }
}

// Central differences of the scalar f with respect to inputs[which] (float64).
std::vector<double> numeric_grad(const std::function<double(const tensor_list&)>& f, const tensor_list& inputs,
                                 size_t which, double eps = 1e-6) {
  std::vector<double> v = inputs[which].to_vector(), grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    tensor_list hi = inputs, lo = inputs;
    std::vector<double> vh = v, vl = v;
    vh[i] += eps;
    vl[i] -= eps;
    hi[which] = tensor(vh, inputs[which].shape(), kFloat64);
    lo[which] = tensor(vl, inputs[which].shape(), kFloat64);
    grad[i] = (f(hi) - f(lo)) / (2 * eps);
  }
  return grad;
}

// First derivatives of sum(op(a, b) * w) for both operands, and the second
// derivatives of <d/da, v> (which depends on b through g @ bᵀ) for both.
void check_gradients(const std::function<Tensor(const Tensor&, const Tensor&)>& op, const Shape& sa, const Shape& sb) {
  tensor_list in{randn(sa, kFloat64).requires_grad_(), randn(sb, kFloat64).requires_grad_()};
  Tensor w;
  {
    NoGradGuard no_grad;
    w = randn(op(in[0], in[1]).shape(), kFloat64);
  }
  auto loss = [&](const tensor_list& t) { return sum(op(t[0], t[1]) * w); };
  tensor_list g = autograd::grad({loss(in)}, in, {}, std::nullopt, true);
  for (size_t which = 0; which < 2; ++which) {
    std::vector<double> num = numeric_grad([&](const tensor_list& t) { return loss(t).item(); }, in, which);
    std::vector<double> ana = g[which].to_vector();
    REQUIRE(ana.size() == num.size());
    for (size_t i = 0; i < num.size(); ++i) {
      INFO("d/d input " << which << ", element " << i);
      CHECK(ana[i] == Approx(num[i]).margin(1e-6).epsilon(1e-5));
    }
  }
  Tensor v = randn(sa, kFloat64);
  tensor_list gg = autograd::grad({sum(g[0] * v)}, in, {}, std::nullopt, false, true);
  auto directional = [&](const tensor_list& t) {
    tensor_list leaves{t[0].detach().requires_grad_(), t[1].detach().requires_grad_()};
    return sum(autograd::grad({loss(leaves)}, {leaves[0]})[0] * v).item();
  };
  for (size_t which = 0; which < 2; ++which) {
    std::vector<double> num = numeric_grad(directional, in, which);
    std::vector<double> ana = gg[which].defined() ? gg[which].to_vector() : std::vector<double>(num.size(), 0.0);
    for (size_t i = 0; i < num.size(); ++i) {
      INFO("second derivative through input " << which << ", element " << i);
      CHECK(ana[i] == Approx(num[i]).margin(1e-5).epsilon(1e-4));
    }
  }
}

}  // namespace

TEST_CASE("matmul matches a naive triple loop for every operand rank and layout", "[linalg]") {
  const std::vector<std::pair<Shape, Shape>> cases{
      {{3}, {3}},           {{2, 3}, {3}},          {{3}, {3, 4}},          {{2, 3}, {3, 4}},
      {{5, 2, 3}, {3, 4}},  {{5, 2, 3}, {3}},       {{3}, {5, 3, 4}},       {{2, 3}, {4, 3, 5}},
      {{4, 2, 3}, {4, 3, 5}}, {{4, 2, 3}, {1, 3, 5}}, {{2, 1, 2, 3}, {4, 3, 5}}, {{3, 1, 1, 4}, {2, 4, 1}},
      {{0, 3}, {3, 4}},     {{2, 0}, {0, 4}},       {{2, 3}, {3, 0}},       {{0, 2, 3}, {3, 4}},
      {{64, 70}, {70, 33}}, {{7, 65, 9}, {9, 40}}};
  manual_seed(21);
  for (Dtype dt : {kFloat32, kFloat64, kInt64})
    for (const auto& [sa, sb] : cases)
      for (const Tensor& a : layouts(sa, dt))
        for (const Tensor& b : layouts(sb, dt)) {
          INFO(dtype_name(dt) << ": " << shape_str(a.shape()) << " strides " << shape_str(a.strides()) << " @ "
                              << shape_str(b.shape()) << " strides " << shape_str(b.strides()));
          Shape shape;
          std::vector<double> want = naive_matmul(a, b, shape);
          check_close(matmul(a, b), want, shape, dt, sa.back());
          if (a.dim() == 2 && b.dim() == 2) check_close(mm(a, b), want, shape, dt, sa.back());
          if (a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0))
            check_close(bmm(a, b), want, shape, dt, sa.back());
        }
}

TEST_CASE("mm reads broadcast (stride 0) and offset operands correctly", "[linalg]") {
  manual_seed(5);
  Tensor row = randn({1, 4}, kFloat64);
  Tensor a = row.expand({3, 4});
  Tensor b = randn({6, 5}, kFloat64).narrow(0, 2, 4);  // storage offset, row stride 5
  Shape shape;
  std::vector<double> want = naive_matmul(a, b, shape);
  check_close(mm(a, b), want, shape, kFloat64, 4);
  Tensor bt = randn({5, 9}, kFloat64).narrow(1, 3, 4).transpose(0, 1);  // transposed with a gap
  want = naive_matmul(a, bt, shape);
  check_close(mm(a, bt), want, shape, kFloat64, 4);
}

TEST_CASE("mm, bmm and matmul reject bad shapes and mixed dtypes with both operands named", "[linalg]") {
  CHECK_THROWS_WITH(mm(randn({2, 3}), randn({4, 5})), Contains("mm: expected (n, k) @ (k, m), got [2, 3] and [4, 5]"));
  CHECK_THROWS_AS(mm(randn({2, 3}), randn({4, 5})), ValueError);
  CHECK_THROWS_WITH(mm(randn({2, 3, 1}), randn({3, 5})), Contains("got [2, 3, 1] and [3, 5]"));
  CHECK_THROWS_AS(mm(randn({2, 3}), randn({3, 5}, kFloat64)), TypeError);
  CHECK_THROWS_WITH(mm(randn({2, 3}), randn({3, 5}, kFloat64)), Contains("float32 and float64"));
  CHECK_THROWS_WITH(bmm(randn({2, 2, 3}), randn({3, 3, 5})),
                    Contains("bmm: expected (B, n, k) @ (B, k, m), got [2, 2, 3] and [3, 3, 5]"));
  CHECK_THROWS_AS(bmm(randn({2, 3}), randn({3, 5})), ValueError);
  CHECK_THROWS_WITH(matmul(randn({3}), randn({4})), Contains("matmul") && Contains("[3] and [4]"));
  CHECK_THROWS_WITH(matmul(randn({2, 3}), randn({4})), Contains("[2, 3] and [4]"));
  CHECK_THROWS_WITH(matmul(randn({2, 2, 3}), randn({3, 3, 5})), Contains("matmul") && Contains("cannot be broadcast"));
  CHECK_THROWS_AS(matmul(scalar_tensor(1.0), randn({3})), ValueError);
  CHECK_THROWS_AS(matmul(randn({3}), randn({3}, kFloat64)), TypeError);
  CHECK_THROWS_AS(mm(ones({2, 2}, kBool), ones({2, 2}, kBool)), TypeError);
}

TEST_CASE("mm, bmm and matmul gradients match finite differences, second order included", "[linalg][grad]") {
  manual_seed(9);
  check_gradients([](const Tensor& a, const Tensor& b) { return mm(a, b); }, {3, 4}, {4, 2});
  check_gradients([](const Tensor& a, const Tensor& b) { return bmm(a, b); }, {2, 3, 4}, {2, 4, 2});
  const std::vector<std::pair<Shape, Shape>> cases{{{3}, {3}},       {{2, 3}, {3}},         {{3}, {3, 4}},
                                                   {{2, 2, 3}, {3, 2}}, {{2, 1, 2, 3}, {3, 3, 2}}, {{3}, {2, 3, 2}}};
  for (const auto& [sa, sb] : cases) {
    INFO("matmul " << shape_str(sa) << " @ " << shape_str(sb));
    check_gradients([](const Tensor& a, const Tensor& b) { return matmul(a, b); }, sa, sb);
  }
  // A transposed operand (read by BLAS with a transpose flag) differentiates the same way.
  check_gradients([](const Tensor& a, const Tensor& b) { return mm(a.t(), b.t()); }, {4, 3}, {2, 4});
}

TEST_CASE("mm records only the operands that need a gradient", "[linalg][grad]") {
  Tensor a = randn({2, 3}, kFloat64).requires_grad_();
  Tensor b = randn({3, 4}, kFloat64);
  Tensor y = mm(a, b);
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->name() == "MmBackward0");
  sum(y).backward();
  // d sum(a b) / da = 1 bᵀ: each row of the gradient is b's row sums.
  std::vector<double> g = a.grad().to_vector(), vb = b.to_vector();
  for (size_t i = 0; i < 2; ++i)
    for (size_t p = 0; p < 3; ++p)
      CHECK(g[i * 3 + p] == Approx(vb[p * 4] + vb[p * 4 + 1] + vb[p * 4 + 2] + vb[p * 4 + 3]));
  CHECK_FALSE(mm(randn({2, 3}), randn({3, 4})).requires_grad());
}

namespace {

// y[r, o] = b[o] + sum_i x[r, i] W[o, i] over the rows r of x's leading dims.
std::vector<double> naive_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t in = w.size(1), out = w.size(0), rows = x.numel() / std::max<int64_t>(in, 1);
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.defined() ? b.to_vector() : std::vector<double>();
  std::vector<double> y;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      long double s = bv.empty() ? 0 : bv[size_t(o)];
      for (int64_t i = 0; i < in; ++i) s += (long double)xv[size_t(r * in + i)] * wv[size_t(o * in + i)];
      y.push_back(double(s));
    }
  return y;
}

}  // namespace

TEST_CASE("linear computes x Wᵀ + b over any leading dims and layouts", "[linalg][linear]") {
  manual_seed(11);
  Tensor w = randn({4, 3}, kFloat64), b = randn({4}, kFloat64);
  for (Shape shape : {Shape{3}, Shape{5, 3}, Shape{2, 5, 3}, Shape{0, 3}}) {
    Tensor x = randn(shape, kFloat64);
    Shape want = shape;
    want.back() = 4;
    INFO("input " << shape_str(shape));
    for (const Tensor& bias : {b, Tensor()}) {
      Tensor y = linear(x, w, bias);
      CHECK(y.shape() == want);
      std::vector<double> got = y.to_vector(), ref = naive_linear(x, w, bias);
      REQUIRE(got.size() == ref.size());
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(ref[i]).epsilon(1e-12));
      std::vector<double> got32 = linear(x.to_float(), w.to_float(), bias.defined() ? bias.to_float() : bias).to_vector();
      for (size_t i = 0; i < got32.size(); ++i) CHECK(got32[i] == Approx(ref[i]).epsilon(1e-5).margin(1e-5));
    }
  }
  // Transposed weight and strided input, read by BLAS without copies where possible.
  Tensor wt = randn({3, 4}, kFloat64).t(), xs = randn({3, 5}, kFloat64).t(), bs = randn({8}, kFloat64).slice(0, 0, 8, 2);
  std::vector<double> got = linear(xs, wt, bs).to_vector(), ref = naive_linear(xs, wt, bs);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(ref[i]).epsilon(1e-12));
  // int64 operands take the exact integer path.
  Tensor xi = randint(-5, 5, {2, 3}), wi = randint(-5, 5, {4, 3}), bi = randint(-5, 5, {4});
  CHECK(linear(xi, wi, bi).to_vector() == naive_linear(xi, wi, bi));
  CHECK(linear(randn({5, 3}, kFloat64), w, b).grad_fn() == nullptr);
}

// The op table (op_table.cpp) checks linear's gradients on 1-, 2- and 3-d inputs.
TEST_CASE("linear gradients pass gradcheck through a transposed weight, and addmm is one node", "[linalg][linear][gradcheck]") {
  manual_seed(12);
  Tensor w = randn({3, 4}, kFloat64).requires_grad_(), b = randn({3}, kFloat64).requires_grad_();
  Tensor xt = randn({4, 2}, kFloat64).t().requires_grad_();
  auto fn = [](const tensor_list& in) { return tensor_list{linear(in[0], in[1].t(), in[2])}; };
  Tensor wt = randn({4, 3}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck(fn, {xt, wt, b}));
  CHECK(autograd::gradgradcheck(fn, {xt, wt, b}));
  // 2-d input with bias is one fused node.
  CHECK(linear(randn({2, 4}, kFloat64), w, b).grad_fn()->name() == "AddmmBackward0");
}

TEST_CASE("linear rejects mismatched features and dtypes naming in_features", "[linalg][linear][errors]") {
  Tensor w = randn({4, 3}, kFloat64);
  CHECK_THROWS_WITH(linear(randn({2, 5}, kFloat64), w),
                    Contains("linear: expected input with in_features=3 in its last dim, got input [2, 5] and weight [4, 3]"));
  CHECK_THROWS_WITH(linear(randn({2, 3}, kFloat64), randn({3}, kFloat64)),
                    Contains("expected weight of shape (out_features, in_features), got [3]"));
  CHECK_THROWS_WITH(linear(randn({2, 3}, kFloat64), w, randn({3}, kFloat64)),
                    Contains("expected bias of shape [4] (out_features), got [3]"));
  CHECK_THROWS_WITH(linear(scalar_tensor(1.0, kFloat64), w), Contains("in_features=3"));
  CHECK_THROWS_AS(linear(randn({2, 3}), w), TypeError);
  CHECK_THROWS_AS(linear(randn({2, 3}, kFloat64), w, randn({4})), TypeError);
}
