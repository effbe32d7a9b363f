// Argument conversion shared by the binding files: sizes and dims in the
// forms PyTorch accepts, creation options, lists holding None, and Python
// objects kept by C++ closures (hooks, custom backward, NumPy owners).
#include "autograd/error.h"
#include "bindings.h"

namespace ember::python {

namespace {

std::string type_name(const py::handle& obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

int64_t to_int(const py::handle& obj, const char* what) {
  EMBER_CHECK_TYPE(!PyBool_Check(obj.ptr()) && PyIndex_Check(obj.ptr()), "{}: expected an int, got {}", what,
                   type_name(obj));
  return py::int_(py::reinterpret_borrow<py::object>(obj)).cast<int64_t>();
}

std::vector<int64_t> to_ints(const py::handle& seq, const char* what) {
  std::vector<int64_t> out;
  for (const py::handle& item : seq) out.push_back(to_int(item, what));
  return out;
}

}  // namespace

Shape to_shape(const py::args& args) {
  if (args.size() == 1 && py::isinstance<py::sequence>(args[0])) return to_ints(args[0], "size");
  return to_ints(args, "size");
}

std::vector<int64_t> to_dims(const py::handle& dim) {
  if (dim.is_none()) return {};
  if (py::isinstance<py::sequence>(dim)) return to_ints(dim, "dim");
  return {to_int(dim, "dim")};
}

TensorOptions options(std::optional<Dtype> dtype, bool requires_grad) {
  TensorOptions o;
  if (dtype) o.dtype(*dtype);
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
