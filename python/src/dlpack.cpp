// DLPack exchange without copies: Tensor.__dlpack__ / __dlpack_device__ export
// a tensor (numpy.from_dlpack(t), torch.from_dlpack(t)), and _from_dlpack wraps
// a producer's capsule (ember.from_dlpack calls it after the protocol dance).
// The capsule owns an ember Tensor handle, so the storage outlives the consumer's view.
#include <functional>
#include <type_traits>

#include "autograd/error.h"
#include "bindings.h"
#include "dlpack.h"
#include "ops/factory.h"

namespace ember::python {
namespace {

using dlpack::DLManagedTensor;
using dlpack::DLManagedTensorVersioned;
using dlpack::DLTensor;

constexpr const char* kLegacyName = "dltensor";
constexpr const char* kVersionedName = "dltensor_versioned";

dlpack::DLDataType dl_dtype(Dtype d) {
  switch (d) {
    case kFloat32: return {dlpack::kDLFloat, 32, 1};
    case kFloat64: return {dlpack::kDLFloat, 64, 1};
    case kInt64: return {dlpack::kDLInt, 64, 1};
    default: return {dlpack::kDLBool, 8, 1};
  }
}

Dtype dtype_of_dl(dlpack::DLDataType t) {
  if (t.lanes == 1) {
    if (t.code == dlpack::kDLFloat && t.bits == 32) return kFloat32;
    if (t.code == dlpack::kDLFloat && t.bits == 64) return kFloat64;
    if (t.code == dlpack::kDLInt && t.bits == 64) return kInt64;
    if (t.code == dlpack::kDLBool && t.bits == 8) return kBool;
  }
  throw TypeError(fmt::format("from_dlpack: expected float32, float64, int64 or bool data, got DLPack type code {} "
                              "with {} bits and {} lanes",
                              t.code, t.bits, t.lanes));
}

// What an exported capsule owns: the tensor and the arrays its DLTensor points into.
template <class Managed>
struct Export {
  Managed managed{};
  Tensor tensor;
  Shape shape;
  Strides strides;
};

template <class Managed>
Managed* export_tensor(const Tensor& t) {
  auto* e = new Export<Managed>();
  e->tensor = t;
  e->shape = t.shape();
  e->strides = t.strides();
  DLTensor& dl = e->managed.dl_tensor;
  dl.data = t.raw_data();
  dl.device = {dlpack::kDLCPU, 0};
  dl.ndim = int32_t(t.dim());
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = e->shape.data();
  dl.strides = e->strides.data();
  dl.byte_offset = 0;
  e->managed.manager_ctx = e;
  e->managed.deleter = [](Managed* self) { delete static_cast<Export<Managed>*>(self->manager_ctx); };
  return &e->managed;
}

// A capsule not consumed (still carrying its original name) frees the export itself.
template <class Managed>
py::capsule make_capsule(Managed* managed, const char* name) {
  PyCapsule_Destructor destroy = [](PyObject* cap) {
    const char* cap_name = std::is_same_v<Managed, DLManagedTensor> ? kLegacyName : kVersionedName;
    if (PyCapsule_IsValid(cap, cap_name)) {
      auto* m = static_cast<Managed*>(PyCapsule_GetPointer(cap, cap_name));
      if (m->deleter) m->deleter(m);
    }
  };
  PyObject* cap = PyCapsule_New(managed, name, destroy);
  if (!cap) {
    managed->deleter(managed);
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

py::capsule to_dlpack(const Tensor& t, const py::object& /*stream: CPU has none*/,
                      std::optional<std::tuple<int, int>> max_version, std::optional<std::tuple<int, int>> dl_device,
                      std::optional<bool> copy) {
  EMBER_CHECK_STATE(!t.requires_grad(), "Can't export tensors that require gradient, use tensor.detach()");
  if (dl_device && *dl_device != std::tuple<int, int>(dlpack::kDLCPU, 0))
    throw py::buffer_error("__dlpack__: ember tensors live on the CPU (device (1, 0)); cannot export to another device");
  Tensor src = copy.value_or(false) ? t.clone() : t;
  if (max_version && std::get<0>(*max_version) >= int(dlpack::kMajorVersion)) {
    auto* m = export_tensor<DLManagedTensorVersioned>(src);
    m->version = {dlpack::kMajorVersion, dlpack::kMinorVersion};
    m->flags = copy.value_or(false) ? dlpack::kFlagIsCopied : 0;
    return make_capsule(m, kVersionedName);
  }
  return make_capsule(export_tensor<DLManagedTensor>(src), kLegacyName);
}

Tensor wrap(const DLTensor& dl, std::function<void()> release) {
  EMBER_CHECK(dl.device.device_type == dlpack::kDLCPU, "from_dlpack: expected a CPU tensor (device type 1), got "
              "device type {}", dl.device.device_type);
  Dtype dtype = dtype_of_dl(dl.dtype);
  Shape shape(dl.shape, dl.shape + dl.ndim);
  Strides strides = dl.strides ? Strides(dl.strides, dl.strides + dl.ndim) : contiguous_strides(shape);
  return from_blob(static_cast<char*>(dl.data) + dl.byte_offset, shape, strides, dtype, std::move(release));
}

// The producer's deleter runs when the last ember view dies; it may touch Python objects.
template <class Managed>
std::function<void()> release_of(Managed* m) {
  return [m] {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    if (m->deleter) m->deleter(m);
  };
}

Tensor from_capsule(const py::object& capsule) {
  PyObject* cap = capsule.ptr();
  if (PyCapsule_IsValid(cap, kVersionedName)) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersionedName));
    if (m->version.major > dlpack::kMajorVersion)
      throw py::buffer_error(fmt::format("from_dlpack: DLPack version {}.{} is newer than the supported {}.{}",
                                         m->version.major, m->version.minor, dlpack::kMajorVersion,
                                         dlpack::kMinorVersion));
    EMBER_CHECK(!(m->flags & dlpack::kFlagReadOnly),
                "from_dlpack: the producer exported read-only memory and ember tensors are writable; pass a "
                "writable array or a copy");
    Tensor t = wrap(m->dl_tensor, release_of(m));
    PyCapsule_SetName(cap, "used_dltensor_versioned");
    return t;
  }
  if (PyCapsule_IsValid(cap, kLegacyName)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, kLegacyName));
    Tensor t = wrap(m->dl_tensor, release_of(m));
    PyCapsule_SetName(cap, "used_dltensor");
    return t;
  }
  throw TypeError("from_dlpack: expected an object with __dlpack__ or an unused DLPack capsule "
                  "('dltensor' or 'dltensor_versioned')");
}

}  // namespace

void bind_dlpack(py::module_& m) {
  def_method(m, "__dlpack__", &to_dlpack, py::kw_only(), "stream"_a = py::none(), "max_version"_a = py::none(),
             "dl_device"_a = py::none(), "copy"_a = py::none());
  def_method(m, "__dlpack_device__", [](const Tensor&) { return py::make_tuple(dlpack::kDLCPU, 0); });
  m.def("_from_dlpack", &from_capsule, "capsule"_a);
}

}  // namespace ember::python
