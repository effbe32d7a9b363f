// Device: where a tensor's memory lives, spelled as libtorch spells it
// (`ember::Device(ember::kCPU)`, `ember::Device("cpu:0")`, `t.device()`).
// ember runs on the CPU only: the CPU is the one device type, and parsing any
// other device string ("cuda", "mps") throws a ValueError naming it.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/error.h"

namespace ember {

enum class DeviceType : int8_t { CPU };
constexpr DeviceType kCPU = DeviceType::CPU;

/// A device type and an optional index (-1: none), as c10::Device.
class Device {
 public:
  Device(DeviceType type = kCPU, int64_t index = -1)  // NOLINT(implicit), as libtorch
      : type_(type), index_(index) {
    EMBER_CHECK(index >= -1, "device: expected a non-negative device index, got {}", index);
  }
  /// "cpu" or "cpu:<index>"; anything else throws ember::ValueError.
  Device(const std::string& spec);  // NOLINT(implicit), as libtorch
  Device(const char* spec) : Device(std::string(spec)) {}  // NOLINT(implicit)

  DeviceType type() const { return type_; }
  int64_t index() const { return index_; }
  bool has_index() const { return index_ != -1; }
  bool is_cpu() const { return type_ == kCPU; }
  /// "cpu", or "cpu:0" with an index (Python's str(device)).
  std::string str() const { return has_index() ? "cpu:" + std::to_string(index_) : "cpu"; }

  bool operator==(const Device& other) const { return type_ == other.type_ && index_ == other.index_; }
  bool operator!=(const Device& other) const { return !(*this == other); }

 private:
  DeviceType type_;
  int64_t index_;
};

inline Device::Device(const std::string& spec) : type_(kCPU), index_(-1) {
  std::string type = spec.substr(0, spec.find(':'));
  EMBER_CHECK(type == "cpu", "ember runs on the CPU only: expected device 'cpu' or 'cpu:<index>', got '{}'", spec);
  if (type.size() == spec.size()) return;
  std::string digits = spec.substr(type.size() + 1);
  bool ok = !digits.empty() && digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string::npos;
  EMBER_CHECK(ok, "expected device 'cpu' or 'cpu:<index>' with a non-negative integer index, got '{}'", spec);
  index_ = std::stoll(digits);
}

}  // namespace ember
