// Order statistics. Each kernel moves the working dim last, copies to a
// contiguous buffer and handles one row at a time; median's gradient goes to
// the chosen element (dim) or is shared among the elements equal to it (all).
#include "ops/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

// a before b in ascending order with NaN last (descending: NaN first).
template <class T>
bool before(T a, T b, bool descending) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return descending ? std::isnan(a) && !std::isnan(b) : !std::isnan(a) && std::isnan(b);
  }
  return descending ? a > b : a < b;
}

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

// The position in row p[0..n) of its lower median: NaN's position if the row
// has one (unless `skip_nan`, which ignores NaNs; all NaN gives the first).
template <class T>
int64_t median_position(const T* p, int64_t n, bool skip_nan, std::vector<int64_t>& order) {
  order.resize(size_t(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  int64_t nans = 0;
  for (int64_t i = 0; i < n; ++i) nans += is_nan(p[i]);
  if (nans > 0 && (!skip_nan || nans == n)) {
    for (int64_t i = 0; i < n; ++i)
      if (is_nan(p[i])) return i;
  }
  int64_t m = n - nans;  // NaNs sort last, so the first m are the numbers
  auto k = order.begin() + (m - 1) / 2;
  std::nth_element(order.begin(), k, order.end(), [p](int64_t a, int64_t b) { return before(p[a], p[b], false); });
  for (int64_t i = 0; i < n; ++i)  // ties: the first occurrence, as PyTorch's CPU kernel returns
    if (p[i] == p[*k]) return i;
  return *k;
}

// d median = g shared evenly among the elements equal to it (NaN matching NaN)
Tensor median_all(const char* op, const char* node, const Tensor& x, bool skip_nan) {
  EMBER_CHECK(x.defined(), "{}: expected a defined tensor", op);
  EMBER_CHECK_INDEX(x.numel() > 0, "{}: expected a non-empty tensor, got shape {}", op, shape_str(x.shape()));
  Tensor flat = rows_along(reshape(x.detach(), {-1}), 0);
  Tensor out = make_tensor({}, x.dtype());
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::vector<int64_t> order;
    const T* p = flat.data_ptr<T>();
    out.data_ptr<T>()[0] = p[median_position(p, flat.numel(), skip_nan, order)];
  });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    record(node, {x}, out, [sx, so](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack(), m = so.unpack();
      Tensor ties = logical_or(eq(xv, m), logical_and(ne(xv, xv), ne(m, m)));
      return {where(ties, g[0] / sum(ties), zeros({}, g[0].dtype()))};
    });
  }
  return out;
}

// d median(dim) = g at the returned index, 0 elsewhere
std::tuple<Tensor, Tensor> median_dim(const char* op, const char* node, const Tensor& x, int64_t dim, bool keepdim,
                                      bool skip_nan) {
  EMBER_CHECK(x.defined(), "{}: expected a defined tensor", op);
  int64_t d = wrap_dim(dim, x.dim(), op);
  if (x.dim() == 0) return {median_all(op, node, x, skip_nan), zeros({}, kInt64)};
  EMBER_CHECK_INDEX(x.size(d) > 0, "{}: Expected reduction dim {} to have non-zero size, got shape {}", op, d,
                    shape_str(x.shape()));
  Tensor rows = rows_along(x.detach(), d);
  int64_t n = x.size(d), m = rows.numel() / n;
  Shape keep = x.shape(), row_keep = rows.shape();
  keep[d] = 1;
  row_keep.back() = 1;
  Tensor values = make_tensor(row_keep, x.dtype()), indices = make_tensor(row_keep, kInt64);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::vector<int64_t> order;
    const T* p = rows.data_ptr<T>();
    T* pv = values.data_ptr<T>();
    int64_t* pi = indices.data_ptr<int64_t>();
    for (int64_t r = 0; r < m; ++r) {
      int64_t k = median_position(p + r * n, n, skip_nan, order);
      pv[r] = p[r * n + k];
      pi[r] = k;
    }
  });
  values = from_rows(values, d);
  indices = from_rows(indices, d);
  if (!keepdim) {
    values = squeeze(values, d).detach();
    indices = squeeze(indices, d).detach();
  }
  if (any_requires_grad({&x})) {
    Shape pos_shape(size_t(x.dim()), 1);
    pos_shape[d] = n;
    SavedVariable si(indices, false);
    record(node, {x}, values, [si, keep, pos_shape, n](const tensor_list& g) -> tensor_list {
      Tensor chosen = eq(reshape(arange(n), pos_shape), reshape(si.unpack(), keep));
      return {where(chosen, reshape(g[0], keep), zeros({}, g[0].dtype()))};
    });
  }
  return {values, indices};
}

}  // namespace

Tensor argsort(const Tensor& x, int64_t dim, bool descending, bool /*stable: ties always keep their order*/) {
  EMBER_CHECK(x.defined(), "argsort: expected a defined tensor");
  int64_t d = wrap_dim(dim, x.dim(), "argsort");
  if (x.dim() == 0) return zeros({}, kInt64);
  Tensor rows = rows_along(x.detach(), d);
  int64_t n = x.size(d), m = n > 0 ? rows.numel() / n : 0;
  Tensor out = make_tensor(rows.shape(), kInt64);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = rows.data_ptr<T>();
    int64_t* po = out.data_ptr<int64_t>();
    for (int64_t r = 0; r < m; ++r) {
      int64_t* o = po + r * n;
      const T* q = p + r * n;
      std::iota(o, o + n, int64_t(0));
      std::stable_sort(o, o + n, [q, descending](int64_t a, int64_t b) { return before(q[a], q[b], descending); });
    }
  });
  return from_rows(out, d);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  EMBER_CHECK(x.defined(), "sort: expected a defined tensor");
  int64_t d = wrap_dim(dim, x.dim(), "sort");
  if (x.dim() == 0) return {clone(x), zeros({}, kInt64)};
  Tensor indices = argsort(x, d, descending, stable);
  return {gather(x, d, indices), indices};
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool /*sorted: always*/) {
  EMBER_CHECK(x.defined(), "topk: expected a defined tensor");
  int64_t d = wrap_dim(dim, x.dim(), "topk");
  int64_t n = x.dim() == 0 ? 1 : x.size(d);
  EMBER_CHECK_INDEX(k >= 0 && k <= n, "topk: selected index k out of range (k = {}, size of dim {} is {})", k, d, n);
  if (x.dim() == 0) return {k == 1 ? clone(x) : reshape(x, {0}), k == 1 ? zeros({}, kInt64) : zeros({0}, kInt64)};
  Tensor indices = narrow(argsort(x, d, largest), d, 0, k).contiguous();
  return {gather(x, d, indices), indices};
}

Tensor median(const Tensor& x) { return median_all("median", "MedianBackward0", x, false); }

std::tuple<Tensor, Tensor> median(const Tensor& x, int64_t dim, bool keepdim) {
  return median_dim("median", "MedianBackward1", x, dim, keepdim, false);
}

Tensor nanmedian(const Tensor& x) { return median_all("nanmedian", "NanmedianBackward0", x, true); }

std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, int64_t dim, bool keepdim) {
  return median_dim("nanmedian", "NanmedianBackward1", x, dim, keepdim, true);
}

// Not differentiable: a bool result.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool /*assume_unique*/, bool invert) {
  EMBER_CHECK(elements.defined() && test_elements.defined(), "isin: expected defined tensors");
  std::vector<double> tests = test_elements.to_vector();
  tests.erase(std::remove_if(tests.begin(), tests.end(), [](double v) { return std::isnan(v); }), tests.end());
  std::sort(tests.begin(), tests.end());
  std::vector<double> values = elements.to_vector();
  Tensor out = make_tensor(elements.shape(), kBool);
  bool* po = out.data_ptr<bool>();
  for (size_t i = 0; i < values.size(); ++i)
    po[i] = (!std::isnan(values[i]) && std::binary_search(tests.begin(), tests.end(), values[i])) != invert;
  return out;
}

}  // namespace ember
