// More unary math, as torch.*: log1p and expm1 (accurate near 0), log2,
// log10, square, tan, and the rounding functions (zero gradient, as PyTorch's).
// Integer inputs compute as float32, except square and rounding, which keep
// the dtype.
#pragma once

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

}  // namespace ember
