// Argument conversion shared by the binding files: sizes and dims in the
// forms PyTorch accepts, convolution and pooling arguments (the functions and
// the layers take the same), creation options, lists holding None, and Python
// objects kept by C++ closures (hooks, custom backward, NumPy owners).
#include "autograd/error.h"
#include "bindings.h"
#include "ops/conv.h"
#include "ops/loss.h"
#include "ops/pool.h"

namespace ember::python {

std::string type_name(const py::handle& obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

namespace {

int64_t to_int(const py::handle& obj, const char* what) {
  EMBER_CHECK_TYPE(!PyBool_Check(obj.ptr()) && PyIndex_Check(obj.ptr()), "{}: expected an int, got {}", what,
                   type_name(obj));
  try {
    return to_int64(obj);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("{}: {} (got {})", what, e.what(), std::string(py::repr(obj))));
  }
}

std::vector<int64_t> to_ints(const py::handle& seq, const char* what) {
  std::vector<int64_t> out;
  for (const py::handle& item : seq) out.push_back(to_int(item, what));
  return out;
}

std::string repr_of(const py::handle& obj) { return py::repr(obj); }

bool is_int(const py::handle& obj) { return !PyBool_Check(obj.ptr()) && PyIndex_Check(obj.ptr()); }

}  // namespace

int64_t to_int64(const py::handle& obj) {
  py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  EMBER_CHECK(overflow == 0, "Overflow when unpacking long long");
  return int64_t(v);
}

namespace {
// Whether `obj` (a number, or nested lists and tuples of them) holds a float, and an int beyond int64.
void scan_numbers(const py::handle& obj, bool& any_float, bool& overflow) {
  PyObject* o = obj.ptr();
  if (PyFloat_Check(o)) {
    any_float = true;
  } else if (PyLong_Check(o)) {
    int of = 0;
    PyLong_AsLongLongAndOverflow(o, &of);
    overflow = overflow || of != 0;
  } else if (PyList_Check(o) || PyTuple_Check(o)) {
    for (const py::handle& item : obj) scan_numbers(item, any_float, overflow);
  }
}
}  // namespace

void check_int64_range(const py::handle& data, bool int64_requested) {
  bool any_float = false, overflow = false;
  scan_numbers(data, any_float, overflow);
  // A float among the numbers makes the tensor float (no overflow), unless int64 was asked for.
  EMBER_CHECK(!overflow || (any_float && !int64_requested), "Overflow when unpacking long long");
}

Device to_device(const py::handle& device, const char* op) {
  if (py::isinstance<Device>(device)) return device.cast<Device>();
  EMBER_CHECK_TYPE(py::isinstance<py::str>(device), "{}: expected device to be a str ('cpu') or an ember.device, got {}",
                   op, type_name(device));
  try {
    return Device(device.cast<std::string>());
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("{}: {}", op, e.what()));
  }
}

// An int, or a sequence of one int, as PyTorch's _single.
int64_t to_single(const py::handle& obj, const char* op, const char* what) {
  if (is_int(obj)) return obj.cast<int64_t>();
  EMBER_CHECK_TYPE(py::isinstance<py::sequence>(obj) && py::len(obj) == 1 && is_int(obj[py::int_(0)]),
                   "{}: expected {} to be an int, got {}", op, what, repr_of(obj));
  return obj[py::int_(0)].cast<int64_t>();
}

// An int (used for both dims) or a sequence of one or two ints, as PyTorch's _pair.
Pair to_pair(const py::handle& obj, const char* op, const char* what) {
  if (is_int(obj)) return Pair(obj.cast<int64_t>());
  bool ok = py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj) &&
            (py::len(obj) == 1 || py::len(obj) == 2);
  if (ok)
    for (const py::handle& v : obj) ok = ok && is_int(v);
  EMBER_CHECK_TYPE(ok, "{}: expected {} to be an int or a pair of ints, got {}", op, what, repr_of(obj));
  return py::len(obj) == 1 ? Pair(obj[py::int_(0)].cast<int64_t>())
                           : Pair(obj[py::int_(0)].cast<int64_t>(), obj[py::int_(1)].cast<int64_t>());
}

InterpolateFuncOptions interpolate_args(const py::handle& size, const py::handle& scale_factor, const std::string& mode,
                                        std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor,
                                        const char* op) {
  InterpolateFuncOptions o;
  o.mode(interpolate_mode(mode, op)).align_corners(align_corners).recompute_scale_factor(recompute_scale_factor);
  if (!size.is_none()) {
    if (is_int(size)) {
      o.size({size.cast<int64_t>()});
    } else {
      bool ok = py::isinstance<py::sequence>(size) && !py::isinstance<py::str>(size) && py::len(size) > 0;
      if (ok)
        for (const py::handle& v : size) ok = ok && is_int(v);
      EMBER_CHECK_TYPE(ok, "{}: expected size to be an int or a sequence of ints, got {}", op, repr_of(size));
      o.size(size.cast<std::vector<int64_t>>());
    }
  }
  if (!scale_factor.is_none()) {
    auto is_number = [](const py::handle& v) { return PyFloat_Check(v.ptr()) || PyLong_Check(v.ptr()); };
    if (is_number(scale_factor)) {
      o.scale_factor({scale_factor.cast<double>()});
    } else {
      bool ok = py::isinstance<py::sequence>(scale_factor) && !py::isinstance<py::str>(scale_factor) &&
                py::len(scale_factor) > 0;
      if (ok)
        for (const py::handle& v : scale_factor) ok = ok && is_number(v);
      EMBER_CHECK_TYPE(ok, "{}: expected scale_factor to be a number or a sequence of numbers, got {}", op,
                       repr_of(scale_factor));
      o.scale_factor(scale_factor.cast<std::vector<double>>());
    }
  }
  return o;
}

Triple to_triple(const py::handle& obj, const char* op, const char* what) {
  if (is_int(obj)) return Triple(obj.cast<int64_t>());
  bool ok = py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj) &&
            (py::len(obj) == 1 || py::len(obj) == 3);
  if (ok)
    for (const py::handle& v : obj) ok = ok && is_int(v);
  EMBER_CHECK_TYPE(ok, "{}: expected {} to be an int or a triple of ints, got {}", op, what, repr_of(obj));
  if (py::len(obj) == 1) return Triple(obj[py::int_(0)].cast<int64_t>());
  return Triple(obj[py::int_(0)].cast<int64_t>(), obj[py::int_(1)].cast<int64_t>(), obj[py::int_(2)].cast<int64_t>());
}

// stride=None (or an empty list, as PyTorch accepts) means "the kernel size".
bool unset(const py::handle& obj) { return obj.is_none() || (py::isinstance<py::sequence>(obj) && py::len(obj) == 0); }

std::optional<PaddingMode> padding_mode(const py::handle& padding, const char* op) {
  if (!py::isinstance<py::str>(padding)) return std::nullopt;
  std::string s = padding.cast<std::string>();
  EMBER_CHECK(s == "same" || s == "valid", "{}: expected padding 'same', 'valid', an int or a tuple, got '{}'", op, s);
  return s == "same" ? kSame : kValid;
}

Conv2dFuncOptions conv2d_args(const py::handle& stride, const py::handle& padding, const py::handle& dilation,
                       int64_t groups) {
  Conv2dFuncOptions args;
  args.stride(to_pair(stride, "conv2d", "stride")).dilation(to_pair(dilation, "conv2d", "dilation")).groups(groups);
  if (auto mode = padding_mode(padding, "conv2d")) return args.padding(*mode);
  return args.padding(to_pair(padding, "conv2d", "padding"));
}

Conv1dFuncOptions conv1d_args(const py::handle& stride, const py::handle& padding, const py::handle& dilation,
                       int64_t groups) {
  Conv1dFuncOptions args;
  args.stride(to_single(stride, "conv1d", "stride")).dilation(to_single(dilation, "conv1d", "dilation")).groups(groups);
  if (auto mode = padding_mode(padding, "conv1d")) return args.padding(*mode);
  return args.padding(to_single(padding, "conv1d", "padding"));
}

MaxPool2dFuncOptions max_pool2d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                              const py::handle& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  MaxPool2dFuncOptions args(to_pair(kernel_size, op, "kernel_size"));
  args.padding(to_pair(padding, op, "padding")).dilation(to_pair(dilation, op, "dilation")).ceil_mode(ceil_mode);
  if (!unset(stride)) args.stride(to_pair(stride, op, "stride"));
  return args;
}

MaxPool1dFuncOptions max_pool1d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                              const py::handle& dilation, bool ceil_mode) {
  const char* op = "max_pool1d";
  MaxPool1dFuncOptions args(to_single(kernel_size, op, "kernel_size"));
  args.padding(to_single(padding, op, "padding")).dilation(to_single(dilation, op, "dilation")).ceil_mode(ceil_mode);
  if (!unset(stride)) args.stride(to_single(stride, op, "stride"));
  return args;
}

AvgPool2dFuncOptions avg_pool2d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override,
                                     const char* op) {
  AvgPool2dFuncOptions args(to_pair(kernel_size, op, "kernel_size"));
  args.padding(to_pair(padding, op, "padding")).ceil_mode(ceil_mode);
  args.count_include_pad(count_include_pad).divisor_override(divisor_override);
  if (!unset(stride)) args.stride(to_pair(stride, op, "stride"));
  return args;
}

AvgPool1dFuncOptions avg_pool1d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, const char* op) {
  AvgPool1dFuncOptions args(to_single(kernel_size, op, "kernel_size"));
  args.padding(to_single(padding, op, "padding")).ceil_mode(ceil_mode).count_include_pad(count_include_pad);
  if (!unset(stride)) args.stride(to_single(stride, op, "stride"));
  return args;
}

LPPool2dFuncOptions lp_pool2d_args(double norm_type, const py::handle& kernel_size, const py::handle& stride,
                                   bool ceil_mode, const char* op) {
  LPPool2dFuncOptions args(norm_type, to_pair(kernel_size, op, "kernel_size"));
  args.ceil_mode(ceil_mode);
  if (!unset(stride)) args.stride(to_pair(stride, op, "stride"));
  return args;
}

// PyTorch's legacy size_average/reduce flags win over `reduction` when either is given.
LossReduction reduction_of(std::optional<bool> size_average, std::optional<bool> reduce, const std::string& reduction,
                           const char* op) {
  if (!size_average && !reduce) return loss_reduction(reduction, op);
  if (!reduce.value_or(true)) return LossReduction::None;
  return size_average.value_or(true) ? LossReduction::Mean : LossReduction::Sum;
}

// A size beyond int64 is PyTorch's TypeError ("failed to unpack"), where a dim or index is its ValueError.
Shape to_shape(const py::args& args) {
  try {
    if (args.size() == 1 && py::isinstance<py::sequence>(args[0])) return to_ints(args[0], "size");
    return to_ints(args, "size");
  } catch (const ValueError& e) {
    throw TypeError(fmt::format("argument 'size' failed to unpack the object {} with error \"{}\"",
                                std::string(py::repr(args)), e.what()));
  }
}

std::vector<int64_t> to_dims(const py::handle& dim) {
  if (dim.is_none()) return {};
  if (py::isinstance<py::sequence>(dim)) return to_ints(dim, "dim");
  return {to_int(dim, "dim")};
}

TensorOptions options(std::optional<Dtype> dtype, bool requires_grad, const py::handle& device, const char* op) {
  TensorOptions o;
  if (dtype) o.dtype(*dtype);
  if (!device.is_none()) o.device(to_device(device, op));
  return o.requires_grad(requires_grad);
}

tensor_list to_tensor_list(const std::vector<std::optional<Tensor>>& tensors) {
  tensor_list out;
  for (const auto& t : tensors) out.push_back(t.value_or(Tensor()));
  return out;
}

Tensor to_tensor_or_undefined(const py::handle& obj, const char* what) {
  if (obj.is_none()) return Tensor();
  EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(obj), "{}: expected a Tensor or None, got {}", what, type_name(obj));
  return obj.cast<Tensor>();
}

tensor_list to_tensor_list(const py::handle& result, const char* what) {
  if (!py::isinstance<py::tuple>(result) && !py::isinstance<py::list>(result))
    return {to_tensor_or_undefined(result, what)};
  tensor_list out;
  for (const py::handle& item : result) out.push_back(to_tensor_or_undefined(item, what));
  return out;
}

std::shared_ptr<py::object> hold(py::object obj) {
  return std::shared_ptr<py::object>(new py::object(std::move(obj)), [](py::object* p) {
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      delete p;
    } else {
      p->release();  // the interpreter is gone: nothing left to decref
      delete p;
    }
  });
}

}  // namespace ember::python

namespace ember::python {

MaxPool3dFuncOptions max_pool3d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     const py::handle& dilation, bool ceil_mode, bool return_indices, const char* op) {
  EMBER_CHECK(!return_indices, "{}: return_indices=True is not supported", op);
  MaxPool3dFuncOptions o(to_triple(kernel_size, op, "kernel_size"));
  if (!unset(stride)) o.stride(to_triple(stride, op, "stride"));
  return o.padding(to_triple(padding, op, "padding")).dilation(to_triple(dilation, op, "dilation")).ceil_mode(ceil_mode);
}

AvgPool3dFuncOptions avg_pool3d_args(const py::handle& kernel_size, const py::handle& stride, const py::handle& padding,
                                     bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override,
                                     const char* op) {
  AvgPool3dFuncOptions o(to_triple(kernel_size, op, "kernel_size"));
  if (!unset(stride)) o.stride(to_triple(stride, op, "stride"));
  return o.padding(to_triple(padding, op, "padding")).ceil_mode(ceil_mode).count_include_pad(count_include_pad)
      .divisor_override(divisor_override);
}

}  // namespace ember::python
