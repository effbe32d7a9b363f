// Custom functions: the context that carries saved tensors from forward to
// backward, and record_function, which gives a custom op's outputs one node.
#include "autograd/function.h"

#include <cxxabi.h>

#include <cstdlib>
#include <optional>

#include "autograd/inplace.h"
#include "autograd/warning.h"
#include "ops/factory.h"

namespace ember::autograd {

double SavedValue::toDouble() const {
  if (auto* i = std::get_if<int64_t>(&value_)) return double(*i);
  EMBER_CHECK_TYPE(std::holds_alternative<double>(value_), "saved_data: the value is not a number");
  return std::get<double>(value_);
}

int64_t SavedValue::toInt() const {
  EMBER_CHECK_TYPE(std::holds_alternative<int64_t>(value_), "saved_data: the value is not an integer");
  return std::get<int64_t>(value_);
}

bool SavedValue::toBool() const {
  EMBER_CHECK_TYPE(std::holds_alternative<bool>(value_), "saved_data: the value is not a bool");
  return std::get<bool>(value_);
}

const std::string& SavedValue::toString() const {
  EMBER_CHECK_TYPE(std::holds_alternative<std::string>(value_), "saved_data: the value is not a string");
  return std::get<std::string>(value_);
}

Tensor SavedValue::toTensor() const {
  EMBER_CHECK_TYPE(std::holds_alternative<Tensor>(value_), "saved_data: the value is not a tensor");
  return std::get<Tensor>(value_);
}

void AutogradContext::save_for_backward(const tensor_list& tensors) { to_save_ = tensors; }

tensor_list AutogradContext::get_saved_variables() const {
  tensor_list out;
  std::shared_ptr<Node> node = node_.lock();
  for (const auto& s : saved_) out.push_back(s.unpack(node));
  return out;
}

void AutogradContext::mark_dirty(const tensor_list& inputs) { dirty_ = inputs; }

void AutogradContext::mark_non_differentiable(const tensor_list& outputs) {
  non_differentiable_.insert(non_differentiable_.end(), outputs.begin(), outputs.end());
}

namespace {

std::string backward_name(const std::string& name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string readable = status == 0 && demangled ? demangled : name;
  std::free(demangled);
  return readable + "Backward";
}

bool contains(const tensor_list& list, const Tensor& t) {
  for (const Tensor& x : list)
    if (x.defined() && x.is_same(t)) return true;
  return false;
}

class CustomNode : public Node {
 public:
  CustomNode(std::string name, std::shared_ptr<AutogradContext> ctx, CustomBackward backward)
      : Node(std::move(name)), ctx_(std::move(ctx)), backward_(std::move(backward)) {}

  /// Marks slot `nr` as a non-differentiable tensor output (materialized as zeros, or left undefined).
  void set_non_differentiable(uint32_t nr) {
    if (non_differentiable_.size() <= nr) non_differentiable_.resize(nr + 1, false);
    non_differentiable_[nr] = true;
  }
  void set_is_tensor(uint32_t nr, bool is_tensor) {
    if (is_tensor_.size() <= nr) is_tensor_.resize(nr + 1, false);
    is_tensor_[nr] = is_tensor;
  }

  tensor_list apply(tensor_list&& grads) override {
    for (size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].defined() || !is_tensor_[i] || !ctx_->materialize_grads_) continue;
      bool non_diff = i < non_differentiable_.size() && non_differentiable_[i];
      if (non_diff && !ctx_->materialize_non_differentiable_grads_) continue;
      grads[i] = zeros(grad_meta_[i].shape, grad_meta_[i].dtype);
    }
    tensor_list result = backward_(ctx_.get(), grads);
    size_t n = next_edges_.size();
    // Extra trailing None gradients are allowed, as in PyTorch.
    while (result.size() > n && !result.back().defined()) result.pop_back();
    EMBER_CHECK_STATE(result.size() == n, "function {} returned an incorrect number of gradients (expected {}, got {})",
                name_, n, result.size());
    for (size_t i = 0; i < n; ++i) {
      if (!result[i].defined()) continue;
      EMBER_CHECK_STATE(!(i < input_is_tensor_.size() && !input_is_tensor_[i]),
                        "function {} returned a gradient different than None at position {}, but the corresponding "
                        "forward input was not a Variable",
                        name_, i + 1);
      if (!needs_input_grad(i)) result[i] = Tensor();
    }
    return result;
  }

  void release_saved() override {
    for (SavedVariable& s : ctx_->saved_) s.release();
  }

  const std::shared_ptr<AutogradContext>& context() const { return ctx_; }
  std::vector<bool> input_is_tensor_;

 private:
  std::shared_ptr<AutogradContext> ctx_;
  CustomBackward backward_;
  std::vector<bool> non_differentiable_, is_tensor_;
};

// `x` as a new view of itself, made without recording (PyTorch's _view_as_self_with_no_grad).
Tensor view_of_self(const Tensor& x) {
  NoGradGuard no_grad;
  return x.view_as(x);
}

}  // namespace

std::shared_ptr<AutogradContext> custom_function_context(const Node& node) {
  auto* custom = dynamic_cast<const CustomNode*>(&node);
  return custom ? custom->context() : nullptr;
}

// PyTorch's _process_backward_mode_ad, output by output.
tensor_list record_function(const std::string& name, const std::shared_ptr<AutogradContext>& ctx,
                            const tensor_list& inputs, const tensor_list& outputs_in, CustomBackward backward) {
  std::shared_ptr<CustomNode> node;
  if (any_requires_grad(inputs)) {
    node = std::make_shared<CustomNode>(backward_name(name), ctx, std::move(backward));
    for (const Tensor& x : inputs) {
      node->add_next_edge(x.defined() && x.requires_grad() ? gradient_edge(x) : Edge{});
      node->input_is_tensor_.push_back(x.defined());
    }
    ctx->node_ = node;
  }
  size_t num_tensor_outputs = 0;
  for (const Tensor& y : outputs_in) num_tensor_outputs += y.defined();

  tensor_list outputs = outputs_in;
  size_t num_diff_outputs = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor& var = outputs[i];
    if (!var.defined()) {
      if (node) node->set_is_tensor(node->add_undefined_output(), false);
      continue;
    }
    bool is_input = contains(inputs, var), is_modified = contains(ctx->dirty_, var);
    bool differentiable = node && !contains(ctx->non_differentiable_, var) && is_floating(var.dtype());
    uint32_t nr = 0;
    if (node) {
      nr = node->add_input_metadata(var);
      node->set_is_tensor(nr, true);
      if (!differentiable) node->set_non_differentiable(nr);
    }
    if (!differentiable) {
      if (!var.requires_grad()) {
        if (is_input && !is_modified) var = view_of_self(var);
      } else if (is_input) {
        var = var.detach();
      } else if (!var.is_view()) {
        var.detach_();
      }
    } else if (is_modified) {
      if (!is_input) {
        // PyTorch warns, and refuses only a view (its history can't be rebased).
        const char* msg = "ctx.mark_dirty() received a tensor that was not an input. Only input Tensors that have "
                          "been mutated should be passed to ctx.mark_dirty().";
        if (var.is_view()) throw Error(msg);
        warn(msg);
      }
      check_inplace(var);
      EMBER_CHECK_STATE(!(var.is_view() && num_tensor_outputs > 1),
                        "If your Function modifies inplace an input that is a view of another Tensor, your Function "
                        "cannot return more than one Tensor. This is not supported by the current autograd engine. "
                        "You should either make sure the input is not a view (using .clone() for example) or make "
                        "your Function only return one Tensor (potentially splitting it into two Functions: one doing "
                        "the inplace that returns a single Tensor and a second one that does the other operations).");
      var.set_grad(Tensor());
      var.impl()->meta().hooks.clear();
      rebase_history(var, {node, nr});
    } else if (is_input) {
      var = view_of_self(var);
      set_gradient_edge(var, {node, nr});
    } else {
      set_gradient_edge(var, {node, nr});
    }
    if (!(is_input && is_modified) && var.is_view()) var.impl()->autograd->view->creation_meta = CreationMeta::InCustomFunction;
    num_diff_outputs += differentiable;
  }
  // Views among several differentiable outputs may not be modified in place.
  if (num_diff_outputs > 1)
    for (const Tensor& var : outputs)
      if (var.defined() && var.is_view()) var.impl()->autograd->view->creation_meta = CreationMeta::MultiOutputNode;

  for (const Tensor& t : ctx->to_save_) {
    std::optional<uint32_t> slot;
    for (size_t j = 0; j < outputs.size() && node; ++j)
      if (outputs[j].defined() && outputs[j].is_same(t) && outputs[j].grad_fn() == node) slot = uint32_t(j);
    ctx->saved_.emplace_back(t, slot.has_value(), slot.value_or(0));
  }
  ctx->to_save_.clear();

  for (const Tensor& d : ctx->dirty_)
    EMBER_CHECK_STATE(contains(outputs_in, d),
                      "Some elements marked as dirty during the forward method were not returned as output. The "
                      "inputs that are modified inplace must all be outputs of the Function.");
  return outputs;
}

tensor_list delayed_error(const std::string& message, const tensor_list& tensors) {
  tensor_list outputs;
  for (const Tensor& t : tensors) outputs.push_back(t.defined() ? t.detach() : Tensor());
  if (any_requires_grad(tensors))
    record_multi("Error", tensors, outputs, [message](const tensor_list&) -> tensor_list { throw Error(message); },
                 Saves::None);
  return outputs;
}

}  // namespace ember::autograd
