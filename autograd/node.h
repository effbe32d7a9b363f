// The tape: each differentiable op's result points to a Node (its grad_fn)
// whose `apply` maps the gradients of the op's outputs to the gradients of its
// inputs, and whose Edges lead to the inputs' own nodes. Leaves that require
// grad end in an AccumulateGrad node. SavedVariable keeps what backward needs
// and detects in-place changes made after it was saved.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace ember {

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  uint32_t input_nr = 0;     // which of fn's incoming gradients this edge feeds
  bool is_valid() const { return fn != nullptr; }
};

/// Shape and dtype of one gradient a node receives (those of the tensor it produced).
struct GradMeta {
  Shape shape;
  Dtype dtype;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  explicit Node(std::string name);
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients of the forward outputs in, gradients of the forward inputs out
  /// (one per next edge; undefined where none flows).
  virtual tensor_list apply(tensor_list&& grads) = 0;
  /// Frees saved tensors after backward unless the graph is retained.
  virtual void release_saved() {}
  /// Runs the tensor hooks registered on gradient `output_nr` of this node.
  virtual Tensor run_hooks(uint32_t output_nr, Tensor grad);

  const std::string& name() const { return name_; }
  uint64_t sequence_nr() const { return sequence_nr_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const std::vector<GradMeta>& grad_meta() const { return grad_meta_; }
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].is_valid(); }

  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  /// Declares the next forward output: its gradient will arrive as grads[return value].
  uint32_t add_output(const Tensor& output);

  int add_hook(uint32_t output_nr, Hook hook);
  void remove_hook(int id);
  /// retain_grad() on a non-leaf: the gradient of `output_nr` is stored in `tensor.grad`.
  void add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor);

 protected:
  std::string name_;
  uint64_t sequence_nr_;
  std::vector<Edge> next_edges_;
  std::vector<GradMeta> grad_meta_;
  struct HookEntry {
    int id;
    uint32_t output_nr;
    Hook hook;
  };
  std::vector<HookEntry> hooks_;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_;
};

/// Backward of an op written as a closure: `grads` are the output gradients,
/// the result holds one gradient per input. Dropping the closure frees what it saved.
using BackwardFn = std::function<tensor_list(const tensor_list& grads)>;

class LambdaNode : public Node {
 public:
  LambdaNode(std::string name, BackwardFn fn) : Node(std::move(name)), fn_(std::move(fn)) {}
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override { fn_ = nullptr; }

 private:
  BackwardFn fn_;
};

/// Sums gradients into a leaf's `.grad` (after the leaf's hooks).
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  tensor_list apply(tensor_list&& grads) override;
  Tensor run_hooks(uint32_t output_nr, Tensor grad) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

/// A tensor saved for backward. An op's own output is kept without its
/// grad_fn (that would be a reference cycle) and rejoined to the running node
/// on unpack; any tensor is checked against the version it had when saved.
class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  /// The saved tensor; throws the in-place modification error if its version changed.
  Tensor unpack() const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  bool is_output_ = false;
};

/// The edge a gradient for `t` must travel: its grad_fn, its accumulator, or none.
Edge gradient_edge(const Tensor& t);
/// True when grad mode is on and any of the tensors requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> tensors);
bool any_requires_grad(const tensor_list& tensors);

/// Connects `outputs` to a new node `fn` with edges to `inputs`: the one place
/// where ops and custom functions record themselves on the tape.
void set_history(const std::shared_ptr<Node>& fn, const tensor_list& inputs, const tensor_list& outputs);

/// Records `output = op(inputs)` with backward `fn` (single-output ops). Call
/// only when any_requires_grad(inputs) holds.
void record(const char* name, const tensor_list& inputs, const Tensor& output, BackwardFn fn);

/// The node whose backward is running on this thread (for unpacking saved outputs).
const std::shared_ptr<Node>& current_node();

}  // namespace ember
