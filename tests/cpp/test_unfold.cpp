// unfold / fold against naive im2col / col2im loops, their gradients, and
// the C++ layers of the resampling family (Upsample, PixelShuffle,
// ChannelShuffle, Embedding, Unfold/Fold) on hand-worked values.
#include <catch2/catch.hpp>

#include <random>

#include "autograd/gradcheck.h"
#include "nn/modules/embedding.h"
#include "nn/modules/unfold.h"
#include "nn/modules/upsample.h"
#include "ops/factory.h"
#include "ops/norm.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

Tensor random_tensor(std::mt19937& rng, const Shape& shape) {
  std::normal_distribution<double> nd;
  std::vector<double> v(size_t(numel_of(shape)));
  for (double& x : v) x = nd(rng);
  return tensor(v, shape, kFloat64);
}

struct Geom {
  int64_t N, C, H, W, kH, kW, dH, dW, pH, pW, sH, sW;
  int64_t bH() const { return (H + 2 * pH - dH * (kH - 1) - 1) / sH + 1; }
  int64_t bW() const { return (W + 2 * pW - dW * (kW - 1) - 1) / sW + 1; }
  UnfoldFuncOptions unfold_options() const {
    return UnfoldFuncOptions({kH, kW}).dilation({dH, dW}).padding({pH, pW}).stride({sH, sW});
  }
  FoldFuncOptions fold_options() const {
    return FoldFuncOptions({H, W}, {kH, kW}).dilation({dH, dW}).padding({pH, pW}).stride({sH, sW});
  }
};

// The input position block (i, j) tap (p, q) reads, or false outside the input.
bool source(const Geom& g, int64_t i, int64_t j, int64_t p, int64_t q, int64_t& y, int64_t& x) {
  y = i * g.sH - g.pH + p * g.dH, x = j * g.sW - g.pW + q * g.dW;
  return y >= 0 && y < g.H && x >= 0 && x < g.W;
}

const std::vector<Geom> kGeoms = {
    {2, 3, 5, 6, 3, 3, 1, 1, 0, 0, 1, 1},  // plain
    {1, 2, 6, 5, 2, 3, 2, 1, 1, 1, 2, 1},  // dilation, padding, stride
    {2, 1, 7, 7, 2, 2, 1, 1, 1, 0, 3, 3},  // stride beyond the kernel: cells no block covers
};

}  // namespace

TEST_CASE("unfold matches a naive im2col loop and fold a naive col2im loop", "[unfold]") {
  std::mt19937 rng(31);
  for (size_t t = 0; t < kGeoms.size(); ++t) {
    INFO("geometry " << t);
    const Geom& g = kGeoms[t];
    const int64_t K = g.kH * g.kW, L = g.bH() * g.bW();
    Tensor x = random_tensor(rng, {g.N, g.C, g.H, g.W});
    Tensor cols = unfold(x, g.unfold_options());
    REQUIRE(cols.shape() == Shape{g.N, g.C * K, L});
    std::vector<double> xv = x.to_vector(), got = cols.to_vector();
    Tensor blocks = random_tensor(rng, {g.N, g.C * K, L});
    std::vector<double> bv = blocks.to_vector(), want_fold(size_t(g.N * g.C * g.H * g.W), 0.0);
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t p = 0; p < g.kH; ++p)
          for (int64_t q = 0; q < g.kW; ++q)
            for (int64_t i = 0; i < g.bH(); ++i)
              for (int64_t j = 0; j < g.bW(); ++j) {
                int64_t y, z;
                const bool in = source(g, i, j, p, q, y, z);
                const size_t col = size_t(((n * g.C + c) * K + p * g.kW + q) * L + i * g.bW() + j);
                const size_t pix = size_t(((n * g.C + c) * g.H + y) * g.W + z);
                REQUIRE(got[col] == (in ? xv[pix] : 0.0));
                if (in) want_fold[pix] += bv[col];
              }
    Tensor folded = fold(blocks, g.fold_options());
    REQUIRE(folded.shape() == Shape{g.N, g.C, g.H, g.W});
    std::vector<double> fv = folded.to_vector();
    for (size_t k = 0; k < fv.size(); ++k) REQUIRE(fv[k] == Approx(want_fold[k]).epsilon(1e-12));
  }
}

TEST_CASE("unfold and fold gradients pass gradcheck and gradgradcheck", "[unfold][gradcheck]") {
  std::mt19937 rng(32);
  const Geom& g = kGeoms[1];
  tensor_list x{random_tensor(rng, {g.N, g.C, g.H, g.W}).requires_grad_()};
  auto u = [g](const tensor_list& t) { return tensor_list{unfold(t[0], g.unfold_options())}; };
  CHECK(autograd::gradcheck(u, x));
  CHECK(autograd::gradgradcheck(u, x));
  tensor_list c{random_tensor(rng, {g.N, g.C * g.kH * g.kW, g.bH() * g.bW()}).requires_grad_()};
  auto f = [g](const tensor_list& t) { return tensor_list{fold(t[0], g.fold_options())}; };
  CHECK(autograd::gradcheck(f, c));
  CHECK(autograd::gradgradcheck(f, c));
}

TEST_CASE("fold and unfold reject bad sizes naming the op", "[unfold][errors]") {
  CHECK_THROWS_WITH(unfold(zeros({1, 2, 3, 3}), UnfoldFuncOptions(4)), Contains("unfold") && Contains("sliding block"));
  CHECK_THROWS_WITH(fold(zeros({1, 8, 5}), FoldFuncOptions({3, 4}, 2)),
                    Contains("fold") && Contains("number of sliding blocks 2 * 3 = 6, got 5"));
  CHECK_THROWS_WITH(nn::Unfold(nn::UnfoldOptions(0)), Contains("Unfold: expected kernel_size"));
}

TEST_CASE("Upsample, PixelShuffle, ChannelShuffle, Embedding and normalize on hand-worked values", "[unfold]") {
  Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, kFloat64);
  nn::Upsample near(nn::UpsampleOptions().scale_factor({2}));
  CHECK(near->forward(x).to_vector() ==
        std::vector<double>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  nn::Upsample corners(nn::UpsampleOptions().size({3, 3}).mode(kBilinear).align_corners(true));
  CHECK(corners->forward(x).to_vector() == std::vector<double>{1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
  // align_corners=False, 2 -> 4: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped row).
  Tensor row = interpolate(tensor({0, 4}, {1, 1, 2}, kFloat64), InterpolateFuncOptions().size({4}).mode(kLinear));
  CHECK(row.to_vector() == std::vector<double>{0, 1, 3, 4});
  CHECK(near->extra_repr() == "scale_factor=2.0, mode='nearest'");
  CHECK_THROWS_WITH(nn::Upsample(nn::UpsampleOptions().size({2}).scale_factor({2})),
                    Contains("only one of size or scale_factor"));

  Tensor c = arange(8, kFloat64).reshape({1, 8, 1, 1});
  CHECK(nn::PixelShuffle(2)->forward(c).reshape({8}).to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(pixel_shuffle(c, 2).shape() == Shape{1, 2, 2, 2});
  CHECK(nn::ChannelShuffle(2)->forward(c).reshape({8}).to_vector() == std::vector<double>{0, 4, 1, 5, 2, 6, 3, 7});
  CHECK(pixel_unshuffle(pixel_shuffle(c, 2), 2).to_vector() == c.to_vector());

  Tensor w = tensor({0, 1, 10, 11, 20, 21}, {3, 2}, kFloat64);
  nn::Embedding emb = nn::Embedding::from_pretrained(w, nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(0));
  Tensor idx = tensor({2, 0, 2}, {3}, kInt64);
  Tensor out = emb->forward(idx);
  CHECK(out.to_vector() == std::vector<double>{20, 21, 0, 1, 20, 21});
  out.sum().backward();
  CHECK(emb->weight.grad().to_vector() == std::vector<double>{0, 0, 0, 0, 2, 2});
  CHECK(emb->extra_repr() == "3, 2, padding_idx=0");
  CHECK_THROWS_WITH(nn::Embedding(nn::EmbeddingOptions(3, 2).max_norm(1.0)), Contains("max_norm is not supported"));

  CHECK(normalize(tensor({3, 4}, {1, 2}, kFloat64)).to_vector() == std::vector<double>{0.6, 0.8});
}
