// Winograd F(2x2, 3x3) float32 convolutions: 3x3 kernels, stride 1, no
// dilation, one group, paddings up to 2, at least 32 channels in and out,
// planes up to about 64x64. 2.25x fewer multiplications than a direct
// convolution. Internal to ops/conv.cpp.
#pragma once

#include "ops/conv_geom.h"

namespace ember::conv {

/// Whether the Winograd kernels handle `g` (float32 is the caller's check).
bool winograd_applies(const ConvGeom& g);
/// y (N, O, oH, oW) = conv(x, w) + bias (bias may be null).
void winograd_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeom& g);
/// dx (N, C, H, W) = the adjoint of conv in x applied to dy.
void winograd_backward_input(float* dx, const float* dy, const float* w, const ConvGeom& g);
/// dw (O, C, 3, 3) = the adjoint of conv in w applied to dy.
void winograd_backward_weight(float* dw, const float* x, const float* dy, const ConvGeom& g);

}  // namespace ember::conv
