// The three bilinear convolution ops of ops/conv.cpp on an already checked
// geometry, for the ops built on them (ops/conv_transpose.cpp: a transposed
// convolution is conv_input_grad). Each is differentiable through the other
// two. Internal.
#pragma once

#include "ops/conv_geom.h"

namespace ember::conv {

/// y (N, O, oH, oW) = conv(x (N, C, H, W), w) + bias (bias may be undefined).
Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeom& g);
/// dx (N, C, H, W) = the adjoint of conv in x applied to dy (N, O, oH, oW).
Tensor conv_input_grad(const Tensor& dy, const Tensor& w, const ConvGeom& g);
/// dw (O, C/G, kH, kW) = the adjoint of conv in w.
Tensor conv_weight_grad(const Tensor& x, const Tensor& dy, const ConvGeom& g);

/// Throws unless input is floating and weight (and bias, when defined) share its dtype; `op` names the caller.
void check_dtypes(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias);

}  // namespace ember::conv
