// Modules through ember::save / ember::load: their state dicts as IValues.
#include "nn/serialize.h"

#include "autograd/grad_mode.h"

namespace ember {

void save(const nn::Module& module, const std::string& path) {
  IValue::DictItems items;
  for (const auto& [key, t] : module.state_dict()) items.emplace_back(key, t.detach());
  save(IValue::dict(std::move(items), /*ordered=*/true), path);
}

void load(nn::Module& module, const std::string& path) {
  IValue v = load(path);
  EMBER_CHECK_TYPE(v.is_dict(), "load: '{}' holds a {}, expected a state dict (a dict of tensors)", path,
                   v.type_name());
  nn::OrderedDict<Tensor> state;
  for (const auto& [key, value] : v.dict_items()) {
    EMBER_CHECK_TYPE(key.is_string() && value.is_tensor(),
                     "load: '{}' holds a dict with a {} key and a {} value, expected str keys and tensors", path,
                     key.type_name(), value.type_name());
    state.insert(key.to_string(), value.to_tensor());
  }
  module.load_state_dict(state, /*strict=*/true);
}

}  // namespace ember
