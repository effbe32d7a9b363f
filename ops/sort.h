// Order statistics: sort, argsort, topk, median and nanmedian (over all
// elements, or along a dim with the index of the median), isin, the
// membership test, and (ops/search.cpp) searchsorted, bucketize and unique.
#pragma once

#include <tuple>

#include "autograd/tensor.h"

namespace ember {

/// The int64 indices that sort x along `dim` (NaN sorts as the largest value);
/// ties keep their order. `argsort(tensor({3, 1, 2}))` is [1, 2, 0].
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
/// (values, indices) of x sorted along `dim`; values are gathered from x, so
/// they carry its gradient.
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
/// The k largest (or smallest) elements along `dim` and their int64 indices,
/// in sorted order (NaN counts as the largest value).
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
/// The lower median of all elements (NaN if any is NaN), as a 0-d tensor.
Tensor median(const Tensor& x);
/// The lower median along `dim` and its int64 index.
std::tuple<Tensor, Tensor> median(const Tensor& x, int64_t dim, bool keepdim = false);
/// median ignoring NaNs (NaN only where every value is NaN).
Tensor nanmedian(const Tensor& x);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, int64_t dim, bool keepdim = false);
/// True where an element of `elements` occurs in `test_elements` (false with `invert`).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false, bool invert = false);

/// For each value of `input`, the index where it would be inserted into the
/// innermost dim of `sorted_sequence` to keep it sorted: the first such index,
/// or the last with `right`. A 1-d sequence serves every value; otherwise its
/// leading dims match input's. int64 result.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& input, bool right = false);
/// The bucket of each value of `input` for the 1-d `boundaries`:
/// searchsorted(boundaries, input, right).
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool right = false);
/// The sorted distinct values of x (flattened), the index of each element of x
/// among them (x's shape) and how often each occurs (int64): torch.unique's
/// (output, inverse_indices, counts).
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool sorted = true);

}  // namespace ember
