// Module's registry, traversals (PyTorch's names and order), state_dict
// loading, in-place dtype conversion, hooks and repr.
#include "nn/module.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <typeinfo>

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"

namespace ember::nn {

std::string Module::name() const {
  if (!name_.empty()) return name_;
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
  std::free(demangled);
  // ember::nn::Conv2dImpl -> Conv2d (template arguments are kept whole).
  size_t template_start = full.find('<');
  size_t colon = full.rfind("::", template_start);
  std::string base = colon == std::string::npos ? full : full.substr(colon + 2);
  const std::string impl = "Impl";
  if (base.size() > impl.size() && base.compare(base.size() - impl.size(), impl.size(), impl) == 0)
    base.resize(base.size() - impl.size());
  return base;
}

// Indents every line but the first by `spaces` (PyTorch's _addindent).
static std::string add_indent(const std::string& s, int spaces) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out.append(size_t(spaces), ' ');
  }
  return out;
}

std::string Module::repr() const {
  std::vector<std::string> extra_lines, child_lines;
  std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) extra_lines.push_back(line);
  }
  for (const auto& [key, child] : children_) child_lines.push_back("(" + key + "): " + add_indent(child->repr(), 2));
  std::string out = name() + "(";
  if (extra_lines.size() == 1 && child_lines.empty()) {
    out += extra_lines[0];
  } else if (!extra_lines.empty() || !child_lines.empty()) {
    out += "\n";
    for (const auto* lines : {&extra_lines, &child_lines})
      for (const auto& line : *lines) out += "  " + line + "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.repr(); }

Tensor Module::forward(const Tensor&) {
  throw Error(fmt::format("forward: {} has no single-tensor forward (call it with its own arguments)", name()));
}

Tensor Module::call(const Tensor& input) {
  CallOverride override = call_override_ ? call_override_ : global_call_override_.load(std::memory_order_relaxed);
  if (override) return override(*this, input);
  return call_hooks_and_forward(input);
}

Tensor Module::call_hooks_and_forward(const Tensor& input) {
  Tensor x = input;
  // Copies of the lists: a hook may remove itself while they run.
  for (auto& [id, hook] : std::vector<std::pair<int, ForwardPreHook>>(pre_hooks_->hooks)) {
    Tensor replaced = hook(*this, x);
    if (replaced.defined()) x = replaced;
  }
  Tensor y = forward(x);
  for (auto& [id, hook] : std::vector<std::pair<int, ForwardHook>>(hooks_->hooks)) {
    Tensor replaced = hook(*this, x, y);
    if (replaced.defined()) y = replaced;
  }
  return y;
}

// ---- registration ----

void Module::check_name(const std::string& name, const char* op) {
  EMBER_CHECK(!name.empty(), "{}: name must not be empty", op);
  EMBER_CHECK(name.find('.') == std::string::npos, "{}: name must not contain '.', got '{}'", op, name);
}

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name(name, "register_parameter");
  EMBER_CHECK(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
              "register_parameter: {} already has an attribute '{}'", this->name(), name);
  if (tensor.defined()) {
    if (!tensor.is_leaf()) tensor = tensor.detach();
    tensor.requires_grad_(requires_grad);
  }
  return parameters_.insert(std::move(name), tensor);
}

Tensor Module::register_buffer(std::string name, Tensor tensor, bool persistent) {
  check_name(name, "register_buffer");
  EMBER_CHECK(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
              "register_buffer: {} already has an attribute '{}'", this->name(), name);
  if (!persistent) non_persistent_.push_back(name);
  return buffers_.insert(std::move(name), tensor);
}

Tensor Module::replace_parameter(const std::string& name, Tensor tensor) {
  Tensor* slot = parameters_.find(name);
  EMBER_CHECK_INDEX(slot != nullptr, "replace_parameter: {} has no parameter '{}'", this->name(), name);
  if (tensor.defined() && !tensor.is_leaf()) tensor = tensor.detach();
  return *slot = tensor;
}

Tensor Module::replace_buffer(const std::string& name, Tensor tensor) {
  Tensor* slot = buffers_.find(name);
  EMBER_CHECK_INDEX(slot != nullptr, "replace_buffer: {} has no buffer '{}'", this->name(), name);
  return *slot = tensor;
}

bool Module::unregister(const std::string& name) {
  non_persistent_.erase(std::remove(non_persistent_.begin(), non_persistent_.end(), name), non_persistent_.end());
  return parameters_.erase(name) || buffers_.erase(name) || children_.erase(name);
}

// ---- traversal ----

void Module::collect_modules(const std::string& prefix, std::vector<std::pair<std::string, const Module*>>& out,
                             std::vector<const Module*>& seen) const {
  if (std::find(seen.begin(), seen.end(), this) != seen.end()) return;
  seen.push_back(this);
  out.emplace_back(prefix, this);
  for (const auto& [key, child] : children_) child->collect_modules(prefix.empty() ? key : prefix + "." + key, out, seen);
}

std::vector<std::pair<std::string, const Module*>> Module::all_modules() const {
  std::vector<std::pair<std::string, const Module*>> out;
  std::vector<const Module*> seen;
  collect_modules("", out, seen);
  return out;
}

static std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Entries of `member` over this module (recurse=false) or all modules, each tensor once.
template <class Get>
static OrderedDict<Tensor> named_tensors(const std::vector<std::pair<std::string, const Module*>>& modules,
                                         Get member) {
  OrderedDict<Tensor> out;
  std::vector<const TensorImpl*> seen;
  for (const auto& [prefix, module] : modules)
    for (const auto& [key, t] : member(*module)) {
      if (!t.defined() || std::find(seen.begin(), seen.end(), t.impl()) != seen.end()) continue;
      seen.push_back(t.impl());
      out.insert(join_name(prefix, key), t);
    }
  return out;
}

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  auto modules = recurse ? all_modules() : std::vector<std::pair<std::string, const Module*>>{{"", this}};
  return named_tensors(modules, [](const Module& m) -> const OrderedDict<Tensor>& { return m.parameters_; });
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  auto modules = recurse ? all_modules() : std::vector<std::pair<std::string, const Module*>>{{"", this}};
  return named_tensors(modules, [](const Module& m) -> const OrderedDict<Tensor>& { return m.buffers_; });
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

OrderedDict<std::shared_ptr<Module>> Module::named_children() const {
  OrderedDict<std::shared_ptr<Module>> out;
  std::vector<const Module*> seen;
  for (const auto& [key, child] : children_) {
    if (std::find(seen.begin(), seen.end(), child.get()) != seen.end()) continue;
    seen.push_back(child.get());
    out.insert(key, child);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return named_children().values(); }

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& prefix, bool include_self) {
  std::shared_ptr<Module> self = weak_from_this().lock();
  // Not owned by a shared_ptr (a module on the stack): a non-owning pointer.
  if (!self) self = std::shared_ptr<Module>(std::shared_ptr<Module>(), this);
  OrderedDict<std::shared_ptr<Module>> out;
  std::vector<const Module*> seen;
  std::vector<std::pair<std::string, const Module*>> found;
  collect_modules(prefix, found, seen);
  // collect_modules keeps raw pointers; the owning pointers are the registered children's.
  std::unordered_map<const Module*, std::shared_ptr<Module>> owners{{this, self}};
  for (const auto& [name, module] : found)
    for (const auto& [key, child] : module->children_) owners.emplace(child.get(), child);
  for (const auto& [name, module] : found) {
    if (module == this && !include_self) continue;
    out.insert(name, owners.at(module));
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  return named_modules("", include_self).values();
}

// ---- modes and state ----

void Module::train(bool on) {
  training_ = on;
  for (const auto& [key, child] : children_) child->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      Tensor zeroed = g.detach();
      zeroed.zero_();
      p.set_grad(zeroed);
    }
  }
}

void Module::requires_grad_(bool requires_grad) {
  for (Tensor p : parameters()) p.requires_grad_(requires_grad);
}

// Gives `t` new data of `dtype`, keeping its TensorImpl (and so every handle to it).
static void set_data_as(const Tensor& t, Dtype dtype) {
  NoGradGuard no_grad;
  Tensor converted = to_dtype(t.detach(), dtype).contiguous();
  TensorImpl* impl = t.impl();
  impl->storage = converted.storage();
  impl->offset = converted.storage_offset();
  impl->shape = converted.shape();
  impl->strides = converted.strides();
  impl->dtype = dtype;
  if (impl->autograd) {
    // The accumulator caches the old dtype; the next graph makes a new one.
    impl->autograd->grad_accumulator.reset();
    if (impl->autograd->grad) impl->autograd->grad = to_dtype(Tensor(impl->autograd->grad), dtype).impl_ptr();
  }
}

void Module::to(Dtype dtype) {
  EMBER_CHECK(is_floating(dtype), "Module.to: expected a floating-point dtype, got {}", dtype_name(dtype));
  auto convert = [&](const OrderedDict<Tensor>& tensors) {
    for (const auto& [key, t] : tensors)
      if (t.is_floating_point() && t.dtype() != dtype) set_data_as(t, dtype);
  };
  convert(named_parameters());
  convert(named_buffers());
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& [key, child] : children_) child->apply(fn);
  fn(*this);
}

void Module::collect_state(const std::string& prefix, OrderedDict<Tensor>& out) const {
  for (const auto& [key, t] : parameters_)
    if (t.defined()) out.insert(prefix + key, t);
  for (const auto& [key, t] : buffers_)
    if (t.defined() && std::find(non_persistent_.begin(), non_persistent_.end(), key) == non_persistent_.end())
      out.insert(prefix + key, t);
  for (const auto& [key, child] : children_) child->collect_state(prefix + key + ".", out);
}

OrderedDict<Tensor> Module::state_dict() const {
  OrderedDict<Tensor> out;
  collect_state("", out);
  return out;
}

static std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "\"" : ", \"") + k + "\"";
  return out;
}

LoadStateDictResult Module::load_state_dict(const OrderedDict<Tensor>& state_dict, bool strict) {
  OrderedDict<Tensor> own = this->state_dict();
  LoadStateDictResult result;
  std::vector<std::string> mismatches;
  for (const auto& [key, t] : own) {
    const Tensor* given = state_dict.find(key);
    if (!given) {
      result.missing_keys.push_back(key);
    } else if (!given->defined() || given->shape() != t.shape()) {
      mismatches.push_back(fmt::format(
          "size mismatch for {}: copying a param with shape {} from checkpoint, the shape in current model is {}.",
          key, given->defined() ? shape_str(given->shape()) : "(undefined)", shape_str(t.shape())));
    }
  }
  for (const auto& [key, t] : state_dict)
    if (!own.contains(key)) result.unexpected_keys.push_back(key);
  std::vector<std::string> errors;
  if (strict && !result.missing_keys.empty())
    errors.push_back("Missing key(s) in state_dict: " + quoted_list(result.missing_keys) + ".");
  if (strict && !result.unexpected_keys.empty())
    errors.push_back("Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ".");
  errors.insert(errors.end(), mismatches.begin(), mismatches.end());
  if (!errors.empty()) {
    std::string message = "load_state_dict: Error(s) in loading state_dict for " + name() + ":";
    for (const auto& e : errors) message += "\n\t" + e;
    throw ValueError(message);
  }
  NoGradGuard no_grad;
  for (const auto& [key, t] : own) {
    if (const Tensor* given = state_dict.find(key)) {
      Tensor dst = t;
      dst.copy_(*given);
    }
  }
  return result;
}

LoadStateDictResult Module::load_state_dict(const std::map<std::string, Tensor>& state_dict, bool strict) {
  OrderedDict<Tensor> ordered;
  for (const auto& [key, t] : state_dict) ordered.insert(key, t);
  return load_state_dict(ordered, strict);
}

// ---- hooks ----

HookHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  int id = pre_hooks_->next_id++;
  pre_hooks_->hooks.emplace_back(id, std::move(hook));
  std::weak_ptr<HookList<ForwardPreHook>> list = pre_hooks_;
  if (HookObserver observer = hook_observer_.load(std::memory_order_relaxed)) observer(*this);
  return HookHandle([list, id] {
    if (auto l = list.lock())
      l->hooks.erase(std::remove_if(l->hooks.begin(), l->hooks.end(), [&](const auto& h) { return h.first == id; }),
                     l->hooks.end());
  });
}

HookHandle Module::register_forward_hook(ForwardHook hook) {
  int id = hooks_->next_id++;
  hooks_->hooks.emplace_back(id, std::move(hook));
  std::weak_ptr<HookList<ForwardHook>> list = hooks_;
  if (HookObserver observer = hook_observer_.load(std::memory_order_relaxed)) observer(*this);
  return HookHandle([list, id] {
    if (auto l = list.lock())
      l->hooks.erase(std::remove_if(l->hooks.begin(), l->hooks.end(), [&](const auto& h) { return h.first == id; }),
                     l->hooks.end());
  });
}

// ---- repr helpers ----

std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  // fmt prints 1.0 as "1"; Python keeps the point.
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

std::string py_tuple(const std::vector<int64_t>& v) {
  if (v.size() == 1) return fmt::format("({},)", v[0]);
  return fmt::format("({})", fmt::join(v, ", "));
}

}  // namespace ember::nn
