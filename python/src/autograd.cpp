// Autograd from Python: graph nodes (grad_fn, next_functions), hook handles,
// grad and anomaly modes, the engine's backward/grad, custom Functions (a
// Python backward becomes the node's CustomBackward), and gradcheck.
// Python callables run under the GIL wherever C++ calls them.
#include <map>

#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "autograd/warning.h"
#include "ops/factory.h"
#include "bindings.h"

namespace ember::python {
namespace {

// A Python fn(*tensors) -> Tensor | tuple | list, as gradcheck's TensorFn. An
// output that is not a tensor fails as in PyTorch, which asks it for requires_grad.
autograd::TensorFn tensor_fn(const py::function& fn) {
  auto f = hold(fn);
  return [f](const tensor_list& inputs) {
    py::gil_scoped_acquire gil;
    py::object result = (*f)(*py::cast(inputs));
    py::list items;
    if (py::isinstance<py::tuple>(result) || py::isinstance<py::list>(result))
      items = py::list(result);
    else
      items.append(result);
    tensor_list out;
    for (const py::handle& item : items) {
      if (!py::isinstance<TensorImpl>(item))
        throw py::attribute_error(fmt::format("'{}' object has no attribute 'requires_grad'",
                                              py::str(py::type::of(item).attr("__name__")).cast<std::string>()));
      out.push_back(item.cast<Tensor>());
    }
    return out;
  };
}

// What a Python node hook returned: None keeps the gradients, a tuple replaces them.
tensor_list hook_result(const py::object& result) {
  if (result.is_none()) return {};
  return to_tensor_list(result, "hook returned");
}

HookHandle node_hook_handle(const std::shared_ptr<Node>& node, int id) {
  std::weak_ptr<Node> weak = node;
  return HookHandle([weak, id] {
    if (auto n = weak.lock()) n->remove_node_hook(id);
  });
}

// Inputs of grad()/backward() may be GradientEdges: (node, output_nr) pairs.
bool has_edges(const py::list& inputs) {
  for (const auto& x : inputs)
    if (!py::isinstance<TensorImpl>(x)) return true;
  return false;
}

// A Python GradientEdge(node, output_nr) as the engine's Edge; `error` if it is no such pair.
Edge edge_of(const py::handle& gradient_edge_obj, const char* error) {
  auto pair = gradient_edge_obj.cast<py::tuple>();
  if (pair.size() != 2) throw py::type_error(error);
  return {pair[0].cast<std::shared_ptr<Node>>(), pair[1].cast<uint32_t>()};
}

// Tensors become the edge their gradient travels (non-leaves in backward retain their grad).
std::vector<Edge> to_edges(const py::list& inputs, bool retain_non_leaves) {
  std::vector<Edge> edges;
  for (const auto& x : inputs) {
    if (py::isinstance<TensorImpl>(x))
      edges.push_back(autograd::input_edge(x.cast<Tensor>(), retain_non_leaves));
    else
      edges.push_back(edge_of(x, "grad: expected a Tensor or a GradientEdge(node, output_nr) as input"));
  }
  return edges;
}

// Roots given as tensors or GradientEdges: each the edge its gradient enters the graph by.
std::vector<Edge> to_root_edges(const py::list& roots) {
  std::vector<Edge> edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    py::handle x = roots[i];
    if (!py::isinstance<TensorImpl>(x)) {
      edges.push_back(edge_of(x, "backward: expected a Tensor or a GradientEdge(node, output_nr) as root"));
      continue;
    }
    Tensor t = x.cast<Tensor>();
    EMBER_CHECK_STATE(t.requires_grad(), "element {} of tensors does not require grad and does not have a grad_fn", i);
    edges.push_back(gradient_edge(t));
  }
  return edges;
}

// Python pack/unpack callables as SavedTensorHooks: what pack returns is kept
// as a Python object, and unpack must give back a tensor.
SavedTensorHooks python_saved_tensor_hooks(const py::function& pack, const py::function& unpack) {
  auto p = hold(pack), u = hold(unpack);
  SavedTensorHooks hooks;
  hooks.pack = [p](const Tensor& t) -> std::shared_ptr<void> {
    py::gil_scoped_acquire gil;
    return hold((*p)(t));
  };
  hooks.unpack = [u](const std::shared_ptr<void>& packed) {
    py::gil_scoped_acquire gil;
    py::object result = (*u)(*std::static_pointer_cast<py::object>(packed));
    if (!py::isinstance<TensorImpl>(result))
      throw py::type_error(fmt::format(
          "Output of saved tensor unpack_hook expected to be a Tensor but got result of type {}",
          py::str(py::type::of(result).attr("__name__")).cast<std::string>()));
    return result.cast<Tensor>();
  };
  return hooks;
}

// grad_fn._raw_saved_<name>: one saved tensor of a node, which it keeps alive.
struct RawSavedTensor {
  std::shared_ptr<Node> node;
  SavedVariable* variable;
};

py::tuple next_functions(const Node& node) {
  py::list out;
  for (const Edge& e : node.next_edges()) out.append(py::make_tuple(node_object(e.fn), e.input_nr));
  return py::tuple(out);
}

}  // namespace

// type(grad_fn).__name__ is the node's name ("MulBackward0"), as in PyTorch:
// each name gets a slot-less Python subclass of the node's bound class, and
// the wrapper's class is switched to it.
py::object node_object(const std::shared_ptr<Node>& node) {
  if (!node) return py::none();
  py::object obj = py::cast(node);
  py::handle cls = py::type::of(obj);
  if (py::str(cls.attr("__name__")).cast<std::string>() == node->name()) return obj;
  static auto* classes = new std::map<std::pair<PyObject*, std::string>, py::object>();  // lives as long as the module
  auto key = std::make_pair(cls.ptr(), node->name());
  auto it = classes->find(key);
  if (it == classes->end()) {
    py::dict attrs;
    attrs["__slots__"] = py::tuple();
    attrs["__module__"] = "ember.autograd.graph";
    py::object sub = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(Py_TYPE(cls.ptr())))(
        node->name(), py::make_tuple(cls), attrs);
    // Same layout (no slots, no dict), pybind11's deallocator and the base's
    // gc slots, so CPython allows switching an instance's class to it.
    auto* sub_type = reinterpret_cast<PyTypeObject*>(sub.ptr());
    auto* base_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
    sub_type->tp_dealloc = base_type->tp_dealloc;
    sub_type->tp_free = base_type->tp_free;
    sub_type->tp_traverse = base_type->tp_traverse;
    sub_type->tp_clear = base_type->tp_clear;
    it = classes->emplace(key, sub).first;
  }
  obj.attr("__class__") = it->second;
  return obj;
}

namespace {

// A node's Python wrapper reports the Python objects the node keeps (hooks,
// metadata) to the gc, but only while the wrapper is the node's last owner:
// then a hook whose closure holds the wrapper is a collectable cycle. While the
// graph still holds the node, the hooks are live and must not be cleared.
Node* node_owned_only_by_python(PyObject* self) {
  if (!py::detail::is_holder_constructed(self)) return nullptr;
  Node& node = py::cast<Node&>(py::handle(self));
  return node.weak_from_this().use_count() == 1 ? &node : nullptr;
}

int node_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  Node* node = node_owned_only_by_python(self);
  if (!node) return 0;
  for (const HookEntry& h : node->hooks())
    if (auto* py_hook = h.fn.target<PyTensorHook>()) Py_VISIT(py_hook->fn->ptr());
  for (const auto& [id, h] : node->pre_hooks())
    if (auto* py_hook = h.target<PyNodePreHook>()) Py_VISIT(py_hook->fn->ptr());
  for (const auto& [id, h] : node->post_hooks())
    if (auto* py_hook = h.target<PyNodePostHook>()) Py_VISIT(py_hook->fn->ptr());
  if (node->metadata) Py_VISIT(std::static_pointer_cast<py::object>(node->metadata)->ptr());
  return 0;
}

int node_clear(PyObject* self) {
  if (Node* node = node_owned_only_by_python(self)) node->clear_hooks();
  return 0;
}

}  // namespace

Tensor PyTensorHook::operator()(const Tensor& grad) const {
  py::gil_scoped_acquire gil;
  return to_tensor_or_undefined((*fn)(grad), "hook returned");
}

tensor_list PyNodePreHook::operator()(const tensor_list& grad_outputs) const {
  py::gil_scoped_acquire gil;
  return hook_result((*fn)(py::tuple(py::cast(grad_outputs))));
}

tensor_list PyNodePostHook::operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) const {
  py::gil_scoped_acquire gil;
  return hook_result((*fn)(py::tuple(py::cast(grad_inputs)), py::tuple(py::cast(grad_outputs))));
}

void bind_autograd(py::module_& m) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", "A backward function of the graph (a tensor's grad_fn).",
                                           py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                                             PyTypeObject* type = &heap_type->ht_type;
                                             type->tp_flags |= Py_TPFLAGS_HAVE_GC;
                                             type->tp_traverse = node_traverse;
                                             type->tp_clear = node_clear;
                                           }))
      .def("name", &Node::name)
      .def_property_readonly("next_functions", &next_functions)
      // Any object is taken as a hook, as PyTorch takes it; it is called when backward reaches the node.
      .def("register_prehook",
           [](const std::shared_ptr<Node>& node, const py::object& fn) {
             return node_hook_handle(node, node->add_pre_hook(PyNodePreHook{hold(fn)}));
           },
           "fn"_a)
      .def("register_hook",
           [](const std::shared_ptr<Node>& node, const py::object& fn) {
             return node_hook_handle(node, node->add_post_hook(PyNodePostHook{hold(fn)}));
           },
           "fn"_a)
      // Calling a node runs its backward on the given gradients (None: no gradient), as in PyTorch.
      .def("__call__",
           [](const std::shared_ptr<Node>& node, const py::args& args) -> py::object {
             size_t expected = node->grad_meta().size();
             if (args.size() != expected)
               throw py::type_error(fmt::format("{}: expected {} arguments, got {} instead", node->name(), expected,
                                                args.size()));
             tensor_list grads = to_tensor_list(py::list(args), "grad_fn called with");
             tensor_list result;
             {
               CurrentNodeGuard current(node);
               result = node->apply(std::move(grads));
             }
             auto wrap = [](const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); };
             if (result.size() == 1) return wrap(result[0]);
             py::tuple out(result.size());
             for (size_t i = 0; i < result.size(); ++i) out[i] = wrap(result[i]);
             return std::move(out);
           })
      .def_property_readonly("metadata",
                             [](Node& node) -> py::object {
                               if (!node.metadata) node.metadata = hold(py::dict());
                               return *std::static_pointer_cast<py::object>(node.metadata);
                             })
      // _saved_<name> / _raw_saved_<name>: what the op saved, as in PyTorch. A
      // custom Function's node shows the attributes its forward set on ctx.
      .def("__getattr__",
           [](const std::shared_ptr<Node>& self, const std::string& attr) -> py::object {
             const Node& node = *self;
             std::string_view name(attr);
             if (name.rfind("_raw_saved_", 0) == 0) {
               if (SavedVariable* saved = self->saved_variable(name.substr(11)))
                 return py::cast(RawSavedTensor{self, saved});
             } else if (name.rfind("_saved_", 0) == 0) {
               if (SavedVariable* saved = self->saved_variable(name.substr(7))) {
                 Tensor t = saved->unpack(self);
                 return t.defined() ? py::cast(t) : py::none();
               }
             }
             if (auto ctx = autograd::custom_function_context(node)) {
               py::object py_ctx = py::cast(ctx);
               if (py::hasattr(py_ctx, attr.c_str())) return py_ctx.attr(attr.c_str());
             }
             throw py::attribute_error(fmt::format("'{}' object has no attribute '{}'", node.name(), attr));
           })
      .def("__repr__", [](const py::handle& self) {
        return fmt::format("<{} object at {}>", self.cast<const Node&>().name(), static_cast<const void*>(self.ptr()));
      });
  py::class_<AccumulateGrad, Node, std::shared_ptr<AccumulateGrad>>(m, "AccumulateGrad")
      .def_property_readonly("variable", [](const AccumulateGrad& n) { return Tensor(n.leaf()); });
  // Where PyTorch keeps its built-in node classes (torch._C._functions.AccumulateGrad).
  m.def_submodule("_functions", "The engine's built-in node classes.").attr("AccumulateGrad") = m.attr("AccumulateGrad");
  py::class_<RawSavedTensor>(m, "SavedTensor", "A tensor a node saved for backward (grad_fn._raw_saved_<name>).")
      .def("register_hooks",
           [](const RawSavedTensor& self, const py::function& pack, const py::function& unpack) {
             self.variable->register_hooks(
                 std::make_shared<const SavedTensorHooks>(python_saved_tensor_hooks(pack, unpack)));
           },
           "pack_hook"_a, "unpack_hook"_a);
  py::class_<HookHandle>(m, "RemovableHandle", "Returned by register_hook; remove() unregisters the hook.")
      .def("remove", &HookHandle::remove);

  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled, "mode"_a);
  m.def("is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("is_inference_mode_enabled", &InferenceMode::is_enabled);
  m.def("_set_inference_mode", &InferenceMode::set_enabled, "enabled"_a);
  m.def("set_warn_always", &set_warn_always, "b"_a);
  m.def("is_warn_always_enabled", &warn_always_enabled);
  m.def("is_anomaly_check_nan_enabled", &AnomalyMode::should_check_nan);
  m.def("_set_detect_anomaly", &AnomalyMode::set_enabled, "mode"_a, "check_nan"_a = true);

  // C++ warnings become Python warnings; with the "error" filter, a Python exception.
  set_warning_handler([](const std::string& message) {
    py::gil_scoped_acquire gil;
    if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) == 0) return;
    if (!in_failure_report()) throw py::error_already_set();
    PyErr_Print();  // the error being reported stays the one raised
  });
  // Anomaly mode stores the Python traceback of the forward call on each node.
  set_forward_trace_collector([]() -> std::string {
    py::gil_scoped_acquire gil;
    py::list frames = py::module_::import("traceback").attr("format_stack")();
    std::string trace;
    for (const auto& f : frames) trace += f.cast<std::string>();
    return trace;
  });

  m.def("_grad_accumulator", [](const Tensor& t) { return node_object(gradient_edge(t).fn); });
  m.def("_increment_version", [](const Tensor& t) { t.storage()->bump_version(); });
  m.def("_queue_callback", [](const py::function& fn) {
    auto f = hold(fn);
    autograd::queue_callback([f] {
      py::gil_scoped_acquire gil;
      (*f)();
    });
  });

  // Saved-tensor hooks (torch.autograd.graph.saved_tensors_hooks): what pack
  // returns is kept as a Python object, and unpack must give back a tensor.
  m.def("_push_saved_tensors_default_hooks", [](const py::function& pack, const py::function& unpack) {
    push_saved_tensor_hooks(python_saved_tensor_hooks(pack, unpack));
  });
  m.def("_pop_saved_tensors_default_hooks", &pop_saved_tensor_hooks);
  // fn(tensor) runs before every in-place write on this thread (None: no hook).
  m.def("_set_mutation_hook", [](const py::object& fn) {
    if (fn.is_none()) {
      set_mutation_hook(nullptr);
      return;
    }
    auto f = hold(fn);
    set_mutation_hook([f](const Tensor& t) {
      py::gil_scoped_acquire gil;
      (*f)(t);
    });
  });
  m.def("_saved_tensors_hooks_disable", [](const std::string& message) { set_saved_tensor_hooks_disabled(message); });
  m.def("_saved_tensors_hooks_enable", [] { set_saved_tensor_hooks_disabled(std::nullopt); });
  m.def("_saved_tensors_hooks_is_enabled", [] { return !saved_tensor_hooks_disabled().has_value(); });
  m.def("_saved_tensors_hooks_get_disabled_error_message",
        []() -> py::object {
          const auto& m = saved_tensor_hooks_disabled();
          return m ? py::object(py::str(*m)) : py::object(py::none());
        });
  // Where PyTorch exposes them (torch._C._autograd._saved_tensors_hooks_is_enabled, ...).
  py::module_ autograd_module = m.def_submodule("_autograd", "The engine's switches, under PyTorch's names.");
  for (const char* name : {"_saved_tensors_hooks_disable", "_saved_tensors_hooks_enable",
                           "_saved_tensors_hooks_is_enabled", "_saved_tensors_hooks_get_disabled_error_message"})
    autograd_module.attr(name) = m.attr(name);

  m.def("_backward",
        [](const py::list& roots, const std::vector<std::optional<Tensor>>& grad_tensors,
           std::optional<bool> retain_graph, bool create_graph, const py::list& inputs) {
          tensor_list grads = to_tensor_list(grad_tensors);
          bool root_edges = has_edges(roots), edges = root_edges || has_edges(inputs);
          tensor_list root_tensors = root_edges ? tensor_list{} : roots.cast<tensor_list>();
          std::vector<Edge> root_edge_list = root_edges ? to_root_edges(roots) : std::vector<Edge>{};
          tensor_list input_tensors = edges ? tensor_list{} : inputs.cast<tensor_list>();
          std::vector<Edge> input_edges = edges ? to_edges(inputs, true) : std::vector<Edge>{};
          // Without the GIL: Python backward functions and hooks take it back,
          // also on the threads a deep reentrant backward continues on.
          py::gil_scoped_release no_gil;
          if (root_edges) autograd::backward(root_edge_list, grads, retain_graph, create_graph, input_edges);
          else if (edges) autograd::backward(root_tensors, grads, retain_graph, create_graph, input_edges);
          else autograd::backward(root_tensors, grads, retain_graph, create_graph, input_tensors);
        },
        "tensors"_a, "grad_tensors"_a, "retain_graph"_a, "create_graph"_a, "inputs"_a);
  m.def("_grad",
        [](const tensor_list& outputs, const py::list& inputs, const std::vector<std::optional<Tensor>>& grad_outputs,
           std::optional<bool> retain_graph, bool create_graph, bool allow_unused, bool materialize_grads) {
          tensor_list grads = to_tensor_list(grad_outputs), result;
          bool edges = has_edges(inputs);
          tensor_list input_tensors = edges ? tensor_list{} : inputs.cast<tensor_list>();
          std::vector<Edge> input_edges = edges ? to_edges(inputs, false) : std::vector<Edge>{};
          {
            py::gil_scoped_release no_gil;
            result = edges ? autograd::grad(outputs, input_edges, grads, retain_graph, create_graph,
                                            allow_unused || materialize_grads)
                           : autograd::grad(outputs, input_tensors, grads, retain_graph, create_graph, allow_unused,
                                            materialize_grads);
          }
          // With edges, only tensor inputs can be materialized (an edge has no tensor to copy).
          for (size_t i = 0; edges && materialize_grads && i < result.size(); ++i) {
            if (result[i].defined()) continue;
            if (!py::isinstance<TensorImpl>(inputs[i]))
              throw ValueError("materialize_grads cannot be used when the given input is a GradientEdge");
            result[i] = zeros_like(inputs[i].cast<Tensor>()).requires_grad_(create_graph);
          }
          return py::tuple(py::cast(result));
        },
        "outputs"_a, "inputs"_a, "grad_outputs"_a, "retain_graph"_a, "create_graph"_a, "allow_unused"_a,
        "materialize_grads"_a);

  // The ctx of a Python Function: attributes may be set on it freely, as in PyTorch.
  py::class_<autograd::AutogradContext, std::shared_ptr<autograd::AutogradContext>>(m, "FunctionCtx",
                                                                                    py::dynamic_attr())
      .def(py::init<>())
      .def("save_for_backward",
           [](autograd::AutogradContext& ctx, const py::args& tensors) {
             tensor_list saved;
             for (size_t i = 0; i < tensors.size(); ++i) {
               if (tensors[i].is_none()) {
                 saved.emplace_back();
                 continue;
               }
               if (!py::isinstance<TensorImpl>(tensors[i]))
                 throw py::type_error(fmt::format("save_for_backward can only save variables, but argument {} is of "
                                                  "type {}",
                                                  i, py::str(py::type::of(tensors[i]).attr("__name__")).cast<std::string>()));
               saved.push_back(tensors[i].cast<Tensor>());
             }
             ctx.save_for_backward(saved);
           })
      .def_property_readonly(
          "saved_tensors",
          [](const py::object& self) {
            auto& ctx = self.cast<autograd::AutogradContext&>();
            // A Function with clear_saved_tensors_on_access frees them on first read.
            bool clear = py::hasattr(self, "_clear_saved_tensors_on_access");
            if (clear && py::hasattr(self, "_saved_tensors_accessed"))
              throw Error("saved_tensors can only be accessed once when clear_saved_tensors_on_access is set to True");
            py::tuple saved(py::cast(ctx.get_saved_variables()));
            if (clear) {
              self.attr("_saved_tensors_accessed") = true;
              for (SavedVariable& s : ctx.saved_) s.release();
            }
            return saved;
          })
      .def("mark_dirty",
           [](autograd::AutogradContext& ctx, const py::args& tensors) { ctx.mark_dirty(tensors.cast<tensor_list>()); })
      .def("set_materialize_grads", &autograd::AutogradContext::set_materialize_grads, "value"_a)
      .def_readwrite("_materialize_non_diff_grads", &autograd::AutogradContext::materialize_non_differentiable_grads_)
      .def("mark_non_differentiable",
           [](autograd::AutogradContext& ctx, const py::args& tensors) {
             ctx.mark_non_differentiable(tensors.cast<tensor_list>());
           })
      .def_property(
          "needs_input_grad",
          [](const autograd::AutogradContext& ctx) { return py::tuple(py::cast(ctx.needs_input_grad_)); },
          [](autograd::AutogradContext& ctx, const std::vector<bool>& needs) { ctx.needs_input_grad_ = needs; });

  // Joins a Python Function's outputs to the graph; `backward(ctx, *grads)` is
  // called with the same Python ctx object that forward saw.
  m.def("_record_function",
        [](const std::string& name, const py::object& ctx, const std::vector<std::optional<Tensor>>& inputs,
           const std::vector<std::optional<Tensor>>& outputs, const py::function& backward) {
          auto fn = hold(backward);
          auto py_ctx = hold(ctx);
          return autograd::record_function(name, ctx.cast<std::shared_ptr<autograd::AutogradContext>>(),
                                    to_tensor_list(inputs), to_tensor_list(outputs),
                                    [fn, py_ctx](autograd::AutogradContext*, const tensor_list& grads) {
                                      py::gil_scoped_acquire gil;
                                      return to_tensor_list((*fn)(*py_ctx, *py::cast(grads)), "Function.backward returned");
                                    });
        },
        "name"_a, "ctx"_a, "inputs"_a, "outputs"_a, "backward"_a);

  m.def("_delayed_error",
        [](const std::string& message, const std::vector<std::optional<Tensor>>& tensors) {
          tensor_list out = autograd::delayed_error(message, to_tensor_list(tensors));
          py::list result;
          for (const Tensor& t : out) result.append(t.defined() ? py::cast(t) : py::none());
          return result;
        },
        "message"_a, "tensors"_a);

  // gradcheck: inputs hold None where the Python call passes a non-tensor argument.
  static PyObject* gradcheck_error = PyErr_NewExceptionWithDoc(
      "ember.autograd.GradcheckError",
      "Raised when analytical and numerical derivatives disagree (or backward fails one of gradcheck's other "
      "checks); the message names the output and input and prints both Jacobians.",
      PyExc_RuntimeError, nullptr);
  if (!gradcheck_error) throw py::error_already_set();
  m.add_object("GradcheckError", py::handle(gradcheck_error));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const autograd::GradcheckError& e) {
      PyErr_SetString(gradcheck_error, e.what());
    } catch (const autograd::GradcheckAssertion& e) {
      PyErr_SetString(PyExc_AssertionError, e.what());
    }
  });
  py::class_<autograd::GradcheckOptions>(m, "_GradcheckOptions")
      .def(py::init<>())
      .def_readwrite("eps", &autograd::GradcheckOptions::eps)
      .def_readwrite("atol", &autograd::GradcheckOptions::atol)
      .def_readwrite("rtol", &autograd::GradcheckOptions::rtol)
      .def_readwrite("raise_exception", &autograd::GradcheckOptions::raise_exception)
      .def_readwrite("nondet_tol", &autograd::GradcheckOptions::nondet_tol)
      .def_readwrite("check_undefined_grad", &autograd::GradcheckOptions::check_undefined_grad)
      .def_readwrite("check_grad_dtypes", &autograd::GradcheckOptions::check_grad_dtypes)
      .def_readwrite("check_batched_grad", &autograd::GradcheckOptions::check_batched_grad)
      .def_readwrite("fast_mode", &autograd::GradcheckOptions::fast_mode)
      .def_readwrite("masked", &autograd::GradcheckOptions::masked)
      .def_readwrite("gen_non_contig_grad_outputs", &autograd::GradcheckOptions::gen_non_contig_grad_outputs);
  m.def("_gradcheck",
        [](const py::function& fn, const std::vector<std::optional<Tensor>>& inputs,
           const autograd::GradcheckOptions& options) {
          autograd::TensorFn f = tensor_fn(fn);
          tensor_list ins = to_tensor_list(inputs);
          py::gil_scoped_release no_gil;  // taken back to call fn, a Python backward or warnings.warn
          return autograd::gradcheck(f, ins, options);
        },
        "fn"_a, "inputs"_a, "options"_a);
  m.def("_gradgradcheck",
        [](const py::function& fn, const std::vector<std::optional<Tensor>>& inputs, const tensor_list& grad_outputs,
           const autograd::GradcheckOptions& options) {
          autograd::TensorFn f = tensor_fn(fn);
          tensor_list ins = to_tensor_list(inputs);
          py::gil_scoped_release no_gil;
          return autograd::gradgradcheck(f, ins, grad_outputs, options);
        },
        "fn"_a, "inputs"_a, "grad_outputs"_a, "options"_a);
  m.def("_get_numerical_jacobian",
        [](const py::function& fn, const std::vector<std::optional<Tensor>>& inputs, const tensor_list& targets,
           double eps) {
          autograd::TensorFn f = tensor_fn(fn);
          tensor_list ins = to_tensor_list(inputs);
          py::gil_scoped_release no_gil;
          return autograd::get_numerical_jacobian(f, ins, targets, eps);
        },
        "fn"_a, "inputs"_a, "targets"_a, "eps"_a);
  m.def("_get_analytical_jacobian",
        [](const tensor_list& inputs, const Tensor& output, double nondet_tol) {
          autograd::AnalyticalJacobian j;
          {
            py::gil_scoped_release no_gil;
            j = autograd::get_analytical_jacobian(inputs, output, nondet_tol);
          }
          return py::make_tuple(py::tuple(py::cast(j.jacobians)), j.reentrant, j.correct_grad_sizes,
                                j.correct_grad_types);
        },
        "inputs"_a, "output"_a, "nondet_tol"_a);
}

}  // namespace ember::python
