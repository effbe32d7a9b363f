// AlexNet's layers, in torchvision's order (so state_dict keys match).
#include "nn/models/alexnet.h"

#include "autograd/error.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"

namespace ember::nn::models {

AlexNetImpl::AlexNetImpl(int64_t num_classes, double dropout) {
  EMBER_CHECK(num_classes > 0, "AlexNet: expected num_classes > 0, got {}", num_classes);
  auto relu = [] { return ReLU(ReLUOptions(true)); };
  auto pool = [] { return MaxPool2d(MaxPool2dOptions(3).stride(2)); };
  features = register_module(
      "features", Sequential(Conv2d(Conv2dOptions(3, 64, 11).stride(4).padding(2)), relu(), pool(),
                             Conv2d(Conv2dOptions(64, 192, 5).padding(2)), relu(), pool(),
                             Conv2d(Conv2dOptions(192, 384, 3).padding(1)), relu(),
                             Conv2d(Conv2dOptions(384, 256, 3).padding(1)), relu(),
                             Conv2d(Conv2dOptions(256, 256, 3).padding(1)), relu(), pool()));
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(6));
  classifier = register_module("classifier", Sequential(Dropout(dropout), Linear(256 * 6 * 6, 4096), relu(),
                                                        Dropout(dropout), Linear(4096, 4096), relu(),
                                                        Linear(4096, num_classes)));
}

Tensor AlexNetImpl::forward(const Tensor& input) { return classifier(avgpool(features(input)).flatten(1)); }

AlexNet alexnet(int64_t num_classes, double dropout) { return AlexNet(num_classes, dropout); }

}  // namespace ember::nn::models
