// searchsorted, bucketize and unique (declared in ops/sort.h): binary search in
// sorted rows, and the distinct values of a tensor. Not differentiable: the
// results are integer positions, or values picked without arithmetic whose
// gradient PyTorch does not define either.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"
#include "ops/sort.h"

namespace ember {
namespace {

// a < b with NaN the largest value (as sort orders it).
bool less_nan_last(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
  return a < b;
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& input, bool right) {
  EMBER_CHECK(sorted_sequence.defined() && input.defined(), "searchsorted: expected defined tensors");
  EMBER_CHECK(sorted_sequence.dim() >= 1, "searchsorted: expected sorted_sequence to have at least 1 dim, got a 0-d tensor");
  EMBER_CHECK_TYPE(sorted_sequence.dtype() != kBool && input.dtype() != kBool,
                   "searchsorted: expected numeric tensors, got {} and {}", dtype_name(sorted_sequence.dtype()),
                   dtype_name(input.dtype()));
  bool shared = sorted_sequence.dim() == 1;
  if (!shared) {
    Shape lead_seq(sorted_sequence.shape().begin(), sorted_sequence.shape().end() - 1);
    Shape lead_in = input.dim() > 0 ? Shape(input.shape().begin(), input.shape().end() - 1) : Shape{};
    EMBER_CHECK(input.dim() == sorted_sequence.dim() && lead_seq == lead_in,
                "searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor "
                "and input value tensor must match, but we got boundaries tensor {} and input value tensor {}",
                shape_str(sorted_sequence.shape()), shape_str(input.shape()));
  }
  std::vector<double> seq = contiguous_data(sorted_sequence).to_vector(), values = input.to_vector();
  int64_t n = sorted_sequence.size(-1);
  int64_t per_row = shared || input.dim() == 0 ? int64_t(values.size()) : input.size(-1);
  Tensor out = make_tensor(input.shape(), kInt64);
  int64_t* po = out.data_ptr<int64_t>();
  for (size_t i = 0; i < values.size(); ++i) {
    auto first = seq.begin() + (shared ? 0 : int64_t(i) / std::max<int64_t>(per_row, 1) * n), last = first + n;
    auto pos = right ? std::upper_bound(first, last, values[i], less_nan_last)
                     : std::lower_bound(first, last, values[i], less_nan_last);
    po[i] = int64_t(pos - first);
  }
  return out;
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool right) {
  EMBER_CHECK(boundaries.defined() && boundaries.dim() == 1,
              "bucketize: boundaries tensor must be 1 dimension, but got dim({})", boundaries.defined() ? boundaries.dim() : 0);
  return searchsorted(boundaries, input, right);
}

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool /*sorted: always, as PyTorch's CPU kernel*/) {
  EMBER_CHECK(x.defined(), "unique: expected a defined tensor");
  Tensor flat = contiguous_data(reshape(x.detach(), {-1}));
  int64_t n = flat.numel();
  Tensor inverse = make_tensor(x.shape(), kInt64);
  Tensor values, counts;
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = flat.data_ptr<T>();
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t(0));
    std::stable_sort(order.begin(), order.end(), [p](int64_t a, int64_t b) {
      return less_nan_last(double(p[a]), double(p[b]));
    });
    // NaNs are never equal, so each one is its own value (as in PyTorch).
    std::vector<T> distinct;
    std::vector<int64_t> count;
    int64_t* pi = inverse.data_ptr<int64_t>();
    for (int64_t k = 0; k < n; ++k) {
      T v = p[order[size_t(k)]];
      if (distinct.empty() || !(distinct.back() == v)) {
        distinct.push_back(v);
        count.push_back(0);
      }
      ++count.back();
      pi[order[size_t(k)]] = int64_t(distinct.size()) - 1;
    }
    values = make_tensor({int64_t(distinct.size())}, x.dtype());
    std::copy(distinct.begin(), distinct.end(), values.data_ptr<T>());
    counts = make_tensor({int64_t(count.size())}, kInt64);
    std::copy(count.begin(), count.end(), counts.data_ptr<int64_t>());
  });
  return {values, inverse, counts};
}

}  // namespace ember
