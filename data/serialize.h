// ember::save / ember::load, as libtorch's torch::save / torch::load: tensors,
// lists of tensors and nested values (IValue: dicts, lists, tuples of tensors,
// numbers, strings, bools, None) in one safetensors file. The tensors are the
// file's tensors; a JSON description of the nesting is its `__metadata__`
// ("format": "ember.save.v1", "structure": ...). Nothing is pickled, so
// loading a file can never execute code, and the `safetensors` package reads
// the tensors of any file written here. Modules: nn/serialize.h.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "data/safetensors.h"

namespace ember {

/// A value ember::save writes: None, bool, int, float, str, bytes, Tensor,
/// or a list, tuple or dict of values (dict keys: None, bool, int, float,
/// str, bytes or tuples of those). A small cousin of libtorch's c10::IValue.
class IValue {
 public:
  enum class Tag : uint8_t { None, Bool, Int, Double, String, Tensor, List, Tuple, Dict, Bytes };
  using DictItems = std::vector<std::pair<IValue, IValue>>;

  IValue() = default;
  IValue(bool v) : tag_(Tag::Bool), int_(v) {}                                  // NOLINT(implicit)
  IValue(int v) : tag_(Tag::Int), int_(v) {}                                    // NOLINT(implicit)
  IValue(int64_t v) : tag_(Tag::Int), int_(v) {}                                // NOLINT(implicit)
  IValue(double v) : tag_(Tag::Double), double_(v) {}                           // NOLINT(implicit)
  IValue(std::string v) : tag_(Tag::String), string_(std::move(v)) {}           // NOLINT(implicit)
  IValue(const char* v) : IValue(std::string(v)) {}                             // NOLINT(implicit)
  IValue(Tensor v) : tag_(Tag::Tensor), tensor_(std::move(v)) {}                // NOLINT(implicit)
  IValue(std::vector<IValue> items) : tag_(Tag::List), items_(std::move(items)) {}  // NOLINT(implicit)
  /// IValue::list({a, b}): braces alone may pick std::string's constructors (IValue({1, 2})).
  static IValue list(std::vector<IValue> items) { return IValue(std::move(items)); }
  static IValue tuple(std::vector<IValue> items);
  /// Python's bytes (a generator's get_state()): any octets, unlike a str, which is UTF-8.
  static IValue bytes(std::string octets);
  /// `ordered`: Python's OrderedDict (state dicts) rather than a plain dict; both keep insertion order.
  static IValue dict(DictItems items, bool ordered = false);

  Tag tag() const { return tag_; }
  bool is_none() const { return tag_ == Tag::None; }
  bool is_bool() const { return tag_ == Tag::Bool; }
  bool is_int() const { return tag_ == Tag::Int; }
  bool is_double() const { return tag_ == Tag::Double; }
  bool is_string() const { return tag_ == Tag::String; }
  bool is_tensor() const { return tag_ == Tag::Tensor; }
  bool is_list() const { return tag_ == Tag::List; }
  bool is_tuple() const { return tag_ == Tag::Tuple; }
  bool is_dict() const { return tag_ == Tag::Dict; }
  bool is_bytes() const { return tag_ == Tag::Bytes; }
  /// "None", "bool", "int", "float", "str", "Tensor", "list", "tuple", "dict", "bytes" (Python's names).
  const char* type_name() const;

  // The accessors throw TypeError naming both types when the tag differs.
  bool to_bool() const;
  int64_t to_int() const;
  double to_double() const;
  const std::string& to_string() const;
  const std::string& to_bytes() const;
  const Tensor& to_tensor() const;
  /// Items of a list or tuple.
  const std::vector<IValue>& items() const;
  /// Key-value pairs of a dict, in insertion order.
  const DictItems& dict_items() const;
  bool ordered() const { return ordered_; }
  /// For Python: whether a tensor was saved as an nn.Parameter.
  bool is_parameter() const { return parameter_; }
  IValue& set_parameter(bool parameter) {
    parameter_ = parameter;
    return *this;
  }

 private:
  Tag tag_ = Tag::None;
  bool ordered_ = false;
  bool parameter_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  Tensor tensor_;
  std::vector<IValue> items_;
  DictItems dict_;
};

/// Writes `value` to `path` atomically (temporary file, fsync, rename: a
/// failed save leaves the previous file as it was). The same tensor (the
/// same TensorImpl) met twice is stored once; views are stored as their
/// values. Throws ValueError/TypeError naming what cannot be saved.
void save(const IValue& value, const std::string& path);
/// Reads what save wrote. A file that is not safetensors, not ember.save's,
/// truncated, or whose structure is malformed (wrong JSON types, tensors
/// missing or unused) raises ValueError naming the file and the problem.
IValue load(const std::string& path);
/// The same as bytes (Python's file objects); `name` names the source in errors.
std::string save_to_bytes(const IValue& value);
IValue load_from_bytes(std::string_view bytes, const std::string& name = "<bytes>");

/// `ember::save(tensor, "t.safetensors")` and `ember::load(tensor, ...)`, as libtorch.
void save(const Tensor& tensor, const std::string& path);
void load(Tensor& tensor, const std::string& path);
void save(const std::vector<Tensor>& tensors, const std::string& path);
void load(std::vector<Tensor>& tensors, const std::string& path);


namespace detail {
/// An optimizer's TensorDict state dict in PyTorch's layout, as Python's
/// Optimizer.state_dict() gives it: {"state": {index: {buffer: tensor}},
/// "param_groups": [{option: value, ..., "params": [indices]}], "optimizer": name}.
IValue optimizer_state_to_ivalue(const TensorDict& state_dict);
/// The reverse; `name` is the optimizer's, used when the value names none.
TensorDict optimizer_state_from_ivalue(const IValue& value, const std::string& name, const std::string& path);
/// Whether T's state_dict() is a TensorDict (optimizers; modules give an OrderedDict).
template <class T, class = void>
struct is_optimizer : std::false_type {};
template <class T>
struct is_optimizer<T, std::enable_if_t<std::is_same_v<decltype(std::declval<const T&>().state_dict()), TensorDict>>>
    : std::true_type {};
}  // namespace detail

/// `ember::save(optimizer, path)` / `ember::load(optimizer, path)`, as
/// libtorch's: the state dict in the layout Python's optimizers use, so a
/// file saved from C++ loads with `opt.load_state_dict(ember.load(path))` and
/// the reverse. (A template so that data/ need not name optim/'s types.)
template <class Optimizer, std::enable_if_t<detail::is_optimizer<Optimizer>::value, int> = 0>
void save(const Optimizer& optimizer, const std::string& path) {
  save(detail::optimizer_state_to_ivalue(optimizer.state_dict()), path);
}
template <class Optimizer, std::enable_if_t<detail::is_optimizer<Optimizer>::value, int> = 0>
void load(Optimizer& optimizer, const std::string& path) {
  optimizer.load_state_dict(detail::optimizer_state_from_ivalue(load(path), optimizer.name(), path));
}

}  // namespace ember
