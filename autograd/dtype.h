// Element types a Tensor can hold, their sizes and names, the promotion rule
// for mixed operands, and the switch that turns a runtime dtype into a
// compile-time scalar type for kernels.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "autograd/error.h"

namespace ember {

// Bool is what comparisons return and masks take, as in PyTorch.
enum class Dtype : uint8_t { Float32, Float64, Int64, Bool };

constexpr Dtype kFloat32 = Dtype::Float32;
constexpr Dtype kFloat64 = Dtype::Float64;
constexpr Dtype kInt64 = Dtype::Int64;
constexpr Dtype kFloat = Dtype::Float32;
constexpr Dtype kDouble = Dtype::Float64;
constexpr Dtype kLong = Dtype::Int64;
constexpr Dtype kBool = Dtype::Bool;

inline size_t element_size(Dtype d) { return d == Dtype::Float32 ? 4 : d == Dtype::Bool ? 1 : 8; }
inline bool is_floating(Dtype d) { return d == Dtype::Float32 || d == Dtype::Float64; }
/// "float32", "float64", "int64", "bool" (the PyTorch names without the prefix).
const char* dtype_name(Dtype d);

/// The dtype of a binary op's result: the wider float wins, int64 promotes to
/// float, bool promotes to anything.
Dtype promote_types(Dtype a, Dtype b);

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr Dtype value = Dtype::Float32; };
template <> struct dtype_of<double> { static constexpr Dtype value = Dtype::Float64; };
template <> struct dtype_of<int64_t> { static constexpr Dtype value = Dtype::Int64; };
template <> struct dtype_of<bool> { static constexpr Dtype value = Dtype::Bool; };

/// Calls f(T{}) with T the scalar type of `d` (bool included: copies, masks).
template <class F>
decltype(auto) dispatch_all(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(float{});
    case Dtype::Float64: return f(double{});
    case Dtype::Int64: return f(int64_t{});
    default: return f(bool{});
  }
}

/// Calls f(T{}) for the arithmetic dtypes; `op` names the caller in the error for bool.
template <class F>
decltype(auto) dispatch_numeric(Dtype d, const char* op, F&& f) {
  EMBER_CHECK_TYPE(d != Dtype::Bool, "{}: expected a float32, float64 or int64 tensor, got bool", op);
  if (d == Dtype::Float32) return f(float{});
  if (d == Dtype::Float64) return f(double{});
  return f(int64_t{});
}

/// Calls f(T{}) for float32/float64; `op` names the caller in the error for int64.
template <class F>
decltype(auto) dispatch_floating(Dtype d, const char* op, F&& f) {
  EMBER_CHECK_TYPE(is_floating(d), "{}: expected a floating point tensor (float32 or float64), got {}", op,
                   dtype_name(d));
  if (d == Dtype::Float32) return f(float{});
  return f(double{});
}

}  // namespace ember

template <>
struct fmt::formatter<ember::Dtype> : fmt::formatter<std::string_view> {
  auto format(ember::Dtype d, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(ember::dtype_name(d), ctx);
  }
};
