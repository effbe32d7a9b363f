// Direct float32 convolution kernels for stride 1 and one group, where
// im2col + GEMM is slow: few channels make a short GEMM (M = 16..64 rows)
// behind a column matrix nine times the input. Internal to ops/conv.cpp.
#pragma once

#include "ops/conv_geom.h"

namespace ember::conv {

/// Whether the direct kernels handle `g` (float32 is the caller's check).
bool direct_applies(const ConvGeom& g);
/// y (N, O, oH, oW) = conv(x, w) + bias (bias may be null).
void direct_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeom& g);
/// dx (N, C, H, W) = the adjoint of conv in x applied to dy.
void direct_backward_input(float* dx, const float* dy, const float* w, const ConvGeom& g);
/// dw (O, C, kH, kW) = the adjoint of conv in w applied to dy.
void direct_backward_weight(float* dw, const float* x, const float* dy, const ConvGeom& g);

}  // namespace ember::conv
