// Custom differentiable ops written by users, in libtorch's shape:
//
//   struct Cube : ember::autograd::Function<Cube> {
//     static Tensor forward(AutogradContext* ctx, Tensor x) {
//       ctx->save_for_backward({x});
//       return x * x * x;
//     }
//     static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
//       Tensor x = ctx->get_saved_variables()[0];
//       return {grads[0] * 3 * x * x};
//     }
//   };
//   Tensor y = Cube::apply(x);
//
// forward runs without recording; its outputs get one node whose backward is
// T::backward. backward returns one gradient per forward argument (undefined
// for non-tensor arguments or inputs that need none). As in PyTorch: an input
// returned as-is comes back as a view of it, inputs modified in place are
// declared with mark_dirty, and saved outputs rejoin the node in their slot.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace ember::autograd {

/// A value kept across forward and backward (libtorch's IValue, reduced).
class SavedValue {
 public:
  SavedValue() = default;
  template <class T>
  SavedValue(T v) : value_(convert(v)) {}  // NOLINT(implicit)
  double toDouble() const;
  int64_t toInt() const;
  bool toBool() const;
  const std::string& toString() const;
  Tensor toTensor() const;

 private:
  using Value = std::variant<std::monostate, double, int64_t, bool, std::string, Tensor>;
  template <class T>
  static Value convert(T v) {
    if constexpr (std::is_same_v<T, bool>) return v;
    else if constexpr (std::is_integral_v<T>) return int64_t(v);
    else if constexpr (std::is_floating_point_v<T>) return double(v);
    else if constexpr (std::is_same_v<T, Tensor>) return v;
    else return std::string(v);
  }
  Value value_;
};

class AutogradContext {
 public:
  /// Tensors backward needs (undefined entries allowed); checked for in-place
  /// changes when read back.
  void save_for_backward(const tensor_list& tensors);
  /// The saved tensors; after a backward that did not retain the graph, the
  /// "backward through the graph a second time" error.
  tensor_list get_saved_variables() const;
  /// Inputs that forward modified in place (they must be returned as outputs).
  void mark_dirty(const tensor_list& inputs);
  /// Outputs whose gradient is always zero (e.g. integer indices).
  void mark_non_differentiable(const tensor_list& outputs);
  /// false: backward receives undefined gradients for outputs nothing flowed
  /// into, instead of zeros.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  /// True for forward argument i when it is a tensor that requires grad.
  bool needs_input_grad(size_t i) const { return i < needs_input_grad_.size() && needs_input_grad_[i]; }
  std::map<std::string, SavedValue> saved_data;

  // Used by record_function and the bindings; not for op authors.
  tensor_list to_save_;
  std::vector<SavedVariable> saved_;
  tensor_list dirty_;
  tensor_list non_differentiable_;
  std::vector<bool> needs_input_grad_;
  bool materialize_grads_ = true;
  bool materialize_non_differentiable_grads_ = true;
  std::weak_ptr<Node> node_;
  std::shared_ptr<void> user_object_;  // the Python ctx object, for grad_fn attribute access
};

using CustomBackward = std::function<tensor_list(AutogradContext* ctx, const tensor_list& grads)>;

/// Joins `outputs` (computed by a custom forward from `inputs`; undefined
/// entries stand for non-tensor arguments and results) to the tape with
/// `backward`, and returns the outputs as the caller must see them (an input
/// returned as-is becomes a view of it). Shared by Function<T> and Python's
/// ember.autograd.Function.
tensor_list record_function(const std::string& name, const std::shared_ptr<AutogradContext>& ctx,
                            const tensor_list& inputs, const tensor_list& outputs, CustomBackward backward);

/// The context of a custom Function's node, or null for other nodes.
std::shared_ptr<AutogradContext> custom_function_context(const Node& node);

template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    auto ctx = std::make_shared<AutogradContext>();
    tensor_list inputs;
    (collect(inputs, ctx->needs_input_grad_, args), ...);
    auto outputs = [&] {
      NoGradGuard no_grad;
      return T::forward(ctx.get(), std::forward<Args>(args)...);
    }();
    constexpr bool single = std::is_same_v<std::decay_t<decltype(outputs)>, Tensor>;
    tensor_list outs;
    if constexpr (single) outs = {outputs};
    else outs = outputs;
    // The node maps gradients back to forward arguments; non-tensor ones get none.
    outs = record_function(typeid(T).name(), ctx, inputs, outs,
                           [](AutogradContext* c, const tensor_list& grads) { return T::backward(c, grads); });
    if constexpr (single) return outs[0];
    else return outs;
  }

 private:
  template <class A>
  static void collect(tensor_list& inputs, std::vector<bool>& needs, const A& a) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) {
      inputs.push_back(a);
      needs.push_back(GradMode::is_enabled() && a.defined() && a.requires_grad());
    } else {
      inputs.push_back(Tensor());
      needs.push_back(false);
    }
  }
};

/// PyTorch's DelayedError, what once_differentiable puts behind a backward's
/// results: each tensor passes through (an alias) as an output of one node
/// named "Error" whose own backward raises `message`. Undefined entries stay undefined.
tensor_list delayed_error(const std::string& message, const tensor_list& tensors);

}  // namespace ember::autograd
