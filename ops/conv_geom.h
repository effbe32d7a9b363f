// The geometry of one convolution call, shared by ops/conv.cpp (checks,
// im2col + GEMM) and ops/conv_direct.cpp (direct stride-1 kernels). Internal.
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

}  // namespace ember::conv
