// MNIST and Fashion-MNIST from their IDX files (raw or gzip) in a local
// folder; nothing is downloaded. Debian's dataset-fashion-mnist package
// installs Fashion-MNIST in /usr/share/datasets/fashion-mnist.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"

namespace ember::data {

/// Where Debian's dataset-fashion-mnist package puts the files.
inline const char* const kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";
/// Where MNIST is looked for by default (Debian ships no MNIST package).
inline const char* const kMnistRoot = "/usr/share/datasets/mnist";

/// The MNIST files `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` in
/// `root`: images float32 (N, 1, H, W) scaled to [0, 1], labels int64 in
/// 0..9. `transform` runs on each sample, or once on a whole batch through
/// get_batch. `MNIST("/data/mnist", /*train=*/false)`.
class MNIST : public Dataset {
 public:
  explicit MNIST(const std::string& root = kMnistRoot, bool train = true, TransformPtr transform = nullptr);
  Example<> get(int64_t index) const override;
  int64_t size() const override;
  /// Gathers the batch with index_select, then transforms it in one call.
  Example<> get_batch(const std::vector<int64_t>& indices) const override;
  /// All images, untransformed: (N, 1, H, W) float32 in [0, 1].
  const Tensor& images() const { return images_; }
  /// All labels: (N) int64.
  const Tensor& targets() const { return targets_; }

 protected:
  // `name` and `hint` go into the error when the files are missing.
  MNIST(const std::string& root, bool train, TransformPtr transform, const char* name, const char* hint);

 private:
  Tensor images_, targets_;
  TransformPtr transform_;
};

/// Zalando's Fashion-MNIST, in MNIST's format; the default root is Debian's.
class FashionMNIST : public MNIST {
 public:
  explicit FashionMNIST(const std::string& root = kFashionMnistRoot, bool train = true,
                        TransformPtr transform = nullptr);
  /// The names of labels 0..9.
  static const std::vector<std::string>& classes();
};

}  // namespace ember::data
