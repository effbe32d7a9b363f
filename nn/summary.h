// nn::summary: a Keras-style table of a model's leaf layers in the order the
// forward pass runs them (found with forward hooks during one forward of
// zeros), with output shapes, parameter counts and totals.
#pragma once

#include <string>

#include "autograd/shape.h"
#include "nn/module.h"

namespace ember::nn {

/// Runs `model` once on zeros of `input_shape` (the whole shape, batch
/// included: {1, 3, 32, 32}), in eval mode under NoGradGuard, restoring
/// every module's training flag afterwards, and returns the table:
///
///     Layer (type)           Output Shape      Param #
///     ==================================================
///     features.0 (Conv2d)    [1, 6, 28, 28]    156
///     ...
///     ==================================================
///     Total params: 61,706
///     Trainable params: 61,706
///     Non-trainable params: 0
///     Params size (MB): 0.24
///     --------------------------------------------------
///
/// One row per call of a leaf module (one without children), named by its
/// dotted path ("layer1.0.conv1"; the model itself if it is a leaf); a
/// module called twice (a shared ReLU) has two rows, its parameters counted
/// in the first. Totals count every parameter once (buffers are not
/// parameters); trainable ones require grad. The size is the parameters'
/// bytes at their dtype over 2^20. The input's dtype is the first
/// parameter's (float32 without parameters). `print` also writes it to stdout.
/// `std::cout << nn::summary(*model, {1, 1, 28, 28});`
std::string summary(Module& model, const Shape& input_shape, bool print = false);

/// The integer with a comma every three digits: 11689512 -> "11,689,512".
std::string group_thousands(int64_t n);

}  // namespace ember::nn
