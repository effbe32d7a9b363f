// ember._C._nn's Module plumbing, re-exported as ember.nn.Module: the C++
// Module bound with a trampoline (PyModule) so Python classes subclass it as
// in PyTorch, its registry, traversals, modes and state_dict, the route by
// which C++ callers reach hooks registered from Python, and the containers.
// A Python module handed to C++ (Sequential, register_module) is kept alive by
// C++, so its Python forward outlives the Python reference.
#include "autograd/error.h"
#include "bindings.h"
#include "nn/module.h"
#include "nn/modules/container.h"

namespace ember::python {
namespace {

using nn::Module;
using ModulePtr = std::shared_ptr<Module>;
using OptTensor = std::optional<Tensor>;

// Set once by ember.nn.modules (Parameter is defined in Python); kept for the
// life of the process, so no destructor runs after the interpreter is gone.
py::handle parameter_class;
py::handle incompatible_keys_class;

/// The trampoline: a Python subclass's forward, extra_repr and class name
/// reach C++ (Sequential calls forward, repr prints the name).
class PyModule : public Module {
 public:
  std::string name() const override {
    py::gil_scoped_acquire gil;
    py::handle self = py::detail::get_object_handle(static_cast<const Module*>(this),
                                                    py::detail::get_type_info(typeid(Module)));
    return self ? type_name(self) : Module::name();
  }
  std::string extra_repr() const override { PYBIND11_OVERRIDE(std::string, Module, extra_repr, ); }

  // Reached from C++ callers only (Python calls forward itself), which pass the result on.
  Tensor forward(const Tensor& input) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Module*>(this), "forward");
    if (!f) return Module::forward(input);
    py::object out = f(input);
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(out), "{}.forward: expected a Tensor to pass on to the next module, got {}",
                     name(), type_name(out));
    return out.cast<Tensor>();
  }
};

/// `module` as C++ keeps it: a Python subclass's instance is owned through its
/// Python object, so the Python part (forward, attributes) lives as long as C++ holds it.
ModulePtr held(const py::handle& module) {
  EMBER_CHECK_TYPE(py::isinstance<Module>(module), "expected an ember.nn.Module, got {}", type_name(module));
  auto ptr = module.cast<ModulePtr>();
  if (!dynamic_cast<PyModule*>(ptr.get())) return ptr;
  return ModulePtr(hold(py::reinterpret_borrow<py::object>(module)), ptr.get());
}

/// The Python object of a module C++ hands back (the existing one when alive).
py::object object_of(Module& m) {
  if (ModulePtr owner = m.weak_from_this().lock()) return py::cast(owner);
  return py::cast(&m, py::return_value_policy::reference);
}

py::iterator iterate(const py::object& items) { return py::iter(items); }

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

py::object named_tensors(const nn::OrderedDict<Tensor>& tensors, const std::string& prefix, bool parameters) {
  py::list out;
  for (const auto& [key, t] : tensors)
    out.append(py::make_tuple(join(prefix, key), parameters ? as_parameter(t) : py::cast(t)));
  return iterate(out);
}

py::object tensors(const nn::OrderedDict<Tensor>& tensors, bool parameters) {
  py::list out;
  for (const auto& [key, t] : tensors) out.append(parameters ? as_parameter(t) : py::cast(t));
  return iterate(out);
}

// A registered parameter, buffer or submodule by name (Python's attribute fallback).
py::object registered(Module& m, const std::string& name) {
  auto parameters = m.named_parameters(false);
  if (const Tensor* t = parameters.find(name)) return as_parameter(*t);
  auto buffers = m.named_buffers(false);
  if (const Tensor* t = buffers.find(name)) return py::cast(*t);
  auto children = m.named_children();
  if (const ModulePtr* child = children.find(name)) return py::cast(*child);
  throw py::attribute_error("'" + m.name() + "' object has no attribute '" + name + "'");
}

nn::OrderedDict<Tensor> to_state_dict(const py::handle& mapping) {
  if (!py::hasattr(mapping, "items"))
    throw py::type_error(fmt::format("Expected state_dict to be dict-like, got {}.",
                                     std::string(py::str(py::type::of(mapping)))));
  nn::OrderedDict<Tensor> out;
  for (const py::handle& item : mapping.attr("items")()) {
    py::tuple kv = py::reinterpret_borrow<py::tuple>(item);
    std::string key = py::str(kv[0]);
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(kv[1]), "load_state_dict: expected a Tensor for '{}', got {}", key,
                     type_name(kv[1]));
    out.insert(key, kv[1].cast<Tensor>());
  }
  return out;
}

/// call() of a module with hooks registered from Python (or while a global
/// module hook exists): Python's __call__ runs the hooks around forward.
Tensor call_through_python(Module& m, const Tensor& input) {
  py::gil_scoped_acquire gil;
  py::object out = object_of(m)(input);
  EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(out), "{}: expected a Tensor to pass on to the next module, got {}",
                   m.name(), type_name(out));
  return out.cast<Tensor>();
}

/// A hook registered from C++ (nn::summary's): Python's __call__ takes its slow path for this module,
/// which runs the C++ hooks too.
void mark_hooked(Module& m) {
  py::gil_scoped_acquire gil;
  object_of(m).attr("__dict__")["_hooked"] = true;
}

void bind_module(py::module_& nn) {
  // dynamic_attr: every module has a __dict__, as in PyTorch (Python's hook dicts live there).
  py::class_<Module, PyModule, ModulePtr> cls(
      nn, "Module", py::dynamic_attr(),
      "Base class of every layer. Subclass it as torch.nn.Module: assign Parameters and Modules as\n"
      "attributes in __init__ and define forward.");
  cls.def(py::init<>())
      .def("forward", [](Module& m, const Tensor& x) { return m.forward(x); }, "input"_a)
      .def("extra_repr", &Module::extra_repr)
      .def("__repr__", &Module::repr)
      .def("_get_registered", &registered, "name"_a)
      .def("_set_parameter",
           [](Module& m, const std::string& name, OptTensor t) {
             Tensor p = t.value_or(Tensor());
             // Replaced in place when registered (even as None), registered otherwise.
             try {
               m.replace_parameter(name, p);
             } catch (const IndexError&) {
               m.register_parameter(name, p, p.defined() && p.requires_grad());
             }
           })
      .def("register_parameter",
           [](Module& m, const std::string& name, OptTensor t) {
             Tensor p = t.value_or(Tensor());
             m.register_parameter(name, p, p.defined() && p.requires_grad());
           },
           "name"_a, "param"_a)
      .def("register_buffer",
           [](Module& m, const std::string& name, OptTensor t, bool persistent) {
             m.register_buffer(name, t.value_or(Tensor()), persistent);
           },
           "name"_a, "tensor"_a, "persistent"_a = true)
      .def("_replace_buffer", [](Module& m, const std::string& name, OptTensor t) { m.replace_buffer(name, t.value_or(Tensor())); })
      .def("_set_module",
           [](Module& m, const std::string& name, const py::object& child) {
             if (m.named_children().contains(name))
               m.replace_module(name, held(child));
             else
               m.register_module(name, held(child));
           })
      .def("register_module", [](Module& m, const std::string& name, const py::object& child) { m.register_module(name, held(child)); },
           "name"_a, "module"_a)
      .def("add_module", [](Module& m, const std::string& name, const py::object& child) { m.register_module(name, held(child)); },
           "name"_a, "module"_a)
      .def("_unregister", &Module::unregister, "name"_a)
      .def("_kind",
           [](Module& m, const std::string& name) -> std::string {
             if (m.named_parameters(false).contains(name)) return "parameter";
             if (m.named_buffers(false).contains(name)) return "buffer";
             if (m.named_children().contains(name)) return "module";
             return "";
           })
      // ---- traversal ----
      .def("parameters", [](Module& m, bool recurse) { return tensors(m.named_parameters(recurse), true); },
           "recurse"_a = true)
      .def("named_parameters",
           [](Module& m, const std::string& prefix, bool recurse) {
             return named_tensors(m.named_parameters(recurse), prefix, true);
           },
           "prefix"_a = "", "recurse"_a = true)
      .def("buffers", [](Module& m, bool recurse) { return tensors(m.named_buffers(recurse), false); },
           "recurse"_a = true)
      .def("named_buffers",
           [](Module& m, const std::string& prefix, bool recurse) {
             return named_tensors(m.named_buffers(recurse), prefix, false);
           },
           "prefix"_a = "", "recurse"_a = true)
      .def("children", [](Module& m) { return iterate(py::cast(m.children())); })
      .def("named_children",
           [](Module& m) {
             py::list out;
             for (const auto& [key, child] : m.named_children()) out.append(py::make_tuple(key, child));
             return iterate(out);
           })
      .def("modules", [](Module& m) { return iterate(py::cast(m.modules())); })
      .def("named_modules",
           [](Module& m, const std::string& prefix) {
             py::list out;
             for (const auto& [key, child] : m.named_modules(prefix)) out.append(py::make_tuple(key, child));
             return iterate(out);
           },
           "prefix"_a = "")
      // ---- modes and state ----
      .def("train", [](py::object self, bool mode) { self.cast<Module&>().train(mode); return self; }, "mode"_a = true)
      .def("eval", [](py::object self) { self.cast<Module&>().eval(); return self; })
      .def_property("training", &Module::is_training, &Module::set_training)
      .def("zero_grad", &Module::zero_grad, "set_to_none"_a = true)
      .def("requires_grad_",
           [](py::object self, bool on) { self.cast<Module&>().requires_grad_(on); return self; },
           "requires_grad"_a = true)
      .def("to", [](py::object self, Dtype dtype) { self.cast<Module&>().to(dtype); return self; }, "dtype"_a)
      // to(tensor): the tensor's dtype (and device, always the CPU), as PyTorch's Module.to(tensor).
      .def("to", [](py::object self, const Tensor& tensor) { self.cast<Module&>().to(tensor.dtype()); return self; },
           "tensor"_a)
      .def("to",
           [](py::object self, const py::object& device, std::optional<Dtype> dtype) {
             to_device(device, "Module.to");
             if (dtype) self.cast<Module&>().to(*dtype);
             return self;
           },
           "device"_a, "dtype"_a = py::none())
      .def("float", [](py::object self) { self.cast<Module&>().to(kFloat32); return self; })
      .def("double", [](py::object self) { self.cast<Module&>().to(kFloat64); return self; })
      .def("cpu", [](py::object self) { return self; })
      .def("apply",
           [](py::object self, const py::function& fn) {
             self.cast<Module&>().apply([&](Module& m) { fn(object_of(m)); });
             return self;
           },
           "fn"_a)
      .def("state_dict",
           [](Module& m, const std::string& prefix, bool keep_vars) {
             py::object out = py::module_::import("collections").attr("OrderedDict")();
             for (const auto& [key, t] : m.state_dict()) out[py::str(prefix + key)] = keep_vars ? t : t.detach();
             return out;
           },
           py::kw_only(), "prefix"_a = "", "keep_vars"_a = false)
      .def("load_state_dict",
           [](Module& m, const py::object& state_dict, bool strict) {
             auto result = m.load_state_dict(to_state_dict(state_dict), strict);
             return incompatible_keys_class(result.missing_keys, result.unexpected_keys);
           },
           "state_dict"_a, "strict"_a = true)
      // ---- hooks (kept in Python: ember/nn/_hooks.py; these are its ties to C++) ----
      .def("_route_calls_through_python",
           [](Module& m, bool on) { m.set_call_override(on ? &call_through_python : nullptr); }, "on"_a)
      .def("_has_cpp_hooks", &Module::has_hooks)
      .def("_call_cpp_hooks", &Module::call_hooks_and_forward, "input"_a);

  Module::set_hook_observer(&mark_hooked);

  nn.def("_route_all_calls_through_python",
         [](bool on) { Module::set_global_call_override(on ? &call_through_python : nullptr); }, "on"_a);
  nn.def("_set_python_classes", [](const py::object& parameter, const py::object& incompatible_keys) {
    parameter_class = parameter.inc_ref();
    incompatible_keys_class = incompatible_keys.inc_ref();
  });
}

void bind_containers(py::module_& nn) {
  LayerClass<nn::SequentialImpl>(nn, "Sequential", "Modules called in order; Sequential(*modules) or Sequential(OrderedDict).")
      .def(py::init([](const py::args& args) {
        auto seq = std::make_shared<nn::SequentialImpl>();
        if (args.size() == 1 && py::isinstance<py::dict>(args[0])) {
          for (const auto& [key, child] : py::reinterpret_borrow<py::dict>(args[0]))
            seq->push_back(py::str(key), held(child));
        } else {
          for (const py::handle& child : args) seq->push_back(held(child));
        }
        return seq;
      }))
      .def("forward", &nn::SequentialImpl::forward, "input"_a)
      .def("append", [](py::object self, const py::object& child) {
        self.cast<nn::SequentialImpl&>().push_back(held(child));
        return self;
      }, "module"_a)
      .def("__getitem__", &nn::SequentialImpl::ptr, "idx"_a)
      .def("__getitem__", [](nn::SequentialImpl& s, const py::slice& slice) {
        size_t start = 0, stop = 0, step = 0, length = 0;
        if (!slice.compute(s.size(), &start, &stop, &step, &length)) throw py::error_already_set();
        auto out = std::make_shared<nn::SequentialImpl>();
        auto named = s.named_children();
        for (size_t i = 0; i < length; ++i) {
          const auto& [key, child] = named.items()[start + i * step];
          out->push_back(key, child);
        }
        return out;
      })
      .def("__len__", &nn::SequentialImpl::size)
      .def("__iter__", [](nn::SequentialImpl& s) { return iterate(py::cast(s.children())); });

  LayerClass<nn::ModuleListImpl>(nn, "ModuleList", "Modules by index, registered as '0', '1', ...")
      .def(py::init([](const py::object& modules) {
        auto list = std::make_shared<nn::ModuleListImpl>();
        if (!modules.is_none())
          for (const py::handle& child : modules) list->push_back(held(child));
        return list;
      }), "modules"_a = py::none())
      .def("append", [](py::object self, const py::object& child) {
        self.cast<nn::ModuleListImpl&>().push_back(held(child));
        return self;
      }, "module"_a)
      .def("extend", [](py::object self, const py::iterable& modules) {
        for (const py::handle& child : modules) self.cast<nn::ModuleListImpl&>().push_back(held(child));
        return self;
      }, "modules"_a)
      .def("__getitem__", &nn::ModuleListImpl::ptr, "idx"_a)
      .def("__len__", &nn::ModuleListImpl::size)
      .def("__iter__", [](nn::ModuleListImpl& l) { return iterate(py::cast(l.children())); });

  LayerClass<nn::ModuleDictImpl>(nn, "ModuleDict", "Modules by key, in insertion order.")
      .def(py::init([](const py::object& modules) {
        auto dict = std::make_shared<nn::ModuleDictImpl>();
        if (modules.is_none()) return dict;
        py::object items = py::isinstance<py::dict>(modules) ? modules.attr("items")() : modules;
        for (const py::handle& item : items) dict->insert(py::str(item[py::int_(0)]), held(item[py::int_(1)]));
        return dict;
      }), "modules"_a = py::none())
      .def("__getitem__", &nn::ModuleDictImpl::operator[], "key"_a)
      .def("__setitem__", [](nn::ModuleDictImpl& d, const std::string& key, const py::object& child) {
        d.insert(key, held(child));
      })
      .def("__contains__", &nn::ModuleDictImpl::contains)
      .def("__len__", &nn::ModuleDictImpl::size)
      .def("__iter__", [](nn::ModuleDictImpl& d) { return iterate(py::cast(d.keys())); })
      .def("keys", &nn::ModuleDictImpl::keys)
      .def("values", &nn::ModuleDictImpl::values)
      .def("items", [](nn::ModuleDictImpl& d) {
        py::list out;
        for (const auto& [key, child] : d) out.append(py::make_tuple(key, child));
        return out;
      });
}

}  // namespace

py::object as_parameter(const Tensor& t) {
  py::object obj = py::cast(t);
  if (!obj.is_none() && parameter_class && !py::isinstance(obj, parameter_class))
    obj.attr("__class__") = parameter_class;
  return obj;
}

void bind_nn(py::module_& m) {
  py::module_ nn = m.def_submodule("_nn", "ember.nn's modules, bound from the C++ layers");
  bind_module(nn);
  bind_containers(nn);
  bind_layers(nn);
  bind_layers_more(nn);
}

}  // namespace ember::python
