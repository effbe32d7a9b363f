// The geometry of one convolution call, shared by ops/conv.cpp (checks,
// im2col + GEMM) and the float32 kernels of ops/conv_direct.cpp and
// ops/conv_winograd.cpp, and the table those kernels are called through. Internal.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace ember::conv {

// Everything a kernel needs; pH/pW are the top/left paddings (bottom/right
// follow from oH/oW, so the asymmetric 'same' padding needs no extra case).
struct ConvGeom {
  int64_t N, C, H, W, O, G, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW;
  int64_t Cg() const { return C / G; }
  int64_t Og() const { return O / G; }
  int64_t L() const { return oH * oW; }
  int64_t Kg() const { return Cg() * kH * kW; }  // column rows per group
  bool is_1x1() const { return kH == 1 && kW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0; }
  Shape input_shape() const { return {N, C, H, W}; }
  Shape weight_shape() const { return {O, Cg(), kH, kW}; }
  Shape output_shape() const { return {N, O, oH, oW}; }
};

/// The three passes of one float32 scheme (ops/conv_winograd.cpp,
/// ops/conv_direct.cpp), each writing its whole output.
struct Float32Kernels {
  /// y (N, O, oH, oW) = conv(x, w) + bias (bias may be null).
  void (*forward)(float* y, const float* x, const float* w, const float* bias, const ConvGeom& g);
  /// dx (N, C, H, W) = the adjoint of conv in x applied to dy.
  void (*backward_input)(float* dx, const float* dy, const float* w, const ConvGeom& g);
  /// dw (O, C, kH, kW) = the adjoint of conv in w applied to dy.
  void (*backward_weight)(float* dw, const float* x, const float* dy, const ConvGeom& g);
};

}  // namespace ember::conv
