// Optimizer base: options by name, parameter groups, the step loop (grad
// mode off, one fused update per parameter), and the state dict in the
// safetensors layout with the group options as JSON metadata.
#include "optim/optimizer.h"

#include <cstring>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "ops/factory.h"

namespace ember::optim {

using json = nlohmann::json;

// ---- options by name ----

OptimizerOptions::Field OptimizerOptions::field(const std::string& key) const {
  for (const Field& f : const_cast<OptimizerOptions*>(this)->fields())
    if (key == f.name) return f;
  std::vector<std::string> names = keys();
  throw ValueError(fmt::format("optimizer options: unknown option '{}', expected one of {}", key, names));
}

std::vector<std::string> OptimizerOptions::keys() const {
  std::vector<std::string> out;
  for (const Field& f : const_cast<OptimizerOptions*>(this)->fields()) out.push_back(f.name);
  return out;
}

bool OptimizerOptions::has(const std::string& key) const {
  for (const Field& f : const_cast<OptimizerOptions*>(this)->fields())
    if (key == f.name) return true;
  return false;
}

double OptimizerOptions::get(const std::string& key) const {
  Field f = field(key);
  return f.number ? *f.number : double(*f.flag);
}

void OptimizerOptions::set(const std::string& key, double value) {
  Field f = field(key);
  if (f.number) {
    *f.number = value;
  } else {
    EMBER_CHECK(value == 0 || value == 1, "optimizer options: '{}' is a flag, expected 0 or 1 (false/true), got {}",
                key, value);
    *f.flag = value != 0;
  }
}

// ---- parameter groups ----

OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}

OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
    : params_(std::move(params)), options_(std::move(options)) {}

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : initial_lr(other.initial_lr), params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    initial_lr = other.initial_lr;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  EMBER_CHECK_STATE(options_ != nullptr, "OptimizerParamGroup: this group has no options yet (add it to an optimizer)");
  return *options_;
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  EMBER_CHECK_STATE(options_ != nullptr, "OptimizerParamGroup: this group has no options yet (add it to an optimizer)");
  return *options_;
}

// ---- optimizer ----

Optimizer::Optimizer(std::vector<OptimizerParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults,
                     std::string name)
    : defaults_(std::move(defaults)), name_(std::move(name)) {
  defaults_->validate(name_);
  EMBER_CHECK(!groups.empty(), "{}: optimizer got an empty parameter list", name_);
  for (const OptimizerParamGroup& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
  EMBER_CHECK(!group.params().empty(), "{}: a parameter group must hold at least one parameter", name_);
  std::unordered_set<const TensorImpl*> seen;
  for (const OptimizerParamGroup& g : param_groups_)
    for (const Tensor& p : g.params()) seen.insert(p.impl());
  for (size_t i = 0; i < group.params().size(); ++i) {
    const Tensor& p = group.params()[i];
    EMBER_CHECK(p.defined(), "{}: parameter {} of the group is undefined", name_, i);
    EMBER_CHECK_TYPE(p.is_floating_point(), "{}: can only optimize floating-point tensors, got a {} parameter", name_,
                     dtype_name(p.dtype()));
    EMBER_CHECK(p.is_leaf(), "{}: can't optimize a non-leaf Tensor", name_);
    EMBER_CHECK(seen.insert(p.impl()).second, "{}: some parameters appear in more than one parameter group", name_);
  }
  OptimizerParamGroup added(group.params(), group.has_options() ? group.options().clone() : defaults_->clone());
  added.initial_lr = group.initial_lr;
  added.options().validate(name_);
  param_groups_.push_back(std::move(added));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (OptimizerParamGroup& g : param_groups_)
    for (Tensor& p : g.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        NoGradGuard no_grad;
        grad.zero_();
      }
    }
}

Tensor Optimizer::step(const std::function<Tensor()>& closure) {
  Tensor loss;
  if (closure) {
    AutoGradMode grad_mode(true);
    loss = closure();
  }
  NoGradGuard no_grad;
  for (OptimizerParamGroup& g : param_groups_) {
    for (Tensor& p : g.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      EMBER_CHECK(grad.shape() == p.shape() && grad.dtype() == p.dtype(),
                  "{}.step: gradient {} {} does not match parameter {} {}", name_, dtype_name(grad.dtype()),
                  shape_str(grad.shape()), dtype_name(p.dtype()), shape_str(p.shape()));
      EMBER_CHECK(p.is_contiguous(), "{}.step: expected contiguous parameters, got strides {} for shape {}", name_,
                  fmt::join(p.strides(), ", "), shape_str(p.shape()));
      update(p, grad.contiguous(), g.options(), state_[p.impl()]);
      p.storage()->bump_version();
    }
  }
  return loss;
}

const ParamState* Optimizer::state(const Tensor& param) const {
  auto it = state_.find(param.impl());
  return it == state_.end() ? nullptr : &it->second;
}

TensorDict Optimizer::state_dict() const {
  TensorDict out;
  json groups = json::array();
  int64_t index = 0;
  for (const OptimizerParamGroup& g : param_groups_) {
    json group = json::object();
    for (const std::string& key : g.options().keys()) group[key] = g.options().get(key);
    if (g.initial_lr) group["initial_lr"] = *g.initial_lr;
    json params = json::array();
    for (const Tensor& p : g.params()) {
      params.push_back(index);
      if (const ParamState* s = state(p)) {
        std::string prefix = "state." + std::to_string(index) + ".";
        if (counts_steps()) out.tensors[prefix + "step"] = scalar_tensor(s->step, kInt64);
        for (const auto& [name, buffer] : s->buffers) out.tensors[prefix + name] = buffer.clone();
        for (const auto& [name, value] : s->scalars) out.tensors[prefix + name] = scalar_tensor(value, kFloat64);
      }
      ++index;
    }
    group["params"] = params;
    groups.push_back(group);
  }
  out.metadata["optimizer"] = name_;
  out.metadata["param_groups"] = groups.dump();
  return out;
}

void Optimizer::load_state_dict(const TensorDict& state_dict) {
  auto meta = [&](const char* key) {
    auto it = state_dict.metadata.find(key);
    EMBER_CHECK(it != state_dict.metadata.end(), "{}.load_state_dict: the state dict has no '{}' metadata", name_, key);
    return it->second;
  };
  EMBER_CHECK(meta("optimizer") == name_, "{}.load_state_dict: the state dict belongs to a {} optimizer", name_,
              meta("optimizer"));
  json groups = json::parse(meta("param_groups"), nullptr, false);
  EMBER_CHECK(groups.is_array() && groups.size() == param_groups_.size(),
              "{}.load_state_dict: expected param_groups to be a JSON list of {} groups", name_, param_groups_.size());

  // Check everything before changing anything: a failed load leaves the optimizer as it was.
  std::vector<Tensor> params;
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const json& g = groups[gi];
    const OptimizerParamGroup& mine = param_groups_[gi];
    EMBER_CHECK(g.is_object() && g.contains("params") && g["params"].is_array() &&
                    g["params"].size() == mine.params().size(),
                "{}.load_state_dict: group {} has a different number of parameters than the optimizer's ({})", name_,
                gi, mine.params().size());
    for (size_t k = 0; k < g["params"].size(); ++k)
      EMBER_CHECK(g["params"][k].is_number_integer() && g["params"][k].get<int64_t>() == int64_t(params.size() + k),
                  "{}.load_state_dict: group {} lists parameter indices out of order", name_, gi);
    auto opts = mine.options().clone();
    for (const std::string& key : opts->keys()) {
      EMBER_CHECK(g.contains(key) && g[key].is_number(), "{}.load_state_dict: group {} has no number for option '{}'",
                  name_, gi, key);
      opts->set(key, g[key].get<double>());
    }
    opts->validate(name_);
    options.push_back(std::move(opts));
    for (const Tensor& p : mine.params()) params.push_back(p);
  }
  std::unordered_map<const TensorImpl*, ParamState> state;
  for (const auto& [name, t] : state_dict.tensors) {
    size_t dot1 = name.find('.'), dot2 = name.find('.', dot1 + 1);
    EMBER_CHECK(name.compare(0, 6, "state.") == 0 && dot2 != std::string::npos && dot2 > dot1 + 1,
                "{}.load_state_dict: unexpected tensor '{}', expected names like state.<index>.<buffer>", name_, name);
    std::string index_text = name.substr(dot1 + 1, dot2 - dot1 - 1);
    EMBER_CHECK(index_text.find_first_not_of("0123456789") == std::string::npos && index_text.size() < 10,
                "{}.load_state_dict: tensor '{}' has a bad parameter index", name_, name);
    size_t index = std::stoul(index_text);
    EMBER_CHECK(index < params.size(), "{}.load_state_dict: tensor '{}' refers to parameter {} but there are {}", name_,
                name, index, params.size());
    const Tensor& p = params[index];
    std::string buffer = name.substr(dot2 + 1);
    ParamState& s = state[p.impl()];
    if (buffer == "step") {
      EMBER_CHECK(t.numel() == 1 && t.dtype() == kInt64, "{}.load_state_dict: '{}' must be a one-element int64 tensor",
                  name_, name);
      s.step = t.item<int64_t>();
    } else if (is_scalar_state(buffer)) {
      EMBER_CHECK(t.numel() == 1 && t.dtype() == kFloat64,
                  "{}.load_state_dict: '{}' must be a one-element float64 tensor", name_, name);
      s.scalars[buffer] = t.item<double>();
    } else {
      EMBER_CHECK(t.shape() == p.shape() && t.dtype() == p.dtype(),
                  "{}.load_state_dict: '{}' is {} {} but parameter {} is {} {}", name_, name, dtype_name(t.dtype()),
                  shape_str(t.shape()), index, dtype_name(p.dtype()), shape_str(p.shape()));
      s.buffers[buffer] = t.contiguous().clone();
    }
  }
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    param_groups_[gi].set_options(std::move(options[gi]));
    const json& g = groups[gi];
    param_groups_[gi].initial_lr =
        g.contains("initial_lr") && g["initial_lr"].is_number() ? std::optional<double>(g["initial_lr"].get<double>())
                                                               : std::nullopt;
  }
  state_ = std::move(state);
}

void save(const Optimizer& optimizer, const std::string& path) { save_file(optimizer.state_dict(), path); }

void load(Optimizer& optimizer, const std::string& path) { optimizer.load_state_dict(load_file_with_metadata(path)); }

namespace detail {
Tensor zeros_like_param(const Tensor& param) { return zeros(param.shape(), param.dtype()); }
}  // namespace detail

}  // namespace ember::optim
