// The backward engine: walks the graph from the roots iteratively (dependency
// counts and a ready queue ordered by creation, so a 100,000-op chain needs no
// deep stack), sums gradients that meet at a tensor, reduces each gradient to
// its input's shape (broadcasting) and dtype, and frees saved tensors unless
// the graph is retained.
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember::autograd {

/// Accumulates d(roots)/d(leaf) · grad_roots into every leaf's `.grad`.
void backward(const tensor_list& roots, const tensor_list& grad_roots = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

/// Returns d(outputs)/d(inputs) · grad_outputs without touching any `.grad`;
/// an input that the outputs do not depend on is an error unless `allow_unused`
/// (then its gradient is undefined).
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                 bool allow_unused = false);

}  // namespace ember::autograd
