// Vector and matrix norms (torch.linalg.vector_norm, matrix_norm, norm;
// torch.norm and Tensor::norm) and cdist, the p-norm distances between rows.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace ember {
namespace linalg {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// (sum |x|^ord)^(1/ord) over `dims` (every dim when empty); ord = inf / -inf is
/// max / min |x|, ord = 0 counts the non-zeros. The gradient is 0 where the norm is 0.
Tensor vector_norm(const Tensor& x, double ord = 2, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// "fro" (the 2-norm of the entries) over the two `dims` (ord "nuc" needs an SVD, which ember lacks).
Tensor matrix_norm(const Tensor& x, const std::string& ord = "fro", const std::vector<int64_t>& dims = {-2, -1},
                   bool keepdim = false);
/// ord 1 / -1: max / min column abs sum; inf / -inf: max / min row abs sum (2 / -2 need an SVD).
Tensor matrix_norm(const Tensor& x, double ord, const std::vector<int64_t>& dims = {-2, -1}, bool keepdim = false);
/// torch.linalg.norm. Without ord: the 2-norm of x flattened, of one dim, or the
/// Frobenius norm of two dims. With ord: a vector norm for one dim (or a 1-d x),
/// a matrix norm for two dims (or a 2-d x).
Tensor norm(const Tensor& x, std::optional<double> ord = std::nullopt, const std::vector<int64_t>& dims = {},
            bool keepdim = false);
Tensor norm(const Tensor& x, const std::string& ord, const std::vector<int64_t>& dims = {}, bool keepdim = false);

}  // namespace linalg

/// torch.norm(x, p, dim, keepdim): the vector p-norm over `dims` (all when empty).
Tensor norm(const Tensor& x, double p = 2, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// torch.norm(x, "fro" or "nuc", dim, keepdim).
Tensor norm(const Tensor& x, const std::string& p, const std::vector<int64_t>& dims = {}, bool keepdim = false);

/// The p-norm distance between each row of x1 (..., P, M) and each row of x2
/// (..., R, M): shape (..., P, R), batch dims broadcast.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2.0);

}  // namespace ember
