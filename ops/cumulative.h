// Cumulative sums and products along a dim (torch.cumsum, torch.cumprod).
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember {

/// y[i] = x[0] + ... + x[i] along `dim`; integer and bool inputs give int64
/// unless `dtype` is given (the input is converted first, as torch.cumsum).
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
/// y[i] = x[0] * ... * x[i] along `dim` (dtype as cumsum); the gradient is
/// exact where x has zeros.
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);

}  // namespace ember
