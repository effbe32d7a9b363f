// The DLPack ABI (https://dmlc.github.io/dlpack/latest/c_api.html), spec
// version 1.0: the structs a producer hands a consumer inside a PyCapsule.
// Written out here because Debian's libdlpack-dev (0.6) predates kDLBool and
// the versioned struct; field order and types follow dlpack.h v1.0 exactly.
#pragma once

#include <cstdint>

namespace ember::dlpack {

struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
constexpr uint32_t kMajorVersion = 1;
constexpr uint32_t kMinorVersion = 0;

// DLDeviceType is a C enum (int-sized); ember only speaks kDLCPU.
constexpr int32_t kDLCPU = 1;
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};

// DLDataTypeCode values used by ember's dtypes.
constexpr uint8_t kDLInt = 0;
constexpr uint8_t kDLFloat = 2;
constexpr uint8_t kDLBool = 6;
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};

struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means compact row-major
  uint64_t byte_offset;
};

/// The pre-1.0 ("dltensor" capsule) form.
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

constexpr uint64_t kFlagReadOnly = 1ULL << 0;
constexpr uint64_t kFlagIsCopied = 1ULL << 1;

/// The 1.0 ("dltensor_versioned" capsule) form.
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
};

}  // namespace ember::dlpack
