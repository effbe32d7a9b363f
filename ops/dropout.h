// Inverted dropout: in training, elements (dropout) or whole channels
// (dropout2d) are zeroed with probability p and the survivors scaled by
// 1 / (1 - p); in evaluation the input passes through unchanged.
#pragma once

#include "autograd/generator.h"
#include "autograd/tensor.h"

namespace ember {

/// p (in [0, 1]), training and inplace (the mask applied to the input itself)
/// of dropout and dropout2d: `DropoutFuncOptions().p(0.2)`.
struct DropoutFuncOptions {
  DropoutFuncOptions& p(double v) { p_ = v; return *this; }
  DropoutFuncOptions& training(bool v) { training_ = v; return *this; }
  DropoutFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  double p() const { return p_; }
  bool training() const { return training_; }
  bool inplace() const { return inplace_; }

 private:
  double p_ = 0.5;
  bool training_ = true;
  bool inplace_ = false;
};
using Dropout2dFuncOptions = DropoutFuncOptions;

/// The mask is drawn from `gen` (the default generator if null).
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {}, Generator* gen = nullptr);
/// Zeroes whole channels: input (N, C, *), one draw per (n, c).
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options = {}, Generator* gen = nullptr);

}  // namespace ember
