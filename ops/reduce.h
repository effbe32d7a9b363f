// Reductions over all elements or over dims (int or list, keepdim), and
// sum_to, which folds a broadcast gradient back to an input's shape.
#pragma once

#include <optional>
#include <tuple>

#include "autograd/tensor.h"

namespace ember {

/// An empty `dims` means all dimensions.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// Variance with Bessel's `correction` (1: unbiased, 0: biased), as torch.var.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1, bool keepdim = false);
/// (var, mean) and (std, mean) over `dims` in one call, as torch.var_mean / torch.std_mean.
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                                    bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
                                    bool keepdim = false);
/// Whether every (all) or some (any) element is nonzero: bool, over all elements
/// or over `dims`, where an empty `dims` reduces nothing (PyTorch's dim=()).
/// NaN counts as nonzero. `all(x, {1})` on [2, 3] gives [2].
Tensor all(const Tensor& x);
Tensor all(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor any(const Tensor& x);
Tensor any(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// Values and int64 indices of the max/min along `dim`.
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
/// Index of the max/min; without `dim`, into the flattened tensor.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
/// Product of all elements, or along `dim`; integers and bools give int64.
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
/// Sum of the main diagonal of a matrix (torch.trace).
Tensor trace(const Tensor& x);
/// log(sum(exp(x))) over `dims`, max-shifted so large inputs do not overflow.
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// Sums `x` down to `shape` (the inverse of broadcasting `shape` to x's shape).
Tensor sum_to(const Tensor& x, const Shape& shape);
/// sum and mean treating NaN as absent (nanmean: NaN where every value is NaN).
Tensor nansum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor nanmean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// The number of non-zero elements over `dims` (all when empty), int64.
Tensor count_nonzero(const Tensor& x, const std::vector<int64_t>& dims = {});

}  // namespace ember
