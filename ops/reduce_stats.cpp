// Variance and standard deviation (var, std, var_mean, std_mean): two passes
// over x through the driver of ops/reduce_internal.h, the group means, then
// the squared deviations from them. Backward rules use differentiable ops only.
#include "ops/reduce.h"

#include <algorithm>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce_internal.h"

namespace ember {

using namespace reduce_internal;

namespace {

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

// Compositions: the gradient is g where x is not NaN (nanmean: divided by the count).
Tensor nansum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  EMBER_CHECK(x.defined(), "nansum: expected a defined input tensor");
  if (!x.is_floating_point()) return sum(x, dims, keepdim);
  return sum(where(eq(x, x), x, 0.0), dims, keepdim);
}

Tensor nanmean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  EMBER_CHECK(x.defined(), "nanmean: expected a defined input tensor");
  EMBER_CHECK_TYPE(x.is_floating_point(), "nanmean(): expected input to have floating point dtype but got {}",
                   dtype_name(x.dtype()));
  Tensor present = eq(x, x);
  return nansum(x, dims, keepdim) / sum(to_dtype(present, x.dtype()), dims, keepdim);
}

Tensor count_nonzero(const Tensor& x, const std::vector<int64_t>& dims) {
  EMBER_CHECK(x.defined(), "count_nonzero: expected a defined input tensor");
  return sum(ne(x, zeros({}, x.dtype())), dims);
}

}  // namespace ember
