// Image transforms for augmentation and preprocessing, as torchvision has
// them, applied to one sample (C, H, W) or to a whole batch (N, C, H, W) of
// floating-point images; on a batch every sample draws its own random
// parameters. Random transforms draw from a seeded ember::Generator.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/generator.h"
#include "autograd/tensor.h"

namespace ember::data {

/// A function of an image or a batch of images. Call operators may run on
/// the DataLoader's background thread; random ones lock their generator.
class Transform {
 public:
  virtual ~Transform() = default;
  /// x: (C, H, W) or (N, C, H, W), float32 or float64. Returns a new tensor of x's dtype.
  virtual Tensor operator()(const Tensor& x) const = 0;
};
using TransformPtr = std::shared_ptr<Transform>;

/// Applies each transform in turn: `Compose({std::make_shared<RandomHorizontalFlip>(), ...})`.
class Compose : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> transforms);
  Tensor operator()(const Tensor& x) const override;
  const std::vector<TransformPtr>& transforms() const { return transforms_; }

 private:
  std::vector<TransformPtr> transforms_;
};

/// out[c] = (x[c] - mean[c]) / std[c]; one value each, or one per channel.
class Normalize : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& x) const override;

 private:
  std::vector<double> mean_, std_;
};

/// Mirrors each image left-right with probability p.
class RandomHorizontalFlip : public Transform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5, Generator* gen = nullptr);
  Tensor operator()(const Tensor& x) const override;

 private:
  double p_;
  Generator* gen_;
};

/// Pads each image with `padding` zeros on every side, then cuts a `size`
/// window at a random offset (each image its own).
class RandomCrop : public Transform {
 public:
  explicit RandomCrop(Pair size, int64_t padding = 0, Generator* gen = nullptr);
  Tensor operator()(const Tensor& x) const override;

 private:
  Pair size_;
  int64_t padding_;
  Generator* gen_;
};

/// Cuts a random window covering a `scale` fraction of the area with an
/// aspect ratio (w/h) in `ratio` (drawn log-uniformly), torchvision's rule
/// with its centre-crop fallback, and resizes it to `size` bilinearly
/// (half-pixel centres, no antialiasing).
class RandomResizedCrop : public Transform {
 public:
  explicit RandomResizedCrop(Pair size, std::pair<double, double> scale = {0.08, 1.0},
                             std::pair<double, double> ratio = {3.0 / 4.0, 4.0 / 3.0}, Generator* gen = nullptr);
  Tensor operator()(const Tensor& x) const override;

 private:
  Pair size_;
  std::pair<double, double> scale_, ratio_;
  Generator* gen_;
};

/// torchvision's brightness and contrast jitter for images in [0, 1]:
/// brightness multiplies by b ~ U[max(0, 1 - brightness), 1 + brightness];
/// contrast blends with the mean of the image's grayscale (c * x + (1 - c) * mean,
/// c drawn likewise); each result is clamped to [0, 1]; the two are applied in
/// a random order. Contrast needs 1 or 3 channels.
class ColorJitter : public Transform {
 public:
  explicit ColorJitter(double brightness = 0, double contrast = 0, Generator* gen = nullptr);
  Tensor operator()(const Tensor& x) const override;

 private:
  double brightness_, contrast_;
  Generator* gen_;
};

/// torchvision's InterpolationMode, for the transforms that resample.
enum class Interpolation { Nearest, Bilinear };

/// Resizes every image to `size`: one value is the length of the smaller edge
/// (the other keeps the aspect ratio, truncated, and is capped by `max_size`),
/// two are (h, w). Bilinear uses half-pixel centres (interpolate's
/// align_corners=False); with `antialias` a downscale averages with a triangle
/// filter stretched by the scale (PIL's and interpolate(antialias=True)'s);
/// nearest takes source floor(dst * in / out) (interpolate's "nearest").
class Resize : public Transform {
 public:
  explicit Resize(std::vector<int64_t> size, Interpolation mode = Interpolation::Bilinear,
                  std::optional<int64_t> max_size = std::nullopt, bool antialias = true);
  Tensor operator()(const Tensor& x) const override;
  /// The (h, w) an image of (h, w) becomes.
  Pair output_size(int64_t h, int64_t w) const;

 private:
  std::vector<int64_t> size_;
  Interpolation mode_;
  std::optional<int64_t> max_size_;
  bool antialias_;
};

/// Cuts the centred `size` window (offsets rounded half to even, as Python's
/// round in torchvision); a window larger than the image is zero-padded.
class CenterCrop : public Transform {
 public:
  explicit CenterCrop(Pair size);
  Tensor operator()(const Tensor& x) const override;

 private:
  Pair size_;
};

/// Rotates each image by an angle drawn uniformly from [degrees.first,
/// degrees.second] (counter-clockwise), about the image centre or `center`
/// (x, y in pixels), nearest neighbour, the output the input's size;
/// pixels from outside get `fill` (one value, or one per channel).
/// torchvision's tensor rotate (affine grid + grid_sample, align_corners=False).
class RandomRotation : public Transform {
 public:
  explicit RandomRotation(std::pair<double, double> degrees, std::vector<double> fill = {0.0},
                          std::optional<std::pair<double, double>> center = std::nullopt, Generator* gen = nullptr);
  Tensor operator()(const Tensor& x) const override;
  /// Rotates by exactly `angle` degrees.
  Tensor rotate(const Tensor& x, double angle) const;

 private:
  Tensor rotate_by(const Tensor& x, const std::vector<double>& angles) const;
  std::pair<double, double> degrees_;
  std::vector<double> fill_;
  std::optional<std::pair<double, double>> center_;
  Generator* gen_;
};

}  // namespace ember::data
