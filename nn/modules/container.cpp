// Sequential, ModuleList (both ModuleSequence) and ModuleDict: registration and indexing.
#include "nn/modules/container.h"

namespace ember::nn {

size_t ModuleSequence::checked_index(int64_t index, const char* op) const {
  int64_t n = int64_t(size());
  EMBER_CHECK_INDEX(index >= -n && index < n, "{}: index {} is out of range for {} modules", op, index, n);
  return size_t(index < 0 ? index + n : index);
}

std::shared_ptr<Module> ModuleSequence::ptr(int64_t index) const {
  return modules_[checked_index(index, kind_)];
}

void ModuleSequence::append(std::string name, std::shared_ptr<Module> module) {
  names_.push_back(name);
  modules_.push_back(register_module(std::move(name), std::move(module)));
}

SequentialImpl::SequentialImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named)
    : SequentialImpl() {
  for (const auto& [name, module] : named) push_back(name, module);
}

void SequentialImpl::push_back(std::shared_ptr<Module> module) { append(std::to_string(size()), std::move(module)); }
void SequentialImpl::push_back(std::string name, std::shared_ptr<Module> module) {
  append(std::move(name), std::move(module));
}

std::shared_ptr<Module> SequentialImpl::replace(int64_t index, std::shared_ptr<Module> module) {
  size_t i = checked_index(index, "Sequential.replace");
  return modules_[i] = replace_module(names_[i], std::move(module));
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& module : modules_) x = module->call(x);
  return x;
}

void ModuleListImpl::push_back(std::shared_ptr<Module> module) { append(std::to_string(size()), std::move(module)); }

void ModuleListImpl::extend(const ModuleListImpl& other) {
  for (const auto& module : other.modules_) push_back(module);
}

ModuleDictImpl::ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (modules_.contains(key)) {
    replace_module(key, module);
    modules_[key] = module;
  } else {
    modules_.insert(key, register_module(key, std::move(module)));
  }
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const auto* m = modules_.find(key);
  EMBER_CHECK_INDEX(m != nullptr, "ModuleDict: no module under key '{}'", key);
  return *m;
}

}  // namespace ember::nn
