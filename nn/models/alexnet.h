// AlexNet as torchvision's (torchvision/models/alexnet.py, the one-GPU
// variant of Krizhevsky et al. 2012): parameter names and the 61,100,840
// parameters (1000 classes) equal torchvision's, initialised with the
// layers' PyTorch defaults as torchvision leaves them.
#pragma once

#include "nn/modules/container.h"
#include "nn/modules/pool.h"

namespace ember::nn::models {

/// features: conv 11x11/4 (pad 2) to 64 - ReLU - maxpool 3/2 - conv 5x5 (pad 2)
/// to 192 - ReLU - maxpool 3/2 - conv 3x3 to 384 - ReLU - conv 3x3 to 256 -
/// ReLU - conv 3x3 to 256 - ReLU - maxpool 3/2; avgpool: AdaptiveAvgPool2d(6);
/// classifier: Dropout - Linear(9216, 4096) - ReLU - Dropout - Linear(4096,
/// 4096) - ReLU - Linear(4096, num_classes). input (N, 3, H, W), H, W >= 63.
class AlexNetImpl : public Module {
 public:
  explicit AlexNetImpl(int64_t num_classes = 1000, double dropout = 0.5);
  Tensor forward(const Tensor& input) override;

  Sequential features{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Sequential classifier{nullptr};
};
class AlexNet : public ModuleHolder<AlexNetImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// torchvision's alexnet(num_classes=1000, dropout=0.5), without pretrained weights.
AlexNet alexnet(int64_t num_classes = 1000, double dropout = 0.5);

}  // namespace ember::nn::models
