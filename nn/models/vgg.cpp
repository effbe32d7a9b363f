// VGG and LeNet-5: layer stacks in torchvision's order and initialisation.
#include "nn/models/vgg.h"

#include "nn/init.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"
#include "nn/modules/norm.h"

namespace ember::nn::models {

std::vector<int> vgg_cfg(char name) {
  const int M = kMaxPool;
  switch (name) {
    case 'A': return {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 'B': return {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 'D': return {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
    case 'E': return {64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M};
    default: break;
  }
  throw ValueError(fmt::format("vgg_cfg: expected 'A', 'B', 'D' or 'E', got '{}'", name));
}

VGGImpl::VGGImpl(const VGGOptions& options_) : options(options_) {
  const auto& o = options;
  EMBER_CHECK(o.num_classes() > 0 && o.in_channels() > 0 && o.pool_size() > 0 && o.hidden() > 0,
              "VGG: expected num_classes, in_channels, pool_size and hidden > 0, got {}, {}, {} and {}",
              o.num_classes(), o.in_channels(), o.pool_size(), o.hidden());
  Sequential stack;
  int64_t channels = o.in_channels();
  bool any_conv = false;
  for (int v : o.cfg()) {
    if (v == kMaxPool) {
      stack->push_back(MaxPool2d(MaxPool2dOptions(2).stride(2)));
      continue;
    }
    EMBER_CHECK(v > 0, "VGG: expected cfg entries > 0 or kMaxPool (-1), got {}", v);
    stack->push_back(Conv2d(Conv2dOptions(channels, v, 3).padding(1)));
    if (o.batch_norm()) stack->push_back(BatchNorm2d(v));
    stack->push_back(ReLU());
    channels = v;
    any_conv = true;
  }
  EMBER_CHECK(any_conv, "VGG: expected at least one convolution in cfg, got {} entries", o.cfg().size());
  features = register_module("features", stack);
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(o.pool_size()));
  classifier = register_module(
      "classifier", Sequential(Linear(channels * o.pool_size() * o.pool_size(), o.hidden()), ReLU(),
                               Dropout(o.dropout()), Linear(o.hidden(), o.hidden()), ReLU(), Dropout(o.dropout()),
                               Linear(o.hidden(), o.num_classes())));

  for (const auto& m : modules()) {
    if (auto* conv = m->as<Conv2dImpl>()) {
      init::kaiming_normal_(conv->weight, 0.0, "fan_out", "relu");
      init::zeros_(conv->bias);
    } else if (auto* bn = m->as<BatchNorm2dImpl>()) {
      init::ones_(bn->weight);
      init::zeros_(bn->bias);
    } else if (auto* fc = m->as<LinearImpl>()) {
      init::normal_(fc->weight, 0.0, 0.01);
      init::zeros_(fc->bias);
    }
  }
}

Tensor VGGImpl::forward(const Tensor& input) { return classifier(avgpool(features(input)).flatten(1)); }

VGG vgg(const std::vector<int>& cfg, bool batch_norm, int64_t num_classes, int64_t in_channels) {
  return VGG(VGGOptions(cfg).batch_norm(batch_norm).num_classes(num_classes).in_channels(in_channels));
}

LeNet5Impl::LeNet5Impl(int64_t num_classes, int64_t in_channels) {
  EMBER_CHECK(num_classes > 0 && in_channels > 0, "LeNet5: expected num_classes and in_channels > 0, got {} and {}",
              num_classes, in_channels);
  features = register_module("features", Sequential(Conv2d(Conv2dOptions(in_channels, 6, 5).padding(2)), ReLU(),
                                                    MaxPool2d(2), Conv2d(Conv2dOptions(6, 16, 5)), ReLU(),
                                                    MaxPool2d(2)));
  classifier = register_module("classifier", Sequential(Flatten(), Linear(16 * 5 * 5, 120), ReLU(), Linear(120, 84),
                                                        ReLU(), Linear(84, num_classes)));
}

Tensor LeNet5Impl::forward(const Tensor& input) { return classifier(features(input)); }

LeNet5 lenet5(int64_t num_classes, int64_t in_channels) { return LeNet5(num_classes, in_channels); }

}  // namespace ember::nn::models
