// batch_norm, layer_norm, group_norm, instance_norm and local_response_norm
// against naive statistics in double (strided inputs included), the in-place
// running-stat updates computed by hand, gradcheck and gradgradcheck for
// input, weight and bias, and the argument errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include "autograd/engine.h"
#include "autograd/generator.h"
#include "autograd/gradcheck.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/norm.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

struct Stats {
  std::vector<double> mean, var;  // biased variance
};

// Per-channel statistics of a contiguous (N, C, S) buffer.
Stats naive_stats(const std::vector<double>& x, int64_t n, int64_t c, int64_t s) {
  Stats st{std::vector<double>(size_t(c)), std::vector<double>(size_t(c))};
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k) sum += x[size_t((i * c + ch) * s + k)];
    double m = sum / double(n * s);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < s; ++k) sq += std::pow(x[size_t((i * c + ch) * s + k)] - m, 2);
    st.mean[size_t(ch)] = m;
    st.var[size_t(ch)] = sq / double(n * s);
  }
  return st;
}

}  // namespace

TEST_CASE("batch_norm in training normalises with batch statistics and updates running stats", "[norm][batch_norm]") {
  Generator gen(20);
  const int64_t n = 3, c = 4, s = 6;
  Tensor x = randn({n, c, 2, 3}, kFloat64, &gen) * 2.0 + 5.0;
  Tensor w = rand({c}, kFloat64, &gen) + 0.5, b = randn({c}, kFloat64, &gen);
  Tensor rm = randn({c}, kFloat64, &gen), rv = rand({c}, kFloat64, &gen) + 1.0;
  std::vector<double> rm0 = rm.to_vector(), rv0 = rv.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  Tensor y = batch_norm(x, rm, rv, BatchNormFuncOptions().weight(w).bias(b).training(true).momentum(0.2).eps(1e-3));
  Stats st = naive_stats(x.to_vector(), n, c, s);
  std::vector<double> xv = x.to_vector(), yv = y.to_vector();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < s; ++k) {
        size_t at = size_t((i * c + ch) * s + k);
        double want = (xv[at] - st.mean[size_t(ch)]) / std::sqrt(st.var[size_t(ch)] + 1e-3) * wv[size_t(ch)] + bv[size_t(ch)];
        CHECK(yv[at] == Approx(want).epsilon(1e-12));
      }
  std::vector<double> rm1 = rm.to_vector(), rv1 = rv.to_vector();
  const double m = double(n * s);
  for (size_t ch = 0; ch < size_t(c); ++ch) {
    CHECK(rm1[ch] == Approx(0.8 * rm0[ch] + 0.2 * st.mean[ch]).epsilon(1e-12));
    CHECK(rv1[ch] == Approx(0.8 * rv0[ch] + 0.2 * st.var[ch] * m / (m - 1)).epsilon(1e-12));
  }
  CHECK(rm._version() == 1);
}

TEST_CASE("batch_norm in eval uses the running statistics and float32 agrees", "[norm][batch_norm]") {
  Generator gen(21);
  Tensor x = randn({5, 3}, kFloat64, &gen);
  Tensor rm = tensor({0.5, -1.0, 2.0}, kFloat64), rv = tensor({1.5, 0.25, 4.0}, kFloat64);
  Tensor w = tensor({2.0, 0.5, -1.0}, kFloat64), b = tensor({0.1, 0.2, 0.3}, kFloat64);
  std::vector<double> xv = x.to_vector(),
                      y = batch_norm(x, rm, rv, BatchNormFuncOptions().weight(w).bias(b)).to_vector();
  std::vector<double> y32 = batch_norm(x.to_float(), rm.to_float(), rv.to_float(),
                                       BatchNormFuncOptions().weight(w.to_float()).bias(b.to_float()))
                                .to_vector();
  std::vector<double> rmv = rm.to_vector(), rvv = rv.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  for (size_t i = 0; i < xv.size(); ++i) {
    size_t ch = i % 3;
    double want = (xv[i] - rmv[ch]) / std::sqrt(rvv[ch] + 1e-5) * wv[ch] + bv[ch];
    CHECK(y[i] == Approx(want).epsilon(1e-12));
    CHECK(y32[i] == Approx(want).epsilon(1e-5).margin(1e-6));
  }
  CHECK(rm.to_vector() == rmv);  // eval leaves running stats alone
}

TEST_CASE("batch_norm gradients pass gradcheck and gradgradcheck", "[norm][batch_norm][gradcheck]") {
  Generator gen(22);
  for (bool training : {true, false}) {
    for (Shape shape : {Shape{4, 3}, Shape{2, 3, 2, 2}}) {
      INFO("training " << training << ", dims " << shape.size());
      Tensor x = randn(shape, kFloat64, &gen).requires_grad_();
      Tensor w = (rand({3}, kFloat64, &gen) + 0.5).requires_grad_();
      Tensor b = randn({3}, kFloat64, &gen).requires_grad_();
      Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
      auto fn = [&](const tensor_list& in) {
        return tensor_list{
            batch_norm(in[0], rm, rv,
                       BatchNormFuncOptions().weight(in[1]).bias(in[2]).training(training).momentum(0.1).eps(1e-5))};
      };
      CHECK(autograd::gradcheck(fn, {x, w, b}));
      CHECK(autograd::gradgradcheck(fn, {x, w, b}));
      auto plain = [&](const tensor_list& in) {
        return tensor_list{batch_norm(in[0], rm, rv, BatchNormFuncOptions().training(training))};
      };
      CHECK(autograd::gradcheck(plain, {x}));
      CHECK(autograd::gradgradcheck(plain, {x}));
    }
  }
}

TEST_CASE("batch_norm rejects bad arguments before computing", "[norm][batch_norm][errors]") {
  Tensor x = ones({2, 3, 4}, kFloat64), c3 = ones({3}, kFloat64);
  CHECK_THROWS_WITH(batch_norm(x, c3, c3, BatchNormFuncOptions().weight(ones({4}, kFloat64))),
                    Contains("batch_norm: expected weight of shape [3]") && Contains("got [4]"));
  CHECK_THROWS_WITH(batch_norm(ones({1, 3}, kFloat64), c3, c3, BatchNormFuncOptions().training(true)),
                    Contains("more than 1 value per channel"));
  CHECK_THROWS_WITH(batch_norm(x, {}, {}), Contains("running_mean and running_var in evaluation mode"));
  CHECK_THROWS_WITH(batch_norm(ones({3}, kFloat64), c3, c3), Contains("expected input of shape (N, C, ...)"));
  CHECK_NOTHROW(batch_norm(x, {}, {}, BatchNormFuncOptions().training(true)));
}

// ---- layer_norm, group_norm, instance_norm, local_response_norm ----

namespace {

// Normalises each run of `len` consecutive values of a row-major buffer with
// its own mean and biased variance, in two passes.
std::vector<double> naive_normalize(const std::vector<double>& x, int64_t len, double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / size_t(len); ++r) {
    double m = 0, v = 0;
    for (int64_t k = 0; k < len; ++k) m += x[r * size_t(len) + size_t(k)];
    m /= double(len);
    for (int64_t k = 0; k < len; ++k) v += std::pow(x[r * size_t(len) + size_t(k)] - m, 2);
    v /= double(len);
    for (int64_t k = 0; k < len; ++k)
      y[r * size_t(len) + size_t(k)] = (x[r * size_t(len) + size_t(k)] - m) / std::sqrt(v + eps);
  }
  return y;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double rel, double abs = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(rel).margin(abs));
  }
}

// Gradients of a scalar-weighted output with create_graph off and on: the
// fused kernel and the ember-op formula must agree.
void check_fused_matches_graph(const std::function<Tensor(const tensor_list&)>& f, const tensor_list& inputs) {
  Tensor y = f(inputs);
  Tensor w = randn(y.shape(), kFloat64);
  tensor_list plain = autograd::grad({f(inputs)}, inputs, {w});
  tensor_list graph = autograd::grad({f(inputs)}, inputs, {w}, true, true);
  for (size_t i = 0; i < inputs.size(); ++i) check_close(plain[i].to_vector(), graph[i].to_vector(), 1e-10, 1e-12);
}

}  // namespace

TEST_CASE("layer_norm normalises over the trailing dims against a naive reference", "[norm][layer_norm]") {
  Generator gen(30);
  Tensor x = randn({3, 4, 5}, kFloat64, &gen) * 3.0 + 7.0;
  Tensor w = randn({4, 5}, kFloat64, &gen), b = randn({4, 5}, kFloat64, &gen);
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  std::vector<double> want = naive_normalize(xv, 20, 1e-5);
  for (size_t i = 0; i < want.size(); ++i) want[i] = want[i] * wv[i % 20] + bv[i % 20];
  check_close(layer_norm(x, LayerNormFuncOptions({4, 5}).weight(w).bias(b)).to_vector(), want, 1e-12);
  check_close(
      layer_norm(x.to_float(), LayerNormFuncOptions({4, 5}).weight(w.to_float()).bias(b.to_float())).to_vector(), want,
      1e-5, 1e-5);
  // One trailing dim, no affine parameters, a non-contiguous input.
  Tensor xt = x.transpose(0, 2);  // (5, 4, 3)
  std::vector<double> xtv = xt.contiguous().to_vector();
  check_close(layer_norm(xt, LayerNormFuncOptions({3}).eps(1e-3)).to_vector(), naive_normalize(xtv, 3, 1e-3), 1e-12);
  // The whole tensor as one row.
  check_close(layer_norm(x, LayerNormFuncOptions({3, 4, 5})).to_vector(), naive_normalize(xv, 60, 1e-5), 1e-12);
}

TEST_CASE("layer_norm gradients pass gradcheck and gradgradcheck; fused backward agrees", "[norm][layer_norm][gradcheck]") {
  Generator gen(31);
  for (Shape shape : {Shape{3, 2, 3}, Shape{2, 3}}) {
    INFO("input " << shape_str(shape));
    Shape ns{shape.back()};
    if (shape.size() == 2) ns = shape;  // no leading dims at all
    Tensor x = randn(shape, kFloat64, &gen).requires_grad_();
    Tensor w = randn(ns, kFloat64, &gen).requires_grad_(), b = randn(ns, kFloat64, &gen).requires_grad_();
    auto fn = [&](const tensor_list& in) {
      return tensor_list{layer_norm(in[0], LayerNormFuncOptions(ns).weight(in[1]).bias(in[2]))};
    };
    CHECK(autograd::gradcheck(fn, {x, w, b}));
    CHECK(autograd::gradgradcheck(fn, {x, w, b}));
    auto plain = [&](const tensor_list& in) { return tensor_list{layer_norm(in[0], ns)}; };
    CHECK(autograd::gradcheck(plain, {x}));
    CHECK(autograd::gradgradcheck(plain, {x}));
    check_fused_matches_graph(
        [&](const tensor_list& in) { return layer_norm(in[0], LayerNormFuncOptions(ns).weight(in[1]).bias(in[2])); },
        {x, w, b});
  }
  // Non-contiguous input; a large enough case for the threaded fused kernel.
  Tensor xt = randn({4, 3}, kFloat64, &gen).transpose(0, 1).requires_grad_();
  auto fn_t = [](const tensor_list& in) { return tensor_list{layer_norm(in[0], LayerNormFuncOptions({4}))}; };
  CHECK(autograd::gradcheck(fn_t, {xt}));
  CHECK(autograd::gradgradcheck(fn_t, {xt}));
  Tensor big = randn({300, 130}, kFloat64, &gen).requires_grad_();
  Tensor bw = randn({130}, kFloat64, &gen).requires_grad_(), bb = randn({130}, kFloat64, &gen).requires_grad_();
  check_fused_matches_graph(
      [](const tensor_list& in) { return layer_norm(in[0], LayerNormFuncOptions({130}).weight(in[1]).bias(in[2])); },
      {big, bw, bb});
}

TEST_CASE("layer_norm rejects shapes that do not end in normalized_shape", "[norm][layer_norm][errors]") {
  Tensor x = ones({2, 3}, kFloat64);
  CHECK_THROWS_WITH(layer_norm(x, LayerNormFuncOptions({4})), Contains("layer_norm: given normalized_shape=[4]") &&
                                                                  Contains("expected input with shape [*, 4]") &&
                                                                  Contains("got input of shape [2, 3]"));
  CHECK_THROWS_WITH(layer_norm(x, LayerNormFuncOptions({2, 3, 1})), Contains("layer_norm"));
  CHECK_THROWS_WITH(layer_norm(x, LayerNormFuncOptions({})), Contains("at least one element"));
  CHECK_THROWS_WITH(layer_norm(x, LayerNormFuncOptions({3}).weight(ones({2}, kFloat64))),
                    Contains("expected weight of shape normalized_shape=[3], got [2]"));
  CHECK_THROWS_WITH(layer_norm(x, LayerNormFuncOptions({3}).bias(ones({3, 1}, kFloat64))),
                    Contains("expected bias of shape"));
  CHECK_THROWS_AS(layer_norm(ones({2, 3}, kInt64), LayerNormFuncOptions({3})), TypeError);
}

TEST_CASE("group_norm normalises each sample's channel groups against a naive reference", "[norm][group_norm]") {
  Generator gen(32);
  const int64_t n = 2, c = 6, s = 4, G = 3;
  Tensor x = randn({n, c, 2, 2}, kFloat64, &gen) * 2.0 - 3.0;
  Tensor w = randn({c}, kFloat64, &gen), b = randn({c}, kFloat64, &gen);
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  // (N, G, C/G * S) rows are consecutive in the row-major buffer.
  std::vector<double> want = naive_normalize(xv, c / G * s, 1e-5);
  for (size_t i = 0; i < want.size(); ++i) want[i] = want[i] * wv[(i / s) % c] + bv[(i / s) % c];
  check_close(group_norm(x, GroupNormFuncOptions(G).weight(w).bias(b)).to_vector(), want, 1e-12);
  check_close(group_norm(x.to_float(), GroupNormFuncOptions(G).weight(w.to_float()).bias(b.to_float())).to_vector(),
              want, 1e-5, 1e-5);
  // One group is layer norm over (C, *); C groups is instance norm.
  check_close(group_norm(x, 1).to_vector(), naive_normalize(xv, c * s, 1e-5), 1e-12);
  check_close(group_norm(x, c).to_vector(), naive_normalize(xv, s, 1e-5), 1e-12);
  // Non-contiguous (N, C, L) input.
  Tensor xt = randn({5, 4, 2}, kFloat64, &gen).transpose(0, 2);  // (2, 4, 5)
  check_close(group_norm(xt, 2).to_vector(), naive_normalize(xt.contiguous().to_vector(), 10, 1e-5), 1e-12);
}

TEST_CASE("group_norm gradients pass gradcheck and gradgradcheck", "[norm][group_norm][gradcheck]") {
  Generator gen(33);
  for (Shape shape : {Shape{2, 4, 3}, Shape{3, 4}}) {
    INFO("input " << shape_str(shape));
    Tensor x = randn(shape, kFloat64, &gen).requires_grad_();
    Tensor w = randn({4}, kFloat64, &gen).requires_grad_(), b = randn({4}, kFloat64, &gen).requires_grad_();
    auto fn = [](const tensor_list& in) {
      return tensor_list{group_norm(in[0], GroupNormFuncOptions(2).weight(in[1]).bias(in[2]))};
    };
    CHECK(autograd::gradcheck(fn, {x, w, b}));
    CHECK(autograd::gradgradcheck(fn, {x, w, b}));
  }
  Tensor xt = randn({3, 4, 2}, kFloat64, &gen).transpose(0, 2).requires_grad_();  // (2, 4, 3), strided
  auto plain = [](const tensor_list& in) { return tensor_list{group_norm(in[0], 4)}; };
  CHECK(autograd::gradcheck(plain, {xt}));
  CHECK(autograd::gradgradcheck(plain, {xt}));
}

TEST_CASE("group_norm rejects bad groups and parameter shapes", "[norm][group_norm][errors]") {
  Tensor x = ones({2, 6, 3}, kFloat64);
  CHECK_THROWS_WITH(group_norm(x, 4), Contains("group_norm: expected the number of channels to be divisible by num_groups") &&
                                          Contains("[2, 6, 3]") && Contains("num_groups=4"));
  CHECK_THROWS_WITH(group_norm(x, 0), Contains("expected num_groups > 0, got num_groups=0"));
  CHECK_THROWS_WITH(group_norm(x, GroupNormFuncOptions(3).weight(ones({3}, kFloat64))),
                    Contains("group_norm: expected weight of shape [6]"));
  CHECK_THROWS_WITH(group_norm(ones({6}, kFloat64), 3), Contains("expected input of shape (N, C, ...)"));
}

TEST_CASE("instance_norm normalises per sample and channel and updates running stats by their batch mean",
          "[norm][instance_norm]") {
  Generator gen(34);
  const int64_t n = 3, c = 2, s = 5;
  Tensor x = randn({n, c, s}, kFloat64, &gen) * 2.0 + 1.0;
  Tensor w = randn({c}, kFloat64, &gen), b = randn({c}, kFloat64, &gen);
  Tensor rm = randn({c}, kFloat64, &gen), rv = rand({c}, kFloat64, &gen) + 0.5;
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector(), rm0 = rm.to_vector(),
                      rv0 = rv.to_vector();
  Tensor y = instance_norm(x, InstanceNormFuncOptions()
                                  .running_mean(rm)
                                  .running_var(rv)
                                  .weight(w)
                                  .bias(b)
                                  .use_input_stats(true)
                                  .momentum(0.3)
                                  .eps(1e-4));
  std::vector<double> want = naive_normalize(xv, s, 1e-4);
  for (size_t i = 0; i < want.size(); ++i) want[i] = want[i] * wv[(i / s) % c] + bv[(i / s) % c];
  check_close(y.to_vector(), want, 1e-12);
  // running = (1 - m) running + m * mean over the batch of each instance's mean / unbiased variance.
  std::vector<double> rm1 = rm.to_vector(), rv1 = rv.to_vector();
  for (int64_t ch = 0; ch < c; ++ch) {
    double mm = 0, vv = 0;
    for (int64_t i = 0; i < n; ++i) {
      double m = 0, v = 0;
      for (int64_t k = 0; k < s; ++k) m += xv[size_t((i * c + ch) * s + k)];
      m /= s;
      for (int64_t k = 0; k < s; ++k) v += std::pow(xv[size_t((i * c + ch) * s + k)] - m, 2);
      mm += m / n;
      vv += v / (s - 1) / n;
    }
    CHECK(rm1[size_t(ch)] == Approx(0.7 * rm0[size_t(ch)] + 0.3 * mm).epsilon(1e-12));
    CHECK(rv1[size_t(ch)] == Approx(0.7 * rv0[size_t(ch)] + 0.3 * vv).epsilon(1e-12));
  }
  // Running statistics normalise when use_input_stats is false, and stay as they are.
  std::vector<double> ye =
      instance_norm(x,
                    InstanceNormFuncOptions().running_mean(rm).running_var(rv).weight(w).bias(b).use_input_stats(false))
          .to_vector();
  for (size_t i = 0; i < ye.size(); ++i) {
    size_t ch = (i / s) % c;
    CHECK(ye[i] == Approx((xv[i] - rm1[ch]) / std::sqrt(rv1[ch] + 1e-5) * wv[ch] + bv[ch]).epsilon(1e-12));
  }
  CHECK(rm.to_vector() == rm1);
  // Non-contiguous input, no running stats.
  Tensor xt = randn({4, 2, 3}, kFloat64, &gen).transpose(0, 2);  // (3, 2, 4)
  check_close(instance_norm(xt).to_vector(), naive_normalize(xt.contiguous().to_vector(), 4, 1e-5), 1e-12);
}

TEST_CASE("instance_norm gradients pass gradcheck and gradgradcheck", "[norm][instance_norm][gradcheck]") {
  Generator gen(35);
  Tensor x = randn({2, 3, 4}, kFloat64, &gen).requires_grad_();
  Tensor w = randn({3}, kFloat64, &gen).requires_grad_(), b = randn({3}, kFloat64, &gen).requires_grad_();
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  for (bool use_input_stats : {true, false}) {
    INFO("use_input_stats " << use_input_stats);
    auto fn = [&](const tensor_list& in) {
      return tensor_list{instance_norm(
          in[0], InstanceNormFuncOptions().running_mean(rm).running_var(rv).weight(in[1]).bias(in[2]).use_input_stats(
                     use_input_stats))};
    };
    CHECK(autograd::gradcheck(fn, {x, w, b}));
    CHECK(autograd::gradgradcheck(fn, {x, w, b}));
  }
}

TEST_CASE("instance_norm rejects missing statistics and single spatial elements", "[norm][instance_norm][errors]") {
  Tensor x = ones({2, 3, 4}, kFloat64), c3 = ones({3}, kFloat64);
  CHECK_THROWS_WITH(instance_norm(ones({2, 3, 1}, kFloat64)),
                    Contains("instance_norm: expected more than 1 spatial element when training") && Contains("[2, 3, 1]"));
  CHECK_THROWS_WITH(instance_norm(x, InstanceNormFuncOptions().use_input_stats(false)),
                    Contains("use_input_stats is false"));
  CHECK_THROWS_WITH(instance_norm(x, InstanceNormFuncOptions().running_mean(c3)),
                    Contains("both given or both absent"));
  CHECK_THROWS_WITH(instance_norm(x, InstanceNormFuncOptions().weight(ones({2}, kFloat64))),
                    Contains("instance_norm: expected weight of shape [3]"));
}

namespace {

// torch's definition: squares zero-padded by size/2 channels before and
// (size-1)/2 after, averaged over windows of `size` channels.
std::vector<double> naive_lrn(const Tensor& x, int64_t size, double alpha, double beta, double k) {
  const int64_t n = x.size(0), c = x.size(1), s = x.numel() / (n * c);
  std::vector<double> xv = x.contiguous().to_vector(), y(xv.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t j = 0; j < s; ++j) {
        double acc = 0;
        for (int64_t w = 0; w < size; ++w) {
          int64_t padded = ch + w;  // position in the padded channel axis
          int64_t q = padded - size / 2;
          if (q >= 0 && q < c) acc += std::pow(xv[size_t((i * c + q) * s + j)], 2);
        }
        size_t at = size_t((i * c + ch) * s + j);
        y[at] = xv[at] / std::pow(k + alpha * acc / double(size), beta);
      }
  return y;
}

}  // namespace

TEST_CASE("local_response_norm matches torch's padded window average", "[norm][lrn]") {
  Generator gen(36);
  Tensor x3 = randn({2, 5, 3}, kFloat64, &gen) * 2.0, x4 = randn({2, 4, 2, 3}, kFloat64, &gen);
  for (int64_t size : {1, 2, 3, 4, 7}) {
    INFO("size " << size);
    check_close(local_response_norm(x3, LocalResponseNormFuncOptions(size).alpha(0.5).beta(0.75).k(1.5)).to_vector(),
                naive_lrn(x3, size, 0.5, 0.75, 1.5), 1e-12);
    check_close(local_response_norm(x4, size).to_vector(), naive_lrn(x4, size, 1e-4, 0.75, 1.0), 1e-12);
  }
  check_close(
      local_response_norm(x4.to_float(), LocalResponseNormFuncOptions(3).alpha(0.3).beta(0.6).k(2.0)).to_vector(),
      naive_lrn(x4, 3, 0.3, 0.6, 2.0), 1e-5, 1e-6);
  Tensor xt = x3.transpose(1, 2);  // (2, 3, 5), strided
  check_close(local_response_norm(xt, LocalResponseNormFuncOptions(2).alpha(1.0).beta(0.5).k(1.0)).to_vector(),
              naive_lrn(xt, 2, 1.0, 0.5, 1.0), 1e-12);
  CHECK(local_response_norm(zeros({0, 3, 2}, kFloat64), 2).shape() == Shape{0, 3, 2});
}

TEST_CASE("local_response_norm gradients pass gradcheck and gradgradcheck", "[norm][lrn][gradcheck]") {
  Generator gen(37);
  Tensor x = randn({2, 4, 3}, kFloat64, &gen).requires_grad_();
  Tensor xt = randn({2, 3, 2, 2}, kFloat64, &gen).transpose(1, 3).requires_grad_();  // (2, 2, 2, 3), strided
  for (int64_t size : {2, 3}) {
    INFO("size " << size);
    auto fn = [size](const tensor_list& in) {
      return tensor_list{local_response_norm(in[0], LocalResponseNormFuncOptions(size).alpha(0.4).beta(0.75).k(1.0))};
    };
    CHECK(autograd::gradcheck(fn, {x}));
    CHECK(autograd::gradgradcheck(fn, {x}));
    CHECK(autograd::gradcheck(fn, {xt}));
    CHECK(autograd::gradgradcheck(fn, {xt}));
  }
}

TEST_CASE("local_response_norm rejects low-rank inputs and a non-positive size", "[norm][lrn][errors]") {
  CHECK_THROWS_WITH(local_response_norm(ones({2, 3}, kFloat64), 2),
                    Contains("local_response_norm: expected 3D or higher dimensionality input, got 2 dimensions"));
  CHECK_THROWS_WITH(local_response_norm(ones({2, 3, 2}, kFloat64), 0), Contains("expected size > 0, got size=0"));
  CHECK_THROWS_AS(local_response_norm(ones({2, 3, 2}, kInt64), 2), TypeError);
}
