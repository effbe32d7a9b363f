// Extremes: amax/amin (max or min value), max/min along a dim with the index,
// argmax/argmin, and logsumexp, shifted by the group max so exp never
// overflows. NaN wins, as in PyTorch. The driver is in ops/reduce_internal.h.
#include "ops/reduce.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce_internal.h"
#include "ops/shape.h"

namespace ember {

using namespace reduce_internal;

namespace {

// log(Σ exp(x - shift[k])) + shift[k]: the second pass of logsumexp.
template <class T>
struct ShiftedExpSumReducer {
  struct Acc {
    T shift = 0;
    double s = 0;
  };
  T* out;
  const double* shift;
  Acc init(int64_t k) const { return {T(shift[k]), 0.0}; }
  void step(Acc& a, T v, int64_t) const { a.s += std::exp(v - a.shift); }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    const T c = a.shift;
    a.s += sum_row(q, n, st, [c](T v) { return double(std::exp(v - c)); });
  }
  void merge(Acc& a, const Acc& b) const { a.s += b.s; }
  void write(int64_t k, const Acc& a) const { out[k] = T(std::log(a.s) + double(a.shift)); }
};

// Max (or min) value only, vectorizable: NaN is tracked apart and wins at the end.
template <class T, bool kMax, class V>
struct ExtremeValueReducer {
  // The identity of max/min: -inf/+inf for floats, the extreme value otherwise.
  static constexpr T kStart = std::numeric_limits<T>::has_infinity
                                  ? (kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity())
                                  : (kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max());
  struct Acc {
    T v = kStart;
    int nan = 0;  // an int, not a bool: GCC vectorizes an int |-reduction
  };
  V* out;
  static void visit(T& m, int& nan, T v) {
    m = kMax ? (v > m ? v : m) : (v < m ? v : m);
    if constexpr (std::is_floating_point_v<T>) nan |= int(v != v);
  }
  Acc init(int64_t) const { return {}; }
  void step(Acc& a, T v, int64_t) const { visit(a.v, a.nan, v); }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    T m = a.v;
    int nan = a.nan;
    if (st != 1) {
      for (int64_t i = 0; i < n; ++i) visit(m, nan, q[i * st]);
    } else if constexpr (kMax) {
#pragma omp simd reduction(max : m) reduction(| : nan)
      for (int64_t i = 0; i < n; ++i) visit(m, nan, q[i]);
    } else {
#pragma omp simd reduction(min : m) reduction(| : nan)
      for (int64_t i = 0; i < n; ++i) visit(m, nan, q[i]);
    }
    a.v = m;
    a.nan = nan;
  }
  void merge(Acc& a, const Acc& b) const {
    visit(a.v, a.nan, b.v);
    a.nan |= b.nan;
  }
  void write(int64_t k, const Acc& a) const {
    if constexpr (std::is_floating_point_v<T>)
      out[k] = a.nan ? V(NAN) : V(a.v);
    else
      out[k] = V(a.v);
  }
};

// Max (or min) and the position of its first occurrence; NaN wins, as in PyTorch.
template <class T, bool kMax, class V>
struct ExtremeReducer {
  struct Acc {
    T v{};
    int64_t i = -1;
  };
  V* values;         // may be null
  int64_t* indices;  // may be null
  static bool better(T v, T best) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(best)) return false;
      if (std::isnan(v)) return true;
    }
    return kMax ? v > best : v < best;
  }
  Acc init(int64_t) const { return {}; }
  void step(Acc& a, T v, int64_t r) const {
    if (a.i < 0 || better(v, a.v)) a = {v, r};
  }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t r) const {
    for (int64_t i = 0; i < n; ++i) step(a, q[i * st], r + i);
  }
  void merge(Acc& a, const Acc& b) const {
    if (b.i >= 0 && (a.i < 0 || better(b.v, a.v))) a = b;
  }
  void write(int64_t k, const Acc& a) const {
    if (values) values[k] = V(a.v);
    if (indices) indices[k] = a.i;
  }
};

// max/min have no identity: PyTorch rejects reducing an empty extent.
void check_nonempty(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  if (x.numel() != 0) return;
  EMBER_CHECK_INDEX(!dims.empty(),
                    "{}: expected a non-empty tensor when reducing over all dims; specify the reduction dim", op);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, x.dim(), op);
    EMBER_CHECK_INDEX(x.size(w) != 0, "{}: expected reduction dim {} to have non-zero size, got shape {}", op, w,
                      shape_str(x.shape()));
  }
}

Tensor extreme(const char* op, const char* node, bool is_max, const Tensor& x, const std::vector<int64_t>& dims,
               bool keepdim) {
  check_nonempty(op, x, dims);
  Reduction r = prepare(op, x, dims, keepdim);
  Tensor out = make_tensor(r.out_shape, x.dtype());
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (is_max)
      run<T>(ExtremeValueReducer<T, true, T>{out.data_ptr<T>()}, x, r.plan);
    else
      run<T>(ExtremeValueReducer<T, false, T>{out.data_ptr<T>()}, x, r.plan);
  });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    Shape keep = r.keep_shape;
    record(node, {x}, out, [sx, so, keep, dims](const tensor_list& g) -> tensor_list {
      // NaN ties with NaN, so an all-NaN group shares g evenly (PyTorch's evenly_distribute_backward).
      Tensor xv = sx.unpack(), ov = unreduce(so.unpack(), keep);
      Tensor ties = logical_or(eq(xv, ov), logical_and(ne(xv, xv), ne(ov, ov)));
      Tensor share = unreduce(g[0], keep) / sum(ties, dims, true);
      return {where(ties, share, zeros({}, share.dtype()))};
    });
  }
  return out;
}

std::tuple<Tensor, Tensor> extreme_dim(const char* op, const char* node, bool is_max, const Tensor& x, int64_t dim,
                                       bool keepdim) {
  check_nonempty(op, x, {dim});
  Reduction r = prepare(op, x, {dim}, keepdim);
  Tensor values = make_tensor(r.out_shape, x.dtype()), indices = make_tensor(r.out_shape, kInt64);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (is_max)
      run<T>(ExtremeReducer<T, true, T>{values.data_ptr<T>(), indices.data_ptr<int64_t>()}, x, r.plan);
    else
      run<T>(ExtremeReducer<T, false, T>{values.data_ptr<T>(), indices.data_ptr<int64_t>()}, x, r.plan);
  });
  if (any_requires_grad({&x})) {
    // The gradient goes to the chosen position along `dim`: g where arange(size) == index.
    int64_t d = wrap_dim(dim, x.dim(), op);
    Shape pos_shape(x.dim(), 1);
    if (x.dim() > 0) pos_shape[d] = x.size(d);
    SavedVariable si(indices, false);
    Shape keep = r.keep_shape;
    int64_t size = x.dim() > 0 ? x.size(d) : 1;
    record(node, {x}, values, [si, keep, pos_shape, size](const tensor_list& g) -> tensor_list {
      Tensor chosen = eq(reshape(arange(size), pos_shape), unreduce(si.unpack(), keep));
      return {where(chosen, unreduce(g[0], keep), zeros({}, g[0].dtype()))};
    });
  }
  return {values, indices};
}

Tensor arg_extreme(const char* op, bool is_max, const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  std::vector<int64_t> dims;
  if (dim) dims.push_back(*dim);
  check_nonempty(op, x, dims);
  Reduction r = prepare(op, x, dims, keepdim);
  Tensor indices = make_tensor(r.out_shape, kInt64);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (is_max)
      run<T>(ExtremeReducer<T, true, T>{nullptr, indices.data_ptr<int64_t>()}, x, r.plan);
    else
      run<T>(ExtremeReducer<T, false, T>{nullptr, indices.data_ptr<int64_t>()}, x, r.plan);
  });
  return indices;
}

}  // namespace

// d amax = g shared evenly among the elements equal to the max
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amax", "AmaxBackward0", true, x, dims, keepdim);
}

Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amin", "AminBackward0", false, x, dims, keepdim);
}

// d max(dim) = g at the returned index, 0 elsewhere
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("max", "MaxBackward0", true, x, dim, keepdim);
}

std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("min", "MinBackward0", false, x, dim, keepdim);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme("argmax", true, x, dim, keepdim);
}

Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme("argmin", false, x, dim, keepdim);
}

// d logsumexp = g exp(x - out)
Tensor logsumexp(const Tensor& x0, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor x = is_floating(x0.dtype()) ? x0 : to_dtype(x0, kFloat32);
  Reduction r = prepare("logsumexp", x, dims, keepdim);
  // Shift by the group max (0 where it is infinite, so inf - inf never happens).
  std::vector<double> shift(r.plan.M, 0.0);
  Tensor out = make_tensor(r.out_shape, x.dtype());
  dispatch_floating(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    run<T>(ExtremeValueReducer<T, true, double>{shift.data()}, x, r.plan);
    for (double& s : shift)
      if (std::isinf(s)) s = 0;
    run<T>(ShiftedExpSumReducer<T>{out.data_ptr<T>(), shift.data()}, x, r.plan);
  });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    Shape keep = r.keep_shape;
    record("LogsumexpBackward0", {x}, out, [sx, so, keep](const tensor_list& g) -> tensor_list {
      return {unreduce(g[0], keep) * exp(sx.unpack() - unreduce(so.unpack(), keep))};
    });
  }
  return out;
}

}  // namespace ember
