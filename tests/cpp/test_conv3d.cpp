// conv3d and Conv3d against a naive 8-loop convolution (strides, paddings,
// dilations, groups, bias, float32 and float64), gradcheck/gradgradcheck,
// the layer's shapes and repr, and argument errors.
#include <catch2/catch.hpp>

#include <random>

#include "autograd/gradcheck.h"
#include "nn/modules/conv.h"
#include "ops/conv3d.h"
#include "ops/factory.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

struct Case {
  int64_t N, G, Cg, Og, D, H, W;
  Triple k, s, p, d;
  bool bias;
};

Tensor random_tensor(std::mt19937& rng, const Shape& shape, Dtype dtype) {
  std::normal_distribution<double> nd;
  std::vector<double> v(size_t(numel_of(shape)));
  for (double& x : v) x = nd(rng);
  return tensor(v, shape, dtype);
}

std::vector<double> naive(const Case& c, const Tensor& x, const Tensor& w, const Tensor& b, Shape& shape) {
  const int64_t C = c.G * c.Cg, O = c.G * c.Og;
  auto out_size = [](int64_t n, int64_t k, int64_t s, int64_t p, int64_t d) { return (n + 2 * p - d * (k - 1) - 1) / s + 1; };
  const int64_t oD = out_size(c.D, c.k.d, c.s.d, c.p.d, c.d.d), oH = out_size(c.H, c.k.h, c.s.h, c.p.h, c.d.h),
                oW = out_size(c.W, c.k.w, c.s.w, c.p.w, c.d.w);
  shape = {c.N, O, oD, oH, oW};
  std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.defined() ? b.to_vector() : std::vector<double>();
  std::vector<double> out;
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t t = 0; t < oD; ++t)
        for (int64_t i = 0; i < oH; ++i)
          for (int64_t j = 0; j < oW; ++j) {
            long double sum = b.defined() ? bv[size_t(o)] : 0;
            const int64_t g = o / c.Og;
            for (int64_t ch = 0; ch < c.Cg; ++ch)
              for (int64_t a = 0; a < c.k.d; ++a)
                for (int64_t p = 0; p < c.k.h; ++p)
                  for (int64_t q = 0; q < c.k.w; ++q) {
                    const int64_t z = t * c.s.d - c.p.d + a * c.d.d, y = i * c.s.h - c.p.h + p * c.d.h,
                                  u = j * c.s.w - c.p.w + q * c.d.w;
                    if (z < 0 || z >= c.D || y < 0 || y >= c.H || u < 0 || u >= c.W) continue;
                    sum += (long double)xv[size_t((((n * C + g * c.Cg + ch) * c.D + z) * c.H + y) * c.W + u)] *
                           wv[size_t((((o * c.Cg + ch) * c.k.d + a) * c.k.h + p) * c.k.w + q)];
                  }
            out.push_back(double(sum));
          }
  return out;
}

Conv3dFuncOptions args_of(const Case& c) { return Conv3dFuncOptions().stride(c.s).padding(c.p).dilation(c.d).groups(c.G); }

const std::vector<Case> kCases = {
    {2, 1, 2, 3, 4, 5, 4, 3, 1, 0, 1, true},
    {1, 2, 2, 1, 6, 5, 6, {2, 3, 1}, {2, 1, 3}, {1, 0, 2}, {2, 1, 1}, false},
    {2, 1, 3, 2, 3, 3, 3, 1, 1, 0, 1, true},  // 1x1x1
    {1, 1, 1, 2, 5, 4, 4, {3, 1, 2}, 1, {2, 1, 0}, 1, true},
};

}  // namespace

TEST_CASE("conv3d matches a naive convolution", "[conv3d]") {
  std::mt19937 rng(41);
  for (Dtype dtype : {kFloat64, kFloat32})
    for (size_t i = 0; i < kCases.size(); ++i) {
      INFO("case " << i << (dtype == kFloat64 ? " float64" : " float32"));
      const Case& c = kCases[i];
      Tensor x = random_tensor(rng, {c.N, c.G * c.Cg, c.D, c.H, c.W}, dtype);
      Tensor w = random_tensor(rng, {c.G * c.Og, c.Cg, c.k.d, c.k.h, c.k.w}, dtype);
      Tensor b = c.bias ? random_tensor(rng, {c.G * c.Og}, dtype) : Tensor();
      Shape shape;
      std::vector<double> want = naive(c, x, w, b, shape);
      Tensor y = conv3d(x, w, args_of(c).bias(b));
      REQUIRE(y.shape() == shape);
      std::vector<double> got = y.to_vector();
      const double tol = dtype == kFloat64 ? 1e-12 : 1e-5;
      for (size_t k = 0; k < got.size(); ++k) REQUIRE(std::abs(got[k] - want[k]) <= tol * (1 + std::abs(want[k])));
    }
}

TEST_CASE("conv3d gradients pass gradcheck and gradgradcheck", "[conv3d][gradcheck]") {
  std::mt19937 rng(42);
  const Case& c = kCases[1];
  tensor_list in{random_tensor(rng, {c.N, c.G * c.Cg, c.D, c.H, c.W}, kFloat64).requires_grad_(),
                 random_tensor(rng, {c.G * c.Og, c.Cg, c.k.d, c.k.h, c.k.w}, kFloat64).requires_grad_(),
                 random_tensor(rng, {c.G * c.Og}, kFloat64).requires_grad_()};
  auto fn = [c](const tensor_list& t) { return tensor_list{conv3d(t[0], t[1], args_of(c).bias(t[2]))}; };
  CHECK(autograd::gradcheck(fn, in));
  CHECK(autograd::gradgradcheck(fn, in));
}

TEST_CASE("Conv3d: libtorch's options, PyTorch's repr, unbatched input, errors", "[conv3d]") {
  nn::Conv3d conv(nn::Conv3dOptions(2, 4, {1, 3, 3}).stride({1, 2, 2}).padding({0, 1, 1}));
  CHECK(conv->weight.shape() == Shape{4, 2, 1, 3, 3});
  CHECK(conv->extra_repr() == "2, 4, kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)");
  CHECK(conv->forward(randn({2, 3, 8, 8})).shape() == Shape{4, 3, 4, 4});
  CHECK_THROWS_WITH(conv3d(zeros({1, 2, 2, 4, 4}), zeros({1, 2, 3, 3, 3})), Contains("conv3d: expected the (dilated) kernel"));
  CHECK_THROWS_WITH(conv3d(zeros({1, 3, 4, 4, 4}), zeros({1, 2, 3, 3, 3})), Contains("conv3d: input has 3 channels"));
  CHECK_THROWS_WITH(nn::Conv3d(nn::Conv3dOptions(3, 4, 3).groups(2)), Contains("Conv3d: in_channels must be divisible"));
}
