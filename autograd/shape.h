// Shapes and strides: overflow-checked element counts, row-major strides,
// dimension wrapping, and NumPy broadcasting of shapes.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/error.h"

namespace ember {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

/// (h, w) for 2-d kernels, strides, paddings and dilations: `Pair(3)` is (3, 3).
struct Pair {
  Pair(int64_t both) : h(both), w(both) {}  // NOLINT(implicit), as libtorch's ExpandingArray
  Pair(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Pair& o) const { return h == o.h && w == o.w; }
  int64_t h, w;
};

/// Product of the sizes; throws if negative or if it overflows int64.
int64_t numel_of(const Shape& shape, const char* op = "tensor");
/// Row-major (C-contiguous) strides, in elements.
Strides contiguous_strides(const Shape& shape);
/// Maps a possibly negative `dim` into [0, ndim); `op` names the caller.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// NumPy broadcast of two shapes, or a ValueError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// True when a tensor of shape `from` broadcasts to `to` (and `to` sums back to `from`).
bool broadcastable_to(const Shape& from, const Shape& to);
/// Strides that view a tensor of `shape`/`strides` as `target` (0 on broadcast dims).
Strides broadcast_strides(const Shape& shape, const Strides& strides, const Shape& target);
/// "[2, 3]" for messages.
std::string shape_str(const Shape& shape);

}  // namespace ember
