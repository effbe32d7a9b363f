// Transforms: each draws its random parameters for every image first, in
// order and under the generator's lock (so a seed fixes them), then runs a
// plain kernel over the batch, in parallel over images when the batch is big.
#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <type_traits>

#include "autograd/error.h"
#include "data/transforms_internal.h"

namespace ember::data {

using namespace detail;

Compose::Compose(std::vector<TransformPtr> transforms) : transforms_(std::move(transforms)) {
  for (const auto& t : transforms_) EMBER_CHECK(t != nullptr, "Compose: expected transforms, got a null one");
}

Tensor Compose::operator()(const Tensor& x) const {
  Tensor y = x;
  for (const auto& t : transforms_) y = (*t)(y);
  return y;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  EMBER_CHECK(!mean_.empty() && !std_.empty(), "Normalize: expected at least one mean and one std");
  for (double s : std_) EMBER_CHECK(s != 0, "Normalize: expected every std to be nonzero, got {}", fmt::join(std_, ", "));
}

Tensor Normalize::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "Normalize");
  for (const auto* v : {&mean_, &std_})
    EMBER_CHECK(v->size() == 1 || int64_t(v->size()) == b.C,
                "Normalize: expected 1 or {} (channels) values of mean and std, got {} and {}", b.C, mean_.size(),
                std_.size());
  Tensor out = make_output(b, b.H, b.W);
  dispatch_floating(x.dtype(), "Normalize", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t plane = b.H * b.W;
#pragma omp parallel for if (b.N * b.C * plane > kParallelWork)
    for (int64_t nc = 0; nc < b.N * b.C; ++nc) {
      int64_t c = nc % b.C;
      T m = T(mean_.size() == 1 ? mean_[0] : mean_[size_t(c)]);
      T s = T(std_.size() == 1 ? std_[0] : std_[size_t(c)]);
      for (int64_t k = 0; k < plane; ++k) o[nc * plane + k] = (in[nc * plane + k] - m) / s;
    }
  });
  return out;
}

RandomHorizontalFlip::RandomHorizontalFlip(double p, Generator* gen) : p_(p), gen_(gen) {
  EMBER_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: expected p in [0, 1], got {}", p);
}

Tensor RandomHorizontalFlip::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "RandomHorizontalFlip");
  std::vector<char> flip(size_t(b.N));
  {
    Generator& g = pick(gen_);
    std::lock_guard<std::mutex> lock(g.mutex());
    for (auto& f : flip) f = g.uniform() < p_;
  }
  Tensor out = make_output(b, b.H, b.W);
  dispatch_floating(x.dtype(), "RandomHorizontalFlip", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t image = b.C * b.H * b.W;
#pragma omp parallel for if (b.N * image > kParallelWork)
    for (int64_t n = 0; n < b.N; ++n) {
      const T* src = in + n * image;
      T* dst = o + n * image;
      if (!flip[size_t(n)]) {
        std::copy(src, src + image, dst);
        continue;
      }
      for (int64_t row = 0; row < b.C * b.H; ++row)
        std::reverse_copy(src + row * b.W, src + (row + 1) * b.W, dst + row * b.W);
    }
  });
  return out;
}

RandomCrop::RandomCrop(Pair size, int64_t padding, Generator* gen) : size_(size), padding_(padding), gen_(gen) {
  EMBER_CHECK(size.h > 0 && size.w > 0, "RandomCrop: expected a positive size, got ({}, {})", size.h, size.w);
  EMBER_CHECK(padding >= 0, "RandomCrop: expected padding >= 0, got {}", padding);
}

Tensor RandomCrop::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "RandomCrop");
  int64_t PH = b.H + 2 * padding_, PW = b.W + 2 * padding_;
  EMBER_CHECK(size_.h <= PH && size_.w <= PW,
              "RandomCrop: expected a crop size ({}, {}) no larger than the padded image ({}, {}) (padding {})",
              size_.h, size_.w, PH, PW, padding_);
  // Offsets of each window in the padded image, drawn as torchvision does
  // (no draw when the window is the whole padded image).
  std::vector<std::pair<int64_t, int64_t>> at(size_t(b.N), {0, 0});
  if (size_.h != PH || size_.w != PW) {
    Generator& g = pick(gen_);
    std::lock_guard<std::mutex> lock(g.mutex());
    for (auto& [i, j] : at) {
      i = g.randint(0, PH - size_.h + 1);
      j = g.randint(0, PW - size_.w + 1);
    }
  }
  Tensor out = make_output(b, size_.h, size_.w);
  dispatch_floating(x.dtype(), "RandomCrop", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t OH = size_.h, OW = size_.w;
#pragma omp parallel for if (b.N * b.C * OH * OW > kParallelWork)
    for (int64_t n = 0; n < b.N; ++n) {
      // Output (y, x) reads input (y + i - padding, x + j - padding), zero outside.
      int64_t dy = at[size_t(n)].first - padding_, dx = at[size_t(n)].second - padding_;
      int64_t x0 = std::clamp<int64_t>(-dx, 0, OW), x1 = std::clamp<int64_t>(b.W - dx, x0, OW);
      for (int64_t c = 0; c < b.C; ++c)
        for (int64_t y = 0; y < OH; ++y) {
          T* dst = o + ((n * b.C + c) * OH + y) * OW;
          int64_t sy = y + dy;
          if (sy < 0 || sy >= b.H) {
            std::fill(dst, dst + OW, T(0));
            continue;
          }
          const T* src = in + ((n * b.C + c) * b.H + sy) * b.W + dx;
          std::fill(dst, dst + x0, T(0));
          std::copy(src + x0, src + x1, dst + x0);
          std::fill(dst + x1, dst + OW, T(0));
        }
    }
  });
  return out;
}

RandomResizedCrop::RandomResizedCrop(Pair size, std::pair<double, double> scale, std::pair<double, double> ratio,
                                     Generator* gen)
    : size_(size), scale_(scale), ratio_(ratio), gen_(gen) {
  EMBER_CHECK(size.h > 0 && size.w > 0, "RandomResizedCrop: expected a positive size, got ({}, {})", size.h, size.w);
  EMBER_CHECK(scale.first > 0 && scale.first <= scale.second,
              "RandomResizedCrop: expected 0 < scale[0] <= scale[1], got ({}, {})", scale.first, scale.second);
  EMBER_CHECK(ratio.first > 0 && ratio.first <= ratio.second,
              "RandomResizedCrop: expected 0 < ratio[0] <= ratio[1], got ({}, {})", ratio.first, ratio.second);
}

Tensor RandomResizedCrop::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "RandomResizedCrop");
  struct Box {
    int64_t i, j, h, w;
  };
  std::vector<Box> boxes(size_t(b.N));
  {
    Generator& g = pick(gen_);
    std::lock_guard<std::mutex> lock(g.mutex());
    double area = double(b.H * b.W);
    double log_lo = std::log(ratio_.first), log_hi = std::log(ratio_.second);
    for (auto& box : boxes) {
      bool found = false;
      for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        double target = area * uniform(g, scale_.first, scale_.second);
        double aspect = std::exp(uniform(g, log_lo, log_hi));
        int64_t w = std::llround(std::sqrt(target * aspect)), h = std::llround(std::sqrt(target / aspect));
        if (w > 0 && w <= b.W && h > 0 && h <= b.H) {
          box = {g.randint(0, b.H - h + 1), g.randint(0, b.W - w + 1), h, w};
          found = true;
        }
      }
      if (found) continue;
      // torchvision's fallback: the largest centred window with a ratio in range.
      double in_ratio = double(b.W) / double(b.H);
      int64_t w = b.W, h = b.H;
      if (in_ratio < ratio_.first)
        h = std::llround(double(w) / ratio_.first);
      else if (in_ratio > ratio_.second)
        w = std::llround(double(h) * ratio_.second);
      box = {(b.H - h) / 2, (b.W - w) / 2, h, w};
    }
  }
  Tensor out = make_output(b, size_.h, size_.w);
  dispatch_floating(x.dtype(), "RandomResizedCrop", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t OH = size_.h, OW = size_.w;
#pragma omp parallel for if (b.N * b.C * OH * OW > kParallelWork)
    for (int64_t n = 0; n < b.N; ++n) {
      // Bilinear with half-pixel centres, no antialiasing (interpolate's align_corners=False).
      const Box& box = boxes[size_t(n)];
      bool in_float = std::is_same_v<T, float>;
      Taps ty = linear_taps(box.h, OH, false, in_float), tx = linear_taps(box.w, OW, false, in_float);
      for (int64_t c = 0; c < b.C; ++c)
        resample(in + ((n * b.C + c) * b.H + box.i) * b.W + box.j, b.W, box.h, ty, tx, o + (n * b.C + c) * OH * OW);
    }
  });
  return out;
}

ColorJitter::ColorJitter(double brightness, double contrast, Generator* gen)
    : brightness_(brightness), contrast_(contrast), gen_(gen) {
  EMBER_CHECK(brightness >= 0 && contrast >= 0, "ColorJitter: expected brightness >= 0 and contrast >= 0, got {} and {}",
              brightness, contrast);
}

Tensor ColorJitter::operator()(const Tensor& x) const {
  Batch b = as_batch(x, "ColorJitter");
  EMBER_CHECK(contrast_ == 0 || b.C == 1 || b.C == 3,
              "ColorJitter: contrast needs images with 1 or 3 channels, got shape {}", shape_str(x.shape()));
  struct Factors {
    double brightness = 1, contrast = 1;
    bool contrast_first = false;
  };
  std::vector<Factors> factors(size_t(b.N));
  {
    Generator& g = pick(gen_);
    std::lock_guard<std::mutex> lock(g.mutex());
    for (auto& f : factors) {
      if (brightness_ > 0 && contrast_ > 0) f.contrast_first = g.uniform() < 0.5;
      if (brightness_ > 0) f.brightness = uniform(g, std::max(0.0, 1 - brightness_), 1 + brightness_);
      if (contrast_ > 0) f.contrast = uniform(g, std::max(0.0, 1 - contrast_), 1 + contrast_);
    }
  }
  Tensor out = make_output(b, b.H, b.W);
  dispatch_floating(x.dtype(), "ColorJitter", [&](auto tag) {
    using T = decltype(tag);
    const T* in = b.x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    int64_t plane = b.H * b.W, image = b.C * plane;
    auto brighten = [&](T* img, T factor) {
      for (int64_t k = 0; k < image; ++k) img[k] = std::clamp(img[k] * factor, T(0), T(1));
    };
    // torchvision's rgb_to_grayscale weights; one channel is its own grayscale.
    auto contrast = [&](T* img, T factor) {
      double sum = 0;
      for (int64_t k = 0; k < plane; ++k)
        sum += b.C == 1 ? double(img[k]) : 0.2989 * img[k] + 0.587 * img[plane + k] + 0.114 * img[2 * plane + k];
      T mean = T(sum / double(plane));
      for (int64_t k = 0; k < image; ++k) img[k] = std::clamp(factor * img[k] + (1 - factor) * mean, T(0), T(1));
    };
#pragma omp parallel for if (b.N * image > kParallelWork)
    for (int64_t n = 0; n < b.N; ++n) {
      const Factors& f = factors[size_t(n)];
      T* img = o + n * image;
      std::copy(in + n * image, in + (n + 1) * image, img);
      if (f.contrast_first && contrast_ > 0) contrast(img, T(f.contrast));
      if (brightness_ > 0) brighten(img, T(f.brightness));
      if (!f.contrast_first && contrast_ > 0) contrast(img, T(f.contrast));
    }
  });
  return out;
}

}  // namespace ember::data
