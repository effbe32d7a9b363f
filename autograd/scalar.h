// Scalar: a number given to an op in place of a tensor (`x + 2`, `clamp(x, 0.0)`).
// It remembers whether it was integral, because an int64 tensor plus 2 stays
// int64 while plus 2.5 becomes float32, as in PyTorch.
#pragma once

#include <cstdint>
#include <type_traits>

namespace ember {

class Scalar {
 public:
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v)  // NOLINT(implicit): numbers convert as they do in libtorch
      : value_(double(v)), int_value_(int64_t(v)), integral_(std::is_integral_v<T>) {}
  double to_double() const { return value_; }
  int64_t to_int() const { return integral_ ? int_value_ : int64_t(value_); }
  bool is_integral() const { return integral_; }

 private:
  double value_;
  int64_t int_value_;  // exact for integers beyond 2^53
  bool integral_;
};

}  // namespace ember
