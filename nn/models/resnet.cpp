// ResNet blocks and networks: torchvision's registration order (which fixes
// the state_dict key order), shortcut rule and initialisation.
#include "nn/models/resnet.h"

#include "autograd/grad_mode.h"
#include "nn/init.h"

namespace ember::nn::models {

Conv2d conv3x3(int64_t in_planes, int64_t out_planes, int64_t stride, int64_t groups) {
  return Conv2d(Conv2dOptions(in_planes, out_planes, 3).stride(stride).padding(1).groups(groups).bias(false));
}

Conv2d conv1x1(int64_t in_planes, int64_t out_planes, int64_t stride) {
  return Conv2d(Conv2dOptions(in_planes, out_planes, 1).stride(stride).bias(false));
}

namespace {

// The 1x1 projection + BN when the block changes the shape; empty otherwise.
Sequential projection(int64_t inplanes, int64_t outplanes, int64_t stride) {
  if (stride == 1 && inplanes == outplanes) return nullptr;
  return Sequential(conv1x1(inplanes, outplanes, stride), BatchNorm2d(outplanes));
}

void check_block(const char* op, int64_t inplanes, int64_t planes, int64_t stride) {
  EMBER_CHECK(inplanes > 0 && planes > 0, "{}: expected inplanes > 0 and planes > 0, got {} and {}", op, inplanes,
              planes);
  EMBER_CHECK(stride > 0, "{}: expected stride > 0, got {}", op, stride);
}

// bn(conv(x)), or conv(x) once fold_conv_bn has folded bn into conv.
Tensor conv_bn(const Conv2d& conv, const BatchNorm2d& bn, const Tensor& x) {
  Tensor y = conv(x);
  return bn ? bn(y) : y;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  check_block("BasicBlock", inplanes, planes, stride);
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
  bn1 = register_module("bn1", BatchNorm2d(planes));
  relu = register_module("relu", ReLU());
  conv2 = register_module("conv2", conv3x3(planes, planes));
  bn2 = register_module("bn2", BatchNorm2d(planes));
  if (Sequential down = projection(inplanes, planes * expansion, stride))
    downsample = register_module("downsample", down);
}

Tensor BasicBlockImpl::forward(const Tensor& input) {
  Tensor out = relu(conv_bn(conv1, bn1, input));
  out = conv_bn(conv2, bn2, out);
  Tensor identity = downsample ? downsample(input) : input;
  return relu(out + identity);
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  check_block("Bottleneck", inplanes, planes, stride);
  conv1 = register_module("conv1", conv1x1(inplanes, planes));
  bn1 = register_module("bn1", BatchNorm2d(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn2 = register_module("bn2", BatchNorm2d(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * expansion));
  bn3 = register_module("bn3", BatchNorm2d(planes * expansion));
  relu = register_module("relu", ReLU());
  if (Sequential down = projection(inplanes, planes * expansion, stride))
    downsample = register_module("downsample", down);
}

Tensor BottleneckImpl::forward(const Tensor& input) {
  Tensor out = relu(conv_bn(conv1, bn1, input));
  out = relu(conv_bn(conv2, bn2, out));
  out = conv_bn(conv3, bn3, out);
  Tensor identity = downsample ? downsample(input) : input;
  return relu(out + identity);
}

std::vector<int64_t> ResNetOptions::widths() const {
  if (!widths_.empty()) return widths_;
  if (stem_ == ResNetStem::Cifar) return {16, 32, 64};
  return {64, 128, 256, 512};
}

ResNetImpl::ResNetImpl(const ResNetOptions& options_) : options(options_) {
  const auto& o = options;
  std::vector<int64_t> widths = o.widths();
  EMBER_CHECK(!o.layers().empty() && o.layers().size() == widths.size(),
              "ResNet: expected one block count per stage width ({} widths), got {} block counts", widths.size(),
              o.layers().size());
  EMBER_CHECK(o.num_classes() > 0 && o.in_channels() > 0,
              "ResNet: expected num_classes > 0 and in_channels > 0, got {} and {}", o.num_classes(), o.in_channels());
  for (size_t i = 0; i < widths.size(); ++i)
    EMBER_CHECK(widths[i] > 0 && o.layers()[i] > 0, "ResNet: stage {} needs width > 0 and blocks > 0, got {} and {}",
                i + 1, widths[i], o.layers()[i]);

  int64_t inplanes = widths[0];
  if (o.stem() == ResNetStem::ImageNet) {
    conv1 = register_module("conv1",
                            Conv2d(Conv2dOptions(o.in_channels(), inplanes, 7).stride(2).padding(3).bias(false)));
  } else {
    conv1 = register_module("conv1", conv3x3(o.in_channels(), inplanes));
  }
  bn1 = register_module("bn1", BatchNorm2d(inplanes));
  relu = register_module("relu", ReLU());
  if (o.stem() == ResNetStem::ImageNet)
    maxpool = register_module("maxpool", MaxPool2d(MaxPool2dOptions(3).stride(2).padding(1)));

  int64_t expansion = o.block() == ResidualBlock::Basic ? BasicBlockImpl::expansion : BottleneckImpl::expansion;
  for (size_t i = 0; i < widths.size(); ++i) {
    Sequential stage;
    for (int64_t b = 0; b < o.layers()[i]; ++b) {
      int64_t stride = i > 0 && b == 0 ? 2 : 1;
      if (o.block() == ResidualBlock::Basic)
        stage->push_back(BasicBlock(inplanes, widths[i], stride));
      else
        stage->push_back(Bottleneck(inplanes, widths[i], stride));
      inplanes = widths[i] * expansion;
    }
    layers.push_back(register_module("layer" + std::to_string(i + 1), stage));
  }
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(1));
  fc = register_module("fc", Linear(inplanes, o.num_classes()));

  // torchvision's initialisation; fc keeps Linear's default.
  for (const auto& m : modules()) {
    if (auto* conv = m->as<Conv2dImpl>()) {
      init::kaiming_normal_(conv->weight, 0.0, "fan_out", "relu");
    } else if (auto* bn = m->as<BatchNorm2dImpl>()) {
      init::ones_(bn->weight);
      init::zeros_(bn->bias);
    }
  }
}

Tensor ResNetImpl::forward(const Tensor& input) {
  Tensor x = relu(conv_bn(conv1, bn1, input));
  if (maxpool) x = maxpool(x);
  for (const auto& stage : layers) x = stage(x);
  return fc(avgpool(x).flatten(1));
}

ResNet resnet18(int64_t num_classes, int64_t in_channels) {
  return ResNet(ResNetOptions(ResidualBlock::Basic, {2, 2, 2, 2}).num_classes(num_classes).in_channels(in_channels));
}

ResNet resnet34(int64_t num_classes, int64_t in_channels) {
  return ResNet(ResNetOptions(ResidualBlock::Basic, {3, 4, 6, 3}).num_classes(num_classes).in_channels(in_channels));
}

ResNet resnet50(int64_t num_classes, int64_t in_channels) {
  return ResNet(
      ResNetOptions(ResidualBlock::Bottleneck, {3, 4, 6, 3}).num_classes(num_classes).in_channels(in_channels));
}

ResNet cifar_resnet(int64_t depth, int64_t num_classes, int64_t in_channels) {
  EMBER_CHECK(depth >= 8 && (depth - 2) % 6 == 0, "cifar_resnet: expected depth = 6n + 2 with n >= 1, got {}", depth);
  int64_t n = (depth - 2) / 6;
  return ResNet(ResNetOptions(ResidualBlock::Basic, {n, n, n})
                    .stem(ResNetStem::Cifar)
                    .num_classes(num_classes)
                    .in_channels(in_channels));
}

ResNet resnet20(int64_t num_classes, int64_t in_channels) { return cifar_resnet(20, num_classes, in_channels); }
ResNet resnet32(int64_t num_classes, int64_t in_channels) { return cifar_resnet(32, num_classes, in_channels); }
ResNet resnet56(int64_t num_classes, int64_t in_channels) { return cifar_resnet(56, num_classes, in_channels); }

}  // namespace ember::nn::models
