// ember._C._nn, re-exported as ember.nn: the C++ Module bound with a
// trampoline (PyModule) so Python classes subclass it as in PyTorch, every
// C++ layer with PyTorch's constructor signatures, the containers, and
// ember.nn.init. A Python module handed to C++ (Sequential, register_module)
// is kept alive by C++, so its Python forward outlives the Python reference.
#include "autograd/error.h"
#include "bindings.h"
#include "nn/init.h"
#include "nn/module.h"
#include "nn/modules/activation.h"
#include "ops/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"
#include "nn/modules/loss.h"
#include "nn/modules/norm.h"
#include "nn/modules/pool.h"

namespace ember::python {
namespace {

using nn::Module;
using ModulePtr = std::shared_ptr<Module>;
using OptTensor = std::optional<Tensor>;
using OptBool = std::optional<bool>;

// Set once by ember.nn.modules (Parameter is defined in Python); kept for the
// life of the process, so no destructor runs after the interpreter is gone.
py::handle parameter_class;
py::handle incompatible_keys_class;

std::string type_name(const py::handle& obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

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

  Tensor forward(const Tensor& input) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Module*>(this), "forward");
    if (!f) return Module::forward(input);
    py::object out = f(input);
    if (py::isinstance<TensorImpl>(out)) return out.cast<Tensor>();
    // Called from Python's __call__, any result goes back to Python; C++ callers need a Tensor.
    EMBER_CHECK_TYPE(keep_other_result, "{}.forward: expected a Tensor to pass on to the next module, got {}",
                     name(), type_name(out));
    other_result = out;
    return Tensor();
  }

  bool keep_other_result = false;
  py::object other_result;
};

// The Module's training flag, reachable for the `training` setter (a
// pointer to a protected member taken inside a derived class).
struct TrainingFlag : Module {
  static bool Module::*flag() { return &TrainingFlag::training_; }
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

/// A registered parameter as Python sees it: an nn.Parameter (None when unset).
py::object as_parameter(const Tensor& t) {
  py::object obj = py::cast(t);
  if (!obj.is_none() && parameter_class && !py::isinstance(obj, parameter_class))
    obj.attr("__class__") = parameter_class;
  return obj;
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

// A hook's replacement input: None, a Tensor, or a one-element tuple.
Tensor hook_result(const py::object& r, const char* what) {
  if (r.is_none()) return Tensor();
  if (py::isinstance<py::tuple>(r)) {
    EMBER_CHECK_TYPE(py::len(r) == 1, "{}: expected a Tensor or a 1-tuple, got a tuple of {}", what, py::len(r));
    return r[py::int_(0)].cast<Tensor>();
  }
  return r.cast<Tensor>();
}

void check_not_inplace(bool inplace, const char* layer) {
  EMBER_CHECK(!inplace, "{}: inplace=True is not supported; use inplace=False", layer);
}

void check_cpu(const py::handle& device, const char* layer) {
  EMBER_CHECK(device.is_none() || std::string(py::str(device)) == "cpu", "{}: expected device None or 'cpu', got {}",
              layer, std::string(py::repr(device)));
}

template <class Impl>
std::shared_ptr<Impl> with_dtype(std::shared_ptr<Impl> m, std::optional<Dtype> dtype) {
  if (dtype) m->to(*dtype);
  return m;
}

template <class Impl>
using Class = py::class_<Impl, Module, std::shared_ptr<Impl>>;

/// A parameter member (weight, bias) readable as a Parameter and settable to one.
template <class Impl, class Owner>
void def_parameter(Class<Impl>& cls, const char* name, Tensor Owner::*member) {
  std::string key = name;
  cls.def_property(
      name, [member](Impl& m) { return as_parameter(m.*member); },
      [member, key](Impl& m, OptTensor t) { m.*member = m.replace_parameter(key, t.value_or(Tensor())); });
}

/// A buffer member (running_mean, ...), readable and replaceable.
template <class Impl, class Owner>
void def_buffer(Class<Impl>& cls, const char* name, Tensor Owner::*member) {
  std::string key = name;
  cls.def_property(
      name, [member](Impl& m) { return m.*member; },
      [member, key](Impl& m, OptTensor t) { m.*member = m.replace_buffer(key, t.value_or(Tensor())); });
}

py::tuple tuple_of(const Pair& p) { return py::make_tuple(p.h, p.w); }

void bind_module(py::module_& nn) {
  py::class_<Module, PyModule, ModulePtr> cls(
      nn, "Module",
      "Base class of every layer. Subclass it as torch.nn.Module: assign Parameters and Modules as\n"
      "attributes in __init__ and define forward.");
  cls.def(py::init<>())
      .def("forward", [](Module& m, const Tensor& x) { return m.forward(x); }, "input"_a)
      .def("_call_one",
           [](Module& m, const Tensor& x) -> py::object {
             // Runs the C++ hooks around forward; a Python forward may return a non-Tensor.
             auto* pm = dynamic_cast<PyModule*>(&m);
             bool outer = pm && !pm->keep_other_result;
             if (outer) pm->keep_other_result = true;
             Tensor y;
             try {
               y = m.call(x);
             } catch (...) {
               if (outer) pm->keep_other_result = false, pm->other_result = py::object();
               throw;
             }
             if (!outer) return py::cast(y);
             pm->keep_other_result = false;
             py::object other = std::move(pm->other_result);
             return other ? other : py::cast(y);
           })
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
      .def_property("training", &Module::is_training,
                    [](Module& m, bool on) { m.*TrainingFlag::flag() = on; })
      .def("zero_grad", &Module::zero_grad, "set_to_none"_a = true)
      .def("requires_grad_",
           [](py::object self, bool on) { self.cast<Module&>().requires_grad_(on); return self; },
           "requires_grad"_a = true)
      .def("to", [](py::object self, Dtype dtype) { self.cast<Module&>().to(dtype); return self; }, "dtype"_a)
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
      // ---- hooks ----
      .def("register_forward_pre_hook",
           [](Module& m, const py::function& hook) {
             auto f = hold(hook);
             return m.register_forward_pre_hook([f](Module& mod, const Tensor& x) {
               py::gil_scoped_acquire gil;
               return hook_result((*f)(object_of(mod), py::make_tuple(x)), "forward pre-hook");
             });
           },
           "hook"_a)
      .def("register_forward_hook",
           [](Module& m, const py::function& hook) {
             auto f = hold(hook);
             return m.register_forward_hook([f](Module& mod, const Tensor& x, const Tensor& y) {
               py::gil_scoped_acquire gil;
               return hook_result((*f)(object_of(mod), py::make_tuple(x), y), "forward hook");
             });
           },
           "hook"_a);

  nn.def("_set_python_classes", [](const py::object& parameter, const py::object& incompatible_keys) {
    parameter_class = parameter.inc_ref();
    incompatible_keys_class = incompatible_keys.inc_ref();
  });
}

void bind_containers(py::module_& nn) {
  Class<nn::SequentialImpl>(nn, "Sequential", "Modules called in order; Sequential(*modules) or Sequential(OrderedDict).")
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

  Class<nn::ModuleListImpl>(nn, "ModuleList", "Modules by index, registered as '0', '1', ...")
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

  Class<nn::ModuleDictImpl>(nn, "ModuleDict", "Modules by key, in insertion order.")
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

  Class<nn::IdentityImpl>(nn, "Identity", "Returns its input (arguments are accepted and ignored, as PyTorch).")
      .def(py::init([](const py::args&, const py::kwargs&) { return std::make_shared<nn::IdentityImpl>(); }));
  Class<nn::FlattenImpl>(nn, "Flatten")
      .def(py::init([](int64_t start_dim, int64_t end_dim) {
        return std::make_shared<nn::FlattenImpl>(nn::FlattenOptions().start_dim(start_dim).end_dim(end_dim));
      }), "start_dim"_a = 1, "end_dim"_a = -1)
      .def_property_readonly("start_dim", [](nn::FlattenImpl& m) { return m.options.start_dim(); })
      .def_property_readonly("end_dim", [](nn::FlattenImpl& m) { return m.options.end_dim(); });
  Class<nn::UnflattenImpl>(nn, "Unflatten")
      .def(py::init([](int64_t dim, const std::vector<int64_t>& sizes) {
        return std::make_shared<nn::UnflattenImpl>(dim, sizes);
      }), "dim"_a, "unflattened_size"_a);
}

void bind_linear_conv(py::module_& nn) {
  Class<nn::LinearImpl> linear(nn, "Linear", "y = x W^T + b, initialised as PyTorch's.");
  linear
      .def(py::init([](int64_t in, int64_t out, bool bias, const py::object& device, std::optional<Dtype> dtype) {
        check_cpu(device, "Linear");
        return with_dtype(std::make_shared<nn::LinearImpl>(nn::LinearOptions(in, out).bias(bias)), dtype);
      }), "in_features"_a, "out_features"_a, "bias"_a = true, "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_features", [](nn::LinearImpl& m) { return m.options.in_features(); })
      .def_property_readonly("out_features", [](nn::LinearImpl& m) { return m.options.out_features(); })
      .def("reset_parameters", &nn::LinearImpl::reset_parameters);
  def_parameter(linear, "weight", &nn::LinearImpl::weight);
  def_parameter(linear, "bias", &nn::LinearImpl::bias);

  auto padding_of = [](const std::optional<PaddingMode>& mode, py::object explicit_padding) -> py::object {
    if (mode) return py::str(*mode == kSame ? "same" : "valid");
    return explicit_padding;
  };
  Class<nn::Conv2dImpl> conv2d(nn, "Conv2d", "2-d convolution over (N, C, H, W), initialised as PyTorch's.");
  conv2d
      .def(py::init([](int64_t in, int64_t out, const py::object& kernel_size, const py::object& stride,
                       const py::object& padding, const py::object& dilation, int64_t groups, bool bias,
                       const std::string& padding_mode, const py::object& device, std::optional<Dtype> dtype) {
        check_cpu(device, "Conv2d");
        EMBER_CHECK(padding_mode == "zeros", "Conv2d: only padding_mode='zeros' is supported, got '{}'", padding_mode);
        Conv2dArgs args = conv2d_args(stride, padding, dilation, groups);
        nn::Conv2dOptions options(in, out, to_pair(kernel_size, "Conv2d", "kernel_size"));
        options.stride(args.stride()).dilation(args.dilation()).groups(args.groups()).bias(bias);
        if (args.padding_mode()) options.padding(*args.padding_mode()); else options.padding(args.padding());
        return with_dtype(std::make_shared<nn::Conv2dImpl>(options), dtype);
      }), "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
          "groups"_a = 1, "bias"_a = true, "padding_mode"_a = "zeros", "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_channels", [](nn::Conv2dImpl& m) { return m.options.in_channels(); })
      .def_property_readonly("out_channels", [](nn::Conv2dImpl& m) { return m.options.out_channels(); })
      .def_property_readonly("kernel_size", [](nn::Conv2dImpl& m) { return tuple_of(m.options.kernel_size()); })
      .def_property_readonly("stride", [](nn::Conv2dImpl& m) { return tuple_of(m.options.stride()); })
      .def_property_readonly("padding", [padding_of](nn::Conv2dImpl& m) {
        return padding_of(m.options.padding_mode(), tuple_of(m.options.padding()));
      })
      .def_property_readonly("dilation", [](nn::Conv2dImpl& m) { return tuple_of(m.options.dilation()); })
      .def_property_readonly("groups", [](nn::Conv2dImpl& m) { return m.options.groups(); })
      .def("reset_parameters", &nn::Conv2dImpl::reset_parameters);
  def_parameter(conv2d, "weight", &nn::Conv2dImpl::weight);
  def_parameter(conv2d, "bias", &nn::Conv2dImpl::bias);

  Class<nn::Conv1dImpl> conv1d(nn, "Conv1d", "1-d convolution over (N, C, L), initialised as PyTorch's.");
  conv1d
      .def(py::init([](int64_t in, int64_t out, const py::object& kernel_size, const py::object& stride,
                       const py::object& padding, const py::object& dilation, int64_t groups, bool bias,
                       const std::string& padding_mode, const py::object& device, std::optional<Dtype> dtype) {
        check_cpu(device, "Conv1d");
        EMBER_CHECK(padding_mode == "zeros", "Conv1d: only padding_mode='zeros' is supported, got '{}'", padding_mode);
        Conv1dArgs args = conv1d_args(stride, padding, dilation, groups);
        nn::Conv1dOptions options(in, out, to_single(kernel_size, "Conv1d", "kernel_size"));
        options.stride(args.stride()).dilation(args.dilation()).groups(args.groups()).bias(bias);
        if (args.padding_mode()) options.padding(*args.padding_mode()); else options.padding(args.padding());
        return with_dtype(std::make_shared<nn::Conv1dImpl>(options), dtype);
      }), "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
          "groups"_a = 1, "bias"_a = true, "padding_mode"_a = "zeros", "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_channels", [](nn::Conv1dImpl& m) { return m.options.in_channels(); })
      .def_property_readonly("out_channels", [](nn::Conv1dImpl& m) { return m.options.out_channels(); })
      .def_property_readonly("kernel_size", [](nn::Conv1dImpl& m) { return py::make_tuple(m.options.kernel_size()); })
      .def_property_readonly("stride", [](nn::Conv1dImpl& m) { return py::make_tuple(m.options.stride()); })
      .def_property_readonly("padding", [padding_of](nn::Conv1dImpl& m) {
        return padding_of(m.options.padding_mode(), py::make_tuple(m.options.padding()));
      })
      .def_property_readonly("dilation", [](nn::Conv1dImpl& m) { return py::make_tuple(m.options.dilation()); })
      .def_property_readonly("groups", [](nn::Conv1dImpl& m) { return m.options.groups(); })
      .def("reset_parameters", &nn::Conv1dImpl::reset_parameters);
  def_parameter(conv1d, "weight", &nn::Conv1dImpl::weight);
  def_parameter(conv1d, "bias", &nn::Conv1dImpl::bias);
}

void check_no_indices(bool return_indices, const char* layer, const char* op) {
  EMBER_CHECK(!return_indices, "{}: return_indices=True is not supported by the layer; use F.{}(..., return_indices=True)",
              layer, op);
}

void bind_pooling(py::module_& nn) {
  Class<nn::MaxPool2dImpl>(nn, "MaxPool2d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       const py::object& dilation, bool return_indices, bool ceil_mode) {
        check_no_indices(return_indices, "MaxPool2d", "max_pool2d");
        return std::make_shared<nn::MaxPool2dImpl>(max_pool2d_args(kernel_size, stride, padding, dilation, ceil_mode));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "return_indices"_a = false,
          "ceil_mode"_a = false);
  Class<nn::MaxPool1dImpl>(nn, "MaxPool1d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       const py::object& dilation, bool return_indices, bool ceil_mode) {
        check_no_indices(return_indices, "MaxPool1d", "max_pool1d");
        return std::make_shared<nn::MaxPool1dImpl>(max_pool1d_args(kernel_size, stride, padding, dilation, ceil_mode));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "return_indices"_a = false,
          "ceil_mode"_a = false);
  Class<nn::AvgPool2dImpl>(nn, "AvgPool2d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
        AvgPool2dArgs args(to_pair(kernel_size, "AvgPool2d", "kernel_size"));
        args.padding(to_pair(padding, "AvgPool2d", "padding")).ceil_mode(ceil_mode);
        args.count_include_pad(count_include_pad).divisor_override(divisor_override);
        if (!unset(stride)) args.stride(to_pair(stride, "AvgPool2d", "stride"));
        return std::make_shared<nn::AvgPool2dImpl>(args);
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
          "count_include_pad"_a = true, "divisor_override"_a = py::none());
  Class<nn::AvgPool1dImpl>(nn, "AvgPool1d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       bool ceil_mode, bool count_include_pad) {
        AvgPool1dArgs args(to_single(kernel_size, "AvgPool1d", "kernel_size"));
        args.padding(to_single(padding, "AvgPool1d", "padding")).ceil_mode(ceil_mode);
        args.count_include_pad(count_include_pad);
        if (!unset(stride)) args.stride(to_single(stride, "AvgPool1d", "stride"));
        return std::make_shared<nn::AvgPool1dImpl>(args);
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
          "count_include_pad"_a = true);
  Class<nn::LPPool2dImpl>(nn, "LPPool2d")
      .def(py::init([](double norm_type, const py::object& kernel_size, const py::object& stride, bool ceil_mode) {
        LPPool2dArgs args(norm_type, to_pair(kernel_size, "LPPool2d", "kernel_size"));
        args.ceil_mode(ceil_mode);
        if (!unset(stride)) args.stride(to_pair(stride, "LPPool2d", "stride"));
        return std::make_shared<nn::LPPool2dImpl>(args);
      }), "norm_type"_a, "kernel_size"_a, "stride"_a = py::none(), "ceil_mode"_a = false);
  Class<nn::AdaptiveAvgPool2dImpl>(nn, "AdaptiveAvgPool2d")
      .def(py::init([](const py::object& output_size) {
        return std::make_shared<nn::AdaptiveAvgPool2dImpl>(to_pair(output_size, "AdaptiveAvgPool2d", "output_size"));
      }), "output_size"_a);
  Class<nn::AdaptiveMaxPool2dImpl>(nn, "AdaptiveMaxPool2d")
      .def(py::init([](const py::object& output_size, bool return_indices) {
        check_no_indices(return_indices, "AdaptiveMaxPool2d", "adaptive_max_pool2d");
        return std::make_shared<nn::AdaptiveMaxPool2dImpl>(to_pair(output_size, "AdaptiveMaxPool2d", "output_size"));
      }), "output_size"_a, "return_indices"_a = false);
}

template <class Impl>
void def_norm_members(Class<Impl>& cls) {
  cls.def_property_readonly("num_features", [](Impl& m) { return m.options.num_features(); })
      .def_property("eps", [](Impl& m) { return m.options.eps(); }, [](Impl& m, double v) { m.options.eps(v); })
      .def_property("momentum", [](Impl& m) { return m.options.momentum(); },
                    [](Impl& m, std::optional<double> v) { m.options.momentum(v); })
      .def_property_readonly("affine", [](Impl& m) { return m.options.affine(); })
      .def_property_readonly("track_running_stats", [](Impl& m) { return m.options.track_running_stats(); })
      .def("reset_running_stats", &Impl::reset_running_stats)
      .def("reset_parameters", &Impl::reset_parameters);
  def_parameter(cls, "weight", &Impl::weight);
  def_parameter(cls, "bias", &Impl::bias);
  def_buffer(cls, "running_mean", &Impl::running_mean);
  def_buffer(cls, "running_var", &Impl::running_var);
  def_buffer(cls, "num_batches_tracked", &Impl::num_batches_tracked);
}

void bind_norms(py::module_& nn) {
  auto batch_norm = [](int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                       bool track_running_stats, bool bias) {
    return nn::BatchNormOptions(num_features).eps(eps).momentum(momentum).affine(affine).track_running_stats(
        track_running_stats).bias(bias);
  };
  Class<nn::BatchNorm1dImpl> bn1(nn, "BatchNorm1d");
  bn1.def(py::init([batch_norm](int64_t n, double eps, std::optional<double> momentum, bool affine, bool track,
                                const py::object& device, std::optional<Dtype> dtype, bool bias) {
       check_cpu(device, "BatchNorm1d");
       return with_dtype(std::make_shared<nn::BatchNorm1dImpl>(batch_norm(n, eps, momentum, affine, track, bias)), dtype);
     }), "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = true, "track_running_stats"_a = true,
     "device"_a = py::none(), "dtype"_a = py::none(), py::kw_only(), "bias"_a = true);
  def_norm_members(bn1);
  Class<nn::BatchNorm2dImpl> bn2(nn, "BatchNorm2d");
  bn2.def(py::init([batch_norm](int64_t n, double eps, std::optional<double> momentum, bool affine, bool track,
                                const py::object& device, std::optional<Dtype> dtype, bool bias) {
       check_cpu(device, "BatchNorm2d");
       return with_dtype(std::make_shared<nn::BatchNorm2dImpl>(batch_norm(n, eps, momentum, affine, track, bias)), dtype);
     }), "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = true, "track_running_stats"_a = true,
     "device"_a = py::none(), "dtype"_a = py::none(), py::kw_only(), "bias"_a = true);
  def_norm_members(bn2);
  Class<nn::InstanceNorm2dImpl> in2(nn, "InstanceNorm2d");
  in2.def(py::init([](int64_t n, double eps, double momentum, bool affine, bool track, const py::object& device,
                      std::optional<Dtype> dtype, bool bias) {
       check_cpu(device, "InstanceNorm2d");
       auto options = nn::InstanceNormOptions(n).eps(eps).momentum(momentum).affine(affine).track_running_stats(track);
       return with_dtype(std::make_shared<nn::InstanceNorm2dImpl>(options.bias(bias)), dtype);
     }), "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = false, "track_running_stats"_a = false,
     "device"_a = py::none(), "dtype"_a = py::none(), py::kw_only(), "bias"_a = true);
  def_norm_members(in2);

  Class<nn::LayerNormImpl> ln(nn, "LayerNorm");
  ln.def(py::init([](const py::object& shape, double eps, bool elementwise_affine, bool bias, const py::object& device,
                     std::optional<Dtype> dtype) {
      check_cpu(device, "LayerNorm");
      Shape normalized = py::isinstance<py::sequence>(shape) ? shape.cast<Shape>() : Shape{shape.cast<int64_t>()};
      auto options = nn::LayerNormOptions(normalized).eps(eps).elementwise_affine(elementwise_affine).bias(bias);
      return with_dtype(std::make_shared<nn::LayerNormImpl>(options), dtype);
    }), "normalized_shape"_a, "eps"_a = 1e-5, "elementwise_affine"_a = true, "bias"_a = true, "device"_a = py::none(),
    "dtype"_a = py::none())
      .def_property_readonly("normalized_shape", [](nn::LayerNormImpl& m) {
        return py::tuple(py::cast(m.options.normalized_shape()));
      })
      .def_property_readonly("eps", [](nn::LayerNormImpl& m) { return m.options.eps(); })
      .def_property_readonly("elementwise_affine", [](nn::LayerNormImpl& m) { return m.options.elementwise_affine(); })
      .def("reset_parameters", &nn::LayerNormImpl::reset_parameters);
  def_parameter(ln, "weight", &nn::LayerNormImpl::weight);
  def_parameter(ln, "bias", &nn::LayerNormImpl::bias);

  Class<nn::GroupNormImpl> gn(nn, "GroupNorm");
  gn.def(py::init([](int64_t groups, int64_t channels, double eps, bool affine, const py::object& device,
                     std::optional<Dtype> dtype, bool bias) {
      check_cpu(device, "GroupNorm");
      auto options = nn::GroupNormOptions(groups, channels).eps(eps).affine(affine).bias(bias);
      return with_dtype(std::make_shared<nn::GroupNormImpl>(options), dtype);
    }), "num_groups"_a, "num_channels"_a, "eps"_a = 1e-5, "affine"_a = true, "device"_a = py::none(),
    "dtype"_a = py::none(), py::kw_only(), "bias"_a = true)
      .def_property_readonly("num_groups", [](nn::GroupNormImpl& m) { return m.options.num_groups(); })
      .def_property_readonly("num_channels", [](nn::GroupNormImpl& m) { return m.options.num_channels(); })
      .def_property_readonly("eps", [](nn::GroupNormImpl& m) { return m.options.eps(); })
      .def_property_readonly("affine", [](nn::GroupNormImpl& m) { return m.options.affine(); })
      .def("reset_parameters", &nn::GroupNormImpl::reset_parameters);
  def_parameter(gn, "weight", &nn::GroupNormImpl::weight);
  def_parameter(gn, "bias", &nn::GroupNormImpl::bias);

  Class<nn::LocalResponseNormImpl>(nn, "LocalResponseNorm")
      .def(py::init([](int64_t size, double alpha, double beta, double k) {
        return std::make_shared<nn::LocalResponseNormImpl>(nn::LocalResponseNormOptions(size).alpha(alpha).beta(beta).k(k));
      }), "size"_a, "alpha"_a = 1e-4, "beta"_a = 0.75, "k"_a = 1.0);

  Class<nn::DropoutImpl>(nn, "Dropout")
      .def(py::init([](double p, bool inplace) {
        check_not_inplace(inplace, "Dropout");
        return std::make_shared<nn::DropoutImpl>(nn::DropoutOptions(p));
      }), "p"_a = 0.5, "inplace"_a = false)
      .def_property_readonly("p", [](nn::DropoutImpl& m) { return m.options.p(); });
  Class<nn::Dropout2dImpl>(nn, "Dropout2d")
      .def(py::init([](double p, bool inplace) {
        check_not_inplace(inplace, "Dropout2d");
        return std::make_shared<nn::Dropout2dImpl>(nn::Dropout2dOptions(p));
      }), "p"_a = 0.5, "inplace"_a = false)
      .def_property_readonly("p", [](nn::Dropout2dImpl& m) { return m.options.p(); });
}

/// nn.ReLU(inplace=True): relu_ on its input, named as ReLU in repr.
class InplaceReLUImpl : public nn::ReLUImpl {
 public:
  std::string name() const override { return "ReLU"; }
  std::string extra_repr() const override { return "inplace=True"; }
  Tensor forward(const Tensor& input) override {
    Tensor x = input;
    return relu_(x);
  }
};

/// An activation without options: Cls(inplace=False) or Cls().
template <class Impl>
void def_plain_activation(py::module_& nn, const char* name, bool has_inplace) {
  Class<Impl> cls(nn, name);
  if (has_inplace) {
    std::string layer = name;
    cls.def(py::init([layer](bool inplace) {
      check_not_inplace(inplace, layer.c_str());
      return std::make_shared<Impl>();
    }), "inplace"_a = false);
  } else {
    cls.def(py::init<>());
  }
}

void bind_activations(py::module_& nn) {
  Class<nn::ReLUImpl>(nn, "ReLU").def(py::init([](bool inplace) -> std::shared_ptr<nn::ReLUImpl> {
    if (inplace) return std::make_shared<InplaceReLUImpl>();
    return std::make_shared<nn::ReLUImpl>();
  }), "inplace"_a = false);
  def_plain_activation<nn::ReLU6Impl>(nn, "ReLU6", true);
  def_plain_activation<nn::SELUImpl>(nn, "SELU", true);
  def_plain_activation<nn::SiLUImpl>(nn, "SiLU", true);
  def_plain_activation<nn::MishImpl>(nn, "Mish", true);
  def_plain_activation<nn::HardsigmoidImpl>(nn, "Hardsigmoid", true);
  def_plain_activation<nn::HardswishImpl>(nn, "Hardswish", true);
  def_plain_activation<nn::SigmoidImpl>(nn, "Sigmoid", false);
  def_plain_activation<nn::TanhImpl>(nn, "Tanh", false);
  def_plain_activation<nn::SoftsignImpl>(nn, "Softsign", false);

  Class<nn::LeakyReLUImpl>(nn, "LeakyReLU")
      .def(py::init([](double negative_slope, bool inplace) {
        check_not_inplace(inplace, "LeakyReLU");
        return std::make_shared<nn::LeakyReLUImpl>(nn::LeakyReLUOptions().negative_slope(negative_slope));
      }), "negative_slope"_a = 0.01, "inplace"_a = false)
      .def_property_readonly("negative_slope", [](nn::LeakyReLUImpl& m) { return m.options.negative_slope(); });
  Class<nn::ELUImpl>(nn, "ELU")
      .def(py::init([](double alpha, bool inplace) {
        check_not_inplace(inplace, "ELU");
        return std::make_shared<nn::ELUImpl>(nn::ELUOptions().alpha(alpha));
      }), "alpha"_a = 1.0, "inplace"_a = false)
      .def_property_readonly("alpha", [](nn::ELUImpl& m) { return m.options.alpha(); });
  Class<nn::CELUImpl>(nn, "CELU")
      .def(py::init([](double alpha, bool inplace) {
        check_not_inplace(inplace, "CELU");
        return std::make_shared<nn::CELUImpl>(nn::CELUOptions().alpha(alpha));
      }), "alpha"_a = 1.0, "inplace"_a = false)
      .def_property_readonly("alpha", [](nn::CELUImpl& m) { return m.options.alpha(); });
  Class<nn::GELUImpl>(nn, "GELU")
      .def(py::init([](const std::string& approximate) {
        EMBER_CHECK(approximate == "none" || approximate == "tanh",
                    "GELU: expected approximate 'none' or 'tanh', got '{}'", approximate);
        return std::make_shared<nn::GELUImpl>(nn::GELUOptions().approximate(approximate));
      }), "approximate"_a = "none")
      .def_property_readonly("approximate", [](nn::GELUImpl& m) { return m.options.approximate(); });
  Class<nn::SoftplusImpl>(nn, "Softplus")
      .def(py::init([](double beta, double threshold) {
        return std::make_shared<nn::SoftplusImpl>(nn::SoftplusOptions().beta(beta).threshold(threshold));
      }), "beta"_a = 1.0, "threshold"_a = 20.0);
  Class<nn::HardtanhImpl>(nn, "Hardtanh")
      .def(py::init([](double min_val, double max_val, bool inplace) {
        check_not_inplace(inplace, "Hardtanh");
        return std::make_shared<nn::HardtanhImpl>(nn::HardtanhOptions().min_val(min_val).max_val(max_val));
      }), "min_val"_a = -1.0, "max_val"_a = 1.0, "inplace"_a = false);
  Class<nn::SoftmaxImpl>(nn, "Softmax")
      .def(py::init([](std::optional<int64_t> dim) {
        EMBER_CHECK(dim.has_value(), "Softmax: the implicit dim (dim=None) is not supported; pass dim");
        return std::make_shared<nn::SoftmaxImpl>(*dim);
      }), "dim"_a = py::none())
      .def_property_readonly("dim", [](nn::SoftmaxImpl& m) { return m.options.dim(); });
  Class<nn::LogSoftmaxImpl>(nn, "LogSoftmax")
      .def(py::init([](std::optional<int64_t> dim) {
        EMBER_CHECK(dim.has_value(), "LogSoftmax: the implicit dim (dim=None) is not supported; pass dim");
        return std::make_shared<nn::LogSoftmaxImpl>(*dim);
      }), "dim"_a = py::none())
      .def_property_readonly("dim", [](nn::LogSoftmaxImpl& m) { return m.options.dim(); });

  Class<nn::PReLUImpl> prelu(nn, "PReLU");
  prelu.def(py::init([](int64_t num_parameters, double init, const py::object& device, std::optional<Dtype> dtype) {
         check_cpu(device, "PReLU");
         return with_dtype(std::make_shared<nn::PReLUImpl>(nn::PReLUOptions().num_parameters(num_parameters).init(init)),
                           dtype);
       }), "num_parameters"_a = 1, "init"_a = 0.25, "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("num_parameters", [](nn::PReLUImpl& m) { return m.options.num_parameters(); });
  def_parameter(prelu, "weight", &nn::PReLUImpl::weight);

  Class<nn::SwishImpl> swish(nn, "Swish", "x * sigmoid(beta * x), with beta fixed or learnable.");
  swish.def(py::init([](double beta, bool learnable) {
    return std::make_shared<nn::SwishImpl>(nn::SwishOptions().beta(beta).learnable(learnable));
  }), "beta"_a = 1.0, "learnable"_a = false);
  swish.def_property_readonly("beta", [](nn::SwishImpl& m) -> py::object {
    if (m.options.learnable()) return as_parameter(m.beta);
    return py::float_(m.options.beta());
  });

  Class<nn::DiceImpl> dice(nn, "Dice", "Dice activation: p * x + (1 - p) * alpha * x, p = sigmoid(batch-normalised x).");
  dice.def(py::init([](int64_t num_features, double eps, double momentum) {
    return std::make_shared<nn::DiceImpl>(nn::DiceOptions(num_features).eps(eps).momentum(momentum));
  }), "num_features"_a, "eps"_a = 1e-8, "momentum"_a = 0.1);
  def_parameter(dice, "alpha", &nn::DiceImpl::alpha);
  def_buffer(dice, "running_mean", &nn::DiceImpl::running_mean);
  def_buffer(dice, "running_var", &nn::DiceImpl::running_var);
}

Tensor opt(const OptTensor& t) { return t.value_or(Tensor()); }

void bind_losses(py::module_& nn) {
  Class<nn::CrossEntropyLossImpl>(nn, "CrossEntropyLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, int64_t ignore_index, OptBool reduce,
                       const std::string& reduction, double label_smoothing) {
        return std::make_shared<nn::CrossEntropyLossImpl>(
            nn::CrossEntropyLossOptions().weight(opt(weight)).ignore_index(ignore_index).label_smoothing(label_smoothing)
                .reduction(reduction_of(size_average, reduce, reduction, "CrossEntropyLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100, "reduce"_a = py::none(),
          "reduction"_a = "mean", "label_smoothing"_a = 0.0)
      .def("forward", &nn::CrossEntropyLossImpl::forward, "input"_a, "target"_a);
  Class<nn::NLLLossImpl>(nn, "NLLLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, int64_t ignore_index, OptBool reduce,
                       const std::string& reduction) {
        return std::make_shared<nn::NLLLossImpl>(nn::NLLLossOptions().weight(opt(weight)).ignore_index(ignore_index)
                                                     .reduction(reduction_of(size_average, reduce, reduction, "NLLLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100, "reduce"_a = py::none(),
          "reduction"_a = "mean")
      .def("forward", &nn::NLLLossImpl::forward, "input"_a, "target"_a);
  Class<nn::MSELossImpl>(nn, "MSELoss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::MSELossImpl>(
            nn::MSELossOptions().reduction(reduction_of(size_average, reduce, reduction, "MSELoss")));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", &nn::MSELossImpl::forward, "input"_a, "target"_a);
  Class<nn::L1LossImpl>(nn, "L1Loss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::L1LossImpl>(
            nn::L1LossOptions().reduction(reduction_of(size_average, reduce, reduction, "L1Loss")));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", &nn::L1LossImpl::forward, "input"_a, "target"_a);
  Class<nn::SmoothL1LossImpl>(nn, "SmoothL1Loss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction, double beta) {
        return std::make_shared<nn::SmoothL1LossImpl>(
            nn::SmoothL1LossOptions().reduction(reduction_of(size_average, reduce, reduction, "SmoothL1Loss")).beta(beta));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean", "beta"_a = 1.0)
      .def("forward", &nn::SmoothL1LossImpl::forward, "input"_a, "target"_a);
  Class<nn::HuberLossImpl>(nn, "HuberLoss")
      .def(py::init([](const std::string& reduction, double delta) {
        return std::make_shared<nn::HuberLossImpl>(
            nn::HuberLossOptions().reduction(loss_reduction(reduction, "HuberLoss")).delta(delta));
      }), "reduction"_a = "mean", "delta"_a = 1.0)
      .def("forward", &nn::HuberLossImpl::forward, "input"_a, "target"_a);
  Class<nn::BCELossImpl>(nn, "BCELoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::BCELossImpl>(
            nn::BCELossOptions().weight(opt(weight)).reduction(reduction_of(size_average, reduce, reduction, "BCELoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", &nn::BCELossImpl::forward, "input"_a, "target"_a);
  Class<nn::BCEWithLogitsLossImpl>(nn, "BCEWithLogitsLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, OptBool reduce, const std::string& reduction,
                       const OptTensor& pos_weight) {
        return std::make_shared<nn::BCEWithLogitsLossImpl>(
            nn::BCEWithLogitsLossOptions().weight(opt(weight)).pos_weight(opt(pos_weight))
                .reduction(reduction_of(size_average, reduce, reduction, "BCEWithLogitsLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
          "pos_weight"_a = py::none())
      .def("forward", &nn::BCEWithLogitsLossImpl::forward, "input"_a, "target"_a);
  Class<nn::KLDivLossImpl>(nn, "KLDivLoss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction, bool log_target) {
        return std::make_shared<nn::KLDivLossImpl>(
            nn::KLDivLossOptions().reduction(reduction_of(size_average, reduce, reduction, "KLDivLoss")).log_target(log_target));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean", "log_target"_a = false)
      .def("forward", &nn::KLDivLossImpl::forward, "input"_a, "target"_a);
  Class<nn::MultiMarginLossImpl>(nn, "MultiMarginLoss")
      .def(py::init([](int64_t p, double margin, const OptTensor& weight, OptBool size_average, OptBool reduce,
                       const std::string& reduction) {
        return std::make_shared<nn::MultiMarginLossImpl>(
            nn::MultiMarginLossOptions().p(p).margin(margin).weight(opt(weight))
                .reduction(reduction_of(size_average, reduce, reduction, "MultiMarginLoss")));
      }), "p"_a = 1, "margin"_a = 1.0, "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(),
          "reduction"_a = "mean")
      .def("forward", &nn::MultiMarginLossImpl::forward, "input"_a, "target"_a);
}

void bind_init(py::module_& nn) {
  py::module_ init = nn.def_submodule("init", "In-place initialisers, as torch.nn.init.");
  init.def("calculate_gain", [](const std::string& nonlinearity, std::optional<double> param) {
    return nn::init::calculate_gain(nonlinearity, param.value_or(0.01));
  }, "nonlinearity"_a, "param"_a = py::none());
  init.def("_calculate_fan_in_and_fan_out", &nn::init::calculate_fan_in_and_fan_out, "tensor"_a);
  init.def("uniform_", &nn::init::uniform_, "tensor"_a, "a"_a = 0.0, "b"_a = 1.0);
  init.def("normal_", &nn::init::normal_, "tensor"_a, "mean"_a = 0.0, "std"_a = 1.0);
  init.def("constant_", &nn::init::constant_, "tensor"_a, "val"_a);
  init.def("zeros_", &nn::init::zeros_, "tensor"_a);
  init.def("ones_", &nn::init::ones_, "tensor"_a);
  init.def("xavier_uniform_", &nn::init::xavier_uniform_, "tensor"_a, "gain"_a = 1.0);
  init.def("xavier_normal_", &nn::init::xavier_normal_, "tensor"_a, "gain"_a = 1.0);
  init.def("kaiming_uniform_", &nn::init::kaiming_uniform_, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in",
           "nonlinearity"_a = "leaky_relu");
  init.def("kaiming_normal_", &nn::init::kaiming_normal_, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in",
           "nonlinearity"_a = "leaky_relu");
  init.def("trunc_normal_", &nn::init::trunc_normal_, "tensor"_a, "mean"_a = 0.0, "std"_a = 1.0, "a"_a = -2.0,
           "b"_a = 2.0);
}

}  // namespace

void bind_nn(py::module_& m) {
  py::module_ nn = m.def_submodule("_nn", "ember.nn's modules, bound from the C++ layers");
  bind_module(nn);
  bind_containers(nn);
  bind_linear_conv(nn);
  bind_pooling(nn);
  bind_norms(nn);
  bind_activations(nn);
  bind_losses(nn);
  bind_init(nn);
}

}  // namespace ember::python
