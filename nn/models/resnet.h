// Residual networks as torchvision defines them (torchvision/models/resnet.py):
// the BasicBlock and Bottleneck blocks, ResNet with its ImageNet stem
// (resnet18/34/50) and the CIFAR networks of He et al. 2016 (resnet20/32/56).
// Parameter names, shapes and state_dict keys equal torchvision's, so
// checkpoints load both ways (`conv1.weight`, `layer1.0.downsample.0.weight`).
#pragma once

#include <vector>

#include "nn/modules/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/conv.h"
#include "nn/modules/linear.h"
#include "nn/modules/norm.h"
#include "nn/modules/pool.h"

namespace ember::nn::models {

/// 3x3 convolution, padding 1, no bias (torchvision's conv3x3).
Conv2d conv3x3(int64_t in_planes, int64_t out_planes, int64_t stride = 1, int64_t groups = 1);
/// 1x1 convolution, no bias (torchvision's conv1x1).
Conv2d conv1x1(int64_t in_planes, int64_t out_planes, int64_t stride = 1);

/// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)): two 3x3 convolutions,
/// the first with `stride`. The shortcut is the identity, or a 1x1 projection
/// `downsample` = Sequential(conv1x1(inplanes, planes, stride), BatchNorm2d)
/// when the stride is not 1 or the channel count changes.
/// input (N, inplanes, H, W) -> (N, planes, H / stride, W / stride).
/// After fold_conv_bn (nn/fold.h) the bn members are empty, the convolutions
/// carry them, and the registry holds Identity under the bn names; the same
/// holds for Bottleneck and ResNet.
class BasicBlockImpl : public Module {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride = 1);
  Tensor forward(const Tensor& input) override;

  Conv2d conv1{nullptr}, conv2{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr};
  ReLU relu{nullptr};
  /// Empty when the shortcut is the identity.
  Sequential downsample{nullptr};
};
class BasicBlock : public ModuleHolder<BasicBlockImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// torchvision's Bottleneck (ResNet v1.5, the stride on the 3x3):
/// conv1x1(inplanes, planes) -> conv3x3(planes, planes, stride) ->
/// conv1x1(planes, 4 planes), each followed by BN, ReLU after the first two
/// and after the sum with the shortcut (identity or 1x1 projection + BN).
/// input (N, inplanes, H, W) -> (N, 4 planes, H / stride, W / stride).
class BottleneckImpl : public Module {
 public:
  static constexpr int64_t expansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride = 1);
  Tensor forward(const Tensor& input) override;

  Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  ReLU relu{nullptr};
  Sequential downsample{nullptr};
};
class Bottleneck : public ModuleHolder<BottleneckImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

enum class ResidualBlock { Basic, Bottleneck };
enum class ResNetStem {
  /// conv7x7(64, stride 2) + BN + ReLU + maxpool(3, stride 2): torchvision's ImageNet stem.
  ImageNet,
  /// conv3x3(16) + BN + ReLU: He et al. 2016's CIFAR-10 networks (no max pool).
  Cifar
};

/// `ResNetOptions(ResidualBlock::Basic, {2, 2, 2, 2}).num_classes(10)`. The
/// widths (the `planes` of each stage; stage i > 0 has stride 2) default to
/// the stem's: 64/128/256/512 for ImageNet, 16/32/64 for Cifar.
struct ResNetOptions {
  ResNetOptions(ResidualBlock block, std::vector<int64_t> layers) : block_(block), layers_(std::move(layers)) {}
  ResNetOptions& stem(ResNetStem v) { stem_ = v; return *this; }
  ResNetOptions& widths(std::vector<int64_t> v) { widths_ = std::move(v); return *this; }
  ResNetOptions& num_classes(int64_t v) { num_classes_ = v; return *this; }
  ResNetOptions& in_channels(int64_t v) { in_channels_ = v; return *this; }
  ResidualBlock block() const { return block_; }
  const std::vector<int64_t>& layers() const { return layers_; }
  ResNetStem stem() const { return stem_; }
  /// The given widths, or the stem's defaults.
  std::vector<int64_t> widths() const;
  int64_t num_classes() const { return num_classes_; }
  int64_t in_channels() const { return in_channels_; }

 private:
  ResidualBlock block_;
  std::vector<int64_t> layers_;
  ResNetStem stem_ = ResNetStem::ImageNet;
  std::vector<int64_t> widths_;
  int64_t num_classes_ = 1000;
  int64_t in_channels_ = 3;
};

/// stem -> layer1..layerK (Sequentials of blocks) -> AdaptiveAvgPool2d(1) ->
/// flatten -> fc. Any input size works thanks to the adaptive pooling.
/// Initialised as torchvision: convolutions kaiming_normal_(fan_out, relu),
/// BN weight 1 and bias 0, fc PyTorch's Linear default.
/// input (N, in_channels, H, W) -> (N, num_classes).
class ResNetImpl : public Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options);
  Tensor forward(const Tensor& input) override;

  ResNetOptions options;
  Conv2d conv1{nullptr};
  BatchNorm2d bn1{nullptr};
  ReLU relu{nullptr};
  /// Empty for the Cifar stem.
  MaxPool2d maxpool{nullptr};
  /// layer1, layer2, ... as registered.
  std::vector<Sequential> layers;
  AdaptiveAvgPool2d avgpool{nullptr};
  Linear fc{nullptr};
};
class ResNet : public ModuleHolder<ResNetImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// torchvision's resnet18: BasicBlock, layers {2, 2, 2, 2}; 11,689,512 parameters with 1000 classes.
ResNet resnet18(int64_t num_classes = 1000, int64_t in_channels = 3);
/// torchvision's resnet34: BasicBlock, layers {3, 4, 6, 3}.
ResNet resnet34(int64_t num_classes = 1000, int64_t in_channels = 3);
/// torchvision's resnet50: Bottleneck (expansion 4), layers {3, 4, 6, 3}.
ResNet resnet50(int64_t num_classes = 1000, int64_t in_channels = 3);

/// He et al. 2016's CIFAR ResNet of depth 6n + 2: stages of 16/32/64
/// channels, n BasicBlocks each. Shortcuts that change shape are 1x1
/// projections + BN (the paper's option B; its CIFAR experiments used the
/// parameter-free option A, so counts are slightly higher: resnet20 has
/// 272,474 parameters with 10 classes instead of 269,722).
ResNet cifar_resnet(int64_t depth, int64_t num_classes = 10, int64_t in_channels = 3);
ResNet resnet20(int64_t num_classes = 10, int64_t in_channels = 3);
ResNet resnet32(int64_t num_classes = 10, int64_t in_channels = 3);
ResNet resnet56(int64_t num_classes = 10, int64_t in_channels = 3);

}  // namespace ember::nn::models
