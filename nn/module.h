// ember::nn::Module, as libtorch's torch::nn::Module: the registry of a
// layer's parameters, buffers and submodules (dotted names as PyTorch gives
// them), train/eval, state_dict/load_state_dict, dtype conversion, forward
// hooks and PyTorch's repr. ModuleHolder<Impl> is the shared handle used
// through `->` (`nn::Linear` holds a `LinearImpl`).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "autograd/error.h"
#include "autograd/tensor.h"

namespace ember::nn {

/// Values by name in insertion order (libtorch's OrderedDict): the order of
/// registration is the order of parameters(), state_dict() and repr.
template <class V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;

  /// Adds `key`; throws ValueError if it is already there.
  V& insert(std::string key, V value) {
    EMBER_CHECK(!contains(key), "OrderedDict: key '{}' already exists", key);
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  /// Replaces the value of `key`, or adds it at the end.
  V& insert_or_assign(const std::string& key, V value) {
    if (V* v = find(key)) return *v = std::move(value);
    return insert(key, std::move(value));
  }
  V* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  /// Removes `key`, keeping the order of the rest; false if it was absent.
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    items_.erase(items_.begin() + std::ptrdiff_t(it->second));
    index_.clear();
    for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
    return true;
  }
  /// The value of `key`; throws IndexError naming it if absent.
  const V& operator[](const std::string& key) const {
    const V* v = find(key);
    EMBER_CHECK_INDEX(v != nullptr, "OrderedDict: no key '{}'", key);
    return *v;
  }
  V& operator[](const std::string& key) {
    V* v = find(key);
    EMBER_CHECK_INDEX(v != nullptr, "OrderedDict: no key '{}'", key);
    return *v;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& item : items_) out.push_back(item.first);
    return out;
  }
  std::vector<V> values() const {
    std::vector<V> out;
    for (const auto& item : items_) out.push_back(item.second);
    return out;
  }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

class Module;

/// Runs before forward; a defined return value replaces the input.
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;
/// Runs after forward; a defined return value replaces the output.
using ForwardHook = std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
/// Runs in place of call()'s hooks and forward (see Module::set_call_override).
using CallOverride = Tensor (*)(Module& module, const Tensor& input);
/// Told of every hook registered on a module (see Module::set_hook_observer).
using HookObserver = void (*)(Module& module);

/// What load_state_dict(strict=false) skipped.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  /// A module whose name() is `name` instead of its class name.
  explicit Module(std::string name) : name_(std::move(name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The class name without namespace and "Impl" ("Conv2d"), as repr prints it.
  virtual std::string name() const;
  /// The options part of repr, as PyTorch's extra_repr ("1, 32, kernel_size=(3, 3), ...").
  virtual std::string extra_repr() const { return ""; }
  /// PyTorch's repr: `Sequential(\n  (0): Linear(...)\n)`.
  std::string repr() const;

  /// The single-tensor forward every chainable layer overrides; throws for
  /// modules without one (losses take two tensors).
  virtual Tensor forward(const Tensor& input);
  /// forward with the registered hooks: pre-hooks, forward, forward hooks;
  /// or the call override, when one is set here or for every module.
  Tensor call(const Tensor& input);
  /// call() without the override: the hooks and forward (what an override runs for them).
  Tensor call_hooks_and_forward(const Tensor& input);

  // ---- registration ----
  /// Registers `tensor` as a parameter (a leaf, detached if it was not one;
  /// requires_grad as given) and returns it. An undefined tensor registers
  /// the name only (PyTorch's `bias=None`): traversals and state_dict skip it.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers a buffer (running statistics); non-persistent ones stay out of state_dict().
  Tensor register_buffer(std::string name, Tensor tensor, bool persistent = true);
  /// Registers a submodule and returns it: `conv = register_module("conv", Conv2d(1, 8, 3));`.
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from ember::nn::Module");
    check_name(name, "register_module");
    EMBER_CHECK(module != nullptr, "register_module: module '{}' is null", name);
    children_.insert(std::move(name), module);
    return module;
  }
  template <class Holder, class = decltype(std::declval<Holder>().ptr())>
  auto register_module(std::string name, const Holder& holder) {
    return register_module(std::move(name), holder.ptr());
  }
  /// Replaces the registered child `name` (e.g. by a folded layer); returns the new one.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    std::shared_ptr<Module>* slot = children_.find(name);
    EMBER_CHECK_INDEX(slot != nullptr, "replace_module: {} has no submodule '{}'", this->name(), name);
    EMBER_CHECK(module != nullptr, "replace_module: module '{}' is null", name);
    *slot = module;
    return module;
  }

  /// Replaces the registered parameter `name` in place in the order (Python's
  /// `conv.weight = Parameter(...)`); the caller updates any member holding the old one.
  Tensor replace_parameter(const std::string& name, Tensor tensor);
  /// Replaces the registered buffer `name`, keeping its place and persistence.
  Tensor replace_buffer(const std::string& name, Tensor tensor);
  /// Unregisters the parameter, buffer or submodule `name` (Python's `del module.name`);
  /// false if there is none.
  bool unregister(const std::string& name);

  // ---- traversal (PyTorch's order: this module's own entries, then each child's, depth first) ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// "features.0.weight"; a tensor shared by two modules appears once.
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::shared_ptr<Module>> named_children() const;
  /// This module and every descendant, once each. A module not owned by a
  /// shared_ptr appears as a non-owning pointer to itself.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
  /// Names as in named_parameters; this module has the name "" (when included).
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& prefix = "", bool include_self = true);

  // ---- modes and state ----
  /// Sets training mode here and in every descendant (dropout, batch norm).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Sets training mode of this module only (Python's `module.training = False`).
  void set_training(bool on) { training_ = on; }
  /// Drops (set_to_none) or zeroes every parameter's gradient.
  void zero_grad(bool set_to_none = true);
  /// Sets requires_grad on every parameter.
  void requires_grad_(bool requires_grad = true);
  /// Converts every parameter and floating-point buffer to `dtype` in place:
  /// each keeps its Tensor identity (handles held by layers, optimizers and
  /// users stay valid) and gets new data, as PyTorch's `param.data = ...`.
  /// Gradients are converted too; int64 buffers (num_batches_tracked) stay.
  void to(Dtype dtype);
  /// Calls fn on every descendant, then on this module (PyTorch's order).
  void apply(const std::function<void(Module&)>& fn);

  /// Parameters and persistent buffers by dotted name, in PyTorch's key order
  /// (each module's parameters, then its buffers, then its children's).
  OrderedDict<Tensor> state_dict() const;
  /// Copies values into the registered tensors (converting dtype) under
  /// NoGradGuard. Shape mismatches, and with `strict` missing or unexpected
  /// keys, throw one ValueError listing all of them, before anything is copied.
  LoadStateDictResult load_state_dict(const OrderedDict<Tensor>& state_dict, bool strict = true);
  LoadStateDictResult load_state_dict(const std::map<std::string, Tensor>& state_dict, bool strict = true);

  // ---- hooks ----
  HookHandle register_forward_pre_hook(ForwardPreHook hook);
  HookHandle register_forward_hook(ForwardHook hook);
  /// Makes call() run `override` instead of this module's hooks and forward
  /// (nullptr restores them). The Python bindings route C++ calls through
  /// Python's __call__ this way, so hooks registered from Python run however
  /// the module is called.
  void set_call_override(CallOverride override) { call_override_ = override; }
  /// The same for every module's call() (Python's global module hooks).
  static void set_global_call_override(CallOverride override) { global_call_override_ = override; }
  /// Whether hooks are registered here (from C++).
  bool has_hooks() const { return !pre_hooks_->hooks.empty() || !hooks_->hooks.empty(); }
  /// Calls `observer` after each hook registration on any module: the Python
  /// bindings mark the module so that calls from Python run its C++ hooks too.
  static void set_hook_observer(HookObserver observer) { hook_observer_ = observer; }

  /// The module as its concrete type, or nullptr: `seq[0]->as<LinearImpl>()`.
  template <class M>
  M* as() {
    return dynamic_cast<M*>(this);
  }

 private:
  template <class H>
  struct HookList {
    int next_id = 0;
    std::vector<std::pair<int, H>> hooks;
  };
  static void check_name(const std::string& name, const char* op);
  void collect_modules(const std::string& prefix, std::vector<std::pair<std::string, const Module*>>& out,
                       std::vector<const Module*>& seen) const;
  std::vector<std::pair<std::string, const Module*>> all_modules() const;
  void collect_state(const std::string& prefix, OrderedDict<Tensor>& out) const;

  std::string name_;
  bool training_ = true;
  CallOverride call_override_ = nullptr;
  static inline std::atomic<CallOverride> global_call_override_{nullptr};
  static inline std::atomic<HookObserver> hook_observer_{nullptr};
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  std::vector<std::string> non_persistent_;
  OrderedDict<std::shared_ptr<Module>> children_;
  // Shared with the handles, so removing a hook after the module died is safe.
  std::shared_ptr<HookList<ForwardPreHook>> pre_hooks_ = std::make_shared<HookList<ForwardPreHook>>();
  std::shared_ptr<HookList<ForwardHook>> hooks_ = std::make_shared<HookList<ForwardHook>>();
};

/// A shared handle to a module, as libtorch's ModuleHolder: `Linear fc(3, 4);
/// fc->weight; fc(x);`. Copies share the module; `Linear fc{nullptr}` is empty
/// until assigned (e.g. from register_module).
template <class Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;

  /// Default-constructs the module (for modules whose options all have defaults).
  ModuleHolder() : impl_(std::make_shared<Impl>()) {}
  ModuleHolder(std::nullptr_t) {}  // NOLINT(implicit), as libtorch
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}  // NOLINT(implicit), as libtorch
  /// Constructs the module from its constructor's arguments: `Conv2d(Conv2dOptions(1, 8, 3))`.
  template <class Head, class... Tail,
            class = std::enable_if_t<(sizeof...(Tail) > 0) ||
                                     (!std::is_base_of_v<ModuleHolder, std::decay_t<Head>> &&
                                      !std::is_same_v<std::decay_t<Head>, std::nullptr_t> &&
                                      !std::is_convertible_v<Head, std::shared_ptr<Impl>>)>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Impl>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}

  Impl* operator->() const { return get(); }
  Impl& operator*() const { return *get(); }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  Impl* get() const {
    EMBER_CHECK_STATE(impl_ != nullptr, "ModuleHolder: accessing an empty (nullptr) module holder");
    return impl_.get();
  }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }
  operator std::shared_ptr<Module>() const { return impl_; }  // NOLINT(implicit): holders go where modules go

  /// Indexes containers: `seq[0]`, `dict["head"]`.
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) const {
    return (*get())[std::forward<Arg>(arg)];
  }
  /// forward with the module's hooks.
  Tensor operator()(const Tensor& input) const { return get()->call(input); }
  /// Forwards with two or more arguments (losses: `loss(input, target)`); no hooks.
  template <class A, class B, class... Rest>
  auto operator()(A&& a, B&& b, Rest&&... rest) const {
    return get()->forward(std::forward<A>(a), std::forward<B>(b), std::forward<Rest>(rest)...);
  }

 private:
  std::shared_ptr<Impl> impl_;
};

/// The holder of a module class NameImpl, as libtorch's TORCH_MODULE(Name):
/// `struct NetImpl : nn::Module {...}; EMBER_MODULE(Net);` then `Net net(args);`.
#define EMBER_MODULE(Name)                                       \
  class Name : public ::ember::nn::ModuleHolder<Name##Impl> {    \
   public:                                                       \
    using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder;   \
  }

/// The repr of a module (PyTorch's `print(model)`).
std::ostream& operator<<(std::ostream& os, const Module& module);

// ---- repr helpers shared by the layers ----
/// Python's repr of a float: 0.1, 1e-05, 1.0.
std::string py_float(double v);
/// Python's repr of a bool.
inline std::string py_bool(bool v) { return v ? "True" : "False"; }
/// An optional int as Python prints it: 1, or None.
inline std::string py_optional(std::optional<int64_t> v) { return v ? std::to_string(*v) : "None"; }
/// A tuple as Python prints it: (3, 3), (3,).
std::string py_tuple(const std::vector<int64_t>& v);

}  // namespace ember::nn
