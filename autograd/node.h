// The tape: each differentiable op's result points to a Node (its grad_fn)
// whose `apply` maps the gradients of the op's outputs to the gradients of its
// inputs, and whose Edges lead to the inputs' own nodes. Leaves that require
// grad end in an AccumulateGrad node. SavedVariable keeps what backward needs
// and detects in-place changes made after it was saved.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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

/// A hook on a node's incoming gradients (PyTorch's Node.register_prehook):
/// returns replacements, or an empty list to keep them.
using NodePreHook = std::function<tensor_list(const tensor_list& grad_outputs)>;
/// A hook on a node's result (Node.register_hook): sees the gradients it
/// computed for its inputs and the ones it received; returns replacements
/// for the former, or an empty list to keep them.
using NodePostHook = std::function<tensor_list(const tensor_list& grad_inputs, const tensor_list& grad_outputs)>;

class SavedVariable;

class Node : public std::enable_shared_from_this<Node> {
 public:
  explicit Node(std::string name);
  /// Releases the next nodes iteratively: dropping a graph of any depth is safe.
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients of the forward outputs in, gradients of the forward inputs out
  /// (one per next edge; undefined where none flows).
  virtual tensor_list apply(tensor_list&& grads) = 0;
  /// Frees saved tensors after backward unless the graph is retained.
  virtual void release_saved() {}
  /// Runs the tensor hooks registered on gradient `output_nr` of this node,
  /// then stores the gradient of any retain_grad tensor.
  virtual Tensor run_hooks(uint32_t output_nr, Tensor grad);

  const std::string& name() const { return name_; }
  uint64_t sequence_nr() const { return sequence_nr_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const std::vector<GradMeta>& grad_meta() const { return grad_meta_; }
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].is_valid(); }
  /// Traceback of the forward call that made this node (anomaly mode only).
  const std::string& forward_trace() const { return forward_trace_; }
  /// The node whose backward made this one (anomaly mode only; PyTorch's anomaly "parent").
  const std::shared_ptr<Node>& anomaly_parent() const { return anomaly_parent_; }

  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  /// Declares the next forward output: its gradient will arrive as grads[return value].
  uint32_t add_output(const Tensor& output);
  /// Takes the next gradient slot for `output` (its shape and dtype) without
  /// making this node its grad_fn.
  uint32_t add_input_metadata(const Tensor& output);
  /// Takes a gradient slot for an output that is not a tensor (or not differentiable).
  uint32_t add_undefined_output();

  int add_hook(uint32_t output_nr, Hook hook, std::string name);
  void remove_hook(int id);
  int add_pre_hook(NodePreHook hook);
  int add_post_hook(NodePostHook hook);
  /// Removes a node hook (pre or post) by the id its add_ returned.
  void remove_node_hook(int id);
  bool has_post_hooks() const { return !post_hooks_.empty(); }
  /// Runs the node's pre-hooks (after the tensor hooks) on all incoming gradients.
  void run_pre_hooks(tensor_list& grads) {
    if (!pre_hooks_.empty()) run_pre_hooks_slow(grads);
  }
  /// Runs the node's post-hooks on its result.
  void run_post_hooks(tensor_list& grad_inputs, const tensor_list& grad_outputs);
  /// Opaque data the bindings attach (Python's Node.metadata dict).
  std::shared_ptr<void> metadata;
  /// The tensor this node saved under `name` (PyTorch's grad_fn._saved_<name>), or null.
  virtual SavedVariable* saved_variable(std::string_view name);

  /// The hooks themselves, for the bindings to find the Python callables they hold.
  const std::vector<HookEntry>& hooks() const { return hooks_; }
  const std::vector<std::pair<int, NodePreHook>>& pre_hooks() const { return pre_hooks_; }
  const std::vector<std::pair<int, NodePostHook>>& post_hooks() const { return post_hooks_; }
  /// Drops every hook and the metadata: how Python's gc breaks a cycle through them.
  void clear_hooks();

  /// retain_grad() on a non-leaf: the gradient of `output_nr` is stored in `tensor.grad`.
  void add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor);
  /// Removes `tensor`'s retain_grad entry (it moved to another node); true if it had one.
  bool remove_retained_grad(const TensorImpl* tensor);

 protected:
  void run_pre_hooks_slow(tensor_list& grads);

  std::string name_;
  uint64_t sequence_nr_;
  std::vector<Edge> next_edges_;
  std::vector<GradMeta> grad_meta_;
  std::vector<HookEntry> hooks_;
  std::vector<std::pair<int, NodePreHook>> pre_hooks_;
  std::vector<std::pair<int, NodePostHook>> post_hooks_;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_;
  std::string forward_trace_;
  std::shared_ptr<Node> anomaly_parent_;
};

/// Backward of an op written as a closure: `grads` are the output gradients,
/// the result holds one gradient per input. Dropping the closure frees what it saved.
using BackwardFn = std::function<tensor_list(const tensor_list& grads)>;

class LambdaNode : public Node {
 public:
  /// `saves`: the closure holds saved tensors, so it is freed after backward
  /// (and a second backward through it is refused) unless the graph is retained.
  LambdaNode(std::string name, BackwardFn fn, bool saves)
      : Node(std::move(name)), fn_(std::move(fn)), saves_(saves) {}
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override;

 private:
  BackwardFn fn_;
  bool saves_;
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

/// Adds `grad` into `impl.grad` (what AccumulateGrad, retain_grad and
/// backward(inputs=...) on a non-leaf do): takes the buffer when nothing else
/// can see it, accumulates in place unless grad mode (create_graph) is on.
/// `expected_refs`: how many references to the buffer the caller itself holds.
void accumulate_grad(TensorImpl& impl, const Tensor& grad, long expected_refs = 1);

/// A tensor saved for backward. An op's own output is kept without its
/// grad_fn (that would be a reference cycle) and rejoined to the node running
/// backward on unpack, in the output slot it was saved from; any tensor is
/// checked against the version it had when saved. `release()` frees it: a
/// later unpack is the "backward through the graph a second time" error.
/// PyTorch's saved-tensor hooks (torch.autograd.graph.saved_tensors_hooks):
/// while pushed on this thread, every tensor saved for backward is stored as
/// whatever `pack` returns, and `unpack` turns that back into a tensor when
/// backward needs it.
struct SavedTensorHooks {
  std::function<std::shared_ptr<void>(const Tensor&)> pack;
  std::function<Tensor(const std::shared_ptr<void>&)> unpack;
};
void push_saved_tensor_hooks(SavedTensorHooks hooks);
void pop_saved_tensor_hooks();
/// Restores this thread's saved-tensor hooks when it goes out of scope, as
/// PyTorch restores them after a backward: hooks a backward pushed (or
/// popped) without undoing it do not outlive that backward.
class SavedTensorHooksGuard {
 public:
  SavedTensorHooksGuard();
  ~SavedTensorHooksGuard();
  SavedTensorHooksGuard(const SavedTensorHooksGuard&) = delete;
  SavedTensorHooksGuard& operator=(const SavedTensorHooksGuard&) = delete;

 private:
  std::vector<std::shared_ptr<const SavedTensorHooks>> saved_;
};
/// With a message, pushing hooks on this thread fails with it (disable_saved_tensors_hooks);
/// so does disabling while hooks are pushed.
void set_saved_tensor_hooks_disabled(std::optional<std::string> message);
const std::optional<std::string>& saved_tensor_hooks_disabled();

class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output, uint32_t output_nr = 0);
  /// The saved tensor; throws the in-place modification error if its version
  /// changed. `node`, when given, is the node an output rejoins (else the running one).
  Tensor unpack(const std::shared_ptr<Node>& node = nullptr) const;
  bool defined() const { return data_.defined() || packed_ || released_; }
  void release();
  /// Packs the saved tensor now with `hooks` (PyTorch's SavedTensor.register_hooks):
  /// every later unpack goes through them. Only one pair per saved tensor.
  void register_hooks(std::shared_ptr<const SavedTensorHooks> hooks);

 private:
  Tensor unpack_packed(const std::shared_ptr<Node>& node) const;

  Tensor data_;
  // With saved-tensor hooks: what pack returned, the hooks, and the history
  // the unpacked tensor gets (non-outputs; outputs rejoin their node).
  std::shared_ptr<void> packed_;
  std::shared_ptr<const SavedTensorHooks> hooks_;
  Edge edge_;
  bool requires_grad_ = false;
  bool saved_non_leaf_ = false;  // an input with a history: detach_() on it after saving is an error
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool released_ = false;
};

/// The tensors an op saved, kept by its node, each under the name PyTorch's
/// derivatives.yaml gives it ("self", "other", "result"): Python reads them
/// as grad_fn._saved_<name>. Indexed in the order they were given.
class SavedVariables {
 public:
  SavedVariables(std::initializer_list<std::pair<const char*, SavedVariable>> saved) : saved_(saved) {}
  const SavedVariable& operator[](size_t i) const { return saved_[i].second; }
  SavedVariable* find(std::string_view name);
  void release();

 private:
  std::vector<std::pair<const char*, SavedVariable>> saved_;
};

/// Backward of an op whose saved tensors live in its node: `saved` are the
/// ones given to record, `grads` the output gradients.
using SavedBackwardFn = std::function<tensor_list(const tensor_list& grads, const SavedVariables& saved)>;

class SavedLambdaNode : public Node {
 public:
  SavedLambdaNode(std::string name, SavedVariables saved, SavedBackwardFn fn)
      : Node(std::move(name)), saved_(std::move(saved)), fn_(std::move(fn)) {}
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override { saved_.release(); }
  SavedVariable* saved_variable(std::string_view name) override { return saved_.find(name); }

 private:
  SavedVariables saved_;
  SavedBackwardFn fn_;
};

/// Makes `edge` the history of `t` (its grad_fn and output slot).
void set_gradient_edge(const Tensor& t, const Edge& edge);
/// The edge a gradient for `t` must travel: its grad_fn, its accumulator, or none.
Edge gradient_edge(const Tensor& t);
/// True when grad mode is on and any of the tensors requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> tensors);
bool any_requires_grad(const tensor_list& tensors);

/// Connects `outputs` to a new node `fn` with edges to `inputs`: the one place
/// where ops and custom functions record themselves on the tape. Undefined
/// outputs take a slot whose gradient is always undefined.
void set_history(const std::shared_ptr<Node>& fn, const tensor_list& inputs, const tensor_list& outputs);

/// Whether a closure given to `record` holds saved tensors (SavedVariable or
/// captured tensors): such nodes are freed after backward unless retained.
enum class Saves : bool { None = false, Tensors = true };

/// Records `output = op(inputs)` with backward `fn` (single-output ops). Call
/// only when any_requires_grad(inputs) holds.
void record(const char* name, const tensor_list& inputs, const Tensor& output, BackwardFn fn,
            Saves saves = Saves::Tensors);
/// Records `output = op(inputs)` with its saved tensors named, for Python
/// (`fn` reads them from `saved`, which the node keeps and frees after
/// backward unless the graph is retained):
///   record("MulBackward0", {a, b}, out, {{"self", SavedVariable(a, false)}, {"other", SavedVariable(b, false)}},
///          [](const tensor_list& g, const SavedVariables& s) -> tensor_list { ... s[1].unpack() ... });
void record(const char* name, const tensor_list& inputs, const Tensor& output, SavedVariables saved,
            SavedBackwardFn fn);
/// The same for an op with several outputs; `fn` gets one gradient per output
/// (zeros where none flowed).
void record_multi(const char* name, const tensor_list& inputs, const tensor_list& outputs, BackwardFn fn,
                  Saves saves = Saves::Tensors);

/// The node whose backward is running on this thread (for unpacking saved outputs).
const std::shared_ptr<Node>& current_node();

/// Sets the node current_node() returns for a scope and restores the previous
/// one (reentrant backward runs nodes inside nodes).
class CurrentNodeGuard {
 public:
  explicit CurrentNodeGuard(std::shared_ptr<Node> node);
  ~CurrentNodeGuard();
  CurrentNodeGuard(const CurrentNodeGuard&) = delete;
  CurrentNodeGuard& operator=(const CurrentNodeGuard&) = delete;

 private:
  std::shared_ptr<Node> previous_;
};

/// Moves `tensor`'s retain_grad entry from `from` to `to` (its grad_fn changed).
void move_retained_grad(const std::shared_ptr<TensorImpl>& tensor, Node* from, Node* to, uint32_t output_nr);

namespace detail {
/// A process-wide id for a new hook (what HookHandle removes).
int new_hook_id();
}  // namespace detail

/// When anomaly mode is on, returns the traceback of the current forward call
/// to store on new nodes (set by the Python bindings; C++ has none).
void set_forward_trace_collector(std::function<std::string()> collector);

}  // namespace ember
