// Bindings for data/: safetensors reading and writing (ember.save_file,
// ember.load_file), with paths given as str or os.PathLike.
#include "bindings.h"
#include "data/safetensors.h"

namespace ember::python {

namespace {

std::string to_path(const py::object& path) { return py::str(py::module_::import("os").attr("fspath")(path)); }

}  // namespace

void bind_data(py::module_& m) {
  m.def(
      "save_file",
      [](const std::map<std::string, Tensor>& tensors, const py::object& path,
         const std::optional<std::map<std::string, std::string>>& metadata) {
        std::string p = to_path(path);
        py::gil_scoped_release release;
        save_file(tensors, p, metadata.value_or(std::map<std::string, std::string>{}));
      },
      "tensors"_a, "filename"_a, "metadata"_a = py::none(),
      "Saves a dict of tensors (and optional str->str metadata) as a safetensors file, atomically.");
  m.def(
      "load_file",
      [](const py::object& path) {
        std::string p = to_path(path);
        py::gil_scoped_release release;
        return load_file(p);
      },
      "filename"_a, "Loads every tensor of a safetensors file into a dict, ordered by name.");
  m.def(
      "_load_file_with_metadata",
      [](const py::object& path) {
        std::string p = to_path(path);
        TensorDict d;
        {
          py::gil_scoped_release release;
          d = load_file_with_metadata(p);
        }
        return py::make_tuple(d.tensors, d.metadata);
      },
      "filename"_a, "(tensors, metadata) of a safetensors file; ember.safe_open builds on it.");
}

}  // namespace ember::python
