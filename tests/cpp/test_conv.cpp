// conv1d / conv2d against a direct 7-loop convolution on random
// configurations (shapes, strides, paddings including 'same'/'valid',
// dilations, groups, 1x1, odd sizes, non-contiguous inputs) in float32 and
// float64; gradients with gradcheck and gradgradcheck; every argument error.
#include <catch2/catch.hpp>

#include <random>

#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "autograd/grad_mode.h"
#include "ops/conv.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

struct ConvCase {
  int64_t N, G, Cg, Og, H, W, kH, kW, sH, sW, pH, pW, dH, dW;
  std::string mode;  // "", "same" or "valid"
  bool bias, strided_input;
};

Tensor random_tensor(std::mt19937& rng, const Shape& shape, Dtype dtype) {
  std::normal_distribution<double> nd;
  std::vector<double> v(size_t(numel_of(shape)));
  for (double& x : v) x = nd(rng);
  return tensor(v, shape, dtype);
}

// The input, possibly as a transposed (non-contiguous) view with the same values layout.
Tensor make_input(std::mt19937& rng, const ConvCase& c, Dtype dtype) {
  const int64_t C = c.G * c.Cg;
  if (!c.strided_input) return random_tensor(rng, {c.N, C, c.H, c.W}, dtype);
  return transpose(random_tensor(rng, {c.N, C, c.W, c.H}, dtype), 2, 3);
}

// out[n][o][i][j] = b[o] + sum_{c,p,q} x[n][g*Cg + c][i*s - top + p*d][j*s - left + q*d] * w[o][c][p][q]
std::vector<double> naive_conv2d(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor& b, Shape& shape) {
  const int64_t C = c.G * c.Cg, O = c.G * c.Og;
  int64_t top = c.pH, left = c.pW, extra_h = 2 * c.pH, extra_w = 2 * c.pW;
  if (c.mode == "valid") top = left = extra_h = extra_w = 0;
  if (c.mode == "same") {
    extra_h = c.dH * (c.kH - 1), extra_w = c.dW * (c.kW - 1);
    top = extra_h / 2, left = extra_w / 2;
  }
  const int64_t oH = (c.H + extra_h - c.dH * (c.kH - 1) - 1) / c.sH + 1;
  const int64_t oW = (c.W + extra_w - c.dW * (c.kW - 1) - 1) / c.sW + 1;
  shape = {c.N, O, oH, oW};
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.defined() ? b.to_vector() : std::vector<double>();
  std::vector<double> out;
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < oH; ++i)
        for (int64_t j = 0; j < oW; ++j) {
          long double s = b.defined() ? bv[o] : 0;
          const int64_t g = o / c.Og;
          for (int64_t ci = 0; ci < c.Cg; ++ci)
            for (int64_t p = 0; p < c.kH; ++p)
              for (int64_t q = 0; q < c.kW; ++q) {
                const int64_t ih = i * c.sH - top + p * c.dH, iw = j * c.sW - left + q * c.dW;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                s += (long double)xv[((n * C + g * c.Cg + ci) * c.H + ih) * c.W + iw] *
                     wv[((o * c.Cg + ci) * c.kH + p) * c.kW + q];
              }
          out.push_back(double(s));
        }
  return out;
}

Conv2dFuncOptions args_of(const ConvCase& c) {
  Conv2dFuncOptions a = Conv2dFuncOptions().stride({c.sH, c.sW}).dilation({c.dH, c.dW}).groups(c.G);
  if (c.mode.empty()) a.padding({c.pH, c.pW});
  else a.padding(c.mode == "same" ? kSame : kValid);
  return a;
}

// A random configuration whose dilated kernel fits in the padded input.
ConvCase random_case(std::mt19937& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (;;) {
    ConvCase c{pick(1, 3), pick(1, 3), pick(1, 3), pick(1, 3), pick(1, 9), pick(1, 9), pick(1, 4), pick(1, 4),
               pick(1, 3), pick(1, 3), pick(0, 2), pick(0, 2), pick(1, 2), pick(1, 2), "", pick(0, 1) == 1,
               pick(0, 2) == 0};
    const int64_t m = pick(0, 5);
    if (m == 0) c.mode = "valid";
    if (m == 1) c.mode = "same", c.sH = c.sW = 1;
    if (m == 2) c.kH = c.kW = 1, c.sH = c.sW = 1, c.pH = c.pW = 0;  // the plain-GEMM path
    const int64_t extra_h = c.mode == "same" ? c.dH * (c.kH - 1) : c.mode == "valid" ? 0 : 2 * c.pH;
    const int64_t extra_w = c.mode == "same" ? c.dW * (c.kW - 1) : c.mode == "valid" ? 0 : 2 * c.pW;
    if (c.H + extra_h >= c.dH * (c.kH - 1) + 1 && c.W + extra_w >= c.dW * (c.kW - 1) + 1) return c;
  }
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]) / (1 + std::abs(want[i])));
  CHECK(worst <= tol);
}

tensor_list leaves(tensor_list ts) {
  for (Tensor& t : ts)
    if (t.defined()) t.requires_grad_();
  return ts;
}

}  // namespace

TEST_CASE("conv2d matches a direct convolution on random configurations", "[conv]") {
  std::mt19937 rng(7);
  for (Dtype dtype : {kFloat64, kFloat32}) {
    // float32 sums of at most 3*4*4 products of N(0,1) values: 1e-4 relative is ~100 ulps of headroom.
    const double tol = dtype == kFloat64 ? 1e-12 : 1e-4;
    for (int trial = 0; trial < 60; ++trial) {
      ConvCase c = random_case(rng);
      INFO("trial " << trial << " N=" << c.N << " G=" << c.G << " Cg=" << c.Cg << " Og=" << c.Og << " H=" << c.H
                    << " W=" << c.W << " k=(" << c.kH << "," << c.kW << ") s=(" << c.sH << "," << c.sW << ") p=("
                    << c.pH << "," << c.pW << ") d=(" << c.dH << "," << c.dW << ") mode=" << c.mode);
      Tensor x = make_input(rng, c, dtype);
      Tensor w = random_tensor(rng, {c.G * c.Og, c.Cg, c.kH, c.kW}, dtype);
      Tensor b = c.bias ? random_tensor(rng, {c.G * c.Og}, dtype) : Tensor();
      Shape want_shape;
      std::vector<double> want = naive_conv2d(c, x, w, b, want_shape);
      Tensor y = conv2d(x, w, args_of(c).bias(b));
      REQUIRE(y.shape() == want_shape);
      CHECK(conv2d_shape(x.shape(), w.shape(), args_of(c).bias(b)) == want_shape);
      check_close(y.to_vector(), want, tol);
    }
  }
}

TEST_CASE("conv2d gives the same values and gradients when the batch runs in chunks", "[conv]") {
  // 20 samples of 16 x 9 x 576 float64 columns (663 KB each) take four chunks of the ~4 MB column buffer.
  std::mt19937 rng(11);
  ConvCase c{20, 2, 8, 4, 24, 24, 3, 3, 1, 1, 1, 1, 1, 1, "", true, false};
  Tensor x = make_input(rng, c, kFloat64).requires_grad_();
  Tensor w = random_tensor(rng, {8, 8, 3, 3}, kFloat64).requires_grad_();
  Tensor b = random_tensor(rng, {8}, kFloat64).requires_grad_();
  Shape shape;
  std::vector<double> want = naive_conv2d(c, x, w, b, shape);
  Tensor y = conv2d(x, w, args_of(c).bias(b));
  check_close(y.to_vector(), want, 1e-12);
  Tensor gy = random_tensor(rng, shape, kFloat64);
  tensor_list g = autograd::grad({y}, {x, w, b}, {gy});
  // Reference: one sample at a time (one chunk each); dw and db sum over the samples.
  std::vector<double> dx_ref;
  std::vector<double> dw_ref(size_t(w.numel()), 0.0), db_ref(8, 0.0);
  for (int64_t n = 0; n < c.N; ++n) {
    Tensor xs = x.detach().narrow(0, n, 1).requires_grad_();
    Tensor ws = w.detach().requires_grad_(), bs = b.detach().requires_grad_();
    tensor_list gs = autograd::grad({conv2d(xs, ws, args_of(c).bias(bs))}, {xs, ws, bs}, {gy.narrow(0, n, 1)});
    auto dx = gs[0].to_vector(), dw = gs[1].to_vector(), db = gs[2].to_vector();
    dx_ref.insert(dx_ref.end(), dx.begin(), dx.end());
    for (size_t k = 0; k < dw.size(); ++k) dw_ref[k] += dw[k];
    for (size_t k = 0; k < db.size(); ++k) db_ref[k] += db[k];
  }
  check_close(g[0].to_vector(), dx_ref, 1e-12);
  check_close(g[1].to_vector(), dw_ref, 1e-12);
  check_close(g[2].to_vector(), db_ref, 1e-12);
}

TEST_CASE("float32 stride-1 conv2d values and gradients match float64's", "[conv]") {
  // float32 stride-1 convolutions run ember's direct or Winograd kernels,
  // float64 ones im2col + GEMM (checked above against the 7-loop reference
  // and gradcheck). Random shapes cover output counts that fill no whole
  // register block, paddings wider than the kernel, dilation, 'same'/'valid'
  // and several samples per weight-gradient pass; for Winograd (3x3, >= 32
  // channels), odd planes (partial 2x2 tiles), paddings 0-2, channel counts
  // that fill no whole vector and batches of several chunks.
  std::mt19937 rng(13);
  auto run = [&](const ConvCase& c) {
    try {
      conv2d_shape({c.N, c.Cg, c.H, c.W}, {c.Og, c.Cg, c.kH, c.kW}, args_of(c));
    } catch (const ValueError&) {
      return;  // the kernel does not fit
    }
    INFO("N=" << c.N << " C=" << c.Cg << " O=" << c.Og << " H=" << c.H << " W=" << c.W << " k=(" << c.kH << ","
              << c.kW << ") p=(" << c.pH << "," << c.pW << ") d=(" << c.dH << "," << c.dW << ") mode=" << c.mode);
    Tensor x64 = make_input(rng, c, kFloat64), w64 = random_tensor(rng, {c.Og, c.Cg, c.kH, c.kW}, kFloat64);
    Tensor b64 = c.bias ? random_tensor(rng, {c.Og}, kFloat64) : Tensor();
    // The same values in float32 (rounded to float32 first, so both see equal inputs).
    x64 = x64.to(kFloat32).to(kFloat64), w64 = w64.to(kFloat32).to(kFloat64);
    Tensor x32 = x64.to(kFloat32), w32 = w64.to(kFloat32), b32 = c.bias ? b64.to(kFloat32) : Tensor();
    tensor_list in64 = leaves(c.bias ? tensor_list{x64, w64, b64} : tensor_list{x64, w64});
    tensor_list in32 = leaves(c.bias ? tensor_list{x32, w32, b32} : tensor_list{x32, w32});
    Tensor y64 = conv2d(in64[0], in64[1], args_of(c).bias(c.bias ? in64[2] : Tensor()));
    Tensor y32 = conv2d(in32[0], in32[1], args_of(c).bias(c.bias ? in32[2] : Tensor()));
    Tensor gy64 = random_tensor(rng, y64.shape(), kFloat32).to(kFloat64);
    tensor_list g64 = autograd::grad({y64}, in64, {gy64}), g32 = autograd::grad({y32}, in32, {gy64.to(kFloat32)});
    // Worst error relative to the largest value: float32 sums of up to 9*20*20 products.
    auto check = [](const Tensor& got, const Tensor& want) {
      REQUIRE(got.shape() == want.shape());
      const auto gv = got.to_vector(), wv = want.to_vector();
      double worst = 0, scale = 1;
      for (size_t i = 0; i < gv.size(); ++i) {
        worst = std::max(worst, std::abs(gv[i] - wv[i]));
        scale = std::max(scale, std::abs(wv[i]));
      }
      CHECK(worst <= 1e-5 * scale);
    };
    check(y32, y64);
    for (size_t i = 0; i < in64.size(); ++i) check(g32[i], g64[i]);
  };
  // Channel counts past 16 and planes past 16 pixels take the blocked
  // transposes of the weight gradient; ResNet-like and odd shapes.
  for (const ConvCase& c : std::vector<ConvCase>{{3, 1, 17, 33, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, "", true, false},
                                                 {2, 1, 32, 16, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, "", false, true},
                                                 {5, 1, 16, 48, 6, 11, 3, 3, 1, 1, 0, 2, 2, 1, "", true, false},
                                                 {2, 1, 64, 64, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, "", false, false}})
    run(c);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int trial = 0; trial < 40; ++trial) {
    ConvCase c{pick(1, 9), 1, pick(1, 20), pick(1, 20), pick(1, 20), pick(1, 20), pick(1, 5), pick(1, 5),
               1, 1, pick(0, 3), pick(0, 3), pick(1, 2), pick(1, 2), "", pick(0, 1) == 1, pick(0, 2) == 0};
    const int64_t m = pick(0, 4);
    if (m == 0) c.mode = "valid";
    if (m == 1) c.mode = "same";
    run(c);
  }
  for (int trial = 0; trial < 16; ++trial) {
    ConvCase c{pick(1, 20), 1, pick(32, 70), pick(32, 70), pick(1, 19), pick(1, 19), 3, 3,
               1, 1, pick(0, 2), pick(0, 2), 1, 1, "", pick(0, 1) == 1, pick(0, 2) == 0};
    if (pick(0, 3) == 0) c.mode = "same";
    run(c);
  }
}

TEST_CASE("conv2d takes unbatched (C, H, W) input", "[conv]") {
  std::mt19937 rng(8);
  Tensor x = random_tensor(rng, {2, 5, 6}, kFloat64), w = random_tensor(rng, {3, 2, 3, 3}, kFloat64);
  Tensor y = conv2d(x, w, Conv2dFuncOptions().padding(1));
  Tensor y4 = conv2d(unsqueeze(x, 0), w, Conv2dFuncOptions().padding(1));
  REQUIRE(y.shape() == Shape{3, 5, 6});
  check_close(y.to_vector(), y4.to_vector(), 0);
}

TEST_CASE("conv1d matches a direct convolution", "[conv]") {
  std::mt19937 rng(9);
  for (Dtype dtype : {kFloat64, kFloat32}) {
    for (int trial = 0; trial < 20; ++trial) {
      ConvCase c = random_case(rng);
      c.H = c.kH = c.sH = c.dH = 1, c.pH = 0;
      c.strided_input = false;
      Tensor x = random_tensor(rng, {c.N, c.G * c.Cg, c.W}, dtype);
      Tensor w = random_tensor(rng, {c.G * c.Og, c.Cg, c.kW}, dtype);
      Tensor b = c.bias ? random_tensor(rng, {c.G * c.Og}, dtype) : Tensor();
      Shape s4;
      std::vector<double> want = naive_conv2d(c, x, w, b, s4);
      Conv1dFuncOptions a = Conv1dFuncOptions().stride(c.sW).dilation(c.dW).groups(c.G);
      if (c.mode.empty()) a.padding(c.pW);
      else a.padding(c.mode == "same" ? kSame : kValid);
      Tensor y = conv1d(x, w, a.bias(b));
      REQUIRE(y.shape() == Shape{s4[0], s4[1], s4[3]});
      check_close(y.to_vector(), want, dtype == kFloat64 ? 1e-12 : 1e-4);
    }
  }
}

TEST_CASE("conv2d gradients pass gradcheck and gradgradcheck", "[conv][gradcheck]") {
  std::mt19937 rng(10);
  const std::vector<ConvCase> cases = {
      {2, 1, 2, 2, 5, 4, 3, 2, 1, 1, 1, 0, 1, 1, "", true, false},    // plain, bias
      {1, 2, 2, 1, 6, 5, 2, 3, 2, 1, 1, 1, 1, 2, "", true, true},     // groups, stride, dilation, strided input
      {2, 3, 1, 1, 4, 4, 3, 3, 1, 1, 0, 0, 1, 1, "same", false, false},  // depthwise, 'same'
      {2, 2, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, "", true, false},    // 1x1 plain GEMM
      {1, 1, 2, 2, 4, 5, 2, 2, 1, 1, 0, 0, 1, 1, "same", true, false},   // asymmetric 'same' padding
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const ConvCase& c = cases[i];
    Tensor x = make_input(rng, c, kFloat64);
    Tensor w = random_tensor(rng, {c.G * c.Og, c.Cg, c.kH, c.kW}, kFloat64);
    Tensor b = c.bias ? random_tensor(rng, {c.G * c.Og}, kFloat64) : Tensor();
    Conv2dFuncOptions a = args_of(c);
    tensor_list in = leaves(c.bias ? tensor_list{x, w, b} : tensor_list{x, w});
    auto fn = [a, c](const tensor_list& t) {
      return tensor_list{conv2d(t[0], t[1], Conv2dFuncOptions(a).bias(c.bias ? t[2] : Tensor()))};
    };
    CHECK(autograd::gradcheck(fn, in));
    CHECK(autograd::gradgradcheck(fn, in));
  }
}

TEST_CASE("conv1d gradients pass gradcheck and gradgradcheck", "[conv][gradcheck]") {
  std::mt19937 rng(11);
  tensor_list in = leaves({random_tensor(rng, {2, 4, 7}, kFloat64), random_tensor(rng, {4, 2, 3}, kFloat64),
                           random_tensor(rng, {4}, kFloat64)});
  auto fn = [](const tensor_list& t) {
    return tensor_list{conv1d(t[0], t[1], Conv1dFuncOptions().bias(t[2]).stride(2).padding(1).dilation(2).groups(2))};
  };
  CHECK(autograd::gradcheck(fn, in));
  CHECK(autograd::gradgradcheck(fn, in));
}

TEST_CASE("conv2d gradients only flow to inputs that require them", "[conv]") {
  std::mt19937 rng(12);
  Tensor x = random_tensor(rng, {1, 2, 4, 4}, kFloat64), w = random_tensor(rng, {3, 2, 3, 3}, kFloat64);
  w.requires_grad_();
  sum(conv2d(x, w)).backward();
  CHECK(w.grad().defined());
  CHECK_FALSE(x.grad().defined());
  NoGradGuard guard;
  CHECK_FALSE(conv2d(x, w).requires_grad());
}

TEST_CASE("conv2d rejects bad arguments with messages naming them", "[conv][errors]") {
  auto x = zeros({2, 4, 8, 8}), w = zeros({3, 4, 3, 3});
  auto msg = [&](const Tensor& in, const Tensor& wt, const Tensor& b, const Conv2dFuncOptions& a) {
    try {
      conv2d(in, wt, Conv2dFuncOptions(a).bias(b));
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().stride({0, 1})), Contains("conv2d: expected stride > 0, got stride=(0, 1)"));
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().dilation(0)), Contains("expected dilation > 0, got dilation=(0, 0)"));
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().padding({-1, 0})), Contains("expected padding >= 0, got padding=(-1, 0)"));
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().groups(0)), Contains("expected groups > 0, got groups=0"));
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().padding(kSame).stride(2)),
             Contains("padding='same' is not supported for strided convolutions"));
  CHECK_THAT(msg(x, zeros({3, 3, 3, 3}), {}, {}),
             Contains("conv2d: input has 4 channels but weight expects 3 (in_channels=3, groups=1)"));
  CHECK_THAT(msg(x, zeros({3, 2, 3, 3}), {}, Conv2dFuncOptions().groups(2)),
             Contains("expected out_channels divisible by groups, got out_channels=3, groups=2"));
  CHECK_THAT(msg(x, w, zeros({4}), {}), Contains("expected bias of shape [3], got [4]"));
  CHECK_THAT(msg(x, zeros({3, 4, 9, 3}), {}, {}), Contains("kernel to fit in the padded input"));
  CHECK_THAT(msg(x, w, {}, Conv2dFuncOptions().dilation(4)), Contains("got kernel (9, 9) and padded input (8, 8)"));
  CHECK_THAT(msg(zeros({4, 8}), w, {}, {}), Contains("expected input to be 3-d (C, H, W) or 4-d"));
  CHECK_THAT(msg(x, zeros({3, 4, 3}), {}, {}), Contains("expected weight to be 4-d"));
  CHECK_THAT(msg(x, zeros({3, 4, 0, 3}), {}, {}), Contains("expected weight sizes > 0"));
  CHECK_THROWS_AS(conv2d(x, zeros({3, 4, 3, 3}, kFloat64)), TypeError);
  CHECK_THROWS_WITH(conv2d(zeros({2, 4, 8, 8}, kInt64), zeros({3, 4, 3, 3}, kInt64)),
                    Contains("conv2d: expected a floating point tensor (float32 or float64) as input, got int64"));
  CHECK_THROWS_WITH(conv1d(zeros({2, 4, 8}), zeros({3, 4, 3}), Conv1dFuncOptions().stride(0)),
                    Contains("conv1d: expected stride > 0, got stride=0"));
  CHECK_THROWS_WITH(conv1d(zeros({2, 4, 8}), zeros({3, 4, 3, 3})), Contains("conv1d: expected weight to be 3-d"));
  CHECK_THROWS_WITH(conv1d(zeros({2, 4, 2}), zeros({3, 4, 3})),
                    Contains("conv1d: expected the (dilated) kernel to fit in the padded input, got kernel 3 and "
                             "padded input 2"));
}
