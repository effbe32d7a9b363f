// Reductions. Every op splits its input's dims into kept and reduced ones
// (coalesced), then one driver walks them in the cheapest order and hands the
// elements to a small "reducer" (sum, squared deviation, extreme with index,
// shifted exp-sum). Backward rules below each op use differentiable ops only.
#include "ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include <omp.h>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {
namespace {

// Kept dims K and reduced dims R, each coalesced and in x's order; output
// element k (row-major over K) reduces the N elements r (row-major over R).
struct Plan {
  Shape kshape, rshape;
  Strides kstride, rstride;
  int64_t M = 1, N = 1;
};

struct Reduction {
  Shape keep_shape;  // x's shape with reduced dims set to 1
  Shape out_shape;   // keep_shape, or without the reduced dims unless keepdim
  Plan plan;
};

void push_dim(Shape& shape, Strides& strides, int64_t size, int64_t stride) {
  if (!shape.empty() && strides.back() == stride * size) {
    shape.back() *= size;
    strides.back() = stride;
  } else {
    shape.push_back(size);
    strides.push_back(stride);
  }
}

Reduction prepare(const char* op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  EMBER_CHECK(x.defined(), "{}: expected a defined tensor", op);
  const int64_t nd = x.dim();
  std::vector<bool> mask(nd, dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, nd, op);
    if (nd == 0) continue;  // a 0-d tensor accepts dim 0 / -1 and has nothing to reduce
    EMBER_CHECK(!mask[w], "{}: dim {} appears multiple times in the list of dims", op, w);
    mask[w] = true;
  }
  Reduction r;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t size = x.size(d), stride = x.stride(d);
    r.keep_shape.push_back(mask[d] ? 1 : size);
    if (!mask[d] || keepdim) r.out_shape.push_back(mask[d] ? 1 : size);
    (mask[d] ? r.plan.N : r.plan.M) *= size;
    if (size == 1) continue;
    if (mask[d])
      push_dim(r.plan.rshape, r.plan.rstride, size, stride);
    else
      push_dim(r.plan.kshape, r.plan.kstride, size, stride);
  }
  return r;
}

// Element offset of multi-index `i` (row-major over `shape`).
int64_t offset_of(int64_t i, const Shape& shape, const Strides& strides) {
  int64_t off = 0;
  for (size_t d = shape.size(); d-- > 0;) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

// Feeds elements r0..r1 (row-major over R) of the group starting at `base` to acc.
template <class T, class Red>
void accumulate(const Red& red, typename Red::Acc& acc, const T* base, const Plan& p, int64_t r0, int64_t r1) {
  if (p.rshape.empty()) {
    if (r0 < r1) red.step(acc, base[0], 0);
    return;
  }
  const int64_t inner = p.rshape.back(), st = p.rstride.back();
  for (int64_t r = r0; r < r1;) {
    const int64_t i0 = r % inner, len = std::min(inner - i0, r1 - r);
    red.row(acc, base + offset_of(r, p.rshape, p.rstride), len, st, r);
    r += len;
  }
}

// Outputs per block in the column mode: their accumulators stay in L1.
constexpr int64_t kColumnBlock = 512;

// Runs `red` over x: out k receives init(k), every element of its group, write(k).
template <class T, class Red>
void run(const Red& red, const Tensor& x, const Plan& p) {
  using Acc = typename Red::Acc;
  const T* px = x.data_ptr<T>();
  const bool big = p.M * p.N >= kParallelGrain;
  if (p.M == 0) return;
  if (p.M == 1) {
    // Everything into one output: threads take contiguous ranges of r, merged in order.
    const int64_t chunks = big ? std::min<int64_t>(omp_get_max_threads(), p.N / 4096 + 1) : 1;
    std::vector<Acc> part(chunks, red.init(0));
    parallel_for(chunks, chunks > 1,
                 [&](int64_t c) { accumulate(red, part[c], px, p, p.N * c / chunks, p.N * (c + 1) / chunks); });
    for (int64_t c = 1; c < chunks; ++c) red.merge(part[0], part[c]);
    red.write(0, part[0]);
    return;
  }
  const bool columns = !p.rshape.empty() && p.kstride.back() == 1 && p.rstride.back() != 1;
  if (!columns) {
    // Each output's group in turn (reduced dims innermost, e.g. the last dim).
    parallel_for(p.M, big, [&](int64_t k) {
      Acc acc = red.init(k);
      accumulate(red, acc, px + offset_of(k, p.kshape, p.kstride), p, 0, p.N);
      red.write(k, acc);
    });
    return;
  }
  // The innermost kept dim is contiguous (e.g. reducing dim 0): sweep the
  // reduced elements once, updating a block of neighbouring outputs per element.
  const int64_t L = p.kshape.back(), blocks = (L + kColumnBlock - 1) / kColumnBlock, rows = p.M / L;
  const Shape oshape(p.kshape.begin(), p.kshape.end() - 1);
  const Strides ostride(p.kstride.begin(), p.kstride.end() - 1);
  const int64_t inner = p.rshape.back(), st = p.rstride.back();
  parallel_for(rows * blocks, big, [&](int64_t item) {
    const int64_t row = item / blocks, j0 = (item % blocks) * kColumnBlock, len = std::min(kColumnBlock, L - j0);
    const int64_t k0 = row * L + j0;
    const T* base = px + offset_of(row, oshape, ostride) + j0;
    std::vector<Acc> acc(len);
    for (int64_t j = 0; j < len; ++j) acc[j] = red.init(k0 + j);
    for (int64_t r = 0; r < p.N; r += inner) {
      const T* q = base + offset_of(r, p.rshape, p.rstride);
      for (int64_t i = 0; i < inner; ++i)
        for (int64_t j = 0; j < len; ++j) red.step(acc[j], q[i * st + j], r + i);
    }
    for (int64_t j = 0; j < len; ++j) red.write(k0 + j, acc[j]);
  });
}

// Σ f(q[i·st]) in double over independent partial sums: one accumulator
// would leave the loop bound by the latency of each add.
template <class T, class F>
double sum_row(const T* q, int64_t n, int64_t st, F f) {
  constexpr int64_t kLanes = 8;
  double part[kLanes] = {};
  int64_t i = 0;
  if (st == 1) {
    for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
      for (int64_t l = 0; l < kLanes; ++l) part[l] += f(q[i + l]);
    }
  }
  for (; i < n; ++i) part[0] += f(q[i * st]);
  double s = 0;
  for (double p : part) s += p;
  return s;
}

// Sum in A (double for floats, int64 for integers), divided by `div` (mean).
template <class T, class A, class R>
struct SumReducer {
  using Acc = A;
  R* out;
  double div;
  Acc init(int64_t) const { return 0; }
  void step(Acc& a, T v, int64_t) const { a += A(v); }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    if constexpr (std::is_floating_point_v<A>) {
      a += sum_row(q, n, st, [](T v) { return double(v); });
    } else {
      A s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < n; ++i) s += A(q[i * st]);
      a += s;
    }
  }
  void merge(Acc& a, const Acc& b) const { a += b; }
  void write(int64_t k, const Acc& a) const {
    if constexpr (std::is_integral_v<A>)
      out[k] = R(a);
    else
      out[k] = R(a / div);
  }
};

// Sum of (x - center[k])² divided by `div`: the second pass of var.
template <class T>
struct SquaredDeviationReducer {
  struct Acc {
    double center = 0, s = 0;
  };
  T* out;
  const double* center;
  double div;
  Acc init(int64_t k) const { return {center[k], 0.0}; }
  void step(Acc& a, T v, int64_t) const {
    double d = double(v) - a.center;
    a.s += d * d;
  }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    const double c = a.center;
    a.s += sum_row(q, n, st, [c](T v) { return (double(v) - c) * (double(v) - c); });
  }
  void merge(Acc& a, const Acc& b) const { a.s += b.s; }
  void write(int64_t k, const Acc& a) const { out[k] = T(a.s / div); }
};

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

// Product in A (double for floats, int64 for integers and bools).
template <class T, class A, class R>
struct ProdReducer {
  using Acc = A;
  R* out;
  Acc init(int64_t) const { return 1; }
  void step(Acc& a, T v, int64_t) const { a *= A(v); }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    for (int64_t i = 0; i < n; ++i) a *= A(q[i * st]);
  }
  void merge(Acc& a, const Acc& b) const { a *= b; }
  void write(int64_t k, const Acc& a) const { out[k] = R(a); }
};

// Whether all (kAll) or any of the elements are nonzero; NaN counts as nonzero.
template <class T, bool kAll>
struct LogicalReducer {
  using Acc = int;  // not bool: the drivers keep accumulators in std::vector
  bool* out;
  Acc init(int64_t) const { return kAll; }
  void step(Acc& a, T v, int64_t) const { a = kAll ? (a && v != T(0)) : (a || v != T(0)); }
  void row(Acc& a, const T* q, int64_t n, int64_t st, int64_t) const {
    for (int64_t i = 0; i < n && a == int(kAll); ++i) step(a, q[i * st], 0);
  }
  void merge(Acc& a, const Acc& b) const { a = kAll ? (a && b) : (a || b); }
  void write(int64_t k, const Acc& a) const { out[k] = a != 0; }
};

// Kernel sum/mean into a fresh tensor of `shape` (same numel as the output).
Tensor sum_kernel(const Tensor& x, const Reduction& r, const Shape& shape, bool mean) {
  Dtype od = is_floating(x.dtype()) ? x.dtype() : kInt64;
  Tensor out = make_tensor(shape, od);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    using R = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    run<T>(SumReducer<T, A, R>{out.data_ptr<R>(), mean ? double(r.plan.N) : 1.0}, x, r.plan);
  });
  return out;
}

// Group means in double, one per output (the first pass of var).
std::vector<double> group_means(const Tensor& x, const Reduction& r) {
  std::vector<double> m(r.plan.M);
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    run<T>(SumReducer<T, double, double>{m.data(), double(r.plan.N)}, x, r.plan);
  });
  return m;
}

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

// The gradient of a reduced output, viewed with size-1 reduced dims so it broadcasts against x.
Tensor unreduce(const Tensor& g, const Shape& keep_shape) {
  // A 0-d gradient (of a full reduction) or one already in keep's shape
  // broadcasts as it is: no view is recorded, as in PyTorch's sum backward.
  if (g.dim() == 0 || g.shape() == keep_shape) return g;
  return reshape(g, keep_shape);
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

// d sum = g broadcast back over the reduced dims
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Reduction r = prepare("sum", x, dims, keepdim);
  Tensor out = sum_kernel(x, r, r.out_shape, false);
  if (any_requires_grad({&x})) {
    Shape keep = r.keep_shape, shape = x.shape();
    const char* name = dims.empty() ? "SumBackward0" : "SumBackward1";
    record(name, {x}, out, [keep, shape](const tensor_list& g) -> tensor_list {
      return {expand(unreduce(g[0], keep), shape)};
    }, Saves::None);
  }
  return out;
}

// d mean = g / N broadcast back over the reduced dims
namespace {
// d mean = g / N, spread over the reduced dims; `keep`: the result's shape with those dims kept as 1.
Tensor mean_backward(const Tensor& g, const Shape& keep, const Shape& shape, double n) {
  return expand(unreduce(g / n, keep), shape);
}

// d var = g 2 (x - mean) / (N - correction)
Tensor var_backward(const Tensor& g, const Tensor& x, const std::vector<int64_t>& dims, const Shape& keep,
                    double div) {
  return unreduce(g, keep) * (x - mean(x, dims, true)) * (2.0 / div);
}

// d std = g (x - mean) / ((N - correction) std), 0 where std = 0 (as PyTorch)
Tensor std_backward(const Tensor& g, const Tensor& x, const Tensor& std_out, const std::vector<int64_t>& dims,
                    const Shape& keep, double div) {
  Tensor s = unreduce(std_out, keep);
  Tensor scale = where(eq(s, zeros({}, s.dtype())), zeros({}, s.dtype()), unreduce(g, keep) / (s * div));
  return scale * (x - mean(x, dims, true));
}
}  // namespace

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  check_floating("mean", x);
  Reduction r = prepare("mean", x, dims, keepdim);
  Tensor out = sum_kernel(x, r, r.out_shape, true);
  if (any_requires_grad({&x})) {
    Shape keep = r.keep_shape, shape = x.shape();
    double n = double(r.plan.N);
    const char* name = dims.empty() ? "MeanBackward0" : "MeanBackward1";
    record(name, {x}, out, [keep, shape, n](const tensor_list& g) -> tensor_list {
      return {mean_backward(g[0], keep, shape, n)};
    }, Saves::None);
  }
  return out;
}

namespace {
// Σ(x - mean)² / max(N - correction, 0), in two passes over x.
Tensor var_kernel(const Tensor& x, const Reduction& r, int64_t correction) {
  std::vector<double> m = group_means(x, r);
  Tensor out = make_tensor(r.out_shape, x.dtype());
  double div = double(std::max<int64_t>(r.plan.N - correction, 0));
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    run<T>(SquaredDeviationReducer<T>{out.data_ptr<T>(), m.data(), div}, x, r.plan);
  });
  return out;
}
}  // namespace

// d var = g · 2 (x - mean) / (N - correction)
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  check_floating("var", x);
  Reduction r = prepare("var", x, dims, keepdim);
  Tensor out = var_kernel(x, r, correction);
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    Shape keep = r.keep_shape;
    double div = double(std::max<int64_t>(r.plan.N - correction, 0));
    record("VarBackward0", {x}, out, [sx, keep, dims, div](const tensor_list& g) -> tensor_list {
      return {var_backward(g[0], sx.unpack(), dims, keep, div)};
    });
  }
  return out;
}

Tensor std(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  check_floating("std", x);
  Reduction r = prepare("std", x, dims, keepdim);
  Tensor out = sqrt(var_kernel(x, r, correction));
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    Shape keep = r.keep_shape;
    double div = double(std::max<int64_t>(r.plan.N - correction, 0));
    record("StdBackward0", {x}, out, [sx, so, keep, dims, div](const tensor_list& g) -> tensor_list {
      return {std_backward(g[0], sx.unpack(), so.unpack(), dims, keep, div)};
    });
  }
  return out;
}

// var_mean and std_mean: one node with two outputs (as PyTorch's, so a node hook
// sees both gradients); each gradient is var's (std's) plus mean's.
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction,
                                    bool keepdim) {
  check_floating("var_mean", x);
  Reduction r = prepare("var_mean", x, dims, keepdim);
  Tensor v = var_kernel(x, r, correction), m = sum_kernel(x, r, r.out_shape, true);
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    Shape keep = r.keep_shape, shape = x.shape();
    double n = double(r.plan.N), div = double(std::max<int64_t>(r.plan.N - correction, 0));
    record_multi("VarMeanBackward0", {x}, {v, m}, [sx, keep, shape, dims, n, div](const tensor_list& g) {
      return tensor_list{var_backward(g[0], sx.unpack(), dims, keep, div) + mean_backward(g[1], keep, shape, n)};
    });
  }
  return {v, m};
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction,
                                    bool keepdim) {
  check_floating("std_mean", x);
  Reduction r = prepare("std_mean", x, dims, keepdim);
  Tensor s = sqrt(var_kernel(x, r, correction)), m = sum_kernel(x, r, r.out_shape, true);
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), ss(s, true, 0);
    Shape keep = r.keep_shape, shape = x.shape();
    double n = double(r.plan.N), div = double(std::max<int64_t>(r.plan.N - correction, 0));
    record_multi("StdMeanBackward0", {x}, {s, m}, [sx, ss, keep, shape, dims, n, div](const tensor_list& g) {
      return tensor_list{std_backward(g[0], sx.unpack(), ss.unpack(), dims, keep, div) +
                         mean_backward(g[1], keep, shape, n)};
    });
  }
  return {s, m};
}

namespace {
// all/any into a bool tensor; not differentiable (a bool result has no gradient).
template <bool kAll>
Tensor logical_reduce(const char* op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Reduction r = prepare(op, x, dims, keepdim);
  Tensor out = make_tensor(r.out_shape, kBool);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    run<T>(LogicalReducer<T, kAll>{out.data_ptr<bool>()}, x, r.plan);
  });
  return out;
}

// dim=(): nothing reduced, each element tested on its own.
Tensor logical_elementwise(const char* op, const Tensor& x) {
  EMBER_CHECK(x.defined(), "{}: expected a defined tensor", op);
  return to_dtype(x, kBool);
}
}  // namespace

Tensor all(const Tensor& x) { return logical_reduce<true>("all", x, {}, false); }
Tensor all(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return dims.empty() ? logical_elementwise("all", x) : logical_reduce<true>("all", x, dims, keepdim);
}
Tensor any(const Tensor& x) { return logical_reduce<false>("any", x, {}, false); }
Tensor any(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return dims.empty() ? logical_elementwise("any", x) : logical_reduce<false>("any", x, dims, keepdim);
}

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

namespace {
Tensor prod_over(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);

// d prod = g · (product of the other elements of the group): prod / x without
// zeros; with one zero, the product of the rest at the zero and 0 elsewhere; 0
// with several (PyTorch's prod_backward). `dims` empty: every element.
Tensor prod_backward(const Tensor& g, const Tensor& x, const std::vector<int64_t>& dims, const Shape& keep) {
  Tensor zero = zeros({}, x.dtype());
  Tensor is_zero = eq(x, zero);
  Tensor safe = where(is_zero, ones({}, x.dtype()), x);
  Tensor rest = prod_over(safe, dims, true);
  Tensor count = sum(is_zero, dims, true);
  Tensor others = where(is_zero, rest, rest / safe);
  Tensor wanted = logical_or(eq(count, wrap_scalar(0, count)), logical_and(eq(count, wrap_scalar(1, count)), is_zero));
  return where(wanted, unreduce(g, keep) * others, zero);
}

Tensor prod_over(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Reduction r = prepare("prod", x, dims, keepdim);
  Dtype od = is_floating(x.dtype()) ? x.dtype() : kInt64;
  Tensor out = make_tensor(r.out_shape, od);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    using R = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    run<T>(ProdReducer<T, A, R>{out.data_ptr<R>()}, x, r.plan);
  });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    Shape keep = r.keep_shape;
    record(dims.empty() ? "ProdBackward0" : "ProdBackward1", {x}, out,
           [sx, dims, keep](const tensor_list& g) -> tensor_list { return {prod_backward(g[0], sx.unpack(), dims, keep)}; });
  }
  return out;
}
}  // namespace

Tensor prod(const Tensor& x) { return prod_over(x, {}, false); }

Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_CHECK(x.defined(), "prod: expected a defined tensor");
  wrap_dim(dim, x.dim(), "prod");
  return prod_over(x, {dim}, keepdim);
}

// trace = sum(diagonal(x)); its gradient is theirs
Tensor trace(const Tensor& x) {
  EMBER_CHECK(x.defined() && x.dim() == 2, "trace: expected a matrix, but got tensor with dim {}",
              x.defined() ? x.dim() : 0);
  return sum(diagonal(x));
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

// d sum_to = g expanded back to x's shape
Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - int64_t(shape.size());
  bool ok = lead >= 0;
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim() && ok; ++d) {
    if (d < lead) {
      dims.push_back(d);
    } else if (shape[d - lead] != x.size(d)) {
      ok = shape[d - lead] == 1;
      dims.push_back(d);
    }
  }
  EMBER_CHECK(ok, "sum_to: expected a shape that broadcasts to {}, got {}", shape_str(x.shape()), shape_str(shape));
  Reduction r = prepare("sum_to", x, dims, true);
  Tensor out = sum_kernel(x, r, shape, false);
  if (any_requires_grad({&x})) {
    Shape xs = x.shape();
    record("SumToBackward0", {x}, out, [xs](const tensor_list& g) -> tensor_list { return {expand(g[0], xs)}; },
           Saves::None);
  }
  return out;
}

}  // namespace ember
