// Issue 13's C++ API items and tensor methods against naive loops and
// hand-computed values: x[i], randn(3), x.sum(0), x.norm(), Reduction::Sum,
// linspace, sort/topk, unique, searchsorted, einsum, cumsum and the random fills.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/generator.h"
#include "ops/cumulative.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/norm_vector.h"
#include "ops/reduce.h"
#include "ops/sort.h"

#include "test_helpers.h"

using namespace ember;
using namespace ember::test;

TEST_CASE("x[i] selects along dim 0 as libtorch's operator[]", "[methods_more]") {
  Tensor x = seq({3, 4});
  Tensor row = x[1];
  REQUIRE(row.shape() == Shape{4});
  for (int64_t j = 0; j < 4; ++j) CHECK(row[j].item<double>() == elem(x, {1, j}));
  CHECK(x[-1][0].item<double>() == elem(x, {2, 0}));
}

TEST_CASE("factories take a plain int as a 1-d size; a braced {} stays 0-d", "[methods_more]") {
  CHECK(randn(3).shape() == Shape{3});
  CHECK(rand(5, kFloat64).shape() == Shape{5});
  CHECK(zeros(4).shape() == Shape{4});
  CHECK(ones(2, kInt64).dtype() == kInt64);
  CHECK(empty(6).numel() == 6);
  CHECK(zeros({}).dim() == 0);
  CHECK(zeros({3}).shape() == Shape{3});
  CHECK(randn({2, 3}).shape() == Shape{2, 3});
}

TEST_CASE("x.sum(0) and x.mean(1, true) take one dim as an int", "[methods_more]") {
  Tensor x = seq({3, 4});
  Tensor s = x.sum(0), m = x.mean(1, true);
  REQUIRE(s.shape() == Shape{4});
  REQUIRE(m.shape() == Shape{3, 1});
  for (int64_t j = 0; j < 4; ++j) {
    double want = 0;
    for (int64_t i = 0; i < 3; ++i) want += elem(x, {i, j});
    CHECK(s[j].item<double>() == Approx(want).epsilon(1e-14));
  }
  CHECK(x.sum({}).dim() == 0);  // every dim, as before
}

TEST_CASE("x.norm() is the 2-norm of all elements, norm(p, dims) a p-norm", "[methods_more]") {
  Tensor x = seq({3, 4});
  double sq = 0, p3 = 0;
  for (double v : values(x)) sq += v * v;
  for (int64_t j = 0; j < 4; ++j) p3 += std::pow(std::abs(elem(x, {1, j})), 3);
  CHECK(x.norm().item<double>() == Approx(std::sqrt(sq)).epsilon(1e-14));
  CHECK(x.norm(3, {1})[1].item<double>() == Approx(std::cbrt(p3)).epsilon(1e-14));
  CHECK(x.norm("fro").item<double>() == Approx(std::sqrt(sq)).epsilon(1e-14));
  expect_error<TypeError>([] { zeros({2}, kInt64).norm(); }, "floating point");
}

TEST_CASE("Reduction::Sum is libtorch's spelling of kSum", "[methods_more]") {
  Tensor a = seq({2, 3}), b = zeros({2, 3}, kFloat64);
  double want = 0;
  for (double v : values(a)) want += v * v;
  CHECK(mse_loss(a, b, LossFuncOptions().reduction(Reduction::Sum)).item<double>() == Approx(want).epsilon(1e-14));
  CHECK(Reduction::Mean == kMean);
  CHECK(Reduction::None == kNone);
}

TEST_CASE("linspace and logspace hit both ends and space evenly", "[methods_more]") {
  Tensor l = linspace(-1.0, 2.0, 7, kFloat64);
  for (int64_t i = 0; i < 7; ++i) CHECK(l[i].item<double>() == Approx(-1.0 + 0.5 * double(i)).margin(1e-15));
  CHECK(l[6].item<double>() == 2.0);
  Tensor g = logspace(0.0, 3.0, 4, 2.0, kFloat64);
  for (int64_t i = 0; i < 4; ++i) CHECK(g[i].item<double>() == Approx(std::pow(2.0, double(i))).epsilon(1e-15));
  CHECK(linspace(3.0, 5.0, 1).item<double>() == 3.0);
  expect_error<ValueError>([] { linspace(0, 1, -1); }, "linspace");
}

TEST_CASE("sort and topk agree with std::sort on each row", "[methods_more]") {
  Tensor x = weights({3, 5}, 11).to(kFloat64);
  auto [v, idx] = x.sort(1, true);
  auto [tv, ti] = x.topk(2, 1);
  for (int64_t i = 0; i < 3; ++i) {
    std::vector<double> row;
    for (int64_t j = 0; j < 5; ++j) row.push_back(elem(x, {i, j}));
    std::sort(row.begin(), row.end(), std::greater<double>());
    for (int64_t j = 0; j < 5; ++j) {
      CHECK(elem(v, {i, j}) == row[size_t(j)]);
      CHECK(elem(x, {i, int64_t(elem(idx, {i, j}))}) == row[size_t(j)]);
    }
    CHECK(elem(tv, {i, 0}) == row[0]);
    CHECK(elem(tv, {i, 1}) == row[1]);
  }
  expect_error<IndexError>([&] { x.topk(6, 1); }, "topk");
}

TEST_CASE("unique, searchsorted and bucketize against hand-worked values", "[methods_more]") {
  auto [u, inverse, counts] = unique(tensor({3, 1, 3, 2, 1, 3}, {2, 3}, kInt64));
  CHECK(values(u) == std::vector<double>{1, 2, 3});
  CHECK(values(inverse) == std::vector<double>{2, 0, 2, 1, 0, 2});
  CHECK(inverse.shape() == Shape{2, 3});
  CHECK(values(counts) == std::vector<double>{2, 1, 3});
  Tensor seq1 = tensor({1, 3, 5, 7}, kFloat64), v = tensor({0, 3, 6, 9}, kFloat64);
  CHECK(values(searchsorted(seq1, v)) == std::vector<double>{0, 1, 3, 4});
  CHECK(values(searchsorted(seq1, v, true)) == std::vector<double>{0, 2, 3, 4});
  CHECK(values(bucketize(v, seq1)) == std::vector<double>{0, 1, 3, 4});
  // one sorted row per row of the values
  Tensor rows = tensor({1, 2, 3, 10, 20, 30}, {2, 3}, kFloat64), q = tensor({2.5, 25}, {2, 1}, kFloat64);
  CHECK(values(searchsorted(rows, q)) == std::vector<double>{2, 2});
}

TEST_CASE("einsum matches naive loops for a contraction with a batch dim", "[methods_more]") {
  Tensor a = weights({2, 3, 4}, 1).to(kFloat64), b = weights({2, 4, 5}, 2).to(kFloat64);
  Tensor y = einsum("bij,bjk->bik", {a, b});
  REQUIRE(y.shape() == Shape{2, 3, 5});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t k = 0; k < 5; ++k) {
        double want = 0;
        for (int64_t j = 0; j < 4; ++j) want += elem(a, {n, i, j}) * elem(b, {n, j, k});
        CHECK(elem(y, {n, i, k}) == Approx(want).epsilon(1e-13));
      }
  Tensor tr = einsum("ij->", {seq({3, 3})});
  CHECK(tr.item<double>() == Approx(sum(seq({3, 3})).item<double>()).epsilon(1e-14));
  expect_error<ValueError>([] { einsum("ii->i", {zeros({2, 2})}); }, "repeated");
}

TEST_CASE("cumsum and cumprod match running loops; integers give int64", "[methods_more]") {
  Tensor x = seq({2, 4});
  Tensor s = cumsum(x, 1), p = cumprod(x, 1);
  for (int64_t i = 0; i < 2; ++i) {
    double rs = 0, rp = 1;
    for (int64_t j = 0; j < 4; ++j) {
      rs += elem(x, {i, j});
      rp *= elem(x, {i, j});
      CHECK(elem(s, {i, j}) == Approx(rs).epsilon(1e-14));
      CHECK(elem(p, {i, j}) == Approx(rp).epsilon(1e-14));
    }
  }
  CHECK(cumsum(tensor({1, 0, 1}, kBool), 0).dtype() == kInt64);
  CHECK(values(cumsum(tensor({1, 0, 1}, kBool), 0)) == std::vector<double>{1, 1, 2});
}

TEST_CASE("uniform_ and normal_ fill in place from a generator", "[methods_more]") {
  Generator g(42);
  Tensor u = empty({10000}, kFloat64);
  Tensor& same = u.uniform_(-1.0, 3.0, &g);
  CHECK(&same == &u);
  std::vector<double> v = values(u);
  double mean = 0;
  for (double e : v) {
    CHECK((e >= -1.0 && e < 3.0));
    mean += e / double(v.size());
  }
  CHECK(std::abs(mean - 1.0) < 5 * std::sqrt(16.0 / 12 / double(v.size())));
  Tensor n = empty({10000}, kFloat64).normal_(2.0, 0.5, &g);
  double nm = 0;
  for (double e : values(n)) nm += e / 10000.0;
  CHECK(std::abs(nm - 2.0) < 5 * 0.5 / 100);
  expect_error<TypeError>([] { Tensor i = zeros({2}, kInt64); i.uniform_(); }, "uniform_");
}
