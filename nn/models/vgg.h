// VGG (torchvision/models/vgg.py) with a configurable feature stack, and
// LeNet-5. Both are `features` and `classifier` Sequentials, so parameter
// names read as torchvision's (`features.0.weight`, `classifier.6.bias`).
#pragma once

#include <vector>

#include "nn/modules/container.h"
#include "nn/modules/pool.h"

namespace ember::nn::models {

/// The entry of a VGG configuration that stands for a 2x2 max pool ('M').
constexpr int kMaxPool = -1;

/// `VGGOptions(vgg_cfg('A')).batch_norm(true).num_classes(10)`. The
/// classifier is torchvision's: AdaptiveAvgPool2d(pool_size) -> flatten ->
/// Linear(last_channels * pool_size², hidden) - ReLU - Dropout - Linear(hidden,
/// hidden) - ReLU - Dropout - Linear(hidden, num_classes). The defaults
/// (pool_size 7, hidden 4096) are torchvision's ImageNet VGG; for 32x32 inputs
/// pool_size 1 and hidden 512 give the usual CIFAR VGG.
struct VGGOptions {
  VGGOptions(std::vector<int> cfg) : cfg_(std::move(cfg)) {}  // NOLINT(implicit)
  VGGOptions& batch_norm(bool v) { batch_norm_ = v; return *this; }
  VGGOptions& num_classes(int64_t v) { num_classes_ = v; return *this; }
  VGGOptions& in_channels(int64_t v) { in_channels_ = v; return *this; }
  VGGOptions& pool_size(int64_t v) { pool_size_ = v; return *this; }
  VGGOptions& hidden(int64_t v) { hidden_ = v; return *this; }
  VGGOptions& dropout(double v) { dropout_ = v; return *this; }
  const std::vector<int>& cfg() const { return cfg_; }
  bool batch_norm() const { return batch_norm_; }
  int64_t num_classes() const { return num_classes_; }
  int64_t in_channels() const { return in_channels_; }
  int64_t pool_size() const { return pool_size_; }
  int64_t hidden() const { return hidden_; }
  double dropout() const { return dropout_; }

 private:
  std::vector<int> cfg_;
  bool batch_norm_ = false;
  int64_t num_classes_ = 1000;
  int64_t in_channels_ = 3;
  int64_t pool_size_ = 7;
  int64_t hidden_ = 4096;
  double dropout_ = 0.5;
};

/// torchvision's configurations: 'A' (vgg11), 'B' (vgg13), 'D' (vgg16), 'E' (vgg19).
std::vector<int> vgg_cfg(char name);

/// features: per cfg entry, Conv2d(3x3, padding 1) [+ BatchNorm2d] + ReLU, or
/// MaxPool2d(2) for kMaxPool; then avgpool and classifier as VGGOptions says.
/// Initialised as torchvision: conv kaiming_normal_(fan_out, relu) with bias
/// 0, BN 1/0, Linear N(0, 0.01) with bias 0.
/// input (N, in_channels, H, W) -> (N, num_classes).
class VGGImpl : public Module {
 public:
  explicit VGGImpl(const VGGOptions& options);
  Tensor forward(const Tensor& input) override;

  VGGOptions options;
  Sequential features{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Sequential classifier{nullptr};
};
class VGG : public ModuleHolder<VGGImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `vgg({64, kMaxPool, 128, kMaxPool}, true, 10)`: VGGOptions' defaults otherwise.
VGG vgg(const std::vector<int>& cfg, bool batch_norm = false, int64_t num_classes = 1000, int64_t in_channels = 3);

/// LeNet-5 for 28x28 inputs (MNIST): features = conv 5x5 to 6 (padding 2) -
/// ReLU - MaxPool2d(2) - conv 5x5 to 16 - ReLU - MaxPool2d(2); classifier =
/// Flatten - Linear(400, 120) - ReLU - Linear(120, 84) - ReLU - Linear(84,
/// num_classes). ReLU and max pooling replace the 1998 paper's scaled tanh
/// and trainable subsampling; 61,706 parameters with 10 classes.
/// input (N, in_channels, 28, 28) -> (N, num_classes).
class LeNet5Impl : public Module {
 public:
  explicit LeNet5Impl(int64_t num_classes = 10, int64_t in_channels = 1);
  Tensor forward(const Tensor& input) override;

  Sequential features{nullptr}, classifier{nullptr};
};
class LeNet5 : public ModuleHolder<LeNet5Impl> {
 public:
  using ModuleHolder::ModuleHolder;
};

LeNet5 lenet5(int64_t num_classes = 10, int64_t in_channels = 1);

}  // namespace ember::nn::models
