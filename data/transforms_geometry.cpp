// Resize, CenterCrop and RandomRotation, following torchvision's tensor
// functional code (F.resize -> interpolate, F.center_crop, F.rotate ->
// affine grid + grid_sample) so that results match it.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "autograd/error.h"
#include "data/transforms.h"
#include "data/transforms_internal.h"

namespace ember::data {

using namespace detail;

namespace detail {

Taps linear_taps(int64_t in, int64_t out, bool antialias, bool in_float) {
  Taps t;
  t.start.resize(size_t(out));
  t.count.resize(size_t(out));
  double scale = double(in) / double(out);
  if (!antialias || scale <= 1.0) {
    // interpolate(mode="bilinear", align_corners=False): source max((i + 0.5) * scale - 0.5, 0),
    // computed in the images' precision, as torch does.
    t.max_taps = 2;
    t.w.assign(size_t(2 * out), 0.0);
    auto fill = [&](auto one) {
      using F = decltype(one);
      F s = F(in) / F(out);
      for (int64_t i = 0; i < out; ++i) {
        F src = std::max(s * (F(i) + F(0.5)) - F(0.5), F(0));
        int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
        F l = i0 < in - 1 ? src - F(i0) : F(0);
        t.start[size_t(i)] = i0;
        t.count[size_t(i)] = i0 < in - 1 ? 2 : 1;
        t.w[size_t(2 * i)] = double(one - l);
        t.w[size_t(2 * i + 1)] = double(l);
      }
    };
    if (in_float)
      fill(1.0f);
    else
      fill(1.0);
    return t;
  }
  // interpolate(antialias=True) / PIL: a triangle of half-width `scale` around
  // each output centre, clipped to the image and normalized.
  double support = scale;
  t.max_taps = int64_t(std::ceil(support)) * 2 + 1;
  t.w.assign(size_t(t.max_taps * out), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    double center = scale * (double(i) + 0.5);
    int64_t lo = std::max<int64_t>(int64_t(center - support + 0.5), 0);
    int64_t n = std::min<int64_t>(int64_t(center + support + 0.5), in) - lo;
    double* w = t.w.data() + i * t.max_taps;
    double total = 0;
    for (int64_t k = 0; k < n; ++k) {
      double x = std::abs((double(k + lo) - center + 0.5) / scale);
      w[k] = x < 1.0 ? 1.0 - x : 0.0;
      total += w[k];
    }
    for (int64_t k = 0; k < n; ++k) w[k] = total != 0 ? w[k] / total : 0.0;
    t.start[size_t(i)] = lo;
    t.count[size_t(i)] = n;
  }
  return t;
}

Taps nearest_taps(int64_t in, int64_t out) {
  Taps t;
  t.max_taps = 1;
  t.start.resize(size_t(out));
  t.count.assign(size_t(out), 1);
  t.w.assign(size_t(out), 1.0);
  float scale = float(in) / float(out);
  for (int64_t i = 0; i < out; ++i)
    t.start[size_t(i)] = std::min<int64_t>(int64_t(std::floor(float(i) * scale)), in - 1);
  return t;
}

}  // namespace detail

Resize::Resize(std::vector<int64_t> size, Interpolation mode, std::optional<int64_t> max_size, bool antialias)
    : size_(std::move(size)), mode_(mode), max_size_(max_size), antialias_(antialias) {
  EMBER_CHECK(size_.size() == 1 || size_.size() == 2,
              "Resize: expected size to be an int or a sequence of one or two ints, got {} values", size_.size());
  for (int64_t s : size_) EMBER_CHECK(s > 0, "Resize: expected positive sizes, got {}", fmt::join(size_, ", "));
  EMBER_CHECK(!max_size_ || size_.size() == 1,
              "Resize: max_size should only be passed if size specifies the length of the smaller edge, "
              "i.e. size should be an int or a sequence of length 1");
  EMBER_CHECK(!max_size_ || *max_size_ > size_[0],
              "Resize: max_size = {} must be strictly greater than the requested size for the smaller edge size = {}",
              max_size_.value_or(0), size_[0]);
}

Pair Resize::output_size(int64_t h, int64_t w) const {
  if (size_.size() == 2) return Pair(size_[0], size_[1]);
  // torchvision's _compute_resized_output_size: the short edge becomes size,
  // the long one int(size * long / short), then both are scaled down if the
  // long one exceeds max_size.
  bool w_short = w <= h;
  int64_t shorter = w_short ? w : h, longer = w_short ? h : w;
  int64_t new_short = size_[0], new_long = int64_t(double(size_[0]) * double(longer) / double(shorter));
  if (max_size_ && new_long > *max_size_) {
    new_short = int64_t(double(*max_size_) * double(new_short) / double(new_long));
    new_long = *max_size_;
  }
  return w_short ? Pair(new_long, new_short) : Pair(new_short, new_long);
}

Tensor Resize::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "Resize");
  Pair o = output_size(b.H, b.W);
  bool in_float = x.dtype() == kFloat32;
  Taps ty = mode_ == Interpolation::Nearest ? nearest_taps(b.H, o.h) : linear_taps(b.H, o.h, antialias_, in_float);
  Taps tx = mode_ == Interpolation::Nearest ? nearest_taps(b.W, o.w) : linear_taps(b.W, o.w, antialias_, in_float);
  Tensor out = make_output(b, o.h, o.w);
  dispatch_floating(x.dtype(), "Resize", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* dst = out.data_ptr<T>();
#pragma omp parallel for if (b.N * b.C * o.h * o.w > kParallelWork)
    for (int64_t p = 0; p < b.N * b.C; ++p) resample(in + p * b.H * b.W, b.W, b.H, ty, tx, dst + p * o.h * o.w);
  });
  return out;
}

CenterCrop::CenterCrop(Pair size) : size_(size) {
  EMBER_CHECK(size.h > 0 && size.w > 0, "CenterCrop: expected a positive size, got ({}, {})", size.h, size.w);
}

Tensor CenterCrop::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "CenterCrop");
  // Offset of the window in the image: round((in - crop) / 2) half to even
  // (Python's round), or minus the left/top zero padding when the crop is larger.
  auto offset = [](int64_t in, int64_t crop) {
    return crop > in ? -((crop - in) / 2) : int64_t(std::nearbyint(double(in - crop) / 2.0));
  };
  int64_t dy = offset(b.H, size_.h), dx = offset(b.W, size_.w), OH = size_.h, OW = size_.w;
  Tensor out = make_output(b, OH, OW);
  dispatch_floating(x.dtype(), "CenterCrop", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t x0 = std::clamp<int64_t>(-dx, 0, OW), x1 = std::clamp<int64_t>(b.W - dx, x0, OW);
#pragma omp parallel for if (b.N * b.C * OH * OW > kParallelWork)
    for (int64_t p = 0; p < b.N * b.C; ++p)
      for (int64_t y = 0; y < OH; ++y) {
        T* row = o + (p * OH + y) * OW;
        int64_t sy = y + dy;
        if (sy < 0 || sy >= b.H) {
          std::fill(row, row + OW, T(0));
          continue;
        }
        const T* src = in + (p * b.H + sy) * b.W + dx;
        std::fill(row, row + x0, T(0));
        std::copy(src + x0, src + x1, row + x0);
        std::fill(row + x1, row + OW, T(0));
      }
  });
  return out;
}

RandomRotation::RandomRotation(std::pair<double, double> degrees, std::vector<double> fill,
                               std::optional<std::pair<double, double>> center, Generator* gen)
    : degrees_(degrees), fill_(std::move(fill)), center_(center), gen_(gen) {
  EMBER_CHECK(degrees.first <= degrees.second, "RandomRotation: expected degrees[0] <= degrees[1], got ({}, {})",
              degrees.first, degrees.second);
  EMBER_CHECK(!fill_.empty(), "RandomRotation: expected at least one fill value");
}

Tensor RandomRotation::operator()(const Tensor& x) const {
  int64_t n = x.defined() && x.dim() == 4 ? x.size(0) : 1;
  std::vector<double> angles(size_t(std::max<int64_t>(n, 0)));
  {
    Generator& g = pick(gen_);
    std::lock_guard<std::mutex> lock(g.mutex());
    for (auto& a : angles) a = uniform(g, degrees_.first, degrees_.second);
  }
  return rotate_by(x, angles);
}

Tensor RandomRotation::rotate(const Tensor& x, double angle) const {
  int64_t n = x.defined() && x.dim() == 4 ? x.size(0) : 1;
  return rotate_by(x, std::vector<double>(size_t(std::max<int64_t>(n, 0)), angle));
}

Tensor RandomRotation::rotate_by(const Tensor& x, const std::vector<double>& angles) const {
  Batch b = as_batch(x, "RandomRotation");
  EMBER_CHECK(fill_.size() == 1 || int64_t(fill_.size()) == b.C,
              "RandomRotation: expected 1 or {} (channels) fill values, got {}", b.C, fill_.size());
  // torchvision: center in pixels, relative to the image centre.
  double cx = center_ ? center_->first - double(b.W) * 0.5 : 0.0;
  double cy = center_ ? center_->second - double(b.H) * 0.5 : 0.0;
  Tensor out = make_output(b, b.H, b.W);
  dispatch_floating(x.dtype(), "RandomRotation", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t plane = b.H * b.W;
#pragma omp parallel for if (b.N * b.C * plane > kParallelWork)
    for (int64_t n = 0; n < b.N; ++n) {
      // The inverse affine matrix of torchvision's _get_inverse_affine_matrix
      // (rotation by -angle about the centre), applied as F.rotate does, in the
      // images' precision: output pixel (i, j) at x = j - W/2 + 0.5, y = i - H/2 + 0.5
      // gets the grid point g = (m0 x + m1 y + m2) / (W/2) (rows likewise), which
      // grid_sample (align_corners=False) reads at (g + 1) W/2 - 0.5, rounded half
      // to even; outside the image it is fill. Same steps, so ties round alike.
      double rot = -angles[size_t(n)] * (M_PI / 180.0);  // as Python's math.radians
      double m0 = std::cos(rot), m1 = std::sin(rot), m3 = -std::sin(rot), m4 = std::cos(rot);
      double m2 = m0 * -cx + m1 * -cy + cx, m5 = m3 * -cx + m4 * -cy + cy;
      T hw = T(0.5) * T(b.W), hh = T(0.5) * T(b.H);
      T r0 = T(m0) / hw, r1 = T(m1) / hw, r2 = T(m2) / hw, r3 = T(m3) / hh, r4 = T(m4) / hh, r5 = T(m5) / hh;
      for (int64_t i = 0; i < b.H; ++i)
        for (int64_t j = 0; j < b.W; ++j) {
          T px = T(j) - hw + T(0.5), py = T(i) - hh + T(0.5);
          T gx = px * r0 + py * r1 + r2, gy = px * r3 + py * r4 + r5;
          double sx = std::nearbyint(double((gx + T(1)) * hw - T(0.5)));
          double sy = std::nearbyint(double((gy + T(1)) * hh - T(0.5)));
          bool inside = sx >= 0 && sx < double(b.W) && sy >= 0 && sy < double(b.H);
          for (int64_t c = 0; c < b.C; ++c) {
            T v = inside ? in[(n * b.C + c) * plane + int64_t(sy) * b.W + int64_t(sx)]
                         : T(fill_.size() == 1 ? fill_[0] : fill_[size_t(c)]);
            o[(n * b.C + c) * plane + i * b.W + j] = v;
          }
        }
    }
  });
  return out;
}

}  // namespace ember::data
