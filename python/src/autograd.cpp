// Autograd from Python: graph nodes (grad_fn, next_functions), hook handles,
// grad and anomaly modes, the engine's backward/grad, custom Functions (a
// Python backward becomes the node's CustomBackward), and gradcheck.
// Python callables run under the GIL wherever C++ calls them.
#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "bindings.h"

namespace ember::python {
namespace {

// A Python fn(*tensors) -> Tensor | tuple, as gradcheck's TensorFn.
autograd::TensorFn tensor_fn(const py::function& fn) {
  auto f = hold(fn);
  return [f](const tensor_list& inputs) {
    py::gil_scoped_acquire gil;
    return to_tensor_list((*f)(*py::cast(inputs)), "gradcheck: the function returned");
  };
}

autograd::GradcheckOptions gradcheck_options(double eps, double atol, double rtol, bool raise_exception,
                                             bool fast_mode, double nondet_tol) {
  autograd::GradcheckOptions o;
  o.eps = eps;
  o.atol = atol;
  o.rtol = rtol;
  o.raise_exception = raise_exception;
  o.fast_mode = fast_mode;
  o.nondet_tol = nondet_tol;
  return o;
}

py::tuple next_functions(const Node& node) {
  py::list out;
  for (const Edge& e : node.next_edges()) out.append(py::make_tuple(e.fn, e.input_nr));
  return py::tuple(out);
}

}  // namespace

void bind_autograd(py::module_& m) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", "A backward function of the graph (a tensor's grad_fn).")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", &next_functions)
      .def("__repr__", [](const py::handle& self) {
        return fmt::format("<{} object at {}>", self.cast<const Node&>().name(), static_cast<const void*>(self.ptr()));
      });
  py::class_<AccumulateGrad, Node, std::shared_ptr<AccumulateGrad>>(m, "AccumulateGrad")
      .def_property_readonly("variable", [](const AccumulateGrad& n) { return Tensor(n.leaf()); });
  py::class_<HookHandle>(m, "RemovableHandle", "Returned by register_hook; remove() unregisters the hook.")
      .def("remove", &HookHandle::remove);

  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled, "mode"_a);
  m.def("is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("_set_detect_anomaly", &AnomalyMode::set_enabled, "mode"_a);

  m.def("_backward",
        [](const tensor_list& tensors, const std::vector<std::optional<Tensor>>& grad_tensors,
           std::optional<bool> retain_graph, bool create_graph) {
          autograd::backward(tensors, to_tensor_list(grad_tensors), retain_graph, create_graph);
        },
        "tensors"_a, "grad_tensors"_a, "retain_graph"_a, "create_graph"_a);
  m.def("_grad",
        [](const tensor_list& outputs, const tensor_list& inputs,
           const std::vector<std::optional<Tensor>>& grad_outputs, std::optional<bool> retain_graph,
           bool create_graph, bool allow_unused) {
          return py::tuple(py::cast(autograd::grad(outputs, inputs, to_tensor_list(grad_outputs), retain_graph,
                                                   create_graph, allow_unused)));
        },
        "outputs"_a, "inputs"_a, "grad_outputs"_a, "retain_graph"_a, "create_graph"_a, "allow_unused"_a);

  // The ctx of a Python Function: attributes may be set on it freely, as in PyTorch.
  py::class_<autograd::AutogradContext, std::shared_ptr<autograd::AutogradContext>>(m, "FunctionCtx",
                                                                                    py::dynamic_attr())
      .def(py::init<>())
      .def("save_for_backward",
           [](autograd::AutogradContext& ctx, const py::args& tensors) {
             ctx.save_for_backward(tensors.cast<tensor_list>());
           })
      .def_property_readonly("saved_tensors",
                             [](const autograd::AutogradContext& ctx) {
                               return py::tuple(py::cast(ctx.get_saved_variables()));
                             })
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
           const tensor_list& outputs, const py::function& backward) {
          auto fn = hold(backward);
          auto py_ctx = hold(ctx);
          autograd::record_function(name, ctx.cast<std::shared_ptr<autograd::AutogradContext>>(),
                                    to_tensor_list(inputs), outputs,
                                    [fn, py_ctx](autograd::AutogradContext*, const tensor_list& grads) {
                                      py::gil_scoped_acquire gil;
                                      return to_tensor_list((*fn)(*py_ctx, *py::cast(grads)), "Function.backward returned");
                                    });
        },
        "name"_a, "ctx"_a, "inputs"_a, "outputs"_a, "backward"_a);

  m.def("_gradcheck",
        [](const py::function& fn, const tensor_list& inputs, double eps, double atol, double rtol,
           bool raise_exception, bool fast_mode, double nondet_tol) {
          return autograd::gradcheck(tensor_fn(fn), inputs,
                                     gradcheck_options(eps, atol, rtol, raise_exception, fast_mode, nondet_tol));
        },
        "fn"_a, "inputs"_a, "eps"_a, "atol"_a, "rtol"_a, "raise_exception"_a, "fast_mode"_a, "nondet_tol"_a);
  m.def("_gradgradcheck",
        [](const py::function& fn, const tensor_list& inputs, const tensor_list& grad_outputs, double eps,
           double atol, double rtol, bool raise_exception, bool fast_mode, double nondet_tol) {
          return autograd::gradgradcheck(tensor_fn(fn), inputs, grad_outputs,
                                         gradcheck_options(eps, atol, rtol, raise_exception, fast_mode, nondet_tol));
        },
        "fn"_a, "inputs"_a, "grad_outputs"_a, "eps"_a, "atol"_a, "rtol"_a, "raise_exception"_a, "fast_mode"_a,
        "nondet_tol"_a);
}

}  // namespace ember::python
