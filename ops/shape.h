// Shape ops. Most are views sharing storage (reshape of a contiguous tensor,
// permute, transpose, expand, narrow, select, slice); cat, stack and flip copy.
#pragma once

#include <optional>

#include <string>

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
/// x with its two dims swapped (a view of x itself when it has fewer than 2); x.dim() <= 2.
Tensor t(const Tensor& x);
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
/// split/chunk whose pieces share x's memory but are not views to autograd: they may be modified in place.
tensor_list unsafe_split(const Tensor& x, int64_t split_size, int64_t dim = 0);
tensor_list unsafe_split_with_sizes(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim = 0);
tensor_list unsafe_chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
/// The diagonal of dims dim1 and dim2 as a view, moved to the last dim; offset > 0 is above the main one.
/// `diagonal(eye(3))` is [1, 1, 1].
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
/// x tiled repeats[i] times along dim i (leading repeats add dims): torch.Tensor.repeat.
Tensor repeat(const Tensor& x, const Shape& repeats);
/// A view of x's storage with the given geometry (storage_offset defaults to x's).
Tensor as_strided(const Tensor& x, const Shape& size, const Strides& stride,
                  std::optional<int64_t> storage_offset = std::nullopt);
/// In-place view ops: x itself takes the view's geometry and history.
Tensor& transpose_(Tensor& x, int64_t dim0, int64_t dim1);
Tensor& t_(Tensor& x);
Tensor& squeeze_(Tensor& x);
Tensor& squeeze_(Tensor& x, int64_t dim);
Tensor& unsqueeze_(Tensor& x, int64_t dim);
Tensor& as_strided_(Tensor& x, const Shape& size, const Strides& stride,
                    std::optional<int64_t> storage_offset = std::nullopt);
/// Gives x the contiguous shape `size`, growing its storage if needed (new
/// elements uninitialised); refused for tensors that require grad.
Tensor& resize_(Tensor& x, const Shape& size);
Tensor& resize_as_(Tensor& x, const Tensor& other);
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);
Tensor cat(const tensor_list& tensors, int64_t dim = 0);
/// x repeated `reps` times per dim; fewer reps than dims count as leading 1s (torch.tile).
Tensor tile(const Tensor& x, const Shape& reps);
/// x shifted by `shifts` along `dims` with wrap-around (flattened first when dims is empty).
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims = {});
/// x with dims `source` moved to positions `destination`, the others keeping their order.
Tensor movedim(const Tensor& x, const std::vector<int64_t>& source, const std::vector<int64_t>& destination);
/// cat along dim 1 (dim 0 for 1-d tensors) and along dim 0 (1-d tensors as rows).
Tensor hstack(const tensor_list& tensors);
Tensor vstack(const tensor_list& tensors);
/// A 1-d x as the `diagonal` of a square matrix; a 2-d x's diagonal as a 1-d tensor.
Tensor diag(const Tensor& x, int64_t diagonal = 0);
/// Each element of x (flattened unless dim is given) repeated `repeats` times in place.
Tensor repeat_interleave(const Tensor& x, int64_t repeats, std::optional<int64_t> dim = std::nullopt);
/// Coordinate grids of 0-d or 1-d tensors: output k varies along dim k ("ij")
/// or with the first two dims swapped ("xy", as NumPy's default). Expanded views.
tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing = "ij");
Tensor stack(const tensor_list& tensors, int64_t dim = 0);
Tensor contiguous(const Tensor& x);

}  // namespace ember
