// Node bookkeeping, the closure and accumulator nodes, saved variables, and
// set_history/record: how an op's result joins the tape. Also the iterative
// release of graphs: a node's destructor hands its next nodes to a
// thread-local queue instead of destroying them recursively.
#include "autograd/node.h"

#include <algorithm>
#include <atomic>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "ops/elementwise.h"

namespace ember {
namespace {
thread_local uint64_t next_sequence_nr = 0;
thread_local std::shared_ptr<Node> running_node;
std::atomic<int> next_hook_id{0};
std::function<std::string()> trace_collector;
// .grad of leaves and retained non-leaves may be written by backward passes
// running on several threads at once (and by reentrant passes).
std::mutex grad_mutex;

// Nodes whose last owner is going away are released recursively while that is
// shallow (cheap), and past kRecursiveReleaseDepth nested releases queued
// here, to be released one at a time by the outermost destructor on this
// thread: graph depth never becomes stack depth.
constexpr int kRecursiveReleaseDepth = 128;
thread_local std::vector<std::shared_ptr<Node>> dying_nodes;
thread_local bool draining = false;
thread_local int release_depth = 0;

void drain_dying_nodes() {
  if (draining) return;
  draining = true;
  while (!dying_nodes.empty()) {
    std::shared_ptr<Node> n = std::move(dying_nodes.back());
    dying_nodes.pop_back();
    n.reset();  // may push more nodes
  }
  draining = false;
}

// Drops `fn`; if this is its last reference and releases are already nested
// deep, its destruction joins the queue instead.
void defer_release(std::shared_ptr<Node>& fn) {
  if (fn && fn.use_count() == 1 && release_depth >= kRecursiveReleaseDepth) dying_nodes.push_back(std::move(fn));
  ++release_depth;
  fn.reset();
  --release_depth;
}

std::string legacy_type_name(Dtype d) {
  switch (d) {
    case kFloat32: return "ember.FloatTensor";
    case kFloat64: return "ember.DoubleTensor";
    case kInt64: return "ember.LongTensor";
    default: return "ember.BoolTensor";
  }
}

// PyTorch's check_variable_result: a hook may replace a gradient, never change its kind.
Tensor apply_hook(const HookEntry& h, const Tensor& grad) {
  Tensor replaced = h.fn(grad);
  if (!replaced.defined()) return grad;
  EMBER_CHECK_STATE(grad.defined(), "can't replace a None gradient with a non-None value");
  EMBER_CHECK_TYPE(replaced.dtype() == grad.dtype(), "hook '{}' has changed the type of value (was {} got {})", h.name,
                   legacy_type_name(grad.dtype()), legacy_type_name(replaced.dtype()));
  EMBER_CHECK(replaced.shape() == grad.shape(), "hook '{}' has changed the size of value", h.name);
  return replaced;
}
}  // namespace

namespace detail {
int new_hook_id() { return next_hook_id.fetch_add(1); }
}  // namespace detail

const std::shared_ptr<Node>& current_node() { return running_node; }

CurrentNodeGuard::CurrentNodeGuard(std::shared_ptr<Node> node) : previous_(std::move(running_node)) {
  running_node = std::move(node);
}
CurrentNodeGuard::~CurrentNodeGuard() { running_node = std::move(previous_); }

void set_forward_trace_collector(std::function<std::string()> collector) { trace_collector = std::move(collector); }

Node::Node(std::string name) : name_(std::move(name)), sequence_nr_(next_sequence_nr++) {
  if (AnomalyMode::is_enabled()) {
    if (trace_collector) forward_trace_ = trace_collector();
    anomaly_parent_ = running_node;
  }
}

Node::~Node() {
  for (Edge& e : next_edges_) defer_release(e.fn);
  if (release_depth == 0) drain_dying_nodes();
}

AutogradMeta::~AutogradMeta() {
  defer_release(grad_fn);
  if (release_depth == 0) drain_dying_nodes();
}

uint32_t Node::add_input_metadata(const Tensor& output) {
  auto nr = uint32_t(grad_meta_.size());
  grad_meta_.push_back({output.shape(), output.dtype()});
  return nr;
}

uint32_t Node::add_output(const Tensor& output) {
  uint32_t nr = add_input_metadata(output);
  set_gradient_edge(output, {shared_from_this(), nr});
  return nr;
}

void set_gradient_edge(const Tensor& t, const Edge& edge) {
  auto& meta = t.impl()->meta();
  meta.grad_fn = edge.fn;
  meta.output_nr = edge.input_nr;
  meta.requires_grad = false;
  if (meta.view) meta.view->attr_version = t._version();
}

uint32_t Node::add_undefined_output() {
  auto nr = uint32_t(grad_meta_.size());
  grad_meta_.push_back({{}, kFloat32});
  return nr;
}

int Node::add_hook(uint32_t output_nr, Hook hook, std::string name) {
  int id = detail::new_hook_id();
  hooks_.push_back({id, output_nr, std::move(hook), std::move(name)});
  return id;
}

void Node::remove_hook(int id) {
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it)
    if (it->id == id) {
      hooks_.erase(it);
      return;
    }
}

int Node::add_pre_hook(NodePreHook hook) {
  int id = detail::new_hook_id();
  pre_hooks_.emplace_back(id, std::move(hook));
  return id;
}

int Node::add_post_hook(NodePostHook hook) {
  int id = detail::new_hook_id();
  post_hooks_.emplace_back(id, std::move(hook));
  return id;
}

void Node::remove_node_hook(int id) {
  auto match = [id](const auto& h) { return h.first == id; };
  pre_hooks_.erase(std::remove_if(pre_hooks_.begin(), pre_hooks_.end(), match), pre_hooks_.end());
  post_hooks_.erase(std::remove_if(post_hooks_.begin(), post_hooks_.end(), match), post_hooks_.end());
}

namespace {

// A node hook's replacement list must have one entry per gradient it replaces.
void replace_from_hook(tensor_list& grads, tensor_list&& replaced) {
  if (replaced.empty()) return;
  EMBER_CHECK(replaced.size() == grads.size(),
              "hook 'hook' has returned an incorrect number of values (got {}, but expected {})", replaced.size(),
              grads.size());
  for (size_t i = 0; i < grads.size(); ++i)
    EMBER_CHECK_STATE(grads[i].defined() || !replaced[i].defined(),
                      "can't replace a None gradient with a non-None value");
  grads = std::move(replaced);
}

}  // namespace

void Node::run_pre_hooks_slow(tensor_list& grads) {
  for (auto& [id, hook] : std::vector<std::pair<int, NodePreHook>>(pre_hooks_)) replace_from_hook(grads, hook(grads));
}

void Node::run_post_hooks(tensor_list& grad_inputs, const tensor_list& grad_outputs) {
  for (auto& [id, hook] : std::vector<std::pair<int, NodePostHook>>(post_hooks_))
    replace_from_hook(grad_inputs, hook(grad_inputs, grad_outputs));
}

SavedVariable* Node::saved_variable(std::string_view) { return nullptr; }

void Node::clear_hooks() {
  hooks_.clear();
  pre_hooks_.clear();
  post_hooks_.clear();
  metadata.reset();
}

void Node::add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor) {
  retained_.emplace_back(output_nr, std::move(tensor));
}

bool Node::remove_retained_grad(const TensorImpl* tensor) {
  for (auto it = retained_.begin(); it != retained_.end(); ++it)
    if (it->second.lock().get() == tensor) {
      retained_.erase(it);
      return true;
    }
  return false;
}

Tensor Node::run_hooks(uint32_t output_nr, Tensor grad) {
  if (hooks_.empty() && retained_.empty()) return grad;
  for (const HookEntry& h : std::vector<HookEntry>(hooks_))
    if (h.output_nr == output_nr) grad = apply_hook(h, grad);
  // retain_grad runs after the user's hooks, so .grad sees what they returned.
  if (grad.defined())
    for (auto& [nr, weak] : retained_)
      if (nr == output_nr)
        if (auto impl = weak.lock()) accumulate_grad(*impl, grad);
  return grad;
}

void move_retained_grad(const std::shared_ptr<TensorImpl>& tensor, Node* from, Node* to, uint32_t output_nr) {
  if (!tensor->autograd || !tensor->autograd->retains_grad || from == to) return;
  if (from) from->remove_retained_grad(tensor.get());
  if (to) to->add_retained_grad(output_nr, tensor);
}

tensor_list LambdaNode::apply(tensor_list&& grads) {
  EMBER_CHECK_STATE(fn_ != nullptr,
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed). Saved intermediate values of the graph are freed when you call "
                    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                    "graph a second time or if you need to access saved tensors after calling backward.");
  // Multi-output ops see zeros where no gradient flowed into an output.
  for (size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined()) grads[i] = zeros(grad_meta_[i].shape, grad_meta_[i].dtype);
  return fn_(grads);
}

void LambdaNode::release_saved() {
  if (saves_) fn_ = nullptr;
}

SavedVariable* SavedVariables::find(std::string_view name) {
  for (auto& [n, var] : saved_)
    if (name == n) return &var;
  return nullptr;
}

void SavedVariables::release() {
  for (auto& entry : saved_) entry.second.release();
}

tensor_list SavedLambdaNode::apply(tensor_list&& grads) { return fn_(grads, saved_); }

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : Node("AccumulateGrad"), leaf_(std::move(leaf)) {
  grad_meta_.push_back({leaf_->shape, leaf_->dtype});
}

Tensor AccumulateGrad::run_hooks(uint32_t, Tensor grad) {
  // Leaf hooks live on the leaf: its accumulator is recreated with every graph.
  if (leaf_->autograd)
    for (const HookEntry& h : std::vector<HookEntry>(leaf_->autograd->hooks)) grad = apply_hook(h, grad);
  return grad;
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  // The engine keeps what this node received for its post-hooks: that copy
  // does not stop .grad from taking the buffer (so a post-hook sees .grad itself, as in PyTorch).
  accumulate_grad(*leaf_, grads[0], 1 + has_post_hooks());
  if (leaf_->autograd && !leaf_->autograd->post_accumulate_hooks.empty()) {
    Tensor leaf(leaf_);
    for (auto& [id, hook] : std::vector<std::pair<int, std::function<void(const Tensor&)>>>(
             leaf_->autograd->post_accumulate_hooks))
      hook(leaf);
  }
  return {};
}

void accumulate_grad(TensorImpl& impl, const Tensor& g, long expected_refs) {
  std::lock_guard<std::mutex> lock(grad_mutex);
  auto& meta = impl.meta();
  if (!meta.grad) {
    // Take the incoming buffer when nothing else can see it; otherwise copy it,
    // so a later in-place accumulation never writes into someone else's tensor.
    bool exclusive = g.impl_ptr().use_count() <= expected_refs && g.storage().use_count() == 1 && g.is_contiguous() &&
                     !g.requires_grad();
    if (GradMode::is_enabled())
      // create_graph: .grad is a copy that remembers where it came from (CopyBackwards), as in PyTorch.
      meta.grad = Tensor(empty_like(g)).copy_(g).impl_ptr();
    else
      meta.grad = exclusive ? g.impl_ptr() : g.detach().clone().impl_ptr();
  } else if (GradMode::is_enabled() || Tensor(meta.grad).requires_grad()) {
    meta.grad = (Tensor(meta.grad) + g).impl_ptr();
  } else {
    Tensor(meta.grad).add_(g);
  }
}

namespace {
thread_local std::vector<std::shared_ptr<const SavedTensorHooks>> saved_hooks_stack;
thread_local int saved_hooks_depth = 0;  // its size, read by every save without touching the vector
thread_local std::optional<std::string> saved_hooks_disabled;
constexpr const char* kPackHookInPlace =
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack hook can not be "
    "modified by in-place operations as this can lead to unexpected side-effects. Please open an issue if you need "
    "to perform in-place operations on the input to a pack hook.";
}  // namespace

void push_saved_tensor_hooks(SavedTensorHooks hooks) {
  if (saved_hooks_disabled) throw Error(*saved_hooks_disabled);
  saved_hooks_stack.push_back(std::make_shared<const SavedTensorHooks>(std::move(hooks)));
  ++saved_hooks_depth;
}

void pop_saved_tensor_hooks() {
  // Popping an empty stack (an extra __exit__) is harmless, as in PyTorch.
  if (saved_hooks_depth == 0) return;
  saved_hooks_stack.pop_back();
  --saved_hooks_depth;
}

SavedTensorHooksGuard::SavedTensorHooksGuard() : saved_(saved_hooks_stack) {}

SavedTensorHooksGuard::~SavedTensorHooksGuard() {
  saved_hooks_stack = std::move(saved_);
  saved_hooks_depth = int(saved_hooks_stack.size());
}

void set_saved_tensor_hooks_disabled(std::optional<std::string> message) {
  // As PyTorch: hooks already pushed cannot be disabled under them.
  EMBER_CHECK_STATE(!message || saved_hooks_depth == 0, "{}", *message);
  saved_hooks_disabled = std::move(message);
}
const std::optional<std::string>& saved_tensor_hooks_disabled() { return saved_hooks_disabled; }

SavedVariable::SavedVariable(const Tensor& t, bool is_output, uint32_t output_nr)
    : output_nr_(output_nr), is_output_(is_output) {
  if (!t.defined()) return;
  EMBER_CHECK_STATE(!t.is_inference(),
                    "Inference tensors cannot be saved for backward. To work around you can make a clone to get a "
                    "normal tensor and use it in autograd.");
  version_ = t._version();
  // A wrapped Python number is no user tensor: PyTorch saves it as it is, without the hooks.
  if (saved_hooks_depth > 0 && !t.impl()->is_wrapped_number) {
    hooks_ = saved_hooks_stack.back();
    requires_grad_ = t.requires_grad();
    if (!is_output && requires_grad_) edge_ = gradient_edge(t);
    packed_ = hooks_->pack(t);
    EMBER_CHECK_STATE(t._version() == version_, "{}", kPackHookInPlace);
    return;
  }
  if (is_output) {
    // Same storage and geometry, no autograd record: no cycle through grad_fn.
    data_ = t.detach();
  } else {
    data_ = t;
    saved_non_leaf_ = t.impl()->autograd && t.impl()->autograd->grad_fn;
  }
}

void SavedVariable::register_hooks(std::shared_ptr<const SavedTensorHooks> hooks) {
  EMBER_CHECK_STATE(!hooks_, "Calling register_hooks on a saved tensor whose hooks have already been set. Hint: only "
                             "one pair of hooks is allowed at a time.");
  EMBER_CHECK_STATE(!released_,
                    "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate values of "
                    "the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
                    "you need to backward through the graph a second time or if you need to access saved values "
                    "after calling backward.");
  EMBER_CHECK_STATE(data_.defined(), "Calling register_hooks on a saved tensor with value None is forbidden");
  // A saved output was stored detached; it belongs to a node, so its unpacked form rejoins it.
  bool requires_grad = is_output_ || data_.requires_grad();
  Edge edge = !is_output_ && requires_grad ? gradient_edge(data_) : Edge{};
  uint32_t version = data_._version();
  std::shared_ptr<void> packed;
  {
    NoGradGuard no_grad;  // as PyTorch packs: the hook may work on the tensor in place only to be refused below
    packed = hooks->pack(data_);
  }
  EMBER_CHECK_STATE(data_._version() == version, "{}", kPackHookInPlace);
  hooks_ = std::move(hooks);
  packed_ = std::move(packed);
  requires_grad_ = requires_grad;
  edge_ = std::move(edge);
  data_ = Tensor();
}

void SavedVariable::release() {
  if (!data_.defined() && !packed_) return;
  data_ = Tensor();
  packed_.reset();
  released_ = true;
}

// PyTorch does not track versions through hooks: the unpacked tensor gets the
// saved history and a version counter of its own.
Tensor SavedVariable::unpack_packed(const std::shared_ptr<Node>& node) const {
  Tensor t = hooks_->unpack(packed_);
  EMBER_CHECK_TYPE(t.defined(), "Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                                "NoneType");
  if (!requires_grad_) return t;
  Tensor var = t.variable_data();
  if (is_output_) {
    if (node) set_gradient_edge(var, {node, output_nr_});
  } else if (dynamic_cast<AccumulateGrad*>(edge_.fn.get())) {
    // A leaf: the unpacked tensor accumulates into the original's .grad.
    auto& meta = var.impl()->meta();
    meta.requires_grad = true;
    meta.grad_accumulator = edge_.fn;
  } else {
    set_gradient_edge(var, edge_);
  }
  return var;
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& node_in) const {
  EMBER_CHECK_STATE(!released_,
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed). Saved intermediate values of the graph are freed when you call "
                    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                    "graph a second time or if you need to access saved tensors after calling backward.");
  const std::shared_ptr<Node>& node = node_in ? node_in : current_node();
  if (packed_) return unpack_packed(node);
  if (!data_.defined()) return {};
  if (data_._version() != version_) {
    std::string origin;
    if (is_output_ && node) origin = fmt::format(", which is output {} of {}", output_nr_, node->name());
    throw Error(fmt::format(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[{} {}]{}, is at version {}; expected version {} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with ember.autograd.set_detect_anomaly(True).",
        legacy_type_name(data_.dtype()), shape_str(data_.shape()), origin, data_._version(), version_));
  }
  // As PyTorch: a saved input that lost its history to detach_() cannot be
  // used (a saved output can: it rejoins the node that made it).
  EMBER_CHECK_STATE(!saved_non_leaf_ || data_.impl()->autograd->grad_fn,
                    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_().This is not "
                    "supported, please use out-of-place `.detach()` instead");
  if (is_output_ && GradMode::is_enabled() && node) {
    // create_graph: rejoin the output to the node that produced it, in its slot.
    Tensor t = data_.detach();
    auto& meta = t.impl()->meta();
    meta.grad_fn = node;
    meta.output_nr = output_nr_;
    return t;
  }
  return data_;
}

Edge gradient_edge(const Tensor& t) {
  auto* meta = t.impl()->autograd.get();
  if (!meta) return {};
  if (const auto& fn = t.grad_fn()) return {fn, meta->output_nr};
  if (!meta->requires_grad) return {};
  auto acc = meta->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    meta->grad_accumulator = acc;
  }
  return {acc, 0};
}

// Inference tensors never enter the graph, even one made with requires_grad=True (PyTorch).
bool any_requires_grad(std::initializer_list<const Tensor*> tensors) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : tensors)
    if (t->defined() && t->requires_grad() && !t->is_inference()) return true;
  return false;
}

bool any_requires_grad(const tensor_list& tensors) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : tensors)
    if (t.defined() && t.requires_grad() && !t.is_inference()) return true;
  return false;
}

void set_history(const std::shared_ptr<Node>& fn, const tensor_list& inputs, const tensor_list& outputs) {
  for (const Tensor& x : inputs) fn->add_next_edge(x.defined() && x.requires_grad() ? gradient_edge(x) : Edge{});
  for (const Tensor& y : outputs)
    if (y.defined()) fn->add_output(y);
    else fn->add_undefined_output();
}

void record(const char* name, const tensor_list& inputs, const Tensor& output, BackwardFn fn, Saves saves) {
  set_history(std::make_shared<LambdaNode>(name, std::move(fn), saves == Saves::Tensors), inputs, {output});
}

void record(const char* name, const tensor_list& inputs, const Tensor& output, SavedVariables saved,
            SavedBackwardFn fn) {
  set_history(std::make_shared<SavedLambdaNode>(name, std::move(saved), std::move(fn)), inputs, {output});
}

void record_multi(const char* name, const tensor_list& inputs, const tensor_list& outputs, BackwardFn fn,
                  Saves saves) {
  set_history(std::make_shared<LambdaNode>(name, std::move(fn), saves == Saves::Tensors), inputs, outputs);
}

}  // namespace ember
