// Resize, CenterCrop and RandomRotation against naive loops written from
// torchvision's definitions (the Python tests compare them with torch itself).
#include <cmath>

#include "data/transforms.h"
#include "test_helpers.h"

namespace ember::test {
namespace {

using namespace ember::data;

TEST_CASE("Resize nearest reads floor(dst * in / out); bilinear upsampling interpolates half-pixel centres",
          "[transforms]") {
  Tensor x = seq({2, 1, 5, 7});
  Tensor y = Resize({3, 4}, Interpolation::Nearest)(x);
  REQUIRE(y.shape() == Shape{2, 1, 3, 4});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        int64_t si = int64_t(std::floor(float(i) * (5.0f / 3.0f))), sj = int64_t(std::floor(float(j) * (7.0f / 4.0f)));
        CHECK(elem(y, {n, 0, i, j}) == elem(x, {n, 0, si, sj}));
      }
  // A 2x upsampling of a row [a, b]: a, 0.75a + 0.25b, 0.25a + 0.75b, b.
  Tensor row = tensor({1.0, 5.0}, {1, 1, 2});
  Tensor up = Resize({1, 4}, Interpolation::Bilinear, std::nullopt, false)(row);
  CHECK(values(up) == std::vector<double>{1.0, 2.0, 4.0, 5.0});
  // An antialiased 2x downscale averages pairs (a triangle of half-width 2 over pixel centres).
  Tensor four = tensor({0.0, 4.0, 8.0, 12.0}, {1, 1, 4});
  Tensor down = Resize({1, 2}, Interpolation::Bilinear, std::nullopt, true)(four);
  // Output 0 (centre 1, half-width 2): inputs 0..2 at distances 0.5, 0.5, 1.5 pixel
  // centres, weights 1 - d/2 = 0.75, 0.75, 0.25, normalized.
  CHECK(values(down)[0] == Approx((0 * 0.75 + 4 * 0.75 + 8 * 0.25) / 1.75));
  // Output 1 (centre 3): inputs 1..3 at 1.5, 0.5, 0.5 (4 is past the edge).
  CHECK(values(down)[1] == Approx((4 * 0.25 + 8 * 0.75 + 12 * 0.75) / 1.75));
  CHECK(Resize({14}).output_size(28, 56) == Pair(14, 28));
  CHECK(Resize({10}).output_size(30, 20) == Pair(15, 10));
  CHECK_THROWS_AS(Resize({0}), ValueError);
}

TEST_CASE("CenterCrop cuts the centred window and zero-pads a larger one", "[transforms]") {
  Tensor x = seq({1, 6, 5});
  Tensor y = CenterCrop(Pair(3, 2))(x);
  // offsets round((6 - 3) / 2) = round(1.5) = 2 (half to even) and round(1.5) = 2
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) CHECK(elem(y, {0, i, j}) == elem(x, {0, i + 2, j + 2}));
  Tensor big = CenterCrop(Pair(8, 5))(x);  // pad 1 row above, 1 below
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 5; ++j) CHECK(elem(big, {0, i, j}) == (i == 0 || i == 7 ? 0.0 : elem(x, {0, i - 1, j})));
}

TEST_CASE("RandomRotation by 90 degrees turns the image counter-clockwise; fill outside", "[transforms]") {
  Tensor x = seq({1, 4, 4});
  RandomRotation rot({0, 0}, {-1.0});
  Tensor y = rot.rotate(x, 90.0);
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) CHECK(elem(y, {0, i, j}) == elem(x, {0, j, 3 - i}));
  Tensor tall = seq({1, 2, 4});
  Tensor t = rot.rotate(tall, 180.0);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j) CHECK(elem(t, {0, i, j}) == elem(tall, {0, 1 - i, 3 - j}));
  // 5x5 by 45 degrees: corner (0, 0) at (-2, -2) from the centre reads row -2.83 + 2
  // (outside, fill); the centre stays; (0, 2) at (0, -2) reads column 2 + 1.41, row 2 - 1.41
  // (counter-clockwise: the top comes from the upper right).
  Tensor five = seq({1, 5, 5});
  Tensor o = rot.rotate(five, 45.0);
  CHECK(elem(o, {0, 0, 0}) == -1.0);
  CHECK(elem(o, {0, 2, 2}) == elem(five, {0, 2, 2}));
  CHECK(elem(o, {0, 0, 2}) == elem(five, {0, 1, 3}));
  Generator g(3);
  Tensor batch = RandomRotation({-30, 30}, {0.0}, std::nullopt, &g)(seq({5, 1, 6, 6}));
  CHECK(batch.shape() == Shape{5, 1, 6, 6});
  CHECK_THROWS_AS(RandomRotation({5, -5}), ValueError);
}

}  // namespace
}  // namespace ember::test
