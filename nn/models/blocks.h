// Ready-made CNN blocks beyond the residual ones (nn/models/resnet.h): the
// Inception block (GoogLeNet), DenseNet's dense block and transition layer,
// and the depthwise separable convolution of Xception and MobileNet. Names
// follow torchvision's googlenet.py and densenet.py where they exist.
#pragma once

#include "nn/modules/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/conv.h"
#include "nn/modules/norm.h"
#include "nn/modules/pool.h"

namespace ember::nn::models {

/// Sequential(conv(k, stride, padding k/2, no bias), BatchNorm2d, ReLU):
/// torchvision's BasicConv2d as a Sequential, so BN folding finds the pair.
Sequential conv_bn_relu(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
                        int64_t groups = 1);

/// The branch widths of an Inception block, as torchvision's Inception
/// arguments: `InceptionOptions(192, 64, 96, 128, 16, 32, 32)` is GoogLeNet's 3a.
struct InceptionOptions {
  InceptionOptions(int64_t in_channels, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red,
                   int64_t ch5x5, int64_t pool_proj)
      : in_channels_(in_channels), ch1x1_(ch1x1), ch3x3red_(ch3x3red), ch3x3_(ch3x3), ch5x5red_(ch5x5red),
        ch5x5_(ch5x5), pool_proj_(pool_proj) {}
  int64_t in_channels() const { return in_channels_; }
  int64_t ch1x1() const { return ch1x1_; }
  int64_t ch3x3red() const { return ch3x3red_; }
  int64_t ch3x3() const { return ch3x3_; }
  int64_t ch5x5red() const { return ch5x5red_; }
  int64_t ch5x5() const { return ch5x5_; }
  int64_t pool_proj() const { return pool_proj_; }
  /// Channels of the output: ch1x1 + ch3x3 + ch5x5 + pool_proj.
  int64_t out_channels() const { return ch1x1_ + ch3x3_ + ch5x5_ + pool_proj_; }

 private:
  int64_t in_channels_, ch1x1_, ch3x3red_, ch3x3_, ch5x5red_, ch5x5_, pool_proj_;
};

/// Four parallel branches concatenated on channels: branch1 1x1; branch2
/// 1x1 -> 3x3; branch3 1x1 -> 5x5 (the paper's; torchvision's GoogLeNet
/// uses 3x3 there); branch4 maxpool(3, stride 1, padding 1) -> 1x1. Each
/// convolution is conv_bn_relu. input (N, in, H, W) -> (N, out_channels(), H, W).
class InceptionImpl : public Module {
 public:
  explicit InceptionImpl(const InceptionOptions& options);
  Tensor forward(const Tensor& input) override;

  InceptionOptions options;
  Sequential branch1{nullptr}, branch2{nullptr}, branch3{nullptr}, branch4{nullptr};
};
class Inception : public ModuleHolder<InceptionImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// One DenseNet-BC layer (torchvision's _DenseLayer without dropout):
/// norm1-relu1-conv1 (1x1 to bn_size * growth_rate) - norm2-relu2-conv2
/// (3x3 to growth_rate). Returns only the new features:
/// input (N, C, H, W) -> (N, growth_rate, H, W).
class DenseLayerImpl : public Module {
 public:
  DenseLayerImpl(int64_t num_input_features, int64_t growth_rate, int64_t bn_size = 4);
  Tensor forward(const Tensor& input) override;

  BatchNorm2d norm1{nullptr}, norm2{nullptr};
  ReLU relu1{nullptr}, relu2{nullptr};
  Conv2d conv1{nullptr}, conv2{nullptr};
};
class DenseLayer : public ModuleHolder<DenseLayerImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `num_layers` DenseLayers named denselayer1, denselayer2, ...; layer i sees
/// the concatenation of the block's input and every earlier layer's output.
/// input (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W).
class DenseBlockImpl : public Module {
 public:
  DenseBlockImpl(int64_t num_layers, int64_t num_input_features, int64_t growth_rate, int64_t bn_size = 4);
  Tensor forward(const Tensor& input) override;
  /// Channels of the output.
  int64_t out_channels() const { return out_channels_; }

  std::vector<DenseLayer> layers;

 private:
  int64_t out_channels_;
};
class DenseBlock : public ModuleHolder<DenseBlockImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// DenseNet's transition, a Sequential as torchvision's _Transition: norm
/// (BN) - relu - conv (1x1, no bias) - pool (AvgPool2d(2)).
/// input (N, in, H, W) -> (N, out, H / 2, W / 2).
class TransitionImpl : public SequentialImpl {
 public:
  TransitionImpl(int64_t num_input_features, int64_t num_output_features);
};
class Transition : public ModuleHolder<TransitionImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// A Sequential of depthwise (3x3, groups = in_channels, `stride`) - bn1 -
/// relu1 - pointwise (1x1) - bn2 - relu2, convolutions without bias
/// (MobileNet v1's block). input (N, in, H, W) -> (N, out, H / stride, W / stride).
class DepthwiseSeparableConvImpl : public SequentialImpl {
 public:
  DepthwiseSeparableConvImpl(int64_t in_channels, int64_t out_channels, int64_t stride = 1);
};
class DepthwiseSeparableConv : public ModuleHolder<DepthwiseSeparableConvImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn::models
