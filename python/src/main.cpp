// ember._C, the extension module: maps ember's C++ errors to Python's
// exception types and calls each binding file's bind_xxx in turn.
#include "autograd/threads.h"
#include "autograd/error.h"
#include "bindings.h"

namespace {

// ember.<name>: a subclass of both Python's `base` and RuntimeError.
PyObject* make_error(py::module_& m, const char* name, PyObject* base) {
  py::tuple bases = py::make_tuple(py::handle(base), py::handle(PyExc_RuntimeError));
  std::string qualified = std::string("ember.") + name;
  PyObject* type = PyErr_NewException(qualified.c_str(), bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "ember's C++ core: tensors, ops and autograd";
  // Bad-input errors are also RuntimeErrors, as PyTorch raises them: code
  // written for PyTorch (`except RuntimeError`) catches them too.
  static PyObject* value_error = make_error(m, "ValueError", PyExc_ValueError);
  static PyObject* type_error = make_error(m, "TypeError", PyExc_TypeError);
  static PyObject* index_error = make_error(m, "IndexError", PyExc_IndexError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ember::IndexError& e) {
      PyErr_SetString(index_error, e.what());
    } catch (const ember::TypeError& e) {
      PyErr_SetString(type_error, e.what());
    } catch (const ember::ValueError& e) {
      PyErr_SetString(value_error, e.what());
    } catch (const ember::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  // ember's long kernels let go of the GIL, so other Python threads run while
  // they compute (PyTorch releases it around every op); Python callbacks they
  // reach (hooks, custom Functions, warnings) take it back.
  ember::set_host_lock({[]() -> void* { return PyGILState_Check() ? static_cast<void*>(PyEval_SaveThread()) : nullptr; },
                        [](void* state) { PyEval_RestoreThread(static_cast<PyThreadState*>(state)); }});
  ember::python::bind_tensor(m);
  ember::python::bind_ops(m);
  ember::python::bind_autograd(m);
  ember::python::bind_dlpack(m);
  ember::python::bind_functional(m);
  ember::python::bind_data(m);
  ember::python::bind_serialize(m);
  ember::python::bind_data_loading(m);
  ember::python::bind_optim(m);
  ember::python::bind_nn(m);
  ember::python::bind_models(m);
}
