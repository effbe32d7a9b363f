// Elementwise arithmetic and math with NumPy broadcasting, comparisons, and
// the in-place variants. Backward rules are written with these same ops, so
// gradients of gradients work.
#pragma once

#include <optional>

#include "autograd/tensor.h"
#include "ops/factory.h"

namespace ember {

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// The angle of the point (other, input) in (-pi, pi]: torch.atan2(input, other); ints compute as float32.
Tensor atan2(const Tensor& input, const Tensor& other);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
/// `condition ? a : b` elementwise, broadcast over all three.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);

/// Comparisons return bool tensors.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
/// True where the value is neither NaN nor infinite.
Tensor isfinite(const Tensor& x);
/// True where the sign bit is set (negative values, -0.0 and -NaN).
Tensor signbit(const Tensor& x);
/// |a - b| <= atol + rtol |b| elementwise (equal infinities match; NaNs match with equal_nan);
/// a and b must share a dtype, as in PyTorch.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);
/// Whether isclose holds everywhere: `allclose(x, x + 1e-9)` is true.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);
/// A 0-d tensor standing for a number next to `like` (PyTorch's wrapped-number dtype rule).
Tensor wrap_scalar(Scalar value, const Tensor& like);

/// Conversion to another dtype (differentiable between float dtypes).
Tensor to_dtype(const Tensor& x, Dtype dtype);
/// A contiguous copy with its own storage (differentiable).
Tensor clone(const Tensor& x);
/// Copies `src` (broadcast, converted) into `dst` in place.
Tensor& copy_(Tensor& dst, const Tensor& src);

}  // namespace ember
