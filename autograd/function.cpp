// Custom functions: the context that carries saved tensors from forward to
// backward, and record_function, which gives a custom op's outputs one node.
#include "autograd/function.h"

#include <cxxabi.h>

#include <cstdlib>

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
  for (const auto& s : saved_) out.push_back(s.unpack());
  return out;
}

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

class CustomNode : public Node {
 public:
  CustomNode(std::string name, std::shared_ptr<AutogradContext> ctx, CustomBackward backward)
      : Node(std::move(name)), ctx_(std::move(ctx)), backward_(std::move(backward)) {}

  tensor_list apply(tensor_list&& grads) override {
    EMBER_CHECK_STATE(backward_ != nullptr,
                      "Trying to backward through the graph a second time in {}; specify retain_graph=True", name_);
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined()) grads[i] = zeros(grad_meta_[i].shape, grad_meta_[i].dtype);
    tensor_list result = backward_(ctx_.get(), grads);
    EMBER_CHECK(result.size() >= next_edges_.size(),
                "{}: backward returned {} gradients, but forward had {} arguments", name_, result.size(),
                next_edges_.size());
    result.resize(next_edges_.size());
    for (size_t i = 0; i < result.size(); ++i) {
      if (!needs_input_grad(i) || !result[i].defined()) {
        result[i] = Tensor();
        continue;
      }
      const auto& meta = next_edges_[i].fn->grad_meta()[next_edges_[i].input_nr];
      EMBER_CHECK(result[i].shape() == meta.shape,
                  "{}: backward returned a gradient of shape {} for input {} of shape {}", name_,
                  shape_str(result[i].shape()), i, shape_str(meta.shape));
    }
    return result;
  }

  void release_saved() override {
    backward_ = nullptr;
    ctx_.reset();
  }

 private:
  std::shared_ptr<AutogradContext> ctx_;
  CustomBackward backward_;
};

}  // namespace

void record_function(const std::string& name, const std::shared_ptr<AutogradContext>& ctx, const tensor_list& inputs,
                     const tensor_list& outputs, CustomBackward backward) {
  auto is_output = [&](const Tensor& t) {
    for (const Tensor& o : outputs)
      if (o.defined() && t.defined() && o.is_same(t)) return true;
    return false;
  };
  for (const Tensor& t : ctx->to_save_) ctx->saved_.emplace_back(t, is_output(t));
  ctx->to_save_.clear();
  if (!any_requires_grad(inputs)) return;

  auto node = std::make_shared<CustomNode>(backward_name(name), ctx, std::move(backward));
  for (const Tensor& x : inputs) node->add_next_edge(x.defined() && x.requires_grad() ? gradient_edge(x) : Edge{});
  for (const Tensor& y : outputs) {
    bool differentiable = is_floating(y.dtype());
    for (const Tensor& nd : ctx->non_differentiable_) differentiable &= !nd.is_same(y);
    EMBER_CHECK_STATE(!y.requires_grad(),
                      "{}: forward returned a tensor that requires grad (an input?); return a new tensor, e.g. x.clone()",
                      node->name());
    // Non-differentiable outputs still take a slot so gradient indices line up.
    node->add_output(y);
    if (!differentiable) y.impl()->autograd->grad_fn = nullptr;
  }
}

}  // namespace ember::autograd
