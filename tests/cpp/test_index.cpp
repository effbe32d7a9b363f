// Indexing: x[...] with integers, slices, None, Ellipsis, int64 index
// tensors and bool masks against naive loops (strided inputs included),
// index_put_ with its version bump and autograd, index_select, gather,
// scatter_add, index_add, masked_fill, nonzero and one_hot, every error path, and
// gradients (first and second order) against central finite differences.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape.h"

#include "test_helpers.h"

using namespace ember;
using namespace ember::test;
using Catch::Matchers::Contains;

namespace {

Tensor longs(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, kInt64); }

Tensor bools(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, kBool); }

}  // namespace

TEST_CASE("basic indices are views: integers, slices, None and Ellipsis", "[index]") {
  Tensor x = strided({3, 4, 5});
  // x[1, 1:4:2, None, ..., -1] -> shape (2, 1)
  Tensor r = index(x, {1, Slice{1, 4, 2}, TensorIndex::none(), TensorIndex::ellipsis(), -1});
  CHECK(r.shape() == Shape{2, 1});
  CHECK(r.storage() == x.storage());
  for (int64_t j = 0; j < 2; ++j) CHECK(elem(r, {j, 0}) == elem(x, {1, 1 + 2 * j, 4}));
  // x[..., 2] and x[:, None] and x[-3:, :, ::3]
  Tensor e = index(x, {TensorIndex::ellipsis(), 2});
  CHECK(e.shape() == Shape{3, 4});
  for_each_index(e.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(e, i) == elem(x, {i[0], i[1], 2})); });
  CHECK(index(x, {Slice{}, TensorIndex::none()}).shape() == Shape{3, 1, 4, 5});
  Tensor s = index(x, {Slice{-3, {}, {}}, Slice{}, Slice{{}, {}, 3}});
  CHECK(s.shape() == Shape{3, 4, 2});
  for_each_index(s.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(s, i) == elem(x, {i[0], i[1], 3 * i[2]})); });
  CHECK(index(x, {}).is_same(x));
  CHECK(index(x, {TensorIndex::ellipsis()}).shape() == x.shape());
  CHECK(index(x, {0, 0, 0}).dim() == 0);
  CHECK(index(x, {longs({2}, {}), -1}).shape() == Shape{5});  // a 0-d int64 tensor acts as an integer
  // Writes through the view reach x.
  set_elem(r, {1, 0}, 42.0);
  CHECK(elem(x, {1, 3, 4}) == 42.0);
}

TEST_CASE("an int64 index tensor gathers along its dim, with its shape in place of the dim", "[index]") {
  Tensor x = strided({3, 4, 2});
  Tensor idx = longs({3, -1, 0, 0, 1, -4}, {2, 3});
  Tensor r = index(x, {Slice{}, idx});
  CHECK(r.shape() == Shape{3, 2, 3, 2});
  for_each_index(r.shape(), [&](const std::vector<int64_t>& i) {
    int64_t p = int64_t(elem(idx, {i[1], i[2]}));
    if (p < 0) p += 4;
    CHECK(elem(r, i) == elem(x, {i[0], p, i[3]}));
  });
  // Together with basic indices: x[1, idx1, None]
  Tensor idx1 = longs({1, 0}, {2});
  Tensor q = index(x, {1, idx1, TensorIndex::none()});
  CHECK(q.shape() == Shape{2, 1, 2});
  for_each_index(q.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(q, i) == elem(x, {1, int64_t(elem(idx1, {i[0]})), i[2]}));
  });
  // A non-contiguous index tensor.
  Tensor idx_t = transpose(longs({0, 1, 2, 2, 1, 0}, {2, 3}), 0, 1);
  Tensor t = index(x, {idx_t});
  CHECK(t.shape() == Shape{3, 2, 4, 2});
  for_each_index(t.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(t, i) == elem(x, {int64_t(elem(idx_t, {i[0], i[1]})), i[2], i[3]}));
  });
  CHECK(index(x, {longs({}, {0})}).shape() == Shape{0, 4, 2});
}

TEST_CASE("a bool mask selects elements in row-major order", "[index]") {
  Tensor x = strided({3, 4});
  std::vector<double> m = {1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1};
  Tensor mask = bools(m, {3, 4});
  Tensor r = index(x, {mask});
  std::vector<double> expected;
  for (int64_t i = 0; i < 12; ++i)
    if (m[i]) expected.push_back(elem(x, {i / 4, i % 4}));
  CHECK(r.shape() == Shape{5});
  CHECK(values(r) == expected);
  // A mask over the leading dim keeps the trailing ones; one over trailing dims after a slice.
  Tensor rows = index(x, {bools({1, 0, 1}, {3})});
  CHECK(rows.shape() == Shape{2, 4});
  for (int64_t j = 0; j < 4; ++j) CHECK(elem(rows, {1, j}) == elem(x, {2, j}));
  Tensor y = strided({2, 3, 2});
  Tensor tail = index(y, {Slice{}, bools({0, 1, 1, 0, 1, 0}, {3, 2})});
  CHECK(tail.shape() == Shape{2, 3});
  for (int64_t b = 0; b < 2; ++b) {
    CHECK(elem(tail, {b, 0}) == elem(y, {b, 0, 1}));
    CHECK(elem(tail, {b, 1}) == elem(y, {b, 1, 0}));
    CHECK(elem(tail, {b, 2}) == elem(y, {b, 2, 0}));
  }
  // A mask through a transposed view of itself.
  Tensor mt = transpose(mask, 0, 1);
  Tensor xt = transpose(x, 0, 1);
  std::vector<double> expected_t;
  for_each_index(xt.shape(), [&](const std::vector<int64_t>& i) {
    if (elem(mt, i) != 0) expected_t.push_back(elem(xt, i));
  });
  CHECK(values(index(xt, {mt})) == expected_t);
  // x[True] and x[False] add a dim of size 1 or 0.
  CHECK(index(x, {bools({1}, {})}).shape() == Shape{1, 3, 4});
  CHECK(index(x, {bools({0}, {})}).shape() == Shape{0, 3, 4});
  CHECK(index(x, {bools(std::vector<double>(12, 0), {3, 4})}).shape() == Shape{0});
}

TEST_CASE("index rejects bad indices with Python's errors", "[index]") {
  Tensor x = seq({3, 4});
  expect_error<IndexError>([&] { index(x, {3}); }, "index 3 is out of bounds for dimension 0 with size 3");
  expect_error<IndexError>([&] { index(x, {0, -5}); }, "index -5 is out of bounds for dimension 1 with size 4");
  expect_error<IndexError>([&] { index(x, {0, 0, 0}); }, "too many indices for tensor of dimension 2");
  expect_error<IndexError>([&] { index(x, {TensorIndex::ellipsis(), TensorIndex::ellipsis()}); },
                           "an index can only have a single ellipsis");
  expect_error<IndexError>([&] { index(x, {Slice{}, longs({4}, {1})}); },
                           "index 4 is out of bounds for dimension 1 with size 4");
  expect_error<IndexError>([&] { index(x, {longs({-4}, {1})}); }, "index -4 is out of bounds for dimension 0 with size 3");
  expect_error<IndexError>([&] { index(x, {seq({1})}); }, "tensors used as indices must be int64 or bool tensors, got float64");
  expect_error<IndexError>([&] { index(x, {bools({1, 0}, {2})}); },
                           "the shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0");
  expect_error<IndexError>([&] { index(x, {bools(std::vector<double>(9, 1), {3, 3})}); }, "mask [3, 3] at index 1 does not match");
  expect_error<ValueError>([&] { index(x, {Slice{0, 2, 0}}); }, "slice step cannot be zero");
  expect_error<ValueError>([&] { index(x, {Slice{0, 2, -1}}); }, "step must be greater than zero");
}

TEST_CASE("index_put_ writes through basic and tensor indices and bumps the version", "[index]") {
  Tensor x = strided({3, 4});
  Tensor ref = strided({3, 4});
  uint32_t v0 = x._version();
  index_put_(x, {Slice{}, 1}, seq({3}) * 10.0);  // x[:, 1] = [5, 17.5, 30]
  CHECK(x._version() > v0);
  for (int64_t i = 0; i < 3; ++i) CHECK(elem(x, {i, 1}) == (0.5 + 1.25 * double(i)) * 10.0);
  CHECK(elem(x, {0, 0}) == elem(ref, {0, 0}));

  uint32_t v1 = x._version();
  x.index_put_({longs({2, -3}, {2})}, -1.0);  // rows 2 and 0
  CHECK(x._version() > v1);
  for (int64_t j = 0; j < 4; ++j) {
    CHECK(elem(x, {0, j}) == -1.0);
    CHECK(elem(x, {2, j}) == -1.0);
  }
  CHECK(elem(x, {1, 0}) == elem(ref, {1, 0}));

  // A mask with broadcast values per selected element, into an int64 tensor.
  Tensor y = seq({2, 3}, kInt64);
  Tensor mask = bools({1, 0, 1, 0, 1, 0}, {2, 3});
  index_put_(y, {mask}, tensor({7, 8, 9}, kFloat64));
  CHECK(values(y) == std::vector<double>{7, 3, 8, 7, 9, 11});
  // A tensor index in the middle with a value broadcast over the other dims.
  Tensor z = zeros({2, 3, 2});
  index_put_(z, {Slice{}, longs({2, 0}, {2})}, tensor({1, 2}, kFloat32));
  for_each_index(z.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(z, i) == (i[1] == 1 ? 0.0 : double(i[2] + 1)));
  });
  expect_error<ValueError>([&] { index_put_(z, {Slice{}, longs({2, 0}, {2})}, seq({3})); },
                           "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape "
                           "[2, 2, 2]");
  expect_error<IndexError>([&] { index_put_(z, {5}, seq({})); }, "index 5 is out of bounds");

  // A value that overlaps the target is read before anything is written: x[[1, 2, 3]] = x[0:3].
  Tensor s = seq({4});
  std::vector<double> before = values(s);
  index_put_(s, {longs({1, 2, 3}, {3})}, slice(s, 0, 0, 3));
  CHECK(values(s) == std::vector<double>{before[0], before[0], before[1], before[2]});
}

TEST_CASE("index_put_ is differentiable for non-leaf targets and rejects leaves that require grad", "[index][autograd]") {
  Tensor a = seq({3, 4}).requires_grad_(true);
  Tensor v = seq({2, 1}).requires_grad_(true);
  Tensor x = a * 1.0;
  Tensor idx = longs({2, 0}, {2});
  x.index_put_({idx, Slice{1, 3, {}}}, v);  // x[[2, 0], 1:3] = v (broadcast over the columns)
  Tensor w = weights({3, 4}, 4);
  x.backward(w);
  // a's gradient: w, zero where x was overwritten; v's: the sum of w over each written row.
  for_each_index({3, 4}, [&](const std::vector<int64_t>& i) {
    bool written = (i[0] == 2 || i[0] == 0) && (i[1] == 1 || i[1] == 2);
    CHECK(elem(a.grad(), i) == (written ? 0.0 : elem(w, i)));
  });
  CHECK(elem(v.grad(), {0, 0}) == Approx(elem(w, {2, 1}) + elem(w, {2, 2})));
  CHECK(elem(v.grad(), {1, 0}) == Approx(elem(w, {0, 1}) + elem(w, {0, 2})));
  expect_error<Error>([&] { a.index_put_({0}, seq({4})); }, "a leaf Variable that requires grad is being used in an in-place operation");

  using L = const tensor_list&;
  auto put = [idx](L t) {
    Tensor y = t[0] * 1.0;
    y.index_put_({Slice{}, idx}, t[1]);
    return y;
  };
  check_gradients(put, {strided({2, 3}), seq({2, 2})});
  auto put_mask = [](L t) {
    Tensor y = t[0] * 1.0;
    y.index_put_({bools({1, 0, 0, 1}, {2, 2})}, t[1]);
    return y;
  };
  check_gradients(put_mask, {strided({2, 2}), seq({2})});
}

TEST_CASE("gradients of x[...] match finite differences", "[index][autograd]") {
  using L = const tensor_list&;
  check_gradients([](L t) { return index(t[0], {1, Slice{{}, {}, 2}, TensorIndex::none()}); }, {strided({3, 4})});
  Tensor idx = longs({2, 0, 2, -1}, {2, 2});  // repeated positions accumulate
  check_gradients([idx](L t) { return index(t[0], {Slice{}, idx}); }, {strided({2, 3})});
  Tensor mask = bools({1, 0, 1, 1, 0, 1}, {2, 3});
  check_gradients([mask](L t) { return index(t[0], {mask}); }, {strided({2, 3})});
  check_gradients([mask](L t) { return index(transpose(t[0], 0, 1), {transpose(mask, 0, 1)}); }, {strided({2, 3})});
}

TEST_CASE("index_select matches a naive gather and checks its index", "[index]") {
  Tensor x = strided({3, 4, 2});
  Tensor idx = longs({3, 0, 3, 1, 2}, {5});
  Tensor r = index_select(x, 1, idx);
  CHECK(r.shape() == Shape{3, 5, 2});
  for_each_index(r.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(r, i) == elem(x, {i[0], int64_t(elem(idx, {i[1]})), i[2]}));
  });
  Tensor r0 = index_select(x, -3, longs({2}, {}));
  CHECK(r0.shape() == Shape{1, 4, 2});
  CHECK(index_select(seq({}), 0, longs({0}, {1})).dim() == 0);
  CHECK(index_select(x, 0, longs({}, {0})).shape() == Shape{0, 4, 2});
  Tensor b = index_select(bools({1, 0, 1}, {3}), 0, longs({1, 2}, {2}));
  CHECK(b.dtype() == kBool);
  CHECK(values(b) == std::vector<double>{0, 1});
  expect_error<TypeError>([&] { index_select(x, 0, seq({1})); }, "index_select: expected index to be int64, got float64");
  expect_error<ValueError>([&] { index_select(x, 0, longs({0, 0}, {1, 2})); }, "expected index to be a vector");
  expect_error<IndexError>([&] { index_select(x, 1, longs({4}, {1})); },
                           "index_select: index 4 is out of bounds for dimension 1 with size 4");
  expect_error<IndexError>([&] { index_select(x, 1, longs({-1}, {1})); }, "index -1 is out of bounds");
  expect_error<IndexError>([&] { index_select(x, 3, idx); }, "dimension out of range");
}

TEST_CASE("gather follows torch.gather", "[index]") {
  Tensor x = strided({3, 4});
  Tensor idx = longs({0, 2, 1, 1, 2, 0}, {2, 3});
  Tensor g0 = gather(x, 0, idx);  // out[i][j] = x[idx[i][j]][j]
  CHECK(g0.shape() == Shape{2, 3});
  for_each_index(g0.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(g0, i) == elem(x, {int64_t(elem(idx, i)), i[1]}));
  });
  Tensor idx1 = transpose(longs({3, 0, 1, 1, 2, 3}, {2, 3}), 0, 1);  // (3, 2), non-contiguous
  Tensor g1 = gather(x, 1, idx1);  // out[i][j] = x[i][idx[i][j]]
  for_each_index(g1.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(g1, i) == elem(x, {i[0], int64_t(elem(idx1, i))}));
  });
  Tensor y = strided({2, 3, 2});
  Tensor idx3 = longs({2, 0, 1, 1, 0, 2, 2, 2}, {2, 2, 2});
  Tensor g3 = gather(y, 1, idx3);
  for_each_index(g3.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(g3, i) == elem(y, {i[0], int64_t(elem(idx3, i)), i[2]}));
  });
  expect_error<TypeError>([&] { gather(x, 0, seq({2, 3})); }, "gather: expected index to be int64, got float64");
  expect_error<ValueError>([&] { gather(x, 0, longs({0, 0}, {2})); }, "same number of dimensions");
  expect_error<ValueError>([&] { gather(x, 0, longs(std::vector<double>(10, 0), {2, 5})); },
                           "expected index [2, 5] to be no larger than input [3, 4] apart from dimension 0");
  expect_error<IndexError>([&] { gather(x, 0, longs({7}, {1, 1})); },
                           "gather: index 7 is out of bounds for dimension 0 with size 3");
  expect_error<IndexError>([&] { gather(x, 1, longs({-1}, {1, 1})); }, "index -1 is out of bounds");
}

TEST_CASE("scatter_add adds src at the index and leaves x untouched", "[index]") {
  Tensor x = strided({3, 4});
  Tensor idx = longs({0, 2, 0, 1, 0, 2, 0, 1}, {2, 4});  // repeated targets accumulate
  Tensor src = seq({2, 5});                              // larger than the index: the extra column is ignored
  Tensor out = scatter_add(x, 0, idx, src);
  std::vector<double> expected = values(x);
  for_each_index(idx.shape(), [&](const std::vector<int64_t>& i) {
    expected[size_t(elem(idx, i) * 4 + double(i[1]))] += elem(src, i);
  });
  CHECK(values(out) == expected);
  CHECK(values(x) == values(strided({3, 4})));
  CHECK(out.storage() != x.storage());
  expect_error<TypeError>([&] { scatter_add(x, 0, idx, seq({2, 4}, kFloat32)); },
                          "expected src to have the dtype of x (float64), got float32");
  expect_error<ValueError>([&] { scatter_add(x, 0, idx, seq({1, 4})); },
                           "expected index [2, 4] to be no larger than src [1, 4]");
  expect_error<IndexError>([&] { scatter_add(x, 1, longs({4}, {1, 1}), seq({1, 1})); },
                           "scatter_add: index 4 is out of bounds for dimension 1 with size 4");
  expect_error<TypeError>([&] { scatter_add(x, 0, seq({2, 4}), src); }, "expected index to be int64");
}

TEST_CASE("index_add adds slices of source at the indexed positions", "[index]") {
  Tensor x = strided({4, 3});
  Tensor idx = longs({3, 0, 3}, {3});
  Tensor source = transpose(seq({3, 3}), 0, 1);
  Tensor out = index_add(x, 0, idx, source);
  std::vector<double> expected = values(x);
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t j = 0; j < 3; ++j) expected[size_t(elem(idx, {k}) * 3 + double(j))] += elem(source, {k, j});
  CHECK(values(out) == expected);
  CHECK(values(x) == values(strided({4, 3})));
  Tensor cols = index_add(seq({2, 3}, kInt64), 1, longs({2}, {1}), seq({2, 1}, kInt64));
  CHECK(values(cols) == std::vector<double>{1, 3, 6, 7, 9, 14});
  expect_error<ValueError>([&] { index_add(x, 0, idx, seq({2, 3})); },
                           "expected source of shape [3, 3] (x's shape [4, 3] with dim 0 of size 3");
  expect_error<TypeError>([&] { index_add(x, 0, idx, seq({3, 3}, kFloat32)); }, "expected source to have the dtype of x");
  expect_error<IndexError>([&] { index_add(x, 0, longs({4}, {1}), seq({1, 3})); }, "index 4 is out of bounds for dimension 0 with size 4");
  expect_error<ValueError>([&] { index_add(x, 0, longs({0}, {1, 1}), seq({1, 3})); }, "expected index to be a vector");
}

TEST_CASE("masked_fill replaces masked elements and broadcasts the mask", "[index]") {
  Tensor x = strided({2, 3});
  Tensor mask = bools({1, 0, 1}, {3});
  Tensor r = masked_fill(x, mask, -2.5);
  for_each_index(r.shape(), [&](const std::vector<int64_t>& i) { CHECK(elem(r, i) == (i[1] != 1 ? -2.5 : elem(x, i))); });
  CHECK(masked_fill(x, bools({1, 0}, {2, 1, 1}), 0).shape() == Shape{2, 2, 3});  // PyTorch's out-of-place broadcast
  Tensor ints = masked_fill(seq({3}, kInt64), mask, 4);
  CHECK(ints.dtype() == kInt64);
  CHECK(values(ints) == std::vector<double>{4, 3, 4});
  Tensor in_place = seq({3});
  in_place.masked_fill_(mask, 9.0);
  CHECK(values(in_place) == std::vector<double>{9, 1.75, 9});
  expect_error<TypeError>([&] { masked_fill(x, seq({3}), 0); }, "masked_fill: expected mask to be a bool tensor, got float64");
  expect_error<ValueError>([&] { masked_fill(x, bools({1, 0}, {2}), 0); }, "cannot be broadcast");
}

TEST_CASE("nonzero lists the positions of nonzero elements row by row", "[index]") {
  Tensor x = transpose(tensor({0, 1, 2, 0, 0, 3}, {2, 3}, kFloat64), 0, 1);  // (3, 2)
  Tensor nz = nonzero(x);
  std::vector<double> expected;
  for_each_index(x.shape(), [&](const std::vector<int64_t>& i) {
    if (elem(x, i) != 0) expected.insert(expected.end(), {double(i[0]), double(i[1])});
  });
  CHECK(nz.dtype() == kInt64);
  CHECK(nz.shape() == Shape{3, 2});
  CHECK(values(nz) == expected);
  CHECK(nonzero(tensor({2}, {}, kFloat64)).shape() == Shape{1, 0});
  CHECK(nonzero(zeros({4})).shape() == Shape{0, 1});
  CHECK(values(nonzero(bools({0, 1, 1}, {3}))) == std::vector<double>{1, 2});
}

TEST_CASE("gradients of the gather and scatter ops match finite differences", "[index][autograd]") {
  using L = const tensor_list&;
  Tensor idx = longs({3, 0, 3, 1}, {4});
  check_gradients([idx](L t) { return index_select(t[0], 1, idx); }, {strided({2, 4})});
  Tensor gidx = longs({0, 2, 2, 1, 0, 0}, {2, 3});
  check_gradients([gidx](L t) { return gather(t[0], 0, gidx); }, {strided({3, 4})});
  check_gradients([gidx](L t) { return gather(t[0], 1, gidx); }, {strided({2, 4})});
  check_gradients([gidx](L t) { return scatter_add(t[0], 0, gidx, t[1]); }, {strided({3, 3}), seq({2, 4})});
  Tensor aidx = longs({2, 0, 2}, {3});
  check_gradients([aidx](L t) { return index_add(t[0], 1, aidx, t[1]); }, {strided({2, 3}), strided({2, 3})});
  Tensor mask = bools({1, 0, 0, 1, 1, 0}, {2, 3});
  check_gradients([mask](L t) { return masked_fill(t[0], mask, 3.0); }, {strided({2, 3})});
  check_gradients([](L t) { return masked_fill(t[0], bools({0, 1}, {2, 1}), 1.0); }, {strided({3})});
}

TEST_CASE("one_hot marks each class in a new last dim of int64", "[index][one_hot]") {
  Tensor t = longs({2, 0, 3, 1, 3, 0}, {2, 3});
  for (int64_t classes : {-1, 4, 6}) {
    INFO("num_classes " << classes);
    Tensor y = one_hot(t, classes);
    const int64_t c = classes == -1 ? 4 : classes;
    CHECK(y.dtype() == kInt64);
    CHECK(y.shape() == Shape{2, 3, c});
    for_each_index(y.shape(), [&](const std::vector<int64_t>& i) {
      CHECK(elem(y, i) == (elem(t, {i[0], i[1]}) == double(i[2]) ? 1.0 : 0.0));
    });
  }
  Tensor ts = t.t();  // strided
  Tensor ys = one_hot(ts);
  for_each_index(ys.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(ys, i) == (elem(ts, {i[0], i[1]}) == double(i[2]) ? 1.0 : 0.0));
  });
  CHECK(one_hot(longs({2}, {})).to_vector() == std::vector<double>{0, 0, 1});
  CHECK(one_hot(longs({}, {0}), 3).shape() == Shape{0, 3});
}

TEST_CASE("one_hot rejects non-int64 input and classes out of range", "[index][one_hot][errors]") {
  expect_error<TypeError>([] { one_hot(ones({3}, kFloat32)); }, "one_hot: expected an int64 (index) tensor, got float32");
  expect_error<ValueError>([] { one_hot(longs({1, -1}, {2})); }, "one_hot: expected non-negative class values, got -1");
  expect_error<ValueError>([] { one_hot(longs({1, 3}, {2}), 3); },
                           "expected class values smaller than num_classes=3, got 3");
  expect_error<ValueError>([] { one_hot(longs({}, {0})); }, "can not infer the number of classes from an empty tensor");
}
