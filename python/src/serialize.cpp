// Bindings for ember.save / ember.load (python/ember/_serialization.py wraps
// them): Python objects to IValues and back, written and read by
// data/serialize.cpp. Only tensors, numbers, strings, bytes, bools, None and
// dicts/lists/tuples of them are accepted: nothing is pickled.
#include "bindings.h"
#include "data/serialize.h"

namespace ember::python {

namespace {

py::object parameter_class() { return py::module_::import("ember.nn").attr("Parameter"); }

// `where` is the object's place in Python's spelling (obj['state'][0]), for errors.
IValue to_ivalue(const py::handle& obj, const std::string& where, int depth, const py::object& parameter) {
  // The C++ encoder caps depth too, but a self-containing list must stop before the C stack does.
  EMBER_CHECK(depth <= 100, "save: the object is nested deeper than 100 levels at {} (a container that contains itself?)",
              where);
  PyObject* o = obj.ptr();
  if (obj.is_none()) return IValue();
  if (PyBool_Check(o)) return IValue(o == Py_True);
  if (PyLong_Check(o)) {
    try {
      return IValue(to_int64(obj));
    } catch (const ValueError&) {
      throw ValueError(fmt::format("save: {} is the int {}, outside int64, which ember cannot save", where,
                                   std::string(py::repr(obj))));
    }
  }
  if (PyFloat_Check(o)) return IValue(PyFloat_AsDouble(o));
  if (PyUnicode_Check(o)) return IValue(obj.cast<std::string>());
  if (PyBytes_Check(o)) return IValue::bytes(std::string(py::reinterpret_borrow<py::bytes>(obj)));
  if (pybind11::detail::is_ember_tensor(obj))
    return IValue(obj.cast<Tensor>()).set_parameter(py::isinstance(obj, parameter));
  if (PyList_Check(o) || PyTuple_Check(o)) {
    std::vector<IValue> items;
    size_t i = 0;
    for (const py::handle& item : obj)
      items.push_back(to_ivalue(item, where + "[" + std::to_string(i++) + "]", depth + 1, parameter));
    return PyList_Check(o) ? IValue(std::move(items)) : IValue::tuple(std::move(items));
  }
  if (PyDict_Check(o)) {
    static const py::object ordered_dict = py::module_::import("collections").attr("OrderedDict");
    IValue::DictItems items;
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(obj)) {
      std::string key_repr = py::repr(key);
      items.emplace_back(to_ivalue(key, where + " key " + key_repr, depth + 1, parameter),
                         to_ivalue(value, where + "[" + key_repr + "]", depth + 1, parameter));
    }
    return IValue::dict(std::move(items), py::isinstance(obj, ordered_dict));
  }
  // NumPy scalars (np.int64(3), np.float32(0.5), np.bool_): saved as the Python number they hold.
  static const py::object numpy_generic = py::module_::import("numpy").attr("generic");
  if (py::isinstance(obj, numpy_generic) && PyObject_HasAttrString(o, "item")) {
    py::object item = obj.attr("item")();
    if (!py::isinstance(item, numpy_generic)) return to_ivalue(item, where, depth + 1, parameter);
  }
  throw TypeError(fmt::format("save: {} is a {}; ember saves tensors, numbers, strings, bytes, bools, None and dicts, lists "
                              "and tuples of them (it never pickles)",
                              where, type_name(obj)));
}

py::object to_python(const IValue& v, const py::object& parameter, std::map<const TensorImpl*, py::object>& params) {
  switch (v.tag()) {
    case IValue::Tag::None: return py::none();
    case IValue::Tag::Bool: return py::bool_(v.to_bool());
    case IValue::Tag::Int: return py::int_(v.to_int());
    case IValue::Tag::Double: return py::float_(v.to_double());
    case IValue::Tag::String: return py::str(v.to_string());
    case IValue::Tag::Bytes: return py::bytes(v.to_bytes());
    case IValue::Tag::Tensor: {
      const Tensor& t = v.to_tensor();
      if (!v.is_parameter()) return py::cast(t);
      // A parameter met twice is one Parameter object, as it was when saved.
      auto [it, fresh] = params.try_emplace(t.impl());
      if (fresh) it->second = parameter(t, t.requires_grad());
      return it->second;
    }
    case IValue::Tag::List:
    case IValue::Tag::Tuple: {
      py::list items;
      for (const IValue& item : v.items()) items.append(to_python(item, parameter, params));
      if (v.is_list()) return std::move(items);
      return py::tuple(items);
    }
    case IValue::Tag::Dict: {
      static const py::object ordered_dict = py::module_::import("collections").attr("OrderedDict");
      py::object out = v.ordered() ? ordered_dict() : py::dict();
      for (const auto& [key, value] : v.dict_items())
        out[to_python(key, parameter, params)] = to_python(value, parameter, params);
      return out;
    }
  }
  return py::none();  // unreachable: every tag is handled
}

py::object to_python(const IValue& v) {
  std::map<const TensorImpl*, py::object> params;
  return to_python(v, parameter_class(), params);
}

}  // namespace

void bind_serialize(py::module_& m) {
  m.def(
      "_save",
      [](const py::handle& obj, const std::string& path) {
        IValue value = to_ivalue(obj, "obj", 0, parameter_class());
        py::gil_scoped_release release;
        save(value, path);
      },
      "obj"_a, "path"_a, "ember.save to a path (a str, already checked by os.fspath).");
  m.def(
      "_save_bytes",
      [](const py::handle& obj) {
        IValue value = to_ivalue(obj, "obj", 0, parameter_class());
        std::string bytes;
        {
          py::gil_scoped_release release;
          bytes = save_to_bytes(value);
        }
        return py::bytes(bytes);
      },
      "obj"_a, "ember.save's file contents as bytes (for file objects).");
  m.def(
      "_load",
      [](const std::string& path) {
        IValue value;
        {
          py::gil_scoped_release release;
          value = load(path);
        }
        return to_python(value);
      },
      "path"_a, "ember.load from a path.");
  m.def(
      "_load_bytes",
      [](const py::bytes& data, const std::string& name) {
        std::string_view bytes = data;
        IValue value;
        {
          py::gil_scoped_release release;
          value = load_from_bytes(bytes, name);
        }
        return to_python(value);
      },
      "data"_a, "name"_a, "ember.load from a file object's bytes; `name` names it in errors.");
}

}  // namespace ember::python
