// ember.Tensor and ember.dtype: metadata, conversion, autograd state,
// operators, in-place methods, indexing, and NumPy interop (numpy() and
// from_numpy share memory). Ops that are also module functions live in ops.cpp.
#include <pybind11/native_enum.h>
#include <pybind11/numpy.h>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/print.h"
#include "bindings.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/linalg.h"

namespace ember::python {
namespace {

py::dtype numpy_dtype(Dtype d) {
  switch (d) {
    case kFloat32: return py::dtype::of<float>();
    case kFloat64: return py::dtype::of<double>();
    case kInt64: return py::dtype::of<int64_t>();
    default: return py::dtype::of<bool>();
  }
}

Dtype dtype_of_numpy(const py::dtype& dt, const char* op) {
  char kind = dt.kind();
  size_t size = size_t(dt.itemsize());
  EMBER_CHECK_TYPE(py::bool_(dt.attr("isnative")), "{}: expected an array in native byte order, got dtype {}", op,
                   std::string(py::str(dt)));
  if (kind == 'f' && size == 4) return kFloat32;
  if (kind == 'f' && size == 8) return kFloat64;
  if (kind == 'i' && size == 8) return kInt64;
  if (kind == 'b') return kBool;
  throw TypeError(fmt::format("{}: expected a float32, float64, int64 or bool array, got {}", op,
                              std::string(py::str(dt))));
}

// The tensor's memory as a NumPy array whose base is the Python tensor `self`.
py::array to_numpy(const py::object& self) {
  Tensor t = self.cast<Tensor>();
  // As PyTorch: refused only where the array could be mistaken for part of the graph.
  EMBER_CHECK_STATE(!(t.requires_grad() && GradMode::is_enabled()),
                    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  auto item = py::ssize_t(element_size(t.dtype()));
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (int64_t s : t.strides()) strides.push_back(s * item);
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.raw_data(), self);
}

// Shares the array's memory; the array stays alive until the last view of it dies.
Tensor from_numpy(const py::array& a) {
  Dtype dtype = dtype_of_numpy(a.dtype(), "from_numpy");
  Shape shape(a.shape(), a.shape() + a.ndim());
  Strides strides;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    EMBER_CHECK(a.strides(i) >= 0,
                "from_numpy: at least one stride in the given numpy array is negative, and tensors with negative "
                "strides are not currently supported. (You can probably work around this by making a copy of your "
                "array with array.copy().)");
    EMBER_CHECK(a.strides(i) % a.itemsize() == 0,
                "from_numpy: expected strides that are multiples of the element size {}, got {} bytes in dim {}",
                a.itemsize(), a.strides(i), i);
    strides.push_back(a.strides(i) / a.itemsize());
  }
  auto owner = hold(a);
  return from_blob(const_cast<void*>(a.data()), shape, strides, dtype, [owner]() mutable { owner.reset(); });
}

// A copy of `obj` (anything np.asarray takes) as a new tensor of `dtype`.
Tensor copy_of_array(const py::handle& obj, Dtype dtype) {
  py::array a = py::module_::import("numpy").attr("asarray")(obj);
  Tensor t = make_tensor(Shape(a.shape(), a.shape() + a.ndim()), dtype);
  py::module_::import("numpy").attr("copyto")(to_numpy(py::cast(t)), a, "casting"_a = "unsafe");
  return t;
}

// Slice bounds beyond int64 clamp, as Python's own slices do (x[:, 2**70:] is empty).
std::optional<int64_t> slice_bound(const py::handle& v) {
  if (v.is_none()) return std::nullopt;
  Py_ssize_t bound = PyNumber_AsSsize_t(v.ptr(), nullptr);
  if (bound == -1 && PyErr_Occurred()) throw py::error_already_set();
  return int64_t(bound);
}

TensorIndex to_index(const py::handle& key) {
  if (key.is_none()) return TensorIndex::none();
  if (key.ptr() == Py_Ellipsis) return TensorIndex::ellipsis();
  if (py::isinstance<py::slice>(key))
    return Slice{slice_bound(key.attr("start")), slice_bound(key.attr("stop")), slice_bound(key.attr("step"))};
  if (py::isinstance<TensorImpl>(key)) return key.cast<Tensor>();
  if (PyBool_Check(key.ptr())) return scalar_tensor(key.ptr() == Py_True, kBool);  // x[True] as PyTorch
  if (PyIndex_Check(key.ptr())) return to_int64(key);  // beyond int64: PyTorch's ValueError
  // A range indexes as the list of its ints (x[range(2)] is x[[0, 1]]), as in PyTorch.
  if (py::isinstance<py::list>(key) || py::isinstance<py::array>(key) || PyRange_Check(key.ptr())) {
    py::array a = py::module_::import("numpy").attr("asarray")(key);
    char kind = a.dtype().kind();
    EMBER_CHECK_TYPE(kind == 'b' || kind == 'i' || kind == 'u' || a.size() == 0,
                     "index: a list or array index must hold ints or bools, got dtype {}", std::string(py::str(a.dtype())));
    return copy_of_array(a, kind == 'b' ? kBool : kInt64);
  }
  throw TypeError(fmt::format("index: expected an int, slice, None, Ellipsis, Tensor, range or list of ints, got {}",
                              type_name(key)));
}

// A `t[key]` key: one index or a tuple of them.
std::vector<TensorIndex> to_indices(const py::handle& key) {
  std::vector<TensorIndex> out;
  if (py::isinstance<py::tuple>(key)) {
    for (const py::handle& k : key) out.push_back(to_index(k));
  } else {
    out.push_back(to_index(key));
  }
  return out;
}

py::object item(const Tensor& t) {
  switch (t.dtype()) {
    case kInt64: return py::int_(t.item<int64_t>());
    case kBool: return py::bool_(t.item<bool>());
    default: return py::float_(t.item<double>());
  }
}

HookHandle register_python_hook(const Tensor& t, const py::function& fn) {
  std::string name = py::hasattr(fn, "__name__") ? py::str(fn.attr("__name__")).cast<std::string>() : "hook";
  return t.register_hook(PyTensorHook{hold(fn)}, std::move(name));
}

// Binary operators with a Python number on one side (PyTorch's wrapped-number rule).
template <Tensor (*op)(const Tensor&, const Tensor&)>
Tensor with_scalar(const Tensor& a, Scalar b) {
  return op(a, wrap_scalar(b, a));
}
template <Tensor (*op)(const Tensor&, const Tensor&)>
Tensor with_scalar_reflected(const Tensor& a, Scalar b) {
  return op(wrap_scalar(b, a), a);
}
Tensor add2(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor sub2(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor pow2(const Tensor& a, const Tensor& b) { return ember::pow(a, b); }

}  // namespace

void bind_tensor(py::module_& m) {
  py::native_enum<Dtype>(m, "dtype", "enum.Enum", "An element type: float32, float64, int64 or bool.")
      .value("float32", kFloat32)
      .value("float64", kFloat64)
      .value("int64", kInt64)
      .value("bool", kBool)
      .export_values()
      .finalize();

  py::class_<TensorImpl, std::shared_ptr<TensorImpl>> cls(
      m, "Tensor",
      "An n-dimensional array of float32, float64, int64 or bool that records the ops applied to it.\n"
      "Create tensors with ember.tensor(), ember.zeros(), ... ; Tensor(data, requires_grad=False) makes\n"
      "an alias of data's memory with no history (what subclasses such as nn.Parameter build on).",
      py::dynamic_attr());
  cls.def(py::init([](const Tensor& data, bool requires_grad) {
            // An alias of data's memory with no history, as Parameter(data) needs.
            return data.detach().requires_grad_(requires_grad).impl_ptr();
          }),
          "data"_a, "requires_grad"_a = false)
      // ---- metadata ----
      .def_property_readonly("dtype", method(&Tensor::dtype))
      .def_property_readonly("_shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); })
      .def_property_readonly("ndim", method(&Tensor::dim))
      .def("size", method(&Tensor::size), "dim"_a)
      .def("dim", method(&Tensor::dim))
      .def("numel", method(&Tensor::numel))
      .def("stride", [](const Tensor& t) { return py::tuple(py::cast(t.strides())); })
      .def("stride", method(&Tensor::stride), "dim"_a)
      .def("storage_offset", method(&Tensor::storage_offset))
      .def("is_contiguous", method(&Tensor::is_contiguous))
      .def("is_floating_point", method(&Tensor::is_floating_point))
      .def("element_size", [](const Tensor& t) { return element_size(t.dtype()); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def("__len__",
           [](const Tensor& t) {
             if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__repr__", py::overload_cast<const Tensor&>(&ember::repr))
      .def("__hash__", [](const py::handle& self) { return std::hash<const void*>()(self.ptr()); })
      // ---- values ----
      .def("item", &item)
      .def("__bool__",
           [](const Tensor& t) {
             EMBER_CHECK_STATE(t.numel() == 1, "Boolean value of Tensor with more than one value is ambiguous");
             return t.item<bool>();
           })
      .def("__float__", method(&Tensor::item<double>))
      // Through a Python float for floating tensors: NaN and inf raise as int(float) does.
      .def("__int__",
           [](const Tensor& t) -> py::object {
             if (!t.is_floating_point()) return py::int_(t.item<int64_t>());
             PyObject* i = PyNumber_Long(py::float_(t.item<double>()).ptr());
             if (!i) throw py::error_already_set();
             return py::reinterpret_steal<py::object>(i);
           })
      .def("numpy", &to_numpy)
      // ---- conversion ----
      // torch's three forms: to(dtype), to(other) (its dtype and device), to(device, dtype); copy=True always copies.
      .def("to",
           [](const Tensor& t, Dtype dtype, bool /*non_blocking*/, bool copy) {
             Tensor out = t.to(dtype);
             return copy && out.is_same(t) ? t.clone() : out;
           },
           "dtype"_a, "non_blocking"_a = false, "copy"_a = false)
      .def("to",
           [](const Tensor& t, const Tensor& other, bool /*non_blocking*/, bool copy) {
             Tensor out = t.to(other.device(), other.dtype());
             return copy && out.is_same(t) ? t.clone() : out;
           },
           "other"_a, "non_blocking"_a = false, "copy"_a = false)
      .def("to",
           [](const Tensor& t, const py::object& device, std::optional<Dtype> dtype, bool /*non_blocking*/, bool copy) {
             Tensor out = t.to(to_device(device, "to"), dtype.value_or(t.dtype()));
             return copy && out.is_same(t) ? t.clone() : out;
           },
           "device"_a, "dtype"_a = py::none(), "non_blocking"_a = false, "copy"_a = false)
      .def("cpu", method(&Tensor::cpu))
      .def_property_readonly("device", method(&Tensor::device))
      .def_property_readonly("is_cpu", [](const Tensor&) { return true; })
      .def_property_readonly("is_cuda", [](const Tensor&) { return false; })
      .def_property_readonly("is_mps", [](const Tensor&) { return false; })
      .def("type_as", [](const Tensor& t, const Tensor& other) { return t.to(other.dtype()); }, "other"_a)
      .def("float", method(&Tensor::to_float))
      .def("double", method(&Tensor::to_double))
      .def("long", method(&Tensor::to_long))
      .def("bool", [](const Tensor& t) { return t.to(kBool); })
      .def("contiguous", method(&Tensor::contiguous))
      .def("detach", method(&Tensor::detach))
      .def("detach_", method(&Tensor::detach_))
      .def_property("data", method(&Tensor::variable_data),
                    [](const Tensor& t, const Tensor& new_data) { t.set_data(new_data); })
      .def_property_readonly("_base", method(&Tensor::_base))
      .def("_is_view", method(&Tensor::is_view))
      .def("view_as", method(&Tensor::view_as), "other"_a)
      // ---- autograd ----
      .def_property("requires_grad", method(&Tensor::requires_grad),
                    [](Tensor& t, bool requires_grad) { t.requires_grad_(requires_grad); })
      .def("requires_grad_", method(&Tensor::requires_grad_), "requires_grad"_a = true)
      .def_property("grad", method(&Tensor::grad),
                    [](const Tensor& t, const py::object& grad) {
                      if (!grad.is_none() && !py::isinstance<TensorImpl>(grad))
                        throw py::type_error(fmt::format(
                            "assigned grad expected to be a Tensor or None but got grad of type {}",
                            py::str(py::type::of(grad).attr("__name__")).cast<std::string>()));
                      t.set_grad(grad.is_none() ? Tensor() : grad.cast<Tensor>());
                    })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(t.grad_fn()); })
      .def_property_readonly("is_leaf", method(&Tensor::is_leaf))
      .def_property_readonly("retains_grad", method(&Tensor::retains_grad))
      .def("retain_grad", method(&Tensor::retain_grad))
      .def("register_hook", &register_python_hook, "hook"_a)
      .def("register_post_accumulate_grad_hook",
           [](const Tensor& t, const py::function& fn) {
             auto f = hold(fn);
             return t.register_post_accumulate_grad_hook([f](const Tensor& leaf) {
               py::gil_scoped_acquire gil;
               py::object result = (*f)(leaf);
               if (!result.is_none()) throw Error("Tensor post accumulate grad hooks should return None.");
             });
           },
           "hook"_a)
      .def(
          "backward",
          [](const Tensor& t, std::optional<Tensor> gradient, std::optional<bool> retain_graph, bool create_graph,
             const py::object& inputs) {
            tensor_list input_list;
            if (py::isinstance<TensorImpl>(inputs)) input_list.push_back(inputs.cast<Tensor>());
            else if (!inputs.is_none()) input_list = inputs.cast<tensor_list>();
            EMBER_CHECK(inputs.is_none() || !input_list.empty(), "backward: 'inputs' argument to backward() cannot be empty.");
            // Without the GIL: Python backward functions and hooks take it back.
            py::gil_scoped_release no_gil;
            t.backward(gradient.value_or(Tensor()), retain_graph, create_graph, input_list);
          },
          "gradient"_a = py::none(), "retain_graph"_a = py::none(), "create_graph"_a = false, "inputs"_a = py::none())
      .def_property_readonly("_version",
                             [](const Tensor& t) {
                               EMBER_CHECK_STATE(!t.is_inference(), "Inference tensors do not track version counter.");
                               return t._version();
                             })
      .def("is_inference", method(&Tensor::is_inference))
      .def_property_readonly("output_nr", method(&Tensor::output_nr))
      // ---- indexing ----
      .def("__getitem__", [](const Tensor& t, const py::handle& key) { return t.index(to_indices(key)); })
      .def("__setitem__", [](Tensor& t, const py::handle& key, const Tensor& value) { t.index_put_(to_indices(key), value); })
      .def("__setitem__", [](Tensor& t, const py::handle& key, Scalar value) { t.index_put_(to_indices(key), value); })
      // ---- operators ----
      .def("__add__", py::overload_cast<const Tensor&, const Tensor&>(&ember::operator+), py::is_operator())
      .def("__add__", py::overload_cast<const Tensor&, Scalar>(&ember::operator+), py::is_operator())
      .def("__radd__", &with_scalar_reflected<add2>, py::is_operator())
      .def("__sub__", py::overload_cast<const Tensor&, const Tensor&>(&ember::operator-), py::is_operator())
      .def("__sub__", py::overload_cast<const Tensor&, Scalar>(&ember::operator-), py::is_operator())
      .def("__rsub__", &with_scalar_reflected<sub2>, py::is_operator())
      .def("__mul__", py::overload_cast<const Tensor&, const Tensor&>(&ember::operator*), py::is_operator())
      .def("__mul__", py::overload_cast<const Tensor&, Scalar>(&ember::operator*), py::is_operator())
      .def("__rmul__", &with_scalar_reflected<ember::mul>, py::is_operator())
      .def("__truediv__", py::overload_cast<const Tensor&, const Tensor&>(&ember::operator/), py::is_operator())
      .def("__truediv__", py::overload_cast<const Tensor&, Scalar>(&ember::operator/), py::is_operator())
      .def("__rtruediv__", &with_scalar_reflected<ember::div>, py::is_operator())
      .def("__pow__", py::overload_cast<const Tensor&, const Tensor&>(&ember::pow), py::is_operator())
      .def("__pow__", py::overload_cast<const Tensor&, Scalar>(&ember::pow), py::is_operator())
      .def("__rpow__", &with_scalar_reflected<pow2>, py::is_operator())
      .def("__matmul__", &ember::matmul, py::is_operator())
      .def("__neg__", py::overload_cast<const Tensor&>(&ember::operator-))
      .def("__abs__", &ember::abs)
      .def("__invert__", &logical_not)
      .def("__and__", &ember::logical_and, py::is_operator())
      .def("__or__", &ember::logical_or, py::is_operator())
      .def("__eq__", &ember::eq, py::is_operator())
      .def("__eq__", &with_scalar<ember::eq>, py::is_operator())
      .def("__ne__", &ember::ne, py::is_operator())
      .def("__ne__", &with_scalar<ember::ne>, py::is_operator())
      .def("__lt__", &ember::lt, py::is_operator())
      .def("__lt__", &with_scalar<ember::lt>, py::is_operator())
      .def("__le__", &ember::le, py::is_operator())
      .def("__le__", &with_scalar<ember::le>, py::is_operator())
      .def("__gt__", &ember::gt, py::is_operator())
      .def("__gt__", &with_scalar<ember::gt>, py::is_operator())
      .def("__ge__", &ember::ge, py::is_operator())
      .def("__ge__", &with_scalar<ember::ge>, py::is_operator())
      .def("__iadd__", py::overload_cast<Tensor&, const Tensor&>(&ember::operator+=), py::is_operator())
      .def("__iadd__", py::overload_cast<Tensor&, Scalar>(&ember::operator+=), py::is_operator())
      .def("__isub__", py::overload_cast<Tensor&, const Tensor&>(&ember::operator-=), py::is_operator())
      .def("__isub__", py::overload_cast<Tensor&, Scalar>(&ember::operator-=), py::is_operator())
      .def("__imul__", py::overload_cast<Tensor&, const Tensor&>(&ember::operator*=), py::is_operator())
      .def("__imul__", py::overload_cast<Tensor&, Scalar>(&ember::operator*=), py::is_operator())
      .def("__itruediv__", py::overload_cast<Tensor&, const Tensor&>(&ember::operator/=), py::is_operator())
      .def("__itruediv__", py::overload_cast<Tensor&, Scalar>(&ember::operator/=), py::is_operator())
      // ---- in place ----
      .def("add_", method(py::overload_cast<const Tensor&, Scalar>(&Tensor::add_)), "other"_a, "alpha"_a = 1)
      .def("add_", method(py::overload_cast<Scalar>(&Tensor::add_)), "other"_a)
      .def("sub_", method(py::overload_cast<const Tensor&, Scalar>(&Tensor::sub_)), "other"_a, "alpha"_a = 1)
      .def("sub_", method(py::overload_cast<Scalar>(&Tensor::sub_)), "other"_a)
      .def("mul_", method(py::overload_cast<const Tensor&>(&Tensor::mul_)), "other"_a)
      .def("mul_", method(py::overload_cast<Scalar>(&Tensor::mul_)), "other"_a)
      .def("div_", method(py::overload_cast<const Tensor&>(&Tensor::div_)), "other"_a)
      .def("div_", method(py::overload_cast<Scalar>(&Tensor::div_)), "other"_a)
      .def("zero_", method(&Tensor::zero_))
      .def("fill_", method(&Tensor::fill_), "value"_a)
      .def("copy_", method(&Tensor::copy_), "src"_a)
      .def("clamp_", method(&Tensor::clamp_), "min"_a = py::none(), "max"_a = py::none())
      .def("masked_fill_", method(&Tensor::masked_fill_), "mask"_a, "value"_a)
      .def("pow_", method(py::overload_cast<const Tensor&>(&Tensor::pow_)), "exponent"_a)
      .def("pow_", method(py::overload_cast<Scalar>(&Tensor::pow_)), "exponent"_a)
      .def("neg_", method(&Tensor::neg_))
      .def("exp_", method(&Tensor::exp_))
      .def("log_", method(&Tensor::log_))
      .def("sqrt_", method(&Tensor::sqrt_))
      .def("rsqrt_", method(&Tensor::rsqrt_))
      .def("abs_", method(&Tensor::abs_))
      .def("sign_", method(&Tensor::sign_))
      .def("sin_", method(&Tensor::sin_))
      .def("cos_", method(&Tensor::cos_))
      .def("tanh_", method(&Tensor::tanh_))
      .def("sigmoid_", method(&Tensor::sigmoid_))
      .def("reciprocal_", method(&Tensor::reciprocal_));

  m.def("from_numpy", &from_numpy, "ndarray"_a.noconvert(),
        "A tensor sharing the array's memory (float32, float64, int64 or bool).");
}

}  // namespace ember::python
