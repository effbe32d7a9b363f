// ember._C: the extension module. Maps ember's C++ errors to Python's
// exception types and calls each binding file's bind_xxx in turn.
#include "autograd/error.h"
#include "bindings.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "ember's C++ core: tensors, ops and autograd";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ember::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const ember::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const ember::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ember::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  ember::python::bind_tensor(m);
  ember::python::bind_ops(m);
  ember::python::bind_autograd(m);
  ember::python::bind_dlpack(m);
  ember::python::bind_functional(m);
  ember::python::bind_data(m);
  ember::python::bind_data_loading(m);
  ember::python::bind_optim(m);
  ember::python::bind_nn(m);
  ember::python::bind_models(m);
}
