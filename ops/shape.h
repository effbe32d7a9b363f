// Shape ops. Most are views sharing storage (reshape of a contiguous tensor,
// permute, transpose, expand, narrow, select, slice); cat, stack and flip copy.
#pragma once

#include "autograd/tensor.h"

namespace ember {

Tensor reshape(const Tensor& x, const Shape& shape);
/// Like reshape but never copies: fails if the strides do not allow a view.
Tensor view(const Tensor& x, const Shape& shape);
Tensor view_as(const Tensor& x, const Tensor& other);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor expand(const Tensor& x, const Shape& shape);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop,
             int64_t step = 1);
/// The slices of x along dim, each a view (outputs of one node: none may be modified in place).
tensor_list unbind(const Tensor& x, int64_t dim = 0);
tensor_list chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
tensor_list split(const Tensor& x, int64_t split_size, int64_t dim = 0);
tensor_list split(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim = 0);
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);
Tensor cat(const tensor_list& tensors, int64_t dim = 0);
Tensor stack(const tensor_list& tensors, int64_t dim = 0);
Tensor contiguous(const Tensor& x);

}  // namespace ember
