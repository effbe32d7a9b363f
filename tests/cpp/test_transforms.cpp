// Each transform against a naive loop over (N, C, H, W): Normalize and the
// deterministic cases exactly; the random ones by checking that every output
// image is what the naive rule gives for some admissible random parameter
// (found by search), that the parameters vary across the batch, and that a
// seed fixes them.
#include <algorithm>
#include <cmath>
#include <set>

#include "data/transforms.h"
#include "test_helpers.h"

namespace ember::test {
namespace {

using namespace ember::data;

// Distinct values in [lo, hi): a misplaced pixel shows.
Tensor images(const Shape& shape, double lo = 0.0, double hi = 1.0, Dtype dtype = kFloat64) {
  int64_t n = numel_of(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = lo + (hi - lo) * double((i * 37) % n) / double(n);
  return tensor(v, shape, dtype);
}

// Image n of a batch as a plain (C, H, W) array.
std::vector<double> image(const Tensor& batch, int64_t n) {
  std::vector<double> all = values(batch);
  int64_t size = batch.numel() / batch.size(0);
  return std::vector<double>(all.begin() + n * size, all.begin() + (n + 1) * size);
}

bool close(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > tol) return false;
  return true;
}

TEST_CASE("Normalize subtracts the channel mean and divides by the channel std", "[transforms]") {
  Dtype dtype = GENERATE(kFloat32, kFloat64);
  Tensor x = images({2, 3, 4, 5}, 0, 1, dtype);
  std::vector<double> mean = {0.1, 0.5, -0.2}, stdev = {0.5, 2.0, 0.25};
  Tensor y = Normalize(mean, stdev)(x);
  CHECK(y.dtype() == dtype);
  REQUIRE(y.shape() == x.shape());
  for_each_index(x.shape(), [&](const std::vector<int64_t>& i) {
    double want = (elem(x, i) - mean[size_t(i[1])]) / stdev[size_t(i[1])];
    CHECK(elem(y, i) == Approx(want).epsilon(dtype == kFloat32 ? 1e-6 : 1e-15));
  });
  Tensor single = Normalize({0.5}, {0.5})(x.select(0, 1));
  CHECK(single.shape() == Shape{3, 4, 5});
  for_each_index(single.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(single, i) == Approx((elem(x, {1, i[0], i[1], i[2]}) - 0.5) / 0.5).epsilon(1e-6));
  });
}

TEST_CASE("Compose applies its transforms in order", "[transforms]") {
  Tensor x = images({1, 1, 2, 2});
  Compose both({std::make_shared<Normalize>(std::vector<double>{1.0}, std::vector<double>{2.0}),
                std::make_shared<Normalize>(std::vector<double>{-3.0}, std::vector<double>{0.5})});
  Tensor y = both(x);
  for_each_index(x.shape(), [&](const std::vector<int64_t>& i) {
    CHECK(elem(y, i) == Approx(((elem(x, i) - 1.0) / 2.0 + 3.0) / 0.5));
  });
}

// x mirrored left-right, by a naive loop.
std::vector<double> mirrored(const Tensor& x, int64_t n) {
  int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  std::vector<double> out;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w) out.push_back(elem(x, {n, c, h, W - 1 - w}));
  return out;
}

TEST_CASE("RandomHorizontalFlip mirrors each image or keeps it, per image", "[transforms]") {
  Tensor x = images({64, 2, 3, 5});
  Tensor all = RandomHorizontalFlip(1.0)(x);
  Tensor none = RandomHorizontalFlip(0.0)(x);
  for (int64_t n = 0; n < 64; ++n) {
    CHECK(image(all, n) == mirrored(x, n));
    CHECK(image(none, n) == image(x, n));
  }
  Generator g(1);
  Tensor some = RandomHorizontalFlip(0.5, &g)(x);
  int flipped = 0;
  for (int64_t n = 0; n < 64; ++n) {
    bool is_flipped = image(some, n) == mirrored(x, n);
    CHECK((is_flipped || image(some, n) == image(x, n)));
    flipped += is_flipped;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);
  Generator again(1);
  CHECK(values(RandomHorizontalFlip(0.5, &again)(x)) == values(some));
}

// Window (i, j) of size (oh, ow) of image n zero-padded by p, by a naive loop.
std::vector<double> padded_window(const Tensor& x, int64_t n, int64_t p, int64_t i, int64_t j, int64_t oh,
                                  int64_t ow) {
  int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  std::vector<double> out;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        int64_t sy = i + y - p, sx = j + xx - p;
        out.push_back(sy >= 0 && sy < H && sx >= 0 && sx < W ? elem(x, {n, c, sy, sx}) : 0.0);
      }
  return out;
}

TEST_CASE("RandomCrop cuts each padded image at its own random offset", "[transforms]") {
  Tensor x = images({16, 2, 5, 6}, 0.1, 1.0);
  int64_t p = 2;
  Generator g(5);
  Tensor y = RandomCrop(Pair(4, 5), p, &g)(x);
  REQUIRE(y.shape() == Shape{16, 2, 4, 5});
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (int64_t n = 0; n < 16; ++n) {
    int matches = 0;
    for (int64_t i = 0; i <= 5 + 2 * p - 4; ++i)
      for (int64_t j = 0; j <= 6 + 2 * p - 5; ++j)
        if (image(y, n) == padded_window(x, n, p, i, j, 4, 5)) {
          ++matches;
          offsets.insert({i, j});
        }
    CHECK(matches == 1);
  }
  CHECK(offsets.size() > 4);
  Generator again(5);
  CHECK(values(RandomCrop(Pair(4, 5), p, &again)(x)) == values(y));
  CHECK(values(RandomCrop(Pair(5, 6))(x)) == values(x));  // the whole image: nothing to draw
}

// Window (i, j, h, w) of image n resized to (oh, ow) bilinearly with
// half-pixel centres (PyTorch's align_corners=False), by a naive loop.
std::vector<double> resized_window(const Tensor& x, int64_t n, int64_t i, int64_t j, int64_t h, int64_t w,
                                   int64_t oh, int64_t ow) {
  std::vector<double> out;
  for (int64_t c = 0; c < x.size(1); ++c)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx) {
        double sy = std::max((y + 0.5) * double(h) / double(oh) - 0.5, 0.0);
        double sx = std::max((xx + 0.5) * double(w) / double(ow) - 0.5, 0.0);
        int64_t y0 = int64_t(std::floor(sy)), x0 = int64_t(std::floor(sx));
        int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
        double ly = sy - double(y0), lx = sx - double(x0);
        auto at = [&](int64_t yy, int64_t xxx) { return elem(x, {n, c, i + yy, j + xxx}); };
        out.push_back((1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) +
                      ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1)));
      }
  return out;
}

TEST_CASE("RandomResizedCrop with the full scale resizes the whole image bilinearly", "[transforms]") {
  Tensor x = images({2, 3, 5, 4});
  Tensor y = RandomResizedCrop(Pair(7, 3), {1.0, 1.0}, {0.8, 0.8})(x);  // 4/5 = the image's own ratio
  REQUIRE(y.shape() == Shape{2, 3, 7, 3});
  for (int64_t n = 0; n < 2; ++n) CHECK(close(image(y, n), resized_window(x, n, 0, 0, 5, 4, 7, 3), 1e-12));
}

TEST_CASE("RandomResizedCrop resizes a random window of admissible area and ratio per image", "[transforms]") {
  Tensor x = images({12, 1, 6, 6});
  Generator g(9);
  std::pair<double, double> scale = {0.25, 0.8}, ratio = {0.5, 2.0};
  Tensor y = RandomResizedCrop(Pair(4), scale, ratio, &g)(x);
  std::set<std::vector<int64_t>> boxes;
  for (int64_t n = 0; n < 12; ++n) {
    bool found = false;
    for (int64_t h = 1; h <= 6 && !found; ++h)
      for (int64_t w = 1; w <= 6 && !found; ++w)
        for (int64_t i = 0; i + h <= 6 && !found; ++i)
          for (int64_t j = 0; j + w <= 6 && !found; ++j)
            if (close(image(y, n), resized_window(x, n, i, j, h, w, 4, 4), 1e-12)) {
              found = true;
              boxes.insert({i, j, h, w});
              // Sizes are rounded from an area in scale * 36 and a ratio in range.
              CHECK(double(h * w) >= (std::sqrt(scale.first * 36) - 1) * (std::sqrt(scale.first * 36) - 1) - 1e-9);
              CHECK(double(w) / double(h) <= 2.0 * 3);
            }
    CHECK(found);
  }
  CHECK(boxes.size() > 3);
}

TEST_CASE("ColorJitter scales brightness and blends with the grayscale mean for contrast", "[transforms]") {
  int64_t C = GENERATE(1, 3);
  Tensor x = images({8, C, 3, 4}, 0.2, 0.4);  // no clamping for factors in [0.5, 1.5]
  Generator g(2);
  Tensor bright = ColorJitter(0.5, 0.0, &g)(x);
  Tensor contrast = ColorJitter(0.0, 0.5, &g)(x);
  Tensor both = ColorJitter(0.5, 0.5, &g)(x);
  std::set<double> factors;
  for (int64_t n = 0; n < 8; ++n) {
    std::vector<double> in = image(x, n);
    int64_t plane = 12;
    double mean = 0;  // torchvision's grayscale weights
    for (int64_t k = 0; k < plane; ++k)
      mean += C == 1 ? in[size_t(k)]
                     : 0.2989 * in[size_t(k)] + 0.587 * in[size_t(plane + k)] + 0.114 * in[size_t(2 * plane + k)];
    mean /= double(plane);
    // Brightness: out = b * x for one b in [0.5, 1.5].
    std::vector<double> out = image(bright, n);
    double b = out[0] / in[0];
    CHECK((b >= 0.5 && b <= 1.5));
    for (size_t k = 0; k < in.size(); ++k) CHECK(out[k] == Approx(b * in[k]).epsilon(1e-12));
    factors.insert(b);
    // Contrast: out = c * x + (1 - c) * mean for one c in [0.5, 1.5].
    out = image(contrast, n);
    // Solve for the factors at the pixels farthest apart, where rounding matters least.
    size_t far = 0, lo = 0, hi = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      if (std::fabs(in[k] - mean) > std::fabs(in[far] - mean)) far = k;
      if (in[k] < in[lo]) lo = k;
      if (in[k] > in[hi]) hi = k;
    }
    double c = (out[far] - mean) / (in[far] - mean);
    CHECK((c >= 0.5 && c <= 1.5));
    for (size_t k = 0; k < in.size(); ++k) CHECK(out[k] == Approx(c * in[k] + (1 - c) * mean).epsilon(1e-9));
    // Both (orders agree without clamping): out = b * (c * x + (1 - c) * mean) = alpha * x + beta.
    out = image(both, n);
    double alpha = (out[hi] - out[lo]) / (in[hi] - in[lo]), beta = out[lo] - alpha * in[lo];
    double b2 = alpha + beta / mean, c2 = alpha / b2;
    CHECK((b2 >= 0.5 - 1e-9 && b2 <= 1.5 + 1e-9 && c2 >= 0.5 - 1e-9 && c2 <= 1.5 + 1e-9));
    for (size_t k = 0; k < in.size(); ++k) CHECK(out[k] == Approx(alpha * in[k] + beta).epsilon(1e-9));
  }
  CHECK(factors.size() == 8);
}

TEST_CASE("ColorJitter clamps to [0, 1]", "[transforms]") {
  Tensor x = images({4, 1, 2, 2}, 0.5, 1.0);
  Tensor y = ColorJitter(0.9)(x);
  for (double v : values(y)) CHECK((v >= 0.0 && v <= 1.0));
  Tensor up = ColorJitter(0.0)(x);
  CHECK(values(up) == values(x));
}

TEST_CASE("transforms reject inputs that are not images", "[transforms]") {
  expect_error<ValueError>([] { Normalize({0.0}, {1.0})(zeros({2, 3})); },
                           "Normalize: expected an image (C, H, W) or a batch (N, C, H, W), got shape [2, 3]");
  expect_error<TypeError>([] { RandomHorizontalFlip()(zeros({1, 2, 2}, kInt64)); },
                          "RandomHorizontalFlip: expected float32 or float64 images, got int64");
  expect_error<ValueError>([] { Normalize({0.0, 0.0}, {1.0, 1.0})(zeros({3, 2, 2})); },
                           "expected 1 or 3 (channels) values of mean and std, got 2 and 2");
  expect_error<ValueError>([] { Normalize({0.0}, {0.0}); }, "expected every std to be nonzero");
  expect_error<ValueError>([] { RandomCrop(Pair(5), 1)(zeros({1, 2, 2})); },
                           "expected a crop size (5, 5) no larger than the padded image (4, 4)");
  expect_error<ValueError>([] { ColorJitter(0.0, 0.5)(zeros({2, 2, 2})); }, "contrast needs images with 1 or 3");
}

}  // namespace
}  // namespace ember::test
