// Node bookkeeping, the closure and accumulator nodes, saved variables, and
// set_history/record: how an op's result joins the tape.
#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"

namespace ember {
namespace {
thread_local uint64_t next_sequence_nr = 0;
thread_local std::shared_ptr<Node> running_node;
std::atomic<int> next_hook_id{0};
}  // namespace

namespace detail {
// Set by the engine around each Node::apply.
void set_current_node(std::shared_ptr<Node> node) { running_node = std::move(node); }
int new_hook_id() { return next_hook_id.fetch_add(1); }
}  // namespace detail

const std::shared_ptr<Node>& current_node() { return running_node; }

Node::Node(std::string name) : name_(std::move(name)), sequence_nr_(next_sequence_nr++) {}

uint32_t Node::add_output(const Tensor& output) {
  auto nr = uint32_t(grad_meta_.size());
  grad_meta_.push_back({output.shape(), output.dtype()});
  auto& meta = output.impl()->meta();
  meta.grad_fn = shared_from_this();
  meta.output_nr = nr;
  meta.requires_grad = false;
  return nr;
}

int Node::add_hook(uint32_t output_nr, Hook hook) {
  int id = detail::new_hook_id();
  hooks_.push_back({id, output_nr, std::move(hook)});
  return id;
}

void Node::remove_hook(int id) {
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it)
    if (it->id == id) {
      hooks_.erase(it);
      return;
    }
}

void Node::add_retained_grad(uint32_t output_nr, std::weak_ptr<TensorImpl> tensor) {
  retained_.emplace_back(output_nr, std::move(tensor));
}

Tensor Node::run_hooks(uint32_t output_nr, Tensor grad) {
  for (auto& h : hooks_)
    if (h.output_nr == output_nr) {
      Tensor replaced = h.hook(grad);
      if (replaced.defined()) grad = replaced;
    }
  // retain_grad runs after the user's hooks, so .grad sees what they returned.
  for (auto& [nr, weak] : retained_) {
    if (nr != output_nr) continue;
    if (auto impl = weak.lock()) {
      auto& meta = impl->meta();
      if (!meta.grad)
        meta.grad = GradMode::is_enabled() ? grad.impl_ptr() : grad.detach().clone().impl_ptr();
      else if (GradMode::is_enabled())
        meta.grad = (Tensor(meta.grad) + grad).impl_ptr();
      else
        Tensor(meta.grad).add_(grad);
    }
  }
  return grad;
}

tensor_list LambdaNode::apply(tensor_list&& grads) {
  EMBER_CHECK_STATE(fn_ != nullptr,
                    "Trying to backward through the graph a second time (or directly access saved tensors after "
                    "they have already been freed) in {}. Saved intermediate values of the graph are freed when "
                    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
                    "through the graph a second time or if you need to access saved tensors after calling backward.",
                    name_);
  // Multi-output ops see zeros where no gradient flowed into an output.
  for (size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined()) grads[i] = zeros(grad_meta_[i].shape, grad_meta_[i].dtype);
  return fn_(grads);
}

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : Node("AccumulateGrad"), leaf_(std::move(leaf)) {
  grad_meta_.push_back({leaf_->shape, leaf_->dtype});
}

Tensor AccumulateGrad::run_hooks(uint32_t, Tensor grad) {
  // Leaf hooks live on the leaf: its accumulator is recreated with every graph.
  if (leaf_->autograd)
    for (auto& [id, hook] : std::vector<std::pair<int, Hook>>(leaf_->autograd->hooks)) {
      Tensor replaced = hook(grad);
      if (replaced.defined()) grad = replaced;
    }
  return grad;
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  Tensor& g = grads[0];
  auto& meta = leaf_->meta();
  if (!meta.grad) {
    // Take the incoming buffer when nothing else can see it; otherwise copy it,
    // so a later in-place accumulation never writes into someone else's tensor.
    bool exclusive = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                     !g.requires_grad();
    if (GradMode::is_enabled())
      meta.grad = g.impl_ptr();
    else
      meta.grad = exclusive ? g.impl_ptr() : g.detach().clone().impl_ptr();
  } else if (GradMode::is_enabled() || Tensor(meta.grad).requires_grad()) {
    meta.grad = (Tensor(meta.grad) + g).impl_ptr();
  } else {
    Tensor(meta.grad).add_(g);
  }
  return {};
}

SavedVariable::SavedVariable(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  version_ = t._version();
  if (is_output) {
    // Same storage and geometry, no autograd record: no cycle through grad_fn.
    data_ = t.detach();
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack() const {
  if (!data_.defined()) return {};
  if (data_._version() != version_) {
    const auto& node = current_node();
    throw Error(fmt::format(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[{} {}]{}, is at version {}; expected version {} instead. Hint: the operation that failed to compute its "
        "gradient was {}; enable anomaly detection to find the forward op.",
        dtype_name(data_.dtype()), shape_str(data_.shape()),
        is_output_ && node ? fmt::format(", which is output 0 of {}", node->name()) : std::string(),
        data_._version(), version_, node ? node->name() : std::string("unknown")));
  }
  if (is_output_ && GradMode::is_enabled() && current_node()) {
    // create_graph: rejoin the output to the node that produced it.
    Tensor t = data_.detach();
    auto& meta = t.impl()->meta();
    meta.grad_fn = current_node();
    meta.output_nr = 0;
    return t;
  }
  return data_;
}

Edge gradient_edge(const Tensor& t) {
  auto* meta = t.impl()->autograd.get();
  if (!meta) return {};
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr};
  if (!meta->requires_grad) return {};
  auto acc = meta->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    meta->grad_accumulator = acc;
  }
  return {acc, 0};
}

bool any_requires_grad(std::initializer_list<const Tensor*> tensors) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : tensors)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const tensor_list& tensors) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : tensors)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void set_history(const std::shared_ptr<Node>& fn, const tensor_list& inputs, const tensor_list& outputs) {
  for (const Tensor& x : inputs) fn->add_next_edge(x.defined() && x.requires_grad() ? gradient_edge(x) : Edge{});
  for (const Tensor& y : outputs) fn->add_output(y);
}

void record(const char* name, const tensor_list& inputs, const Tensor& output, BackwardFn fn) {
  set_history(std::make_shared<LambdaNode>(name, std::move(fn)), inputs, {output});
  for (const Tensor& x : inputs)
    if (x.defined() && x.storage() == output.storage()) output.impl()->meta().is_view = true;
}

}  // namespace ember
