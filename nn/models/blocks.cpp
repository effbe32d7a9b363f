// Inception, DenseNet and depthwise separable blocks: construction with
// argument checks, and the forwards that are not a plain chain.
#include "nn/models/blocks.h"

#include "ops/shape.h"

namespace ember::nn::models {

Sequential conv_bn_relu(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                        int64_t groups) {
  auto conv = Conv2dOptions(in_channels, out_channels, kernel_size).stride(stride).padding(kernel_size / 2);
  return Sequential(Conv2d(conv.groups(groups).bias(false)), BatchNorm2d(out_channels), ReLU());
}

InceptionImpl::InceptionImpl(const InceptionOptions& options_) : options(options_) {
  const auto& o = options;
  for (int64_t width : {o.in_channels(), o.ch1x1(), o.ch3x3red(), o.ch3x3(), o.ch5x5red(), o.ch5x5(), o.pool_proj()})
    EMBER_CHECK(width > 0,
                "Inception: expected every width > 0, got in_channels={}, ch1x1={}, ch3x3red={}, ch3x3={}, "
                "ch5x5red={}, ch5x5={}, pool_proj={}",
                o.in_channels(), o.ch1x1(), o.ch3x3red(), o.ch3x3(), o.ch5x5red(), o.ch5x5(), o.pool_proj());
  branch1 = register_module("branch1", conv_bn_relu(o.in_channels(), o.ch1x1(), 1));
  Sequential b2(conv_bn_relu(o.in_channels(), o.ch3x3red(), 1), conv_bn_relu(o.ch3x3red(), o.ch3x3(), 3));
  branch2 = register_module("branch2", b2);
  Sequential b3(conv_bn_relu(o.in_channels(), o.ch5x5red(), 1), conv_bn_relu(o.ch5x5red(), o.ch5x5(), 5));
  branch3 = register_module("branch3", b3);
  Sequential b4(MaxPool2d(MaxPool2dOptions(3).stride(1).padding(1)), conv_bn_relu(o.in_channels(), o.pool_proj(), 1));
  branch4 = register_module("branch4", b4);
}

Tensor InceptionImpl::forward(const Tensor& input) {
  return cat({branch1(input), branch2(input), branch3(input), branch4(input)}, 1);
}

DenseLayerImpl::DenseLayerImpl(int64_t num_input_features, int64_t growth_rate, int64_t bn_size) {
  EMBER_CHECK(num_input_features > 0 && growth_rate > 0 && bn_size > 0,
              "DenseLayer: expected num_input_features, growth_rate and bn_size > 0, got {}, {} and {}",
              num_input_features, growth_rate, bn_size);
  int64_t width = bn_size * growth_rate;
  norm1 = register_module("norm1", BatchNorm2d(num_input_features));
  relu1 = register_module("relu1", ReLU());
  conv1 = register_module("conv1", Conv2d(Conv2dOptions(num_input_features, width, 1).bias(false)));
  norm2 = register_module("norm2", BatchNorm2d(width));
  relu2 = register_module("relu2", ReLU());
  conv2 = register_module("conv2", Conv2d(Conv2dOptions(width, growth_rate, 3).padding(1).bias(false)));
}

Tensor DenseLayerImpl::forward(const Tensor& input) {
  return conv2(relu2(norm2(conv1(relu1(norm1(input))))));
}

DenseBlockImpl::DenseBlockImpl(int64_t num_layers, int64_t num_input_features, int64_t growth_rate, int64_t bn_size)
    : out_channels_(num_input_features) {
  EMBER_CHECK(num_layers > 0, "DenseBlock: expected num_layers > 0, got {}", num_layers);
  for (int64_t i = 0; i < num_layers; ++i) {
    layers.push_back(register_module("denselayer" + std::to_string(i + 1),
                                     DenseLayer(out_channels_, growth_rate, bn_size)));
    out_channels_ += growth_rate;
  }
}

Tensor DenseBlockImpl::forward(const Tensor& input) {
  std::vector<Tensor> features{input};
  // The first layer reads the input itself: no copy through cat.
  for (const auto& layer : layers) features.push_back(layer(features.size() == 1 ? input : cat(features, 1)));
  return cat(features, 1);
}

TransitionImpl::TransitionImpl(int64_t num_input_features, int64_t num_output_features) {
  EMBER_CHECK(num_input_features > 0 && num_output_features > 0,
              "Transition: expected num_input_features and num_output_features > 0, got {} and {}",
              num_input_features, num_output_features);
  push_back("norm", BatchNorm2d(num_input_features));
  push_back("relu", ReLU());
  push_back("conv", Conv2d(Conv2dOptions(num_input_features, num_output_features, 1).bias(false)));
  push_back("pool", AvgPool2d(AvgPool2dOptions(2).stride(2)));
}

DepthwiseSeparableConvImpl::DepthwiseSeparableConvImpl(int64_t in_channels, int64_t out_channels, int64_t stride) {
  EMBER_CHECK(in_channels > 0 && out_channels > 0 && stride > 0,
              "DepthwiseSeparableConv: expected in_channels, out_channels and stride > 0, got {}, {} and {}",
              in_channels, out_channels, stride);
  auto depthwise = Conv2dOptions(in_channels, in_channels, 3).stride(stride).padding(1);
  push_back("depthwise", Conv2d(depthwise.groups(in_channels).bias(false)));
  push_back("bn1", BatchNorm2d(in_channels));
  push_back("relu1", ReLU());
  push_back("pointwise", Conv2d(Conv2dOptions(in_channels, out_channels, 1).bias(false)));
  push_back("bn2", BatchNorm2d(out_channels));
  push_back("relu2", ReLU());
}

}  // namespace ember::nn::models
