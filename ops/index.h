// Indexing: Python-style `t[...]` (integers, slices, None, Ellipsis, int64
// index tensors, bool masks), index_select, gather and their scatter twins
// (index_add, scatter_add) that serve as their backward, and masked_fill.
#pragma once

#include <string>

#include "autograd/tensor.h"

namespace ember {

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices);
/// Python's `x[indices] = value`: value is broadcast and converted to x's dtype.
Tensor& index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value);
/// torch.index_put: `indices` are advanced indices for x's leading dims (int64
/// or bool, broadcast together); `values` (x's dtype) is written there, or
/// added with `accumulate`, where repeated positions then sum.
/// `index_put(zeros({3}), {ember::tensor({0, 0}, kInt64)}, ones({2}), true)` is [2, 0, 0].
Tensor index_put(const Tensor& x, const tensor_list& indices, const Tensor& values, bool accumulate = false);
Tensor& index_put_(Tensor& x, const tensor_list& indices, const Tensor& values, bool accumulate);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
/// out[i][j] = x[index[i][j]][j] for dim 0, and so on (torch.gather).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
/// A copy of `x` with src added at `index` along `dim` (torch.scatter_add).
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
/// A copy of `x` with source's slices added at `index` along `dim` (torch.index_add).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
/// A copy of `x` with src reduced into it at `index` along `dim` (torch.scatter_reduce):
/// reduce is "sum", "prod", "mean", "amax" or "amin"; without include_self the
/// positions written start from src alone.
Tensor scatter_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self = true);
/// index_add's twin for reduce "prod", "mean", "amax" or "amin" (torch.index_reduce).
Tensor index_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self = true);
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
/// x with src[i][j] written at [index[i][j]][j] (dim 0; likewise for other dims): torch.scatter.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value);
/// The elements of x where mask (broadcast with x) is true, as a 1-d tensor.
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// x with the positions where mask (broadcast) is true taking source's elements in row-major order.
Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source);
/// Positions of the nonzero elements, one row per element: (count, ndim) int64.
Tensor nonzero(const Tensor& x);

/// torch.nn.functional.one_hot: int64 classes (*) -> int64 (*, num_classes),
/// 1 at each class; num_classes = -1 takes the largest class + 1.
Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1);

}  // namespace ember
