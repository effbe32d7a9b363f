// More unary math, as torch.*: log1p and expm1 (accurate near 0), log2,
// log10, square, tan, and the rounding functions (zero gradient, as PyTorch's).
// Integer inputs compute as float32, except square and rounding, which keep
// the dtype.
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember {

/// log(1 + x), accurate for small |x|.
Tensor log1p(const Tensor& x);
/// exp(x) - 1, accurate for small |x|.
Tensor expm1(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor tan(const Tensor& x);
/// x * x (an integer tensor stays integer).
Tensor square(const Tensor& x);
/// Rounding: the dtype is kept; integer inputs come back unchanged.
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
/// Round half to even, as torch.round (decimals = 0).
Tensor round(const Tensor& x);
Tensor trunc(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
/// Bool tests: NaN, and +-infinity (false for integers).
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
/// a != b as truth values (non-zero is true), broadcast.
Tensor logical_xor(const Tensor& a, const Tensor& b);
/// a - floor(a / b) b: the sign of b, as Python's % (torch.remainder).
Tensor remainder(const Tensor& a, const Tensor& b);
/// a - trunc(a / b) b: the sign of a, as C's fmod (torch.fmod).
Tensor fmod(const Tensor& a, const Tensor& b);
/// start + weight (end - start).
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
/// NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: 0 and the dtype's largest and lowest finite values).
Tensor nan_to_num(const Tensor& x, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);

}  // namespace ember
