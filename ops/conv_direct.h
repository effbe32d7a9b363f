// Direct float32 convolution kernels for stride 1 and one group, where
// im2col + GEMM is slow: few channels make a short GEMM (M = 16..64 rows)
// behind a column matrix nine times the input. Internal to ops/conv.cpp.
#pragma once

#include "ops/conv_geom.h"

namespace ember::conv {

/// The direct kernels if they handle `g`, else null (float32 is the caller's check).
const Float32Kernels* direct_kernels(const ConvGeom& g);

}  // namespace ember::conv
