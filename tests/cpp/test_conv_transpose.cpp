// conv_transpose1d / conv_transpose2d and ConvTranspose1d/2d against a naive
// scatter loop (strides, paddings, output_padding, groups, dilation, bias,
// float32 shapes that take the direct and Winograd kernels), gradcheck and
// gradgradcheck, forward's output_size, and the argument errors.
#include <catch2/catch.hpp>

#include <random>

#include "autograd/gradcheck.h"
#include "nn/modules/conv.h"
#include "ops/conv_transpose.h"
#include "ops/factory.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

struct Case {
  int64_t N, G, Cg, Og, H, W, kH, kW, sH, sW, pH, pW, opH, opW, dH, dW;
  bool bias;
};

Tensor random_tensor(std::mt19937& rng, const Shape& shape, Dtype dtype) {
  std::normal_distribution<double> nd;
  std::vector<double> v(size_t(numel_of(shape)));
  for (double& x : v) x = nd(rng);
  return tensor(v, shape, dtype);
}

// out[n][g*Og + o][i*s - p + a*d][j*s - q + b*d] += x[n][g*Cg + c][i][j] w[g*Cg + c][o][a][b], then + bias.
std::vector<double> naive(const Case& c, const Tensor& x, const Tensor& w, const Tensor& b, Shape& shape) {
  const int64_t C = c.G * c.Cg, O = c.G * c.Og;
  const int64_t oH = (c.H - 1) * c.sH - 2 * c.pH + c.dH * (c.kH - 1) + c.opH + 1;
  const int64_t oW = (c.W - 1) * c.sW - 2 * c.pW + c.dW * (c.kW - 1) + c.opW + 1;
  shape = {c.N, O, oH, oW};
  std::vector<double> xv = x.to_vector(), wv = w.to_vector();
  std::vector<long double> out(size_t(c.N * O * oH * oW), 0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t i = 0; i < c.H; ++i)
        for (int64_t j = 0; j < c.W; ++j)
          for (int64_t o = 0; o < c.Og; ++o)
            for (int64_t a = 0; a < c.kH; ++a)
              for (int64_t bb = 0; bb < c.kW; ++bb) {
                const int64_t y = i * c.sH - c.pH + a * c.dH, z = j * c.sW - c.pW + bb * c.dW;
                if (y < 0 || y >= oH || z < 0 || z >= oW) continue;
                const int64_t oc = ch / c.Cg * c.Og + o;
                out[size_t(((n * O + oc) * oH + y) * oW + z)] +=
                    (long double)xv[size_t(((n * C + ch) * c.H + i) * c.W + j)] *
                    wv[size_t(((ch * c.Og + o) * c.kH + a) * c.kW + bb)];
              }
  std::vector<double> result(out.begin(), out.end());
  if (b.defined()) {
    std::vector<double> bv = b.to_vector();
    for (size_t k = 0; k < result.size(); ++k) result[k] += bv[k / size_t(oH * oW) % size_t(O)];
  }
  return result;
}

ConvTranspose2dFuncOptions args_of(const Case& c) {
  return ConvTranspose2dFuncOptions()
      .stride({c.sH, c.sW})
      .padding({c.pH, c.pW})
      .output_padding({c.opH, c.opW})
      .groups(c.G)
      .dilation({c.dH, c.dW});
}

const std::vector<Case> kCases = {
    // N  G Cg Og  H  W kH kW sH sW pH pW opH opW dH dW bias
    {2, 1, 3, 2, 4, 5, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, true},    // plain
    {2, 1, 4, 3, 3, 3, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, false},   // DCGAN's upsampling
    {1, 2, 2, 3, 3, 4, 3, 2, 2, 3, 1, 0, 1, 2, 1, 1, true},    // groups, output_padding
    {2, 1, 2, 2, 4, 3, 3, 3, 1, 1, 1, 2, 1, 1, 2, 2, true},    // stride 1, output_padding < dilation
    {1, 3, 1, 1, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, false},   // 1x1 depthwise
    {1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, true},    // padding crops the edges
    {1, 1, 32, 32, 6, 7, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, true},  // float32 Winograd
    {2, 1, 8, 4, 6, 6, 3, 3, 1, 1, 2, 0, 0, 0, 1, 1, false},   // float32 direct kernels
};

}  // namespace

TEST_CASE("conv_transpose2d matches a naive scatter loop", "[conv_transpose]") {
  std::mt19937 rng(21);
  for (Dtype dtype : {kFloat64, kFloat32}) {
    for (size_t i = 0; i < kCases.size(); ++i) {
      INFO("case " << i << (dtype == kFloat64 ? " float64" : " float32"));
      const Case& c = kCases[i];
      Tensor x = random_tensor(rng, {c.N, c.G * c.Cg, c.H, c.W}, dtype);
      Tensor w = random_tensor(rng, {c.G * c.Cg, c.Og, c.kH, c.kW}, dtype);
      Tensor b = c.bias ? random_tensor(rng, {c.G * c.Og}, dtype) : Tensor();
      Shape shape;
      std::vector<double> want = naive(c, x, w, b, shape);
      Tensor y = conv_transpose2d(x, w, args_of(c).bias(b));
      REQUIRE(y.shape() == shape);
      std::vector<double> got = y.to_vector();
      const double tol = dtype == kFloat64 ? 1e-12 : 1e-5;
      for (size_t k = 0; k < got.size(); ++k) REQUIRE(std::abs(got[k] - want[k]) <= tol * (1 + std::abs(want[k])));
    }
  }
}

TEST_CASE("conv_transpose1d matches the naive loop with H = 1 and takes unbatched input", "[conv_transpose]") {
  std::mt19937 rng(22);
  const Case c{2, 2, 2, 1, 1, 6, 1, 3, 1, 2, 0, 1, 0, 1, 1, 2, true};
  Tensor x = random_tensor(rng, {2, 4, 6}, kFloat64), w = random_tensor(rng, {4, 1, 3}, kFloat64);
  Tensor b = random_tensor(rng, {2}, kFloat64);
  Shape shape;
  std::vector<double> want = naive(c, unsqueeze(x, 2), unsqueeze(w, 2), b, shape);
  auto args = ConvTranspose1dFuncOptions().bias(b).stride(2).padding(1).output_padding(1).groups(2).dilation(2);
  Tensor y = conv_transpose1d(x, w, args);
  REQUIRE(y.shape() == Shape{2, 2, shape[3]});
  std::vector<double> got = y.to_vector();
  for (size_t k = 0; k < got.size(); ++k) CHECK(got[k] == Approx(want[k]).epsilon(1e-12));
  Tensor one = conv_transpose1d(select(x, 0, 1), w, args);
  CHECK(one.shape() == Shape{2, shape[3]});
  CHECK(one.to_vector() == select(y, 0, 1).contiguous().to_vector());
}

TEST_CASE("conv_transpose gradients pass gradcheck and gradgradcheck", "[conv_transpose][gradcheck]") {
  std::mt19937 rng(23);
  for (size_t i : {0, 1, 2, 3, 5}) {
    INFO("case " << i);
    const Case& c = kCases[i];
    tensor_list in{random_tensor(rng, {c.N, c.G * c.Cg, c.H, c.W}, kFloat64).requires_grad_(),
                   random_tensor(rng, {c.G * c.Cg, c.Og, c.kH, c.kW}, kFloat64).requires_grad_(),
                   random_tensor(rng, {c.G * c.Og}, kFloat64).requires_grad_()};
    auto fn = [c](const tensor_list& t) { return tensor_list{conv_transpose2d(t[0], t[1], args_of(c).bias(t[2]))}; };
    CHECK(autograd::gradcheck(fn, in));
    CHECK(autograd::gradgradcheck(fn, in));
  }
  tensor_list in{random_tensor(rng, {2, 2, 5}, kFloat64).requires_grad_(),
                 random_tensor(rng, {2, 3, 3}, kFloat64).requires_grad_()};
  auto fn = [](const tensor_list& t) {
    return tensor_list{conv_transpose1d(t[0], t[1], ConvTranspose1dFuncOptions().stride(2).output_padding(1))};
  };
  CHECK(autograd::gradcheck(fn, in));
  CHECK(autograd::gradgradcheck(fn, in));
}

TEST_CASE("ConvTranspose2d: libtorch's options, PyTorch's weight layout, repr and output_size", "[conv_transpose]") {
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1));
  CHECK(up->weight.shape() == Shape{16, 8, 4, 4});
  CHECK(up->bias.shape() == Shape{8});
  CHECK(up->extra_repr() == "16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)");
  Tensor x = randn({2, 16, 5, 5});
  CHECK(up->forward(x).shape() == Shape{2, 8, 10, 10});
  CHECK(up->forward(x, std::vector<int64_t>{11, 11}).shape() == Shape{2, 8, 11, 11});
  CHECK(up->forward(x, std::vector<int64_t>{2, 8, 10, 11}).shape() == Shape{2, 8, 10, 11});
  CHECK_THROWS_WITH(up->forward(x, std::vector<int64_t>{12, 10}),
                    Contains("ConvTranspose2d: requested an output size of [12, 10], but valid sizes range from "
                             "[10, 10] to [11, 11] (for an input of [5, 5])"));
  nn::ConvTranspose1d one(nn::ConvTranspose1dOptions(4, 6, 3).groups(2).output_padding(1).stride(2).bias(false));
  CHECK(one->weight.shape() == Shape{4, 3, 3});
  CHECK(one->extra_repr() == "4, 6, kernel_size=(3,), stride=(2,), output_padding=(1,), groups=2, bias=False");
  CHECK(one->forward(randn({4, 5})).shape() == Shape{6, 12});
  CHECK_THROWS_WITH(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(3, 4, 2).groups(2)),
                    Contains("ConvTranspose2d: in_channels must be divisible by groups"));
}

TEST_CASE("conv_transpose2d rejects bad arguments with messages naming them", "[conv_transpose][errors]") {
  Tensor x = zeros({1, 4, 5, 5}), w = zeros({4, 2, 3, 3});
  auto msg = [&](const Tensor& in, const Tensor& wt, const ConvTranspose2dFuncOptions& a) -> std::string {
    try {
      conv_transpose2d(in, wt, a);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  using O = ConvTranspose2dFuncOptions;
  CHECK_THAT(msg(x, w, O().stride({1, 0})), Contains("conv_transpose2d: expected stride > 0, got stride=(1, 0)"));
  CHECK_THAT(msg(x, w, O().output_padding(1)),
             Contains("expected output_padding smaller than either stride or dilation, got output_padding=(1, 1)"));
  CHECK_THAT(msg(x, zeros({3, 2, 3, 3}), O()), Contains("input has 4 channels but weight expects 3"));
  CHECK_THAT(msg(x, w, O().groups(3)), Contains("expected in_channels divisible by groups"));
  CHECK_THAT(msg(x, w, O().bias(zeros({4}))), Contains("expected bias of shape [2], got [4]"));
  CHECK_THAT(msg(zeros({1, 4, 1, 1}), zeros({4, 2, 1, 1}), O().padding(1)), Contains("expected a non-empty"));
  CHECK_THAT(msg(zeros({4, 5}), w, O()), Contains("expected input to be 3-d"));
  CHECK_THROWS_AS(conv_transpose2d(x, zeros({4, 2, 3, 3}, kFloat64)), TypeError);
}
