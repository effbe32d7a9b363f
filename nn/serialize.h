// ember::save(module, path) / ember::load(module, path), as libtorch's
// torch::save / torch::load of a module: the module's state_dict() as an
// OrderedDict of tensors in an ember.save file (data/serialize.h), so the
// same file loads in Python with `model.load_state_dict(ember.load(path))`.
#pragma once

#include <string>

#include "data/serialize.h"
#include "nn/module.h"

namespace ember {

/// Writes module.state_dict() (detached) atomically.
void save(const nn::Module& module, const std::string& path);
/// Reads a state dict that save wrote (from C++ or Python) into `module`
/// (load_state_dict with strict=true: missing or unexpected keys throw).
void load(nn::Module& module, const std::string& path);

template <class Impl>
void save(const nn::ModuleHolder<Impl>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
template <class Impl>
void load(const nn::ModuleHolder<Impl>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}

}  // namespace ember
