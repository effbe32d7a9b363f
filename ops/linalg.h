// Matrix products through OpenBLAS (sgemm/dgemm), with NumPy's matmul rules.
#pragma once

#include <string>

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

// ---- compositions of the products (ops/linalg_extra.cpp) ----

/// beta input + alpha (mat1 @ mat2); input broadcasts to (n, m) and is ignored when beta is 0.
Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, Scalar beta = 1, Scalar alpha = 1);
/// beta input + alpha bmm(batch1, batch2).
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, Scalar beta = 1, Scalar alpha = 1);
/// The inner product of two 1-d tensors of one size, a 0-d tensor.
Tensor dot(const Tensor& a, const Tensor& b);
/// (n, m) matrix times (m) vector -> (n).
Tensor mv(const Tensor& a, const Tensor& v);
/// The outer product of two 1-d tensors: (n) x (m) -> (n, m).
Tensor outer(const Tensor& a, const Tensor& b);
/// The lower (tril) or upper (triu) triangle of the last two dims, the rest 0;
/// `diagonal` shifts the boundary (positive: above the main diagonal).
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
/// Einstein summation: "ij,jk->ik"; "..." stands for broadcast leading dims;
/// without "->" the output is the labels that occur once, in alphabetical order.
Tensor einsum(const std::string& equation, const tensor_list& operands);

}  // namespace ember
