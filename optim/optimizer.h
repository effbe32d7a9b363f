// The optimizer base, as libtorch spells it: options structs with chained
// setters, parameter groups each holding its own options, per-parameter
// state tensors, zero_grad/step, and a state dict that maps one to one onto
// a safetensors file ("state.<param index>.<name>" tensors, group options as
// JSON in the metadata), so training resumes bit for bit.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "autograd/tensor.h"
#include "data/safetensors.h"

namespace ember::optim {

/// Options of one parameter group. Each optimizer's options struct has typed
/// chained setters (`SGDOptions(0.1).momentum(0.9)`); this base adds access by
/// name (flags as 0/1, Adam's betas as "beta1"/"beta2"), which schedulers,
/// state dicts and the Python bindings use.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  /// Throws ValueError naming `optimizer` and the first bad option.
  virtual void validate(const std::string& optimizer) const = 0;
  /// Option names in declaration order ("lr" first).
  std::vector<std::string> keys() const;
  bool has(const std::string& key) const;
  /// The option `key` as a number (flags as 0 or 1); ValueError if there is no such option.
  double get(const std::string& key) const;
  /// Sets `key` (flags from 0/1); the caller validates.
  void set(const std::string& key, double value);
  double get_lr() const { return get("lr"); }
  void set_lr(double lr) { set("lr", lr); }

 protected:
  struct Field {
    const char* name;
    double* number;  // exactly one of number/flag is set
    bool* flag;
  };
  virtual std::vector<Field> fields() = 0;

 private:
  Field field(const std::string& key) const;
};

/// A list of parameters updated with the same options. A group built without
/// options takes the optimizer's defaults when added.
class OptimizerParamGroup {
 public:
  explicit OptimizerParamGroup(std::vector<Tensor> params);
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options);
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  /// The lr a scheduler started from (PyTorch's group["initial_lr"]), set by the first scheduler.
  std::optional<double> initial_lr;

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

/// Per-parameter state: the step count, the named buffers (momentum_buffer,
/// exp_avg, ...) and named scalars (NAdam's mu_product).
struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> buffers;
  std::map<std::string, double> scalars;
};

class Optimizer {
 public:
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual ~Optimizer() = default;

  /// Adds a group; parameters must be floating-point leaves not already in another group.
  void add_param_group(const OptimizerParamGroup& group);
  /// Clears every parameter's gradient: drops it (set_to_none) or fills it with zeros.
  void zero_grad(bool set_to_none = true);
  /// One update of every parameter that has a gradient. `closure`, if given,
  /// re-evaluates the model (with grad mode on) and its loss is returned.
  /// LBFGS overrides it: it calls the closure many times per step.
  virtual Tensor step(const std::function<Tensor()>& closure = nullptr);

  std::vector<OptimizerParamGroup>& param_groups() { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const { return param_groups_; }
  const OptimizerOptions& defaults() const { return *defaults_; }
  /// "SGD", "Adam", ... (checked when a state dict is loaded).
  const std::string& name() const { return name_; }
  /// The state of `param`, or nullptr before its first update (Adagrad creates it at construction).
  const ParamState* state(const Tensor& param) const;

  /// Per-parameter state tensors ("state.<index>.<name>", index counting
  /// parameters across groups in order) and, in the metadata, "optimizer" and
  /// "param_groups" (JSON: each group's options and parameter indices).
  virtual TensorDict state_dict() const;
  /// Restores options and state from state_dict(); the parameters must be
  /// grouped as when it was saved.
  virtual void load_state_dict(const TensorDict& state_dict);

 protected:
  Optimizer(std::vector<OptimizerParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults, std::string name);
  /// Updates one parameter in place; `grad` is contiguous with the parameter's shape and dtype.
  virtual void update(Tensor& param, const Tensor& grad, const OptimizerOptions& options, ParamState& state) = 0;
  /// Whether the per-parameter state holds a step count (all but SGD, as in PyTorch's state dicts).
  virtual bool counts_steps() const { return true; }
  /// Whether `name` is one of ParamState::scalars (saved as a one-element float64 tensor).
  virtual bool is_scalar_state(const std::string& /*name*/) const { return false; }
  /// The state of `param`, created empty if it has none (for optimizers that build state eagerly).
  ParamState& mutable_state(const Tensor& param) { return state_[param.impl()]; }

 private:
  std::vector<OptimizerParamGroup> param_groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::string name_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

/// Writes `optimizer.state_dict()` to a safetensors file (atomically); `load` reads it back.
void save(const Optimizer& optimizer, const std::string& path);
void load(Optimizer& optimizer, const std::string& path);

namespace detail {
/// A zero-filled contiguous buffer shaped like `param` (state tensors).
Tensor zeros_like_param(const Tensor& param);

/// ATen's lerp (Tensor.lerp_): the branch keeps a + w(b − a) exact at both ends.
template <class T>
inline T lerp(T a, T b, T w) {
  return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
}
}  // namespace detail

}  // namespace ember::optim
