// The backward engine: walks the graph from the roots iteratively (dependency
// counts and a ready queue ordered by creation, so a graph of any depth needs
// no deep stack), sums gradients that meet at a tensor, reduces each gradient
// to its input's shape (broadcasting) and dtype, and frees saved tensors
// unless the graph is retained. A backward started inside a backward
// (reentrant) continues on a fresh thread every few levels, so nesting depth
// never exhausts a stack.
#pragma once

#include <functional>
#include <optional>

#include "autograd/node.h"
#include "autograd/tensor.h"

namespace ember::autograd {

/// Accumulates d(roots)/d(leaf) · grad_roots into every leaf's `.grad`; with
/// `inputs`, only into theirs (a non-leaf input retains its gradient).
void backward(const tensor_list& roots, const tensor_list& grad_roots = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const tensor_list& inputs = {});

/// The edge a differentiated tensor `x` is captured at (an error unless it
/// requires grad); backward's non-leaf inputs also retain their gradient.
Edge input_edge(const Tensor& x, bool retain_non_leaf);

/// The same with the inputs given as graph edges (PyTorch's GradientEdge: a
/// node and input slot, valid after the tensor it came from changed).
void backward(const tensor_list& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const std::vector<Edge>& inputs);

/// The same from graph edges as roots (PyTorch's GradientEdge roots): a root's
/// gradient may be omitted when the node receives a one-element gradient there.
void backward(const std::vector<Edge>& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const std::vector<Edge>& inputs);

/// Returns d(outputs)/d(inputs) · grad_outputs without touching any `.grad`
/// and without running the graph past the inputs; an input that the outputs
/// do not depend on is an error unless `allow_unused` (then its gradient is
/// undefined, or zeros with `materialize_grads`).
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                 bool allow_unused = false, bool materialize_grads = false);
/// The same with the inputs given as graph edges.
tensor_list grad(const tensor_list& outputs, const std::vector<Edge>& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused);

/// Runs `callback` when the backward pass now running on this thread has
/// finished (PyTorch's Variable._execution_engine.queue_callback).
void queue_callback(std::function<void()> callback);

}  // namespace ember::autograd
