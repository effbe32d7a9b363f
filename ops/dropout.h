// Inverted dropout: in training, elements (dropout) or whole channels
// (dropout2d) are zeroed with probability p and the survivors scaled by
// 1 / (1 - p); in evaluation the input passes through unchanged.
#pragma once

#include "autograd/generator.h"
#include "autograd/tensor.h"

namespace ember {

/// p in [0, 1]; the mask is drawn from `gen` (the default generator if null).
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);
/// Zeroes whole channels: input (N, C, *), one draw per (n, c).
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);

}  // namespace ember
