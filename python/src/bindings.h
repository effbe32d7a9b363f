// Shared by the binding files: the type casters that turn Python objects into
// ember::Tensor and ember::Scalar, the argument converters (sizes, dims,
// dtypes, pooling arguments), the helpers that bind a layer's members, and
// the bind_xxx entry points main.cpp calls.
// A Python Tensor object wraps the TensorImpl, not the handle, so every C++
// result that shares an impl comes back as the same Python object (as in PyTorch).
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <vector>

#include "autograd/error.h"
#include "autograd/tensor.h"
#include "nn/module.h"
#include "ops/conv.h"
#include "ops/conv3d.h"
#include "ops/pool3d.h"
#include "ops/loss.h"
#include "ops/pool.h"
#include "ops/upsample.h"

namespace py = pybind11;

namespace pybind11::detail {

/// Whether `src` is an ember.Tensor (or a subclass). Checked before pybind11's
/// generic load, which for any other object (a float beside a Tensor overload)
/// probes it for a cross-module conduit attribute and formats an AttributeError:
/// half the cost of a binding call such as `x * 2.0`.
inline bool is_ember_tensor(handle src) {
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(get_type_handle(typeid(ember::TensorImpl), true).ptr());
  return PyObject_TypeCheck(src.ptr(), type);
}

template <>
struct type_caster<ember::Tensor> {
  PYBIND11_TYPE_CASTER(ember::Tensor, const_name("Tensor"));

  // None is not a tensor here: optional tensor arguments are std::optional<Tensor>.
  bool load(handle src, bool convert) {
    if (!is_ember_tensor(src)) return false;
    make_caster<std::shared_ptr<ember::TensorImpl>> impl;
    if (!impl.load(src, convert)) return false;
    value = ember::Tensor(cast_op<std::shared_ptr<ember::TensorImpl>>(std::move(impl)));
    return true;
  }

  // An undefined tensor (no grad yet, an unused input) is None.
  static handle cast(const ember::Tensor& t, return_value_policy, handle parent) {
    if (!t.defined()) return none().release();
    return make_caster<std::shared_ptr<ember::TensorImpl>>::cast(t.impl_ptr(), return_value_policy::take_ownership,
                                                                parent);
  }
};

// Python int, bool and float (and, when converting, NumPy scalars); an int
// stays integral so an int64 tensor plus 2 stays int64.
template <>
struct type_caster<ember::Scalar> {
 public:
  static constexpr auto name = const_name("int | float");
  template <typename T>
  using cast_op_type = ember::Scalar;
  operator ember::Scalar() const { return value; }

  bool load(handle src, bool convert) {
    PyObject* o = src.ptr();
    if (is_ember_tensor(src)) return false;  // tensors take the Tensor overloads
    if (PyBool_Check(o)) {
      value = ember::Scalar(o == Py_True);
      return true;
    }
    if (PyFloat_Check(o)) {
      value = ember::Scalar(PyFloat_AsDouble(o));
      return true;
    }
    if (PyLong_Check(o) || (convert && PyIndex_Check(o))) {
      object index = reinterpret_steal<object>(PyNumber_Index(o));
      long long v = index ? PyLong_AsLongLong(index.ptr()) : -1;
      if (!index || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return false;
      }
      value = ember::Scalar(int64_t(v));
      return true;
    }
    if (convert && PyNumber_Check(o)) {
      double v = PyFloat_AsDouble(o);
      if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
      }
      value = ember::Scalar(v);
      return true;
    }
    return false;
  }

  static handle cast(ember::Scalar s, return_value_policy, handle) {
    return s.is_integral() ? PyLong_FromLongLong(s.to_int()) : PyFloat_FromDouble(s.to_double());
  }

 private:
  ember::Scalar value{0};
};

}  // namespace pybind11::detail

namespace ember::python {

using namespace pybind11::literals;

/// A Tensor member function as a callable taking the tensor first, so it
/// can be bound on the Python class (whose C++ type is TensorImpl).
template <class R, class... A>
auto method(R (Tensor::*f)(A...) const) {
  return [f](const Tensor& self, A... args) -> R { return (self.*f)(std::forward<A>(args)...); };
}
template <class R, class... A>
auto method(R (Tensor::*f)(A...)) {
  return [f](Tensor& self, A... args) -> R { return (self.*f)(std::forward<A>(args)...); };
}

/// Binds `f` as the Tensor method `name` (self first) and as the module
/// function `name` (first argument `input`), as PyTorch offers most ops.
template <class F, class... Extra>
void def_op(py::module_& m, const char* name, F f, const Extra&... extra) {
  py::object cls = m.attr("Tensor");
  cls.attr(name) = py::cpp_function(f, py::name(name), py::is_method(cls),
                                    py::sibling(py::getattr(cls, name, py::none())), extra...);
  m.def(name, f, py::arg("input"), extra...);
}
/// Binds `f` as a Tensor method only.
template <class F, class... Extra>
void def_method(py::module_& m, const char* name, F f, const Extra&... extra) {
  py::object cls = m.attr("Tensor");
  cls.attr(name) = py::cpp_function(f, py::name(name), py::is_method(cls),
                                    py::sibling(py::getattr(cls, name, py::none())), extra...);
}

/// Sizes as PyTorch takes them: `f(2, 3)`, `f((2, 3))` or `f([2, 3])`.
/// The Python type name of obj, as error messages show it ("str", "NoneType").
std::string type_name(const py::handle& obj);

Shape to_shape(const py::args& args);
/// A `dim` argument: None (all dims), an int, or a sequence of ints.
std::vector<int64_t> to_dims(const py::handle& dim);
/// Creation options from the `dtype=`, `requires_grad=` and `device=` keywords
/// (None, 'cpu' or an ember.device); `op` names the caller in errors.
TensorOptions options(std::optional<Dtype> dtype, bool requires_grad, const py::handle& device = py::none(),
                      const char* op = "tensor");
/// A `device=` argument: 'cpu', 'cpu:<index>' or an ember.device; anything else
/// (another type, 'cuda') raises, naming `op`.
Device to_device(const py::handle& device, const char* op);
/// A Python int as int64; out of range raises ValueError("Overflow when unpacking long long"), as PyTorch.
int64_t to_int64(const py::handle& obj);
/// Raises that ValueError for tensor data (a number or nested lists/tuples) holding an int outside
/// int64 that would become int64: no float among the numbers, or `int64_requested`.
void check_int64_range(const py::handle& data, bool int64_requested);
/// A list that may hold None, as a tensor_list with undefined entries.
tensor_list to_tensor_list(const std::vector<std::optional<Tensor>>& tensors);
/// An int, or a sequence of one int, as PyTorch's _single; `op` and `what` name the argument in the TypeError.
int64_t to_single(const py::handle& obj, const char* op, const char* what);
/// An int (both dims) or a sequence of one or two ints, as PyTorch's _pair.
Pair to_pair(const py::handle& obj, const char* op, const char* what);
/// An int (all three dims) or a sequence of one or three ints, as PyTorch's _triple.
Triple to_triple(const py::handle& obj, const char* op, const char* what);
/// F.max_pool3d's / nn.MaxPool3d's and F.avg_pool3d's / nn.AvgPool3d's arguments; `op` names the caller.
MaxPool3dFuncOptions max_pool3d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     const py::handle& dilation, bool ceil_mode, bool return_indices, const char* op);
AvgPool3dFuncOptions avg_pool3d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override,
                                     const char* op);
/// Whether a stride argument is unset (None or empty): it then defaults to the kernel size.
bool unset(const py::handle& obj);
/// kSame or kValid for the strings 'same' and 'valid', nothing for explicit paddings.
std::optional<PaddingMode> padding_mode(const py::handle& padding, const char* op);
/// Convolution and max-pooling arguments from PyTorch's keyword forms (ints, tuples, 'same'/'valid').
Conv2dFuncOptions conv2d_args(const py::handle& stride, const py::handle& padding, const py::handle& dilation, int64_t groups);
Conv1dFuncOptions conv1d_args(const py::handle& stride, const py::handle& padding, const py::handle& dilation, int64_t groups);
MaxPool2dFuncOptions max_pool2d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                              const py::handle& dilation, bool ceil_mode);
MaxPool1dFuncOptions max_pool1d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                              const py::handle& dilation, bool ceil_mode);
/// Average and power-average pooling arguments (F.avg_pool2d and nn.AvgPool2d alike); `op` names the caller in errors.
AvgPool2dFuncOptions avg_pool2d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override,
                                     const char* op);
AvgPool1dFuncOptions avg_pool1d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, const char* op);
LPPool2dFuncOptions lp_pool2d_args(double norm_type, const py::handle& kernel_size, const py::handle& stride,
                                   bool ceil_mode, const char* op);
/// F.interpolate's and nn.Upsample's arguments: size an int or a sequence of ints, scale_factor a
/// number or a sequence of numbers (one entry stands for every spatial dim), mode a string.
InterpolateFuncOptions interpolate_args(const py::handle& size, const py::handle& scale_factor, const std::string& mode,
                                        std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor,
                                        const char* op);
/// A size as Python shows it: (3,) for an int (1-d layers), (3, 3) for a Pair.
inline py::tuple as_tuple(int64_t v) { return py::make_tuple(v); }
inline py::tuple as_tuple(const Pair& p) { return py::make_tuple(p.h, p.w); }
/// A loss's reduction; PyTorch's legacy size_average/reduce flags win over `reduction` when either is given.
LossReduction reduction_of(std::optional<bool> size_average, std::optional<bool> reduce, const std::string& reduction,
                           const char* op);
/// A Python object that C++ may keep, copy and drop without holding the GIL.
std::shared_ptr<py::object> hold(py::object obj);

/// Python callables the tape keeps (tensor hooks, node pre- and post-hooks),
/// as named types so that Python's gc can find them inside a node (the Node
/// type's tp_traverse) and collect a hook whose closure holds its own grad_fn.
struct PyTensorHook {
  std::shared_ptr<py::object> fn;
  Tensor operator()(const Tensor& grad) const;
};
struct PyNodePreHook {
  std::shared_ptr<py::object> fn;
  tensor_list operator()(const tensor_list& grad_outputs) const;
};
struct PyNodePostHook {
  std::shared_ptr<py::object> fn;
  tensor_list operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) const;
};
/// A graph node as Python sees it: an instance of a class named after the node ("MulBackward0"); None for null.
py::object node_object(const std::shared_ptr<ember::Node>& node);
/// A Tensor, or None as an undefined tensor; `what` names the caller in the TypeError.
Tensor to_tensor_or_undefined(const py::handle& obj, const char* what);
/// What a Python callable returned (a Tensor, None, or a tuple/list of those) as a tensor_list.
tensor_list to_tensor_list(const py::handle& result, const char* what);

/// A registered parameter as Python sees it: an nn.Parameter (None when unset).
py::object as_parameter(const Tensor& t);

/// A bound layer: a Python subclass of the bound ember.nn.Module.
template <class Impl>
using LayerClass = py::class_<Impl, nn::Module, std::shared_ptr<Impl>>;

/// A layer constructor's device argument: None or 'cpu', else a ValueError naming the layer.
inline void check_cpu(const py::handle& device, const char* layer) {
  // None, 'cpu', 'cpu:0' or an ember.device; another device is refused as everywhere (ember runs on the CPU only).
  if (!device.is_none()) to_device(device, layer);
}

/// A newly built layer converted to a constructor's dtype argument.
template <class Impl>
std::shared_ptr<Impl> with_dtype(std::shared_ptr<Impl> m, std::optional<Dtype> dtype) {
  if (dtype) m->to(*dtype);
  return m;
}

/// A parameter member (weight, bias) readable as a Parameter and settable to one.
template <class Impl, class Owner>
void def_parameter(LayerClass<Impl>& cls, const char* name, Tensor Owner::*member) {
  std::string key = name;
  cls.def_property(
      name, [member](Impl& m) { return as_parameter(m.*member); },
      [member, key](Impl& m, std::optional<Tensor> t) { m.*member = m.replace_parameter(key, t.value_or(Tensor())); });
}

/// A buffer member (running_mean, ...), readable and replaceable.
template <class Impl, class Owner>
void def_buffer(LayerClass<Impl>& cls, const char* name, Tensor Owner::*member) {
  std::string key = name;
  cls.def_property(
      name, [member](Impl& m) { return m.*member; },
      [member, key](Impl& m, std::optional<Tensor> t) { m.*member = m.replace_buffer(key, t.value_or(Tensor())); });
}

void bind_tensor(py::module_& m);
void bind_ops(py::module_& m);
/// ops_more.cpp: the ops bind_ops calls last.
void bind_more_ops(py::module_& m);
void bind_autograd(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_functional(py::module_& m);
void bind_data(py::module_& m);
/// ember._C._save, _load and their bytes forms (serialize.cpp), under ember.save and ember.load.
void bind_serialize(py::module_& m);
void bind_data_loading(py::module_& m);
void bind_optim(py::module_& m);
/// ember._C._nn: Module and the containers (module.cpp), then the layers and nn.init (bind_layers, layers.cpp).
void bind_nn(py::module_& m);
void bind_layers(py::module_& nn);
/// The layers of layers_more.cpp (transposed convolutions, upsampling, embeddings, ...), called after bind_layers.
void bind_layers_more(py::module_& nn);
/// After bind_nn: the model classes derive from the bound Module.
void bind_models(py::module_& m);

}  // namespace ember::python
