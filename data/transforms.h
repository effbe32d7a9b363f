// Image transforms for augmentation and preprocessing, as torchvision has
// them, applied to one sample (C, H, W) or to a whole batch (N, C, H, W) of
// floating-point images; on a batch every sample draws its own random
// parameters. Random transforms draw from a seeded ember::Generator.
#pragma once

#include <memory>
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

}  // namespace ember::data
