// Scalar: a number given to an op in place of a tensor (`x + 2`, `clamp(x, 0.0)`).
// It remembers whether it was integral, because an int64 tensor plus 2 stays
// int64 while plus 2.5 becomes float32, as in PyTorch.
#pragma once

#include <cstdint>
#include <type_traits>

#include "autograd/error.h"

namespace ember {

class Scalar {
 public:
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v)  // NOLINT(implicit): numbers convert as they do in libtorch
      : value_(double(v)), int_value_(exact_int(v)), integral_(std::is_integral_v<T>) {}
  double to_double() const { return value_; }
  int64_t to_int() const {
    if (integral_) return int_value_;
    // int64_t(1e300) or int64_t(NaN) is undefined behaviour, not a wrap.
    EMBER_CHECK(value_ >= -9223372036854775808.0 && value_ < 9223372036854775808.0,
                "value {} cannot be converted to type int64 without overflow", value_);
    return int64_t(value_);
  }
  bool is_integral() const { return integral_; }

 private:
  // A floating value is converted only when asked for (to_int), so a Scalar
  // holding 1e300 exists without undefined behaviour.
  template <class T>
  static int64_t exact_int(T v) {
    if constexpr (std::is_integral_v<T>) {
      return int64_t(v);
    } else {
      return 0;
    }
  }

  double value_;
  int64_t int_value_;  // exact for integers beyond 2^53
  bool integral_;
};

}  // namespace ember
