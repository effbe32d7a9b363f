// Reductions that sum or multiply: sum, mean, sum_to, trace, prod, and the
// logical all/any. The driver they share with ops/reduce_stats.cpp (var, std)
// and ops/reduce_extreme.cpp (max, min, arg*, logsumexp) is in
// ops/reduce_internal.h. Backward rules below each op use differentiable ops only.
#include "ops/reduce.h"

#include <type_traits>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce_internal.h"
#include "ops/shape.h"

namespace ember {
namespace {

void push_dim(Shape& shape, Strides& strides, int64_t size, int64_t stride) {
  if (!shape.empty() && strides.back() == stride * size) {
    shape.back() *= size;
    strides.back() = stride;
  } else {
    shape.push_back(size);
    strides.push_back(stride);
  }
}

}  // namespace

namespace reduce_internal {

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

}  // namespace reduce_internal

using namespace reduce_internal;

namespace {

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
      if (st == 1) {  // a strided row would vectorize only as gathers, which clang refuses (and warns)
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < n; ++i) s += A(q[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) s += A(q[i * st]);
      }
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

}  // namespace

namespace reduce_internal {

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

std::vector<double> group_means(const Tensor& x, const Reduction& r) {
  std::vector<double> m(r.plan.M);
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    run<T>(SumReducer<T, double, double>{m.data(), double(r.plan.N)}, x, r.plan);
  });
  return m;
}

Tensor unreduce(const Tensor& g, const Shape& keep_shape) {
  // A 0-d gradient (of a full reduction) or one already in keep's shape
  // broadcasts as it is: no view is recorded, as in PyTorch's sum backward.
  if (g.dim() == 0 || g.shape() == keep_shape) return g;
  return reshape(g, keep_shape);
}

Tensor mean_backward(const Tensor& g, const Shape& keep, const Shape& shape, double n) {
  return expand(unreduce(g / n, keep), shape);
}

}  // namespace reduce_internal

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
