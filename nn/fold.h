// Batch-norm folding for inference: in eval mode BN is a per-channel affine
// map, so conv -> BN equals one convolution with rescaled weights and a
// shifted bias. fuse_conv_bn_eval builds that convolution; fold_conv_bn
// applies it across a model.
#pragma once

#include "nn/modules/conv.h"
#include "nn/modules/norm.h"

namespace ember::nn {

/// A new Conv2d (same options, with a bias) whose output equals
/// bn(conv(x)) in eval mode: with s = gamma / sqrt(running_var + eps) per
/// output channel (gamma = 1, beta = 0 without affine),
///   w' = w * s,   b' = (b - running_mean) * s + beta   (b = 0 without bias).
/// Both modules must be in eval mode, bn must track running stats, and
/// bn.num_features must equal conv.out_channels. The result is in eval mode,
/// in conv's dtype, its parameters requiring grad as conv.weight does.
/// `Conv2d fused = nn::fuse_conv_bn_eval(*conv, *bn);`
Conv2d fuse_conv_bn_eval(const Conv2dImpl& conv, const BatchNorm2dImpl& bn);

/// Folds, in `module` (in eval mode) and all its descendants, every Conv2d
/// directly followed by a foldable BatchNorm2d (one with running stats and
/// matching channels) inside a Sequential, and the conv1/bn1, conv2/bn2,
/// conv3/bn3 pairs of the ResNet blocks and stem (nn/models/resnet.h): the
/// convolution is replaced by the fused one and the BN by an Identity.
/// Hooks on replaced modules are dropped. Returns the number of pairs folded.
/// `model->eval(); nn::fold_conv_bn(*model);`
int64_t fold_conv_bn(Module& module);

}  // namespace ember::nn
