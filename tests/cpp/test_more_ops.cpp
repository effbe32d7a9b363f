// The ops added for the ported PyTorch autograd tests: values against
// hand-computed references, gradients against central finite differences
// (test_helpers.h, first and second order), in-place and view behaviour, and
// PyTorch's errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "ops/activation.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/sort.h"
#include "test_helpers.h"

using namespace ember;
using ember::test::check_gradients;
using ember::test::seq;
using ember::test::values;
using Catch::Matchers::Contains;

namespace {
Tensor m23() { return tensor({1.5, -2.0, 0.5, 3.0, 1.0, -1.0}, {2, 3}, kFloat64); }
}  // namespace

TEST_CASE("allclose and isclose follow PyTorch's rule", "[more_ops]") {
  Tensor a = tensor({1.0, 2.0, NAN, INFINITY}, {4}, kFloat64);
  Tensor b = tensor({1.0 + 1e-9, 2.0, NAN, INFINITY}, {4}, kFloat64);
  CHECK_FALSE(allclose(a, b));
  CHECK(allclose(a, b, 1e-05, 1e-08, true));
  CHECK(values(isclose(a, b)) == std::vector<double>{1, 1, 0, 1});
  CHECK_FALSE(allclose(tensor({1.0}, kFloat64), tensor({1.1}, kFloat64)));
  CHECK_THROWS_WITH(allclose(ones({2}), ones({2}, kFloat64)), Contains("did not match"));
}

TEST_CASE("prod of all elements and along a dim, with zeros in the gradient", "[more_ops]") {
  Tensor x = m23();
  CHECK(prod(x).item() == Approx(1.5 * -2.0 * 0.5 * 3.0 * 1.0 * -1.0));
  CHECK(values(prod(x, 1)) == std::vector<double>{-1.5, -3.0});
  CHECK(prod(x, 0, true).shape() == Shape{1, 3});
  CHECK(prod(tensor({2, 3}, {2}, kInt64)).dtype() == kInt64);
  check_gradients([](const tensor_list& in) { return prod(in[0], 1); }, {m23()});
  check_gradients([](const tensor_list& in) { return prod(in[0]); }, {m23()});
  // One zero: the product of the others at the zero, 0 elsewhere; two zeros: all 0.
  Tensor z = tensor({2.0, 0.0, 3.0}, {3}, kFloat64).requires_grad_();
  prod(z).backward();
  CHECK(values(z.grad()) == std::vector<double>{0, 6, 0});
  Tensor zz = tensor({0.0, 0.0, 3.0}, {3}, kFloat64).requires_grad_();
  prod(zz, 0).backward();
  CHECK(values(zz.grad()) == std::vector<double>{0, 0, 0});
}

TEST_CASE("diagonal is a view and trace sums it", "[more_ops]") {
  Tensor x = seq({3, 4});
  Tensor d = diagonal(x, 1);
  CHECK(d.is_view());
  CHECK(values(d) == std::vector<double>{values(x)[1], values(x)[6], values(x)[11]});
  CHECK(values(diagonal(x, -1)) == std::vector<double>{values(x)[4], values(x)[9]});
  CHECK(diagonal(x, 5).shape() == Shape{0});
  CHECK(trace(x).item() == Approx(values(x)[0] + values(x)[5] + values(x)[10]));
  check_gradients([](const tensor_list& in) { return diagonal(in[0], -1); }, {seq({3, 4})});
  check_gradients([](const tensor_list& in) { return trace(in[0]); }, {seq({2, 5})});
  CHECK_THROWS_WITH(diagonal(x, 0, 1, 1), Contains("cannot be identical"));
  CHECK_THROWS_WITH(trace(seq({2, 2, 2})), Contains("expected a matrix"));
}

TEST_CASE("repeat tiles the tensor", "[more_ops]") {
  Tensor x = tensor({1.0, 2.0}, {2}, kFloat64);
  Tensor r = repeat(x, {2, 2});
  CHECK(r.shape() == Shape{2, 4});
  CHECK(values(r) == std::vector<double>{1, 2, 1, 2, 1, 2, 1, 2});
  check_gradients([](const tensor_list& in) { return repeat(in[0], {2, 1, 3}); }, {m23()});
  CHECK_THROWS_WITH(repeat(m23(), {2}), Contains("can not be smaller"));
}

TEST_CASE("atan2 and its gradient, zero at the origin", "[more_ops]") {
  Tensor y = tensor({1.0, -1.0, 0.0}, {3}, kFloat64), x = tensor({1.0, 0.0, -1.0}, {3}, kFloat64);
  std::vector<double> v = values(atan2(y, x));
  CHECK(v[0] == Approx(M_PI / 4));
  CHECK(v[1] == Approx(-M_PI / 2));
  CHECK(v[2] == Approx(M_PI));
  check_gradients([](const tensor_list& in) { return atan2(in[0], in[1]); }, {m23(), seq({2, 3})});
  Tensor a = zeros({1}, kFloat64).requires_grad_(), b = zeros({1}, kFloat64).requires_grad_();
  atan2(a, b).backward(ones({1}, kFloat64));
  CHECK(a.grad().item() == 0);
  CHECK(b.grad().item() == 0);
}

TEST_CASE("argsort, isin and signbit", "[more_ops]") {
  Tensor x = tensor({3.0, NAN, 1.0, 1.0, -2.0}, {5}, kFloat64);
  CHECK(values(argsort(x)) == std::vector<double>{4, 2, 3, 0, 1});
  CHECK(values(argsort(x, 0, true)) == std::vector<double>{1, 0, 2, 3, 4});
  Tensor m = tensor({3.0, 1.0, 2.0, 0.0}, {2, 2}, kFloat64);
  CHECK(values(argsort(m, 0)) == std::vector<double>{1, 1, 0, 0});
  CHECK(values(isin(m, tensor({1.0, 0.0}, kFloat64))) == std::vector<double>{0, 1, 0, 1});
  CHECK(values(signbit(tensor({-0.0, 0.0, -3.0}, kFloat64))) == std::vector<double>{1, 0, 1});
}

TEST_CASE("median is the lower median; along a dim it gives the index", "[more_ops]") {
  Tensor x = tensor({4.0, 1.0, 3.0, 2.0}, {2, 2}, kFloat64);
  CHECK(median(x).item() == 2.0);
  auto [v, i] = median(tensor({4.0, 1.0, 3.0, 2.0, 5.0, 0.0}, {2, 3}, kFloat64), 1);
  CHECK(values(v) == std::vector<double>{3, 2});
  CHECK(values(i) == std::vector<double>{2, 0});
  CHECK(std::isnan(median(tensor({1.0, NAN}, kFloat64)).item()));
  CHECK(nanmedian(tensor({1.0, NAN, 3.0}, kFloat64)).item() == 1.0);
  check_gradients([](const tensor_list& in) { return std::get<0>(median(in[0], 0, true)); }, {seq({3, 2})});
  // Ties share the gradient of the global median.
  Tensor t = tensor({1.0, 0.0, 0.0}, {3}, kFloat64).requires_grad_();
  median(t).backward();
  CHECK(values(t.grad()) == std::vector<double>{0, 0.5, 0.5});
}

TEST_CASE("unsafe_split pieces are not views; split pieces refuse in-place ops", "[more_ops]") {
  Tensor a = seq({3, 2}).requires_grad_();
  Tensor b = a * 2.0;
  tensor_list s = unsafe_split(b, 1);
  CHECK_FALSE(s[0].is_view());
  CHECK(s[0].is_alias_of(b));
  s[0].mul_(s[1]);
  sum(s[0]).backward();
  CHECK(a.grad().defined());
  tensor_list v = split(b, std::vector<int64_t>{1, 2});
  CHECK_THROWS_WITH(v[0].mul_(v[1]), Contains("returns multiple views"));
  CHECK(unsafe_chunk(b, 3).size() == 3);
  check_gradients([](const tensor_list& in) { return unsafe_split_with_sizes(in[0], {1, 2})[1]; }, {seq({3, 2})});
}

TEST_CASE("as_strided and the in-place view ops", "[more_ops]") {
  Tensor x = seq({2, 3});
  Tensor v = as_strided(x, {2, 2}, {1, 2}, 1);
  CHECK(values(v) == std::vector<double>{values(x)[1], values(x)[3], values(x)[2], values(x)[4]});
  check_gradients([](const tensor_list& in) { return as_strided(in[0], {3, 2}, {1, 1}); }, {seq({2, 3})});
  CHECK_THROWS_WITH(as_strided(x, {7}, {1}), Contains("out of bounds"));

  Tensor leaf = seq({2, 3}).requires_grad_();
  Tensor y = leaf * 1.0;
  Tensor& same = transpose_(y, 0, 1);
  CHECK(&same == &y);
  CHECK(y.shape() == Shape{3, 2});
  unsqueeze_(y, 0);
  CHECK(y.shape() == Shape{1, 3, 2});
  squeeze_(y);
  t_(y);
  CHECK(y.shape() == Shape{2, 3});
  sum(y * seq({2, 3})).backward();
  CHECK(values(leaf.grad()) == values(seq({2, 3})));
  Tensor l = seq({2}).requires_grad_();
  CHECK_THROWS_WITH(t_(l), Contains("leaf Variable"));
}

TEST_CASE("relu_ and threshold", "[more_ops]") {
  Tensor x = m23().requires_grad_();
  Tensor y = x * 1.0;
  relu_(y);
  CHECK(values(y) == std::vector<double>{1.5, 0, 0.5, 3.0, 1.0, 0});
  sum(y).backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 0, 1, 1, 1, 0});
  CHECK(values(threshold(m23(), 1.0, -5.0)) == std::vector<double>{1.5, -5, -5, 3.0, -5, -5});
  check_gradients([](const tensor_list& in) { return threshold(in[0], 0.75, 2.0); }, {m23()});
}

TEST_CASE("resize_ grows the storage and bumps the version", "[more_ops]") {
  Tensor x = tensor({7.0}, kFloat64);
  resize_(x, {1, 2});
  CHECK(x.shape() == Shape{1, 2});
  CHECK(x._version() == 1);
  CHECK(x.data_ptr<double>()[0] == 7.0);
  resize_(x, {1, 2});
  CHECK(x._version() == 1);
  Tensor r = ones({2}).requires_grad_();
  CHECK_THROWS_WITH(resize_(r, {3}), Contains("cannot resize variables that require grad"));
}

TEST_CASE("inference tensors stay out of the graph as in PyTorch", "[more_ops]") {
  Tensor c, plain;
  {
    InferenceModeGuard guard;
    c = ones({1, 2, 3}).requires_grad_();
    plain = ones({1, 2, 3});
    Tensor v = c.view({-1});
    CHECK(v.is_inference());
    CHECK_FALSE(v.requires_grad());
    CHECK_FALSE(v.is_view());
    resize_(c, {1, 2});  // inference mode runs no autograd: requires_grad does not refuse it
    CHECK(c.shape() == Shape{1, 2});
    CHECK(c.requires_grad());
  }
  Tensor v = c.view({-1});
  CHECK(v.is_inference());
  CHECK_FALSE(v.requires_grad());
  CHECK_FALSE(v.is_view());
  CHECK(v.is_leaf());
  Tensor y = c * c;
  CHECK_FALSE(y.requires_grad());
  CHECK_FALSE(y.is_inference());
  CHECK_THROWS_WITH(transpose_(plain, 0, 1), Contains("Inplace update to inference tensor outside InferenceMode"));
  CHECK(plain.shape() == Shape{1, 2, 3});
}

TEST_CASE("in-place view ops bump the version as in PyTorch", "[more_ops]") {
  Tensor a = ones({2, 3});
  transpose_(a, 0, 1);
  CHECK(a._version() == 1);
  Tensor base = ones({2, 3}).requires_grad_();
  Tensor b = base * 2;
  Tensor v;
  {
    InferenceModeGuard guard;
    v = b.view({-1});
  }
  transpose_(b, 0, 1);  // a new geometry of v's base: v may no longer give a grad_fn
  CHECK_THROWS_WITH(v.grad_fn(), Contains("A view was created in inference mode and its base or another view of its "
                                          "base has been modified inplace in normal mode. Given that this use case is "
                                          "ambiguous and error-prone, it is forbidden."));
  CHECK(b.grad_fn()->name() == "TransposeBackward1");  // PyTorch names the in-place variant so
}

TEST_CASE("bernoulli draws 0 and 1 with probability p", "[more_ops]") {
  CHECK(values(bernoulli(tensor({0.0, 1.0, 1.0}, kFloat64))) == std::vector<double>{0, 1, 1});
  Tensor m = zeros({100}, kBool);
  bernoulli_(m, 0.5);
  int64_t n = sum(m).item<int64_t>();
  CHECK(n > 10);
  CHECK(n < 90);
}

TEST_CASE("scatter_reduce and index_reduce reduce into a copy", "[more_ops]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, {3}, kFloat64);
  Tensor src = tensor({4.0, 5.0, 6.0, 7.0}, {4}, kFloat64);
  Tensor i = tensor({0, 0, 2, 0}, {4}, kInt64);
  CHECK(values(scatter_reduce(x, 0, i, src, "sum")) == std::vector<double>{17, 2, 9});
  CHECK(values(scatter_reduce(x, 0, i, src, "prod")) == std::vector<double>{140, 2, 18});
  CHECK(values(scatter_reduce(x, 0, i, src, "mean")) == std::vector<double>{4.25, 2, 4.5});
  CHECK(values(scatter_reduce(x, 0, i, src, "mean", false)) == std::vector<double>{16.0 / 3, 2, 6});
  CHECK(values(scatter_reduce(x, 0, i, src, "amax", false)) == std::vector<double>{7, 2, 6});
  CHECK(values(scatter_reduce(x, 0, i, src, "amin")) == std::vector<double>{1, 2, 3});
  CHECK(values(index_reduce(x, 0, i, src, "amax")) == std::vector<double>{7, 2, 6});
  check_gradients([i](const tensor_list& in) { return scatter_reduce(in[0], 0, i, in[1], "prod"); },
                  {tensor({1.5, 2.0, -3.0}, kFloat64), tensor({4.0, -0.5, 6.0, 0.25}, kFloat64)});
  check_gradients([i](const tensor_list& in) { return scatter_reduce(in[0], 0, i, in[1], "mean", false); },
                  {tensor({1.5, 2.0, -3.0}, kFloat64), tensor({4.0, -0.5, 6.0, 0.25}, kFloat64)});
  CHECK_THROWS_WITH(scatter_reduce(x, 0, i, src, "max"), Contains("reduce argument must be either"));
  CHECK_THROWS_WITH(index_reduce(x, 0, i, src, "sum"), Contains("prod, mean, amax or amin"));
}
