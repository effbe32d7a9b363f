// Containers, as libtorch's: Sequential chains modules through their
// single-tensor forward (children named "0", "1", ... unless named),
// ModuleList holds modules by index and ModuleDict by key; all three
// register what they hold, so parameters and state_dict keys nest.
#pragma once

#include <initializer_list>

#include "nn/module.h"

namespace ember::nn {

/// What Sequential and ModuleList share: registered modules in order, by index.
class ModuleSequence : public Module {
 public:
  /// The module at `index` (negative counts from the end).
  std::shared_ptr<Module> operator[](int64_t index) const { return ptr(index); }
  std::shared_ptr<Module> ptr(int64_t index) const;
  /// The module at `index` as its concrete type: `seq->at<LinearImpl>(0).weight`.
  template <class M>
  M& at(int64_t index) const {
    M* m = dynamic_cast<M*>(ptr(index).get());
    EMBER_CHECK_TYPE(m != nullptr, "{}.at: module {} is a {}, not the requested type", kind_, index,
                     ptr(index)->name());
    return *m;
  }
  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  /// `kind` names the container in error messages.
  explicit ModuleSequence(const char* kind) : kind_(kind) {}
  /// Registers `module` under `name` and appends it.
  void append(std::string name, std::shared_ptr<Module> module);
  /// The index of `index` in range, or an IndexError naming `op`.
  size_t checked_index(int64_t index, const char* op) const;

  std::vector<std::shared_ptr<Module>> modules_;
  std::vector<std::string> names_;

 private:
  const char* kind_;
};

/// `Sequential seq(Conv2d(Conv2dOptions(1, 8, 3)), ReLU(), Flatten());`
class SequentialImpl : public ModuleSequence {
 public:
  SequentialImpl() : ModuleSequence("Sequential") {}
  template <class First, class... Rest,
            class = std::enable_if_t<std::is_convertible_v<First, std::shared_ptr<Module>>>>
  explicit SequentialImpl(First&& first, Rest&&... rest) : SequentialImpl() {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  /// Named children, in order (PyTorch's Sequential(OrderedDict(...))).
  explicit SequentialImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named);

  /// Appends a module (a holder or a shared_ptr), named by its index.
  void push_back(std::shared_ptr<Module> module);
  void push_back(std::string name, std::shared_ptr<Module> module);
  /// Puts `module` at `index` under the same name, in the chain and the
  /// registry (e.g. a folded convolution); returns it.
  std::shared_ptr<Module> replace(int64_t index, std::shared_ptr<Module> module);

  /// Each module's forward (with its hooks) in turn.
  Tensor forward(const Tensor& input) override;
};
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// Modules by index, registered as "0", "1", ...; no forward of its own.
class ModuleListImpl : public ModuleSequence {
 public:
  ModuleListImpl() : ModuleSequence("ModuleList") {}
  template <class First, class... Rest,
            class = std::enable_if_t<std::is_convertible_v<First, std::shared_ptr<Module>>>>
  explicit ModuleListImpl(First&& first, Rest&&... rest) : ModuleListImpl() {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  void push_back(std::shared_ptr<Module> module);
  /// Appends every module of `other`.
  void extend(const ModuleListImpl& other);
};
class ModuleList : public ModuleHolder<ModuleListImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// Modules by key, in insertion order; no forward of its own.
class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() = default;
  explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  /// Adds `module` under `key`, or replaces the module already there.
  void insert(const std::string& key, std::shared_ptr<Module> module);
  /// The module under `key`; IndexError if absent.
  std::shared_ptr<Module> operator[](const std::string& key) const;
  bool contains(const std::string& key) const { return modules_.contains(key); }
  std::vector<std::string> keys() const { return modules_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  OrderedDict<std::shared_ptr<Module>> modules_;
};
class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
