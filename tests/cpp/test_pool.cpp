// Pooling against direct loops written from PyTorch's definitions (output
// sizes with ceil_mode, padded windows, divisors, adaptive bounds) on random
// configurations in float32 and float64, including non-contiguous inputs;
// every argument error. The op table (op_table.cpp) checks the gradients.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "autograd/engine.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/pool.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

Tensor random_tensor(std::mt19937& rng, const Shape& shape, Dtype dtype) {
  std::normal_distribution<double> nd;
  std::vector<double> v(size_t(numel_of(shape)));
  for (double& x : v) x = nd(rng);
  return tensor(v, shape, dtype);
}

int64_t pick(std::mt19937& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

// PyTorch's pooling_output_shape, written from its documentation.
int64_t out_size(int64_t in, int64_t k, int64_t p, int64_t s, int64_t d, bool ceil_mode) {
  const double span = double(in + 2 * p - d * (k - 1) - 1) / double(s);
  int64_t out = int64_t(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

struct Window {
  int64_t k, s, p, d;
};

struct Reference {
  Shape shape;
  std::vector<double> values;
  std::vector<double> indices;
};

// Max pooling over (P, H, W) planes: the first strict maximum of each window and its flat index.
Reference naive_max(const Tensor& x, Window wh, Window ww, bool ceil_mode) {
  const int64_t H = x.size(-2), W = x.size(-1), P = x.numel() / (H * W);
  const int64_t oH = out_size(H, wh.k, wh.p, wh.s, wh.d, ceil_mode), oW = out_size(W, ww.k, ww.p, ww.s, ww.d, ceil_mode);
  std::vector<double> v = x.to_vector();
  Reference r;
  r.shape = x.shape();
  r.shape[r.shape.size() - 2] = oH, r.shape.back() = oW;
  for (int64_t pl = 0; pl < P; ++pl)
    for (int64_t i = 0; i < oH; ++i)
      for (int64_t j = 0; j < oW; ++j) {
        // A dilated window may miss the input: PyTorch gives -inf at the index of
        // its first row/column on the grid at or after 0 (past the plane).
        int64_t h0 = i * wh.s - wh.p, w0 = j * ww.s - ww.p;
        while (h0 < 0) h0 += wh.d;
        while (w0 < 0) w0 += ww.d;
        double best = -INFINITY;
        int64_t arg = -1, empty_arg = h0 * W + w0;
        for (int64_t a = 0; a < wh.k; ++a)
          for (int64_t b = 0; b < ww.k; ++b) {
            const int64_t ih = i * wh.s - wh.p + a * wh.d, iw = j * ww.s - ww.p + b * ww.d;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const double val = v[size_t((pl * H + ih) * W + iw)];
            if (arg < 0 || val > best) best = val, arg = ih * W + iw;
          }
        r.values.push_back(best);
        r.indices.push_back(double(arg < 0 ? empty_arg : arg));
      }
  return r;
}

// Average pooling as PyTorch defines the divisor: the window clipped to the
// padded input (count_include_pad), the window clipped to the input, or the override.
Reference naive_avg(const Tensor& x, Window wh, Window ww, bool ceil_mode, bool count_include_pad, int64_t divisor) {
  const int64_t H = x.size(-2), W = x.size(-1), P = x.numel() / (H * W);
  const int64_t oH = out_size(H, wh.k, wh.p, wh.s, 1, ceil_mode), oW = out_size(W, ww.k, ww.p, ww.s, 1, ceil_mode);
  std::vector<double> v = x.to_vector();
  Reference r;
  r.shape = x.shape();
  r.shape[r.shape.size() - 2] = oH, r.shape.back() = oW;
  for (int64_t pl = 0; pl < P; ++pl)
    for (int64_t i = 0; i < oH; ++i)
      for (int64_t j = 0; j < oW; ++j) {
        int64_t h0 = i * wh.s - wh.p, w0 = j * ww.s - ww.p;
        int64_t h1 = std::min(h0 + wh.k, H + wh.p), w1 = std::min(w0 + ww.k, W + ww.p);
        const int64_t padded = (h1 - h0) * (w1 - w0);
        h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0), h1 = std::min(h1, H), w1 = std::min(w1, W);
        double s = 0;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) s += v[size_t((pl * H + a) * W + b)];
        const int64_t div = divisor ? divisor : count_include_pad ? padded : (h1 - h0) * (w1 - w0);
        r.values.push_back(s / double(div));
      }
  return r;
}

// Adaptive pooling: window i spans [floor(i*In/Out), ceil((i+1)*In/Out)).
Reference naive_adaptive(const Tensor& x, int64_t oH, int64_t oW, bool is_max) {
  const int64_t H = x.size(-2), W = x.size(-1), P = x.numel() / (H * W);
  std::vector<double> v = x.to_vector();
  Reference r;
  r.shape = x.shape();
  r.shape[r.shape.size() - 2] = oH, r.shape.back() = oW;
  for (int64_t pl = 0; pl < P; ++pl)
    for (int64_t i = 0; i < oH; ++i)
      for (int64_t j = 0; j < oW; ++j) {
        const int64_t h0 = int64_t(std::floor(double(i * H) / oH)), h1 = int64_t(std::ceil(double((i + 1) * H) / oH));
        const int64_t w0 = int64_t(std::floor(double(j * W) / oW)), w1 = int64_t(std::ceil(double((j + 1) * W) / oW));
        double s = 0, best = -INFINITY;
        int64_t arg = -1;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) {
            const double val = v[size_t((pl * H + a) * W + b)];
            s += val;
            if (arg < 0 || val > best) best = val, arg = a * W + b;
          }
        r.values.push_back(is_max ? best : s / double((h1 - h0) * (w1 - w0)));
        r.indices.push_back(double(arg));
      }
  return r;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]) / (1 + std::abs(want[i])));
  CHECK(worst <= tol);
}

// (N, C, H, W) or (C, H, W), sometimes a transposed (non-contiguous) view.
Tensor random_input(std::mt19937& rng, Dtype dtype, int64_t H, int64_t W) {
  const bool batched = pick(rng, 0, 2) > 0, strided = pick(rng, 0, 2) == 0;
  Shape s = batched ? Shape{pick(rng, 1, 3), pick(rng, 1, 3), W, H} : Shape{pick(rng, 1, 3), W, H};
  Tensor t = random_tensor(rng, s, dtype);
  if (strided) return transpose(t, -1, -2);
  return contiguous(transpose(t, -1, -2));
}

// Window sizes with padding <= k/2 whose output is non-empty.
Window random_window(std::mt19937& rng, int64_t in, bool dilated) {
  for (;;) {
    Window w{pick(rng, 1, 4), pick(rng, 1, 3), 0, dilated ? pick(rng, 1, 2) : 1};
    w.p = pick(rng, 0, w.k / 2);
    if (out_size(in, w.k, w.p, w.s, w.d, false) >= 1) return w;
  }
}

std::string value_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("max_pool2d matches direct loops, values and indices", "[pool]") {
  std::mt19937 rng(21);
  auto run = [&](Dtype dtype, int64_t H, int64_t W, Window wh, Window ww, bool ceil_mode) {
    Tensor x = random_input(rng, dtype, H, W);
    INFO("H=" << H << " W=" << W << " k=(" << wh.k << "," << ww.k << ") s=(" << wh.s << "," << ww.s << ") p=("
              << wh.p << "," << ww.p << ") d=(" << wh.d << "," << ww.d << ") ceil=" << ceil_mode);
    Reference r = naive_max(x, wh, ww, ceil_mode);
    MaxPool2dFuncOptions a = MaxPool2dFuncOptions({wh.k, ww.k}).stride({wh.s, ww.s}).padding({wh.p, ww.p}).dilation({wh.d, ww.d})
                          .ceil_mode(ceil_mode);
    auto [y, idx] = max_pool2d_with_indices(x, a);
    REQUIRE(y.shape() == r.shape);
    CHECK(max_pool2d_shape(x.shape(), a) == r.shape);
    CHECK(idx.dtype() == kInt64);
    check_close(y.to_vector(), r.values, 0);
    check_close(idx.to_vector(), r.indices, 0);
  };
  for (Dtype dtype : {kFloat64, kFloat32}) {
    for (int trial = 0; trial < 60; ++trial) {
      const int64_t H = pick(rng, 1, 9), W = pick(rng, 1, 9);
      run(dtype, H, W, random_window(rng, H, true), random_window(rng, W, true), pick(rng, 0, 1) == 1);
    }
    // Windows that tile the plane (stride = kernel, no padding) take their own loop.
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t kH = pick(rng, 1, 4), kW = pick(rng, 1, 4), H = pick(rng, kH, 13), W = pick(rng, kW, 13);
      run(dtype, H, W, Window{kH, kH, 0, 1}, Window{kW, kW, 0, 1}, pick(rng, 0, 3) == 0);
    }
  }
}

TEST_CASE("max_pool2d lets NaN win, the window's last NaN giving the index, as PyTorch", "[pool]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // 4x4: window (0, 0) holds two NaNs, window (1, 1) one, the others none.
  Tensor x = tensor({1, nan, 3, 4,  //
                     nan, 0, 2, 1,  //
                     5, 6, 0, 7,    //
                     8, 2, nan, 1},
                    {1, 1, 4, 4}, kFloat32);
  for (const MaxPool2dFuncOptions& a : {MaxPool2dFuncOptions(2), MaxPool2dFuncOptions(2).stride(2).padding(1)}) {
    auto [y, idx] = max_pool2d_with_indices(x, a);
    const auto v = y.to_vector(), i = idx.to_vector();
    if (y.size(-1) == 2) {  // tiling windows
      CHECK(std::isnan(v[0]));
      CHECK(i[0] == 4);
      CHECK(v[1] == 4);
      CHECK(i[1] == 3);
      CHECK(v[2] == 8);
      CHECK(i[2] == 12);
      CHECK(std::isnan(v[3]));
      CHECK(i[3] == 14);
    } else {  // padded windows: (0, 0) covers x[0][0] only, (0, 1) x[0][1..2]
      CHECK(v[0] == 1);
      CHECK(i[0] == 0);
      CHECK(std::isnan(v[1]));
      CHECK(i[1] == 1);
    }
  }
}

TEST_CASE("max_pool1d matches direct loops", "[pool]") {
  std::mt19937 rng(22);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t L = pick(rng, 1, 12);
    Window w = random_window(rng, L, true);
    const bool ceil_mode = pick(rng, 0, 1) == 1;
    Tensor x = random_tensor(rng, {2, 3, L}, kFloat64);
    Reference r = naive_max(unsqueeze(x, -2), {1, 1, 0, 1}, w, ceil_mode);
    auto [y, idx] = max_pool1d_with_indices(
        x, MaxPool1dFuncOptions(w.k).stride(w.s).padding(w.p).dilation(w.d).ceil_mode(ceil_mode));
    REQUIRE(y.shape() == Shape{2, 3, r.shape.back()});
    check_close(y.to_vector(), r.values, 0);
    check_close(idx.to_vector(), r.indices, 0);
  }
}

TEST_CASE("ceil_mode keeps a last window only if it starts inside the input or left padding", "[pool]") {
  CHECK(max_pool1d_shape({1, 5}, MaxPool1dFuncOptions(2).ceil_mode(true)) == Shape{1, 3});
  CHECK(max_pool1d_shape({1, 5}, MaxPool1dFuncOptions(2)) == Shape{1, 2});
  // ceil((5 + 2 - 3) / 3) + 1 = 3, but window 2 would start at 6 - 1 = 5, past the input.
  CHECK(max_pool1d_shape({1, 5}, MaxPool1dFuncOptions(3).stride(3).padding(1).ceil_mode(true)) == Shape{1, 2});
  CHECK(avg_pool2d_shape({1, 6, 6}, AvgPool2dFuncOptions(4).stride(3).ceil_mode(true)) == Shape{1, 2, 2});
}

TEST_CASE("avg_pool2d matches direct loops with every divisor rule", "[pool]") {
  std::mt19937 rng(23);
  for (Dtype dtype : {kFloat64, kFloat32})
    for (int trial = 0; trial < 60; ++trial) {
      const int64_t H = pick(rng, 1, 9), W = pick(rng, 1, 9);
      Window wh = random_window(rng, H, false), ww = random_window(rng, W, false);
      const bool ceil_mode = pick(rng, 0, 1) == 1, include = pick(rng, 0, 1) == 1;
      const int64_t divisor = pick(rng, 0, 2) == 0 ? pick(rng, 1, 5) : 0;
      Tensor x = random_input(rng, dtype, H, W);
      INFO("trial " << trial << " ceil=" << ceil_mode << " include=" << include << " divisor=" << divisor);
      Reference r = naive_avg(x, wh, ww, ceil_mode, include, divisor);
      AvgPool2dFuncOptions a = AvgPool2dFuncOptions({wh.k, ww.k}).stride({wh.s, ww.s}).padding({wh.p, ww.p}).ceil_mode(ceil_mode)
                            .count_include_pad(include);
      if (divisor) a.divisor_override(divisor);
      Tensor y = avg_pool2d(x, a);
      REQUIRE(y.shape() == r.shape);
      check_close(y.to_vector(), r.values, dtype == kFloat64 ? 1e-14 : 1e-6);
    }
}

TEST_CASE("avg_pool1d matches direct loops", "[pool]") {
  std::mt19937 rng(24);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t L = pick(rng, 1, 12);
    Window w = random_window(rng, L, false);
    const bool ceil_mode = pick(rng, 0, 1) == 1, include = pick(rng, 0, 1) == 1;
    Tensor x = random_tensor(rng, {3, L}, kFloat64);
    Reference r = naive_avg(unsqueeze(x, -2), {1, 1, 0, 1}, w, ceil_mode, include, 0);
    Tensor y = avg_pool1d(x, AvgPool1dFuncOptions(w.k).stride(w.s).padding(w.p).ceil_mode(ceil_mode).count_include_pad(include));
    REQUIRE(y.shape() == Shape{3, r.shape.back()});
    check_close(y.to_vector(), r.values, 1e-14);
  }
}

TEST_CASE("adaptive pooling matches direct loops with floor/ceil bounds", "[pool]") {
  std::mt19937 rng(25);
  for (Dtype dtype : {kFloat64, kFloat32})
    for (int trial = 0; trial < 30; ++trial) {
      const int64_t H = pick(rng, 1, 9), W = pick(rng, 1, 9), oH = pick(rng, 1, 9), oW = pick(rng, 1, 9);
      Tensor x = random_input(rng, dtype, H, W);
      Reference ra = naive_adaptive(x, oH, oW, false), rm = naive_adaptive(x, oH, oW, true);
      Tensor ya = adaptive_avg_pool2d(x, Pair(oH, oW));
      auto [ym, idx] = adaptive_max_pool2d_with_indices(x, Pair(oH, oW));
      REQUIRE(ya.shape() == ra.shape);
      REQUIRE(ym.shape() == rm.shape);
      check_close(ya.to_vector(), ra.values, dtype == kFloat64 ? 1e-14 : 1e-6);
      check_close(ym.to_vector(), rm.values, 0);
      check_close(idx.to_vector(), rm.indices, 0);
    }
}

TEST_CASE("lp_pool2d is the p-norm of each window", "[pool]") {
  std::mt19937 rng(26);
  for (double p : {1.0, 2.0, 3.5}) {
    Tensor x = abs(random_tensor(rng, {2, 3, 7, 6}, kFloat64)) + 0.1;
    const bool ceil_mode = p == 2.0;
    Tensor y = lp_pool2d(x, LPPool2dFuncOptions(p, {3, 2}).stride({2, 2}).ceil_mode(ceil_mode));
    // (sum x^p)^(1/p) = (avg * count)^(1/p); with no padding the divisor is the clipped window.
    Reference r = naive_avg(pow(x, p), {3, 2, 0, 1}, {2, 2, 0, 1}, ceil_mode, false, 1);
    REQUIRE(y.shape() == r.shape);
    for (double& v : r.values) v = std::pow(v, 1.0 / p);
    check_close(y.to_vector(), r.values, 1e-13);
  }
}

TEST_CASE("pooling rejects bad arguments with messages naming them", "[pool][errors]") {
  Tensor x = zeros({2, 3, 8, 8});
  CHECK_THAT(value_error([&] { max_pool2d(x, MaxPool2dFuncOptions({0, 2})); }),
             Contains("max_pool2d: expected kernel_size > 0, got kernel_size=(0, 2)"));
  CHECK_THAT(value_error([&] { max_pool2d(x, MaxPool2dFuncOptions(2).stride({1, 0})); }),
             Contains("max_pool2d: expected stride > 0, got stride=(1, 0)"));
  CHECK_THAT(value_error([&] { max_pool2d(x, MaxPool2dFuncOptions(2).dilation(0)); }),
             Contains("expected dilation > 0, got dilation=(0, 0)"));
  CHECK_THAT(value_error([&] { max_pool2d(x, MaxPool2dFuncOptions(3).padding(2)); }),
             Contains("expected padding at most half the kernel size, got padding=(2, 2) and kernel_size=(3, 3)"));
  CHECK_THAT(value_error([&] { max_pool2d(x, MaxPool2dFuncOptions(3).padding(-1)); }),
             Contains("expected padding >= 0, got padding=(-1, -1)"));
  CHECK_THAT(value_error([&] { max_pool2d(zeros({1, 2, 2}), MaxPool2dFuncOptions(3)); }),
             Contains("max_pool2d: expected an output size >= 1, got output (0, 0) for input (2, 2)"));
  CHECK_THAT(value_error([&] { max_pool2d(zeros({8, 8}), MaxPool2dFuncOptions(2)); }),
             Contains("max_pool2d: expected input to be 3-d (C, H, W) or 4-d (N, C, H, W), got [8, 8]"));
  CHECK_THAT(value_error([&] { max_pool2d(zeros({2, 0, 8, 8}), MaxPool2dFuncOptions(2)); }),
             Contains("expected non-empty (C, H, W) dims"));
  CHECK_THAT(value_error([&] { max_pool1d(zeros({2, 3, 8}), MaxPool1dFuncOptions(2).stride(-1)); }),
             Contains("max_pool1d: expected stride > 0, got stride=-1"));
  CHECK_THAT(value_error([&] { max_pool1d(x, MaxPool1dFuncOptions(2)); }),
             Contains("max_pool1d: expected input to be 2-d (C, L) or 3-d (N, C, L)"));
  CHECK_THAT(value_error([&] { avg_pool2d(x, AvgPool2dFuncOptions(2).divisor_override(0)); }),
             Contains("avg_pool2d: expected divisor_override != 0, got divisor_override=0"));
  CHECK_THAT(value_error([&] { avg_pool1d(zeros({3, 8}), AvgPool1dFuncOptions(4).padding(3)); }),
             Contains("avg_pool1d: expected padding at most half the kernel size, got padding=3 and kernel_size=4"));
  CHECK_THAT(value_error([&] { lp_pool2d(x, LPPool2dFuncOptions(0.0, 2)); }),
             Contains("lp_pool2d: expected a finite, nonzero norm_type, got 0"));
  CHECK_THAT(value_error([&] { lp_pool2d(x, LPPool2dFuncOptions(2.0, 9)); }), Contains("lp_pool2d: expected an output size"));
  CHECK_THAT(value_error([&] { adaptive_avg_pool2d(x, Pair(-1, 2)); }),
             Contains("adaptive_avg_pool2d: expected output_size >= 0, got output_size=(-1, 2)"));
  CHECK_THAT(value_error([&] { adaptive_max_pool2d(zeros({3}), 2); }),
             Contains("adaptive_max_pool2d: expected input to be 3-d"));
  CHECK_THROWS_AS(max_pool2d(zeros({1, 4, 4}, kInt64), MaxPool2dFuncOptions(2)), TypeError);
}

TEST_CASE("max_pool2d windows that miss the input give -inf and no gradient, as PyTorch", "[pool]") {
  // Rows -1 and 1 of a one-row input: every window is empty.
  Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, kFloat64).reshape({1, 1, 1, 9});
  MaxPool2dFuncOptions a = MaxPool2dFuncOptions({2, 3}).stride({1, 2}).padding(1).dilation({2, 1});
  auto [y, idx] = max_pool2d_with_indices(x.requires_grad_(), a);
  CHECK(y.to_vector() == std::vector<double>(5, -INFINITY));
  CHECK(idx.to_vector() == std::vector<double>{9, 10, 12, 14, 16});
  Tensor dy = ones_like(y).requires_grad_();
  tensor_list dx = autograd::grad({y}, {x}, {dy}, std::nullopt, true);
  CHECK(dx[0].to_vector() == std::vector<double>(9, 0.0));
  tensor_list ddy = autograd::grad({dx[0]}, {dy}, {ones_like(dx[0])});
  CHECK(ddy[0].to_vector() == std::vector<double>(5, 0.0));
}
