// Winograd F(2x2, 3x3) float32 convolutions: 3x3 kernels, stride 1, no
// dilation, one group, paddings up to 2, at least 32 channels in and out,
// planes up to about 64x64. 2.25x fewer multiplications than a direct
// convolution. Internal to ops/conv.cpp.
#pragma once

#include "ops/conv_geom.h"

namespace ember::conv {

/// The Winograd kernels if they handle `g`, else null (float32 is the caller's check).
const Float32Kernels* winograd_kernels(const ConvGeom& g);

}  // namespace ember::conv
