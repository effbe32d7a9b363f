// Order statistics: argsort, median and nanmedian (over all elements, or along
// a dim with the index of the median), and isin, the membership test.
#pragma once

#include <tuple>

#include "autograd/tensor.h"

namespace ember {

/// The int64 indices that sort x along `dim` (NaN sorts as the largest value);
/// ties keep their order. `argsort(tensor({3, 1, 2}))` is [1, 2, 0].
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
/// The lower median of all elements (NaN if any is NaN), as a 0-d tensor.
Tensor median(const Tensor& x);
/// The lower median along `dim` and its int64 index.
std::tuple<Tensor, Tensor> median(const Tensor& x, int64_t dim, bool keepdim = false);
/// median ignoring NaNs (NaN only where every value is NaN).
Tensor nanmedian(const Tensor& x);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, int64_t dim, bool keepdim = false);
/// True where an element of `elements` occurs in `test_elements` (false with `invert`).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false, bool invert = false);

}  // namespace ember
