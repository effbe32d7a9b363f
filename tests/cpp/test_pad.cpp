// pad against naive references: constant padding (negative amounts crop, any
// number of dims, int64 values, strided inputs), reflect and replicate built
// from explicitly extended index lists, a hand-worked example, and the
// argument errors. The op table (op_table.cpp) checks every mode's gradients.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "autograd/generator.h"
#include "ops/factory.h"
#include "ops/pad.h"
#include "ops/shape.h"

#include "test_helpers.h"

using namespace ember;
using namespace ember::test;

namespace {

// Input position read by each output position of one dim, or -1 for the
// constant fill: the extended list is built left part, body, right part, then
// cropped where padding is negative.
std::vector<int64_t> positions(int64_t size, int64_t before, int64_t after, PadMode mode) {
  std::vector<int64_t> ext;
  for (int64_t j = std::max<int64_t>(before, 0); j >= 1; --j)
    ext.push_back(mode == PadMode::Constant ? -1 : mode == PadMode::Reflect ? j : 0);
  for (int64_t i = 0; i < size; ++i) ext.push_back(i);
  for (int64_t j = 1; j <= std::max<int64_t>(after, 0); ++j)
    ext.push_back(mode == PadMode::Constant ? -1 : mode == PadMode::Reflect ? size - 1 - j : size - 1);
  ext.erase(ext.begin(), ext.begin() + std::max<int64_t>(-before, 0));
  ext.erase(ext.end() - std::max<int64_t>(-after, 0), ext.end());
  return ext;
}

std::vector<double> naive_pad(const Tensor& x, const std::vector<int64_t>& pad, PadMode mode, double value,
                              Shape& out_shape) {
  const int64_t nd = x.dim();
  std::vector<std::vector<int64_t>> maps(static_cast<size_t>(nd));
  out_shape = x.shape();
  for (int64_t d = 0; d < nd; ++d) {
    int64_t i = nd - 1 - d;  // pair index of dim d
    int64_t before = 2 * i < int64_t(pad.size()) ? pad[size_t(2 * i)] : 0;
    int64_t after = 2 * i < int64_t(pad.size()) ? pad[size_t(2 * i + 1)] : 0;
    maps[size_t(d)] = positions(x.size(d), before, after, mode);
    out_shape[size_t(d)] = int64_t(maps[size_t(d)].size());
  }
  std::vector<double> out;
  for_each_index(out_shape, [&](const std::vector<int64_t>& o) {
    std::vector<int64_t> src(o.size());
    bool fill = false;
    for (size_t d = 0; d < o.size(); ++d) {
      src[d] = maps[d][size_t(o[d])];
      fill = fill || src[d] < 0;
    }
    out.push_back(fill ? value : elem(x, src));
  });
  return out;
}

void check_pad(const Tensor& x, const std::vector<int64_t>& p, PadMode mode, double value = 0) {
  INFO("input " << shape_str(x.shape()) << " pad " << shape_str(p) << " mode " << int(mode));
  Shape want_shape;
  std::vector<double> want = naive_pad(x, p, mode, value, want_shape);
  Tensor y = mode == PadMode::Constant ? pad(x, PadFuncOptions(p).mode(mode).value(value))
                                       : pad(x, PadFuncOptions(p).mode(mode));
  CHECK(y.shape() == want_shape);
  CHECK(y.dtype() == x.dtype());
  CHECK(values(y) == want);
}

}  // namespace

TEST_CASE("pad in constant mode fills and crops against a naive reference", "[pad]") {
  Tensor x = seq({2, 3, 4});
  check_pad(x, {1, 2}, PadMode::Constant);
  check_pad(x, {1, 2, 0, 3}, PadMode::Constant, -1.5);
  check_pad(x, {-1, 2, 2, -2, 1, 1}, PadMode::Constant, 2.0);  // all three dims, cropping two
  check_pad(x, {-2, -2}, PadMode::Constant);                   // output dim of size 0
  check_pad(x, {-4, 3}, PadMode::Constant, 7.0);               // nothing of the input survives
  check_pad(x, {}, PadMode::Constant);
  check_pad(strided({3, 4}), {2, 1, -1, 1}, PadMode::Constant, 0.25);
  check_pad(seq({2, 3}, kInt64), {1, 1, 1, 0}, PadMode::Constant, 9);
}

TEST_CASE("pad in reflect and replicate modes matches the extended index lists", "[pad]") {
  for (PadMode mode : {PadMode::Reflect, PadMode::Replicate}) {
    check_pad(seq({2, 5}), {2, 3}, mode);            // unbatched 1-d
    check_pad(seq({2, 3, 5}), {4, 1}, mode);          // batched 1-d
    check_pad(seq({2, 3, 4}), {1, 2, 2, 0}, mode);    // unbatched 2-d
    check_pad(seq({1, 2, 3, 4}), {3, -1, -1, 2}, mode);  // batched 2-d, negative amounts crop
    check_pad(seq({1, 2, 3, 3, 4}), {1, 1, 2, 0, 0, 2}, mode);  // batched 3-d
    check_pad(strided({2, 3, 4}), {2, 1, 1, 2}, mode);
    check_pad(seq({2, 4}, kInt64), {1, 2}, mode);
  }
  check_pad(seq({1, 2, 3, 5}), {1, 6, 4, 0}, PadMode::Replicate);  // replicate has no size limit
  // Hand-worked: [0, 1, 2, 3] reflected by (2, 1) and replicated by (2, 1).
  Tensor r = arange(4, kFloat64).reshape({1, 4});
  CHECK(pad(r, PadFuncOptions({2, 1}).mode(PadMode::Reflect)).to_vector() == std::vector<double>{2, 1, 0, 1, 2, 3, 2});
  CHECK(pad(r, PadFuncOptions({2, 1}).mode(PadMode::Replicate)).to_vector() ==
        std::vector<double>{0, 0, 0, 1, 2, 3, 3});
  CHECK(pad(r, PadFuncOptions({2, 1}).mode(PadMode::Constant).value(5.0)).to_vector() ==
        std::vector<double>{5, 5, 0, 1, 2, 3, 5});
}

TEST_CASE("pad rejects bad padding lengths, sizes and mode arguments", "[pad][errors]") {
  Tensor x = ones({1, 2, 3, 3}, kFloat64);
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({1, 2, 3}));
      },
      "pad: expected a padding length divisible by 2, got 3");
  expect_error<ValueError>(
      [&] {
        pad(ones({2}, kFloat64), PadFuncOptions({1, 1, 1, 1}));
      },
      "padding length <= 2 * the input dims, got padding length 4 and input of shape [2]");
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({-2, -2}));
      },
      "pad: the input size 3 plus padding -2 and -2 gives a negative");
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({3, 0, 0, 0}).mode(PadMode::Reflect));
      },
      "reflect padding to be less than the corresponding input dim, got padding (3, 0) at dim 3");
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({0, 0, 0, 4}).mode(PadMode::Reflect));
      },
      "got padding (0, 4) at dim 2");
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({1, 1}).mode(PadMode::Replicate).value(2.0));
      },
      "padding mode \"replicate\" doesn't take a value argument");
  expect_error<ValueError>(
      [&] {
        pad(ones({3}, kFloat64), PadFuncOptions({1, 1}).mode(PadMode::Reflect));
      },
      "reflect padding supports only the last 1, 2 or 3 dims");
  expect_error<ValueError>(
      [&] {
        pad(x, PadFuncOptions({1, 1, 1, 1, 1, 1, 1, 1}).mode(PadMode::Replicate));
      },
      "got input of shape [1, 2, 3, 3]");
  expect_error<ValueError>(
      [&] {
        pad(ones({2, 0, 3}, kFloat64), PadFuncOptions({1, 1}).mode(PadMode::Replicate));
      },
      "non-zero sizes in every dim but the first");
  expect_error<ValueError>([&] { pad(x, PadFuncOptions({-2, -1, 0, 0}).mode(PadMode::Replicate)); }, "input too small");
  CHECK(pad(ones({0, 2, 3}, kFloat64), PadFuncOptions({1, 1}).mode(PadMode::Reflect)).shape() == Shape{0, 2, 5});
}
