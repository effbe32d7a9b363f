// Views of part of a tensor: a window along one dim (narrow, select, slice), the
// diagonal, any as_strided geometry. A window scatters its gradient back through
// the internal op put_window, whose own backward takes the window again.
#include "ops/shape.h"

#include <algorithm>
#include <optional>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape_internal.h"

namespace ember {
namespace shape_internal {

Tensor window_view(const Tensor& x, const Window& w) {
  Shape shape = x.shape();
  Strides strides = x.strides();
  int64_t offset = x.storage_offset() + w.start * strides[w.dim];
  if (w.drop) {
    shape.erase(shape.begin() + w.dim);
    strides.erase(strides.begin() + w.dim);
  } else {
    shape[w.dim] = w.length;
    strides[w.dim] *= w.step;
  }
  return make_view(x, shape, strides, offset);
}

}  // namespace shape_internal

using namespace shape_internal;

namespace {

Tensor take_window(const Tensor& x, const Window& w);

// A zero tensor of `shape` holding g in the window w; d put_window(g) = take_window(gg).
Tensor put_window(const Tensor& g, const Shape& shape, const Window& w) {
  Tensor out = zeros(shape, g.dtype());
  if (numel_of(g.shape()) > 0) {
    Tensor dst = window_view(out, w);
    copy_(dst, g);
  }
  if (any_requires_grad({&g}))
    record(w.drop ? "SelectBackwardBackward0" : "SliceBackwardBackward0", {g}, out,
           [w](const tensor_list& gg) -> tensor_list { return {take_window(gg[0], w)}; }, Saves::None);
  return out;
}

// d take_window(x) = put_window(g) into zeros of x's shape
Tensor take_window(const Tensor& x, const Window& w) {
  Tensor out = window_view(x, w);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape shape = x.shape();
    record(w.drop ? "SelectBackward0" : "SliceBackward0", {x}, out,
           [w, shape](const tensor_list& g) -> tensor_list { return {put_window(g[0], shape, w)}; }, Saves::None);
  }
  return out;
}

// The diagonal of dims d1 and d2 (offset above the main one when positive) as
// one last dim: x's storage with stride stride(d1) + stride(d2).
Tensor diagonal_view(const Tensor& x, int64_t offset, int64_t d1, int64_t d2) {
  int64_t n = offset >= 0 ? std::min(x.size(d1), x.size(d2) - offset) : std::min(x.size(d1) + offset, x.size(d2));
  n = std::max<int64_t>(n, 0);
  int64_t start = x.storage_offset();
  if (n > 0) start += offset >= 0 ? offset * x.stride(d2) : -offset * x.stride(d1);
  Shape shape;
  Strides strides;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != d1 && d != d2) {
      shape.push_back(x.size(d));
      strides.push_back(x.stride(d));
    }
  shape.push_back(n);
  strides.push_back(x.stride(d1) + x.stride(d2));
  return make_view(x, shape, strides, start);
}

// Zeros of `shape` holding g on the diagonal; d = diagonal(gg)
Tensor diagonal_backward(const Tensor& g, const Shape& shape, int64_t offset, int64_t d1, int64_t d2) {
  Tensor out = zeros(shape, g.dtype());
  if (g.numel() > 0) {
    Tensor dst = diagonal_view(out, offset, d1, d2);
    copy_(dst, g);
  }
  if (any_requires_grad({&g}))
    record("DiagonalBackwardBackward0", {g}, out, [offset, d1, d2](const tensor_list& gg) -> tensor_list {
      return {diagonal(gg[0], offset, d1, d2)};
    }, Saves::None);
  return out;
}

// The row-major index into x of each element of the view (shape, strides,
// offset) over x's storage; -1 where the view reads memory outside x.
std::vector<int64_t> positions_in(const Tensor& x, const Shape& shape, const Strides& strides, int64_t offset) {
  std::vector<int64_t> index_of;  // storage offset - x's offset -> x's row-major index
  int64_t extent = 0;
  for (int64_t d = 0; d < x.dim(); ++d) extent += (x.size(d) - 1) * x.stride(d);
  index_of.assign(size_t(x.numel() > 0 ? extent + 1 : 0), -1);
  std::vector<int64_t> idx(x.dim(), 0);
  for (int64_t j = 0; j < x.numel(); ++j) {
    int64_t off = 0;
    for (int64_t d = 0; d < x.dim(); ++d) off += idx[d] * x.stride(d);
    index_of[size_t(off)] = j;
    for (int64_t d = x.dim() - 1; d >= 0 && ++idx[d] == x.size(d); --d) idx[d] = 0;
  }
  int64_t n = numel_of(shape);
  std::vector<int64_t> out(size_t(n), -1);
  std::vector<int64_t> at(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = offset - x.storage_offset();
    for (size_t d = 0; d < shape.size(); ++d) off += at[d] * strides[d];
    if (off >= 0 && off < int64_t(index_of.size())) out[size_t(k)] = index_of[size_t(off)];
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0 && ++at[d] == shape[d]; --d) at[d] = 0;
  }
  return out;
}

Tensor long_tensor(const std::vector<int64_t>& values) {
  Tensor t = make_tensor({int64_t(values.size())}, kInt64);
  std::copy(values.begin(), values.end(), t.data_ptr<int64_t>());
  return t;
}

}  // namespace

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK_INDEX(x.dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "narrow");
  int64_t size = x.size(d);
  EMBER_CHECK(length >= 0, "narrow: length must be non-negative, got {}", length);
  EMBER_CHECK_INDEX(start >= -size && start <= size,
                    "narrow: start out of range (expected to be in range of [{}, {}], but got {})", -size, size, start);
  if (start < 0) start += size;
  EMBER_CHECK(start + length <= size, "narrow: start ({}) + length ({}) exceeds dimension size ({})", start, length,
              size);
  return take_window(x, {d, start, length, 1, false});
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(x.dim() > 0, "select: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "select");
  int64_t size = x.size(d);
  EMBER_CHECK_INDEX(index >= -size && index < size,
                    "select: index {} out of range for tensor of size {} at dimension {}", index,
                    shape_str(x.shape()), dim);
  if (index < 0) index += size;
  return take_window(x, {d, index, 1, 1, true});
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  EMBER_CHECK_INDEX(x.dim() > 0, "slice: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "slice");
  EMBER_CHECK(step > 0, "slice: step must be greater than zero, got {}", step);
  int64_t size = x.size(d);
  // Python's clamping: negative bounds count from the end, then clip to [0, size].
  auto clamp_bound = [size](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t b = *v < 0 ? *v + size : *v;
    return std::min(std::max<int64_t>(b, 0), size);
  };
  int64_t lo = clamp_bound(start, 0), hi = clamp_bound(stop, size);
  int64_t length = hi > lo ? (hi - lo + step - 1) / step : 0;
  return take_window(x, {d, length > 0 ? lo : 0, length, step, false});
}

// d diagonal(x) = zeros like x with g on the diagonal
Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) {
  EMBER_CHECK_INDEX(x.dim() >= 2, "diagonal: expected a tensor with at least 2 dimensions, got {}", x.dim());
  int64_t d1 = wrap_dim(dim1, x.dim(), "diagonal"), d2 = wrap_dim(dim2, x.dim(), "diagonal");
  EMBER_CHECK(d1 != d2, "diagonal: diagonal dimensions cannot be identical {}, {}", dim1, dim2);
  Tensor out = diagonal_view(x, offset, d1, d2);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape shape = x.shape();
    record("DiagonalBackward0", {x}, out, [shape, offset, d1, d2](const tensor_list& g) -> tensor_list {
      return {diagonal_backward(g[0], shape, offset, d1, d2)};
    }, Saves::None);
  }
  return out;
}

// d as_strided(x) = g added at the positions of x each element reads
Tensor as_strided(const Tensor& x, const Shape& size, const Strides& stride, std::optional<int64_t> storage_offset) {
  EMBER_CHECK(size.size() == stride.size(), "as_strided: mismatch in length of strides and shape ({} and {})",
              shape_str(size), shape_str(stride));
  int64_t offset = storage_offset.value_or(x.storage_offset());
  EMBER_CHECK(offset >= 0, "as_strided: Tensor: invalid storage offset {}", offset);
  int64_t needed = offset + 1;
  for (size_t d = 0; d < size.size(); ++d) {
    EMBER_CHECK(size[d] >= 0, "as_strided: Trying to create tensor with negative dimension {}: {}", size[d],
                shape_str(size));
    EMBER_CHECK(stride[d] >= 0, "as_strided: negative strides are not supported, got {}", shape_str(stride));
    if (size[d] == 0) needed = 0;
    if (needed > 0) needed += (size[d] - 1) * stride[d];
  }
  int64_t available = int64_t(x.storage()->nbytes() / element_size(x.dtype()));
  EMBER_CHECK(needed <= available,
              "as_strided: setStorage: sizes {}, strides {}, storage offset {}, and itemsize {} requiring a storage "
              "size of {} are out of bounds for storage of size {}",
              shape_str(size), shape_str(stride), offset, element_size(x.dtype()),
              needed * int64_t(element_size(x.dtype())), available * int64_t(element_size(x.dtype())));
  Tensor out = make_view(x, size, stride, offset);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    std::vector<int64_t> pos = positions_in(x, size, stride, offset), picked, kept;
    for (size_t k = 0; k < pos.size(); ++k)
      if (pos[k] >= 0) {
        picked.push_back(int64_t(k));
        kept.push_back(pos[k]);
      }
    Tensor picked_t = long_tensor(picked), kept_t = long_tensor(kept);
    Shape shape = x.shape();
    record("AsStridedBackward0", {x}, out, [picked_t, kept_t, shape](const tensor_list& g) -> tensor_list {
      Tensor flat = index_select(reshape(g[0], {-1}), 0, picked_t);
      return {reshape(index_add(zeros({numel_of(shape)}, g[0].dtype()), 0, kept_t, flat), shape)};
    }, Saves::None);
  }
  return out;
}

}  // namespace ember
