// One dim's window of a tensor, shared by ops/shape_window.cpp (narrow, select,
// slice) and ops/shape_join.cpp (the pieces of split/unbind, the slots cat and
// stack fill). Internal.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace ember::shape_internal {

// One dim's window: `length` entries from `start` every `step`; `drop`
// removes the dim (select) instead of keeping it.
struct Window {
  int64_t dim, start, length, step;
  bool drop;
};

// x's storage seen through the window w (no autograd).
Tensor window_view(const Tensor& x, const Window& w);

}  // namespace ember::shape_internal
