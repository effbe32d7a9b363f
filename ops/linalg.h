// Matrix products through OpenBLAS (sgemm/dgemm), with NumPy's matmul rules.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// (n, k) @ (k, m) -> (n, m).
Tensor mm(const Tensor& a, const Tensor& b);
/// (B, n, k) @ (B, k, m) -> (B, n, m).
Tensor bmm(const Tensor& a, const Tensor& b);
/// torch.matmul: 1-d operands are vectors, leading dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

/// torch.nn.functional.linear: y = x Wᵀ + b for input (*, in_features),
/// weight (out_features, in_features), optional bias (out_features); y (*, out_features).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

}  // namespace ember
