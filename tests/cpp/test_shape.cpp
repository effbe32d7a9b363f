// Shape ops: values against naive index arithmetic on contiguous and strided
// inputs, storage sharing of views (writes through a view reach the base),
// version counters, every error path with its message, and gradients (first
// and second order) against central finite differences in float64.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"

#include "test_helpers.h"

using namespace ember;
using namespace ember::test;
using Catch::Matchers::Contains;


TEST_CASE("reshape of a contiguous tensor is a view sharing storage", "[shape]") {
  Tensor x = seq({2, 3, 4});
  Tensor r = reshape(x, {4, -1});
  CHECK(r.shape() == Shape{4, 6});
  CHECK(r.storage() == x.storage());
  CHECK(values(r) == values(x));
  set_elem(r, {3, 5}, -7.0);  // write through the view
  CHECK(elem(x, {1, 2, 3}) == -7.0);
  CHECK(reshape(x, {-1}).shape() == Shape{24});
  CHECK(reshape(seq({1}), {}).dim() == 0);
  CHECK(reshape(seq({}), {1, 1}).shape() == Shape{1, 1});
  CHECK(reshape(zeros({0, 3}), {3, 0, 5}).shape() == Shape{3, 0, 5});
}

TEST_CASE("reshape copies when the strides allow no view, in row-major order", "[shape]") {
  Tensor x = seq({3, 4});
  Tensor xt = transpose(x, 0, 1);  // (4, 3), strides (1, 4)
  Tensor r = reshape(xt, {12});
  CHECK(r.storage() != x.storage());
  std::vector<double> expected;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j) expected.push_back(elem(x, {j, i}));
  CHECK(values(r) == expected);
  // A strided tensor whose split dims stay viewable.
  Tensor s = strided({2, 6});
  Tensor v = reshape(s, {2, 2, 3});
  CHECK(v.storage() == s.storage());
  CHECK(values(v) == values(s));
}

TEST_CASE("reshape and view reject impossible shapes", "[shape]") {
  Tensor x = seq({10});
  expect_error<ValueError>([&] { reshape(x, {4, 4}); }, "shape '[4, 4]' is invalid for input of size 10");
  expect_error<ValueError>([&] { reshape(x, {-1, 3}); }, "shape '[-1, 3]' is invalid for input of size 10");
  expect_error<ValueError>([&] { reshape(x, {-1, -1}); }, "only one dimension can be inferred");
  expect_error<ValueError>([&] { reshape(x, {-2, 5}); }, "invalid shape dimension -2");
  expect_error<ValueError>([&] { reshape(zeros({0}), {0, -1}); }, "ambiguous");
  expect_error<ValueError>([&] { view(x, {3, 3}); }, "shape '[3, 3]' is invalid for input of size 10");
}

TEST_CASE("view never copies and refuses incompatible strides", "[shape]") {
  Tensor x = seq({3, 4});
  Tensor v = view(x, {2, 6});
  CHECK(v.storage() == x.storage());
  set_elem(v, {1, 0}, 99.0);
  CHECK(elem(x, {1, 2}) == 99.0);
  Tensor xt = transpose(x, 0, 1);
  expect_error<Error>([&] { view(xt, {12}); },
                      "view size is not compatible with input tensor's size and stride");
  expect_error<Error>([&] { view(xt, {12}); }, "Use .reshape(...) instead");
  // Splitting and merging within contiguous chunks is fine.
  Tensor s = slice(seq({4, 4}), 1, 0, 3);  // (4, 3) with row stride 4
  Tensor sv = view(s, {2, 2, 3});
  CHECK(values(sv) == values(s));
  CHECK(sv.storage() == s.storage());
  expect_error<Error>([&] { view(s, {12}); }, "view size is not compatible");
  CHECK(values(view(strided({4, 3}), {12})) == values(strided({4, 3})));  // one uniform stride: viewable
  // Size-1 dims and permuted contiguous chunks.
  Tensor p = permute(seq({2, 3, 4}), {2, 0, 1});  // (4, 2, 3), dims 1-2 still mergeable
  Tensor pv = view(p, {4, 6});
  CHECK(values(pv) == values(p));
}

TEST_CASE("flatten and unflatten", "[shape]") {
  Tensor x = strided({2, 3, 4, 5});
  CHECK(flatten(x).shape() == Shape{120});
  CHECK(flatten(x, 1, 2).shape() == Shape{2, 12, 5});
  CHECK(flatten(x, -2).shape() == Shape{2, 3, 20});
  CHECK(values(flatten(x, 1)) == values(x));
  CHECK(flatten(seq({})).shape() == Shape{1});
  expect_error<ValueError>([&] { flatten(x, 2, 1); }, "start_dim cannot come after end_dim");
  expect_error<IndexError>([&] { flatten(x, 0, 4); }, "dimension out of range");

  Tensor u = unflatten(x, 1, {3, 1});
  CHECK(u.shape() == Shape{2, 3, 1, 4, 5});
  CHECK(u.storage() == x.storage());
  CHECK(unflatten(x, -1, {-1, 5}).shape() == Shape{2, 3, 4, 1, 5});
  CHECK(values(unflatten(x, 2, {2, 2})) == values(x));
  expect_error<ValueError>([&] { unflatten(x, 1, {2, 2}); }, "don't multiply up to the size of dim 1 (3)");
}

TEST_CASE("squeeze and unsqueeze are views with the right strides", "[shape]") {
  Tensor x = seq({1, 3, 1, 2});
  Tensor s = squeeze(x);
  CHECK(s.shape() == Shape{3, 2});
  CHECK(s.storage() == x.storage());
  CHECK(values(s) == values(x));
  CHECK(squeeze(x, 2).shape() == Shape{1, 3, 2});
  CHECK(squeeze(x, -4).shape() == Shape{3, 1, 2});
  CHECK(squeeze(x, 1).shape() == x.shape());  // not size 1: unchanged
  CHECK(squeeze(seq({})).dim() == 0);
  expect_error<IndexError>([&] { squeeze(x, 4); }, "dimension out of range (expected to be in range of [-4, 3], but got 4)");

  Tensor y = strided({3, 2});
  Tensor u0 = unsqueeze(y, 0), u1 = unsqueeze(y, 1), u2 = unsqueeze(y, -1);
  CHECK(u0.shape() == Shape{1, 3, 2});
  CHECK(u1.shape() == Shape{3, 1, 2});
  CHECK(u2.shape() == Shape{3, 2, 1});
  for (const Tensor& u : {u0, u1, u2}) {
    CHECK(values(u) == values(y));
    CHECK(u.storage() == y.storage());
  }
  CHECK(unsqueeze(seq({}), 0).shape() == Shape{1});
  expect_error<IndexError>([&] { unsqueeze(y, 3); }, "dimension out of range");
  expect_error<IndexError>([&] { unsqueeze(y, -4); }, "dimension out of range");
}

TEST_CASE("permute and transpose match naive index mapping and share storage", "[shape]") {
  Tensor x = strided({2, 3, 4});
  Tensor p = permute(x, {2, 0, -2});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.storage() == x.storage());
  for_each_index(p.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(p, i) == elem(x, {i[1], i[2], i[0]})); });
  Tensor t = transpose(x, 0, -1);
  CHECK(t.shape() == Shape{4, 3, 2});
  for_each_index(t.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(t, i) == elem(x, {i[2], i[1], i[0]})); });
  set_elem(t, {3, 2, 1}, -1.0);
  CHECK(elem(x, {1, 2, 3}) == -1.0);
  CHECK(transpose(seq({}), 0, -1).dim() == 0);
  expect_error<ValueError>([&] { permute(x, {0, 1}); }, "the tensor has 3 dimensions but 2 were given");
  expect_error<ValueError>([&] { permute(x, {0, 1, -3}); }, "duplicate dims are not allowed");
  expect_error<IndexError>([&] { permute(x, {0, 1, 3}); }, "dimension out of range");
  expect_error<IndexError>([&] { transpose(x, 0, 3); }, "dimension out of range");
}

TEST_CASE("expand uses stride 0 for broadcast and new leading dims", "[shape]") {
  Tensor x = strided({3, 1});
  Tensor e = expand(x, {2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides()[0] == 0);
  CHECK(e.strides()[2] == 0);
  CHECK(e.storage() == x.storage());
  for_each_index(e.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(e, i) == elem(x, {i[1], 0})); });
  CHECK(expand(x, {-1, 5}).shape() == Shape{3, 5});
  CHECK(expand(seq({}), {2, 2}).shape() == Shape{2, 2});
  CHECK(expand(x, {3, 0}).numel() == 0);
  expect_error<ValueError>([&] { expand(x, {4}); }, "must be greater or equal to the number of dimensions");
  expect_error<ValueError>([&] { expand(x, {2, 4}); },
                           "the expanded size of the tensor (2) must match the existing size (3) at non-singleton "
                           "dimension 0");
  expect_error<ValueError>([&] { expand(x, {-1, 3, 4}); }, "-1 not allowed in leading, non-existing dimension 0");
}

TEST_CASE("narrow, select and slice are windows into the same storage", "[shape]") {
  Tensor x = strided({4, 5});
  Tensor n = narrow(x, 1, -3, 2);
  CHECK(n.shape() == Shape{4, 2});
  for_each_index(n.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(n, i) == elem(x, {i[0], i[1] + 2})); });
  Tensor s = select(x, 0, -1);
  CHECK(s.shape() == Shape{5});
  for (int64_t j = 0; j < 5; ++j) CHECK(elem(s, {j}) == elem(x, {3, j}));
  Tensor sl = slice(x, 1, 1, std::nullopt, 2);
  CHECK(sl.shape() == Shape{4, 2});
  for_each_index(sl.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(sl, i) == elem(x, {i[0], 1 + 2 * i[1]})); });
  for (const Tensor& v : {n, s, sl}) CHECK(v.storage() == x.storage());

  // Writing through a window reaches the base, and in-place ops bump the shared version counter.
  uint32_t before = x._version();
  Tensor w = select(x, 1, 2);
  w.mul_(2.0);
  CHECK(x._version() > before);
  CHECK(elem(x, {3, 2}) == 2.0 * elem(strided({4, 5}), {3, 2}));
}

TEST_CASE("slice clamps its bounds as Python does", "[shape]") {
  Tensor x = seq({6});
  auto starts_and_len = [&](std::optional<int64_t> a, std::optional<int64_t> b, int64_t step) {
    Tensor s = slice(x, 0, a, b, step);
    std::vector<double> v = values(s);
    return v;
  };
  // Python reference: list(range(6))[a:b:step], computed by hand.
  auto pick = [&](std::vector<int64_t> idx) {
    std::vector<double> v;
    for (int64_t i : idx) v.push_back(elem(x, {i}));
    return v;
  };
  CHECK(starts_and_len(-100, 100, 1) == pick({0, 1, 2, 3, 4, 5}));
  CHECK(starts_and_len(-2, std::nullopt, 1) == pick({4, 5}));
  CHECK(starts_and_len(4, 2, 1).empty());
  CHECK(starts_and_len(1, -1, 3) == pick({1, 4}));
  CHECK(starts_and_len(std::nullopt, std::nullopt, 4) == pick({0, 4}));
  CHECK(starts_and_len(6, 10, 1).empty());
  expect_error<ValueError>([&] { slice(x, 0, 0, 3, 0); }, "step must be greater than zero");
  expect_error<ValueError>([&] { slice(x, 0, 0, 3, -1); }, "step must be greater than zero");
}

TEST_CASE("narrow and select reject out-of-range arguments", "[shape]") {
  Tensor x = seq({3, 4});
  expect_error<IndexError>([&] { select(x, 0, 3); }, "index 3 out of range for tensor of size [3, 4] at dimension 0");
  expect_error<IndexError>([&] { select(x, 1, -5); }, "index -5 out of range");
  expect_error<IndexError>([&] { select(x, 2, 0); }, "dimension out of range");
  expect_error<IndexError>([&] { select(seq({}), 0, 0); }, "cannot be applied to a 0-dim tensor");
  expect_error<IndexError>([&] { narrow(x, 0, 4, 0); }, "start out of range (expected to be in range of [-3, 3], but got 4)");
  expect_error<ValueError>([&] { narrow(x, 1, 2, 3); }, "start (2) + length (3) exceeds dimension size (4)");
  expect_error<ValueError>([&] { narrow(x, 1, 0, -1); }, "length must be non-negative");
}

TEST_CASE("chunk and split cut views of the requested sizes", "[shape]") {
  Tensor x = strided({7, 2});
  auto sizes = [](const tensor_list& parts, int64_t dim) {
    std::vector<int64_t> s;
    for (const Tensor& p : parts) s.push_back(p.size(dim));
    return s;
  };
  CHECK(sizes(chunk(x, 3), 0) == std::vector<int64_t>{3, 3, 1});
  CHECK(sizes(chunk(x, 7), 0) == std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1});
  CHECK(sizes(chunk(x, 10), 0) == std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1});
  CHECK(sizes(chunk(seq({6}), 4), 0) == std::vector<int64_t>{2, 2, 2});
  CHECK(sizes(split(x, 2), 0) == std::vector<int64_t>{2, 2, 2, 1});
  CHECK(sizes(split(x, 1, -1), 1) == std::vector<int64_t>{1, 1});
  tensor_list parts = split(x, {2, 0, 5});
  CHECK(sizes(parts, 0) == std::vector<int64_t>{2, 0, 5});
  for_each_index(parts[2].shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(parts[2], i) == elem(x, {i[0] + 2, i[1]}));
  });
  CHECK(parts[2].storage() == x.storage());
  CHECK(sizes(chunk(zeros({0, 3}), 2), 0) == std::vector<int64_t>{0, 0});
  expect_error<ValueError>([&] { split(x, {2, 2}); }, "expected split_sizes to sum exactly to 7");
  expect_error<ValueError>([&] { split(x, {8, -1}); }, "only non-negative entries");
  expect_error<ValueError>([&] { split(x, 0); }, "split_size can only be 0 if dimension size is 0");
  expect_error<ValueError>([&] { split(x, -1); }, "split_size to be non-negative");
  expect_error<ValueError>([&] { chunk(x, 0); }, "chunks to be greater than 0");
  expect_error<IndexError>([&] { chunk(x, 2, 2); }, "dimension out of range");
}

TEST_CASE("flip copies with reversed order along the given dims", "[shape]") {
  Tensor x = strided({2, 3, 4});
  Tensor f = flip(x, {0, -1});
  CHECK(f.storage() != x.storage());
  CHECK(f.is_contiguous());
  for_each_index(f.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(f, i) == elem(x, {1 - i[0], i[1], 3 - i[2]})); });
  CHECK(values(flip(x, {})) == values(x));
  CHECK(flip(zeros({0, 2}), {0}).shape() == Shape{0, 2});
  Tensor i = flip(seq({4}, kInt64), {0});
  CHECK(i.dtype() == kInt64);
  CHECK(values(i) == std::vector<double>{7, 5, 3, 1});
  expect_error<ValueError>([&] { flip(x, {0, -3}); }, "dim 0 appears multiple times");
  expect_error<IndexError>([&] { flip(x, {3}); }, "dimension out of range");
}

TEST_CASE("cat joins along a dim, promotes dtypes and skips empty 1-d tensors", "[shape]") {
  Tensor a = strided({2, 3}), b = seq({2, 1});
  Tensor c = cat({a, b, zeros({0}), transpose(seq({2, 2}), 0, 1)}, 1);
  CHECK(c.shape() == Shape{2, 6});
  Tensor bt = transpose(seq({2, 2}), 0, 1);
  for_each_index(c.shape(), [&](const std::vector<int64_t>& i) {
    double expected = i[1] < 3 ? elem(a, i) : i[1] < 4 ? elem(b, {i[0], 0}) : elem(bt, {i[0], i[1] - 4});
    CHECK(elem(c, i) == expected);
  });
  Tensor rows = cat({a, a}, -2);
  CHECK(rows.shape() == Shape{4, 3});
  CHECK(values(rows) == [&] { auto v = values(a); v.insert(v.end(), v.begin(), v.end()); return v; }());

  Tensor mixed = cat({seq({2}, kInt64), seq({1}, kFloat32)});
  CHECK(mixed.dtype() == kFloat32);
  CHECK(values(mixed) == std::vector<double>{1, 3, 0.5});
  CHECK(cat({zeros({0}), zeros({0})}).shape() == Shape{0});

  expect_error<ValueError>([&] { cat({}); }, "expected a non-empty list of Tensors");
  expect_error<ValueError>([&] { cat({a, seq({3, 3})}, 1); },
                           "sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
                           "tensor number 1 in the list");
  expect_error<ValueError>([&] { cat({a, seq({3})}); }, "tensors must have same number of dimensions: got 2 and 1");
  expect_error<ValueError>([&] { cat({a, seq({})}); }, "zero-dimensional tensor (at position 1) cannot be concatenated");
  expect_error<IndexError>([&] { cat({a, a}, 2); }, "dimension out of range");
}

TEST_CASE("stack inserts a new dim", "[shape]") {
  Tensor a = strided({2, 3}), b = seq({2, 3});
  for (int64_t dim : {0, 1, 2, -1}) {
    Tensor s = stack({a, b}, dim);
    int64_t d = dim < 0 ? dim + 3 : dim;
    CHECK(s.size(d) == 2);
    for_each_index(s.shape(), [&](const std::vector<int64_t>& i) {
      std::vector<int64_t> j = i;
      j.erase(j.begin() + d);
      CHECK(elem(s, i) == elem(i[d] == 0 ? a : b, j));
    });
  }
  CHECK(stack({seq({}), seq({})}).shape() == Shape{2});
  expect_error<ValueError>([&] { stack({a, seq({3, 2})}); },
                           "expected each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 1");
  expect_error<ValueError>([&] { stack({}); }, "non-empty");
  expect_error<IndexError>([&] { stack({a, b}, 3); }, "dimension out of range");
}

TEST_CASE("contiguous returns the tensor itself when already contiguous, else a copy", "[shape]") {
  Tensor x = seq({2, 3});
  CHECK(contiguous(x).is_same(x));
  Tensor t = transpose(x, 0, 1);
  Tensor c = contiguous(t);
  CHECK(c.is_contiguous());
  CHECK(c.storage() != x.storage());
  CHECK(values(c) == values(t));
}

TEST_CASE("views of a tensor that requires grad have a grad_fn and stay views", "[shape][autograd]") {
  Tensor x = seq({2, 3}).requires_grad_(true);
  for (const Tensor& v : {reshape(x, {3, 2}), view(x, {6}), transpose(x, 0, 1), expand(x, {2, 2, 3}),
                          select(x, 0, 1), slice(x, 1, 0, 2), narrow(x, 1, 1, 1), squeeze(x), unsqueeze(x, 0)}) {
    CHECK(v.grad_fn() != nullptr);
    CHECK(v.storage() == x.storage());
  }
  CHECK(contiguous(transpose(x, 0, 1)).grad_fn() != nullptr);
}

TEST_CASE("gradients of the view ops match finite differences, also on strided inputs", "[shape][autograd]") {
  using L = const tensor_list&;
  check_gradients([](L t) { return reshape(t[0], {3, -1}); }, {strided({2, 3, 2})});
  check_gradients([](L t) { return reshape(transpose(t[0], 0, 1), {-1}); }, {seq({3, 4})});
  check_gradients([](L t) { return view(t[0], {2, 2, 3}); }, {strided({4, 3})});
  check_gradients([](L t) { return flatten(t[0], 1); }, {strided({2, 3, 2})});
  check_gradients([](L t) { return unflatten(t[0], 1, {2, 2}); }, {strided({3, 4})});
  check_gradients([](L t) { return squeeze(t[0]); }, {strided({3, 1, 2, 1})});
  check_gradients([](L t) { return squeeze(t[0], 1); }, {strided({3, 1, 2})});
  check_gradients([](L t) { return unsqueeze(t[0], 1); }, {strided({3, 2})});
  check_gradients([](L t) { return permute(t[0], {1, 2, 0}); }, {strided({2, 3, 4})});
  check_gradients([](L t) { return transpose(t[0], 0, 2); }, {strided({2, 3, 4})});
  check_gradients([](L t) { return expand(t[0], {2, 3, 4}); }, {strided({3, 1})});
  check_gradients([](L t) { return contiguous(transpose(t[0], 0, 1)); }, {strided({3, 2})});
}

TEST_CASE("gradients of the window ops match finite differences", "[shape][autograd]") {
  using L = const tensor_list&;
  check_gradients([](L t) { return narrow(t[0], 1, 1, 2); }, {strided({3, 4})});
  check_gradients([](L t) { return select(t[0], 1, -1); }, {strided({3, 4})});
  check_gradients([](L t) { return slice(t[0], 0, 1, std::nullopt, 2); }, {strided({5, 3})});
  check_gradients([](L t) { return slice(t[0], 1, 3, 1); }, {strided({2, 4})});  // empty window
  check_gradients([](L t) { return split(t[0], {1, 3}, 1)[1]; }, {strided({2, 4})});
  check_gradients([](L t) { return chunk(t[0], 2, 0)[1] * chunk(t[0], 2, 0)[0]; }, {strided({4, 2})});
}

TEST_CASE("gradients of flip, cat and stack match finite differences", "[shape][autograd]") {
  using L = const tensor_list&;
  check_gradients([](L t) { return flip(t[0], {0, 2}); }, {strided({2, 3, 2})});
  check_gradients([](L t) { return cat({t[0], t[1], t[2]}, 1); }, {strided({2, 3}), seq({2, 1}), seq({0})});
  check_gradients([](L t) { return cat({t[0], t[1]}, 0); }, {strided({1, 3}), seq({2, 3})});
  check_gradients([](L t) { return stack({t[0], t[1]}, 1); }, {strided({2, 3}), seq({2, 3})});
}

TEST_CASE("a float32 input to cat with a float64 one gets a float32 gradient", "[shape][autograd]") {
  Tensor a = seq({2}, kFloat32).requires_grad_(true), b = seq({3}).requires_grad_(true);
  Tensor c = cat({a, b});
  CHECK(c.dtype() == kFloat64);
  c.backward(weights({5}, 0));
  CHECK(a.grad().dtype() == kFloat32);
  auto w = values(weights({5}, 0));
  auto g = values(a.grad());
  REQUIRE(g.size() == 2);
  for (size_t i = 0; i < 2; ++i) CHECK(float(g[i]) == float(w[i]));
}
