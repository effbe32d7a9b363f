// softmax / log_softmax: the input is seen as (outer, n, inner) around `dim`;
// each (outer, inner) lane is max-shifted, exponentiated and summed in one
// kernel, OpenMP over `outer`, with the inner loop vectorizable over `inner`.
#include "ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/node.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/parallel.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/vec_math.h"

namespace ember {
namespace {

// y = softmax (or log_softmax) of contiguous x along `dim`.
Tensor softmax_kernel(const char* op, const Tensor& x, int64_t dim, bool log_form) {
  Tensor out = make_tensor(x.shape(), x.dtype());
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < dim) outer *= x.size(d);
    else if (d == dim) n = x.size(d);
    else inner *= x.size(d);
  }
  if (x.numel() == 0) return out;
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = out.data_ptr<T>();
    parallel_for(outer, outer * n * inner >= kMultiPassGrain, [&](int64_t o) {
      const T* xo = px + o * n * inner;
      T* yo = py + o * n * inner;
      std::vector<T> mx(size_t(inner), -std::numeric_limits<T>::infinity()), sum(size_t(inner), T(0));
      for (int64_t k = 0; k < n; ++k)
        for (int64_t i = 0; i < inner; ++i) mx[i] = std::max(mx[i], xo[k * inner + i]);
      for (int64_t k = 0; k < n; ++k) {
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) {
          T e = vec::exp(xo[k * inner + i] - mx[i]);
          sum[i] += e;
          if (!log_form) yo[k * inner + i] = e;
        }
      }
      for (int64_t i = 0; i < inner; ++i) {
        if (log_form) sum[i] = mx[i] + std::log(sum[i]);  // log-sum-exp
        else sum[i] = T(1) / sum[i];
      }
      for (int64_t k = 0; k < n; ++k) {
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) {
          if (log_form) yo[k * inner + i] = xo[k * inner + i] - sum[i];
          else yo[k * inner + i] *= sum[i];
        }
      }
    });
  });
  return out;
}

// The options' dim, or PyTorch's implicit choice (_get_softmax_dim) with its deprecation warning.
int64_t softmax_dim(const char* op, const Tensor& input, const SoftmaxFuncOptions& options) {
  EMBER_CHECK(input.defined(), "{}: expected a defined input tensor", op);
  if (options.dim()) return wrap_dim(*options.dim(), std::max<int64_t>(input.dim(), 1), op);
  const int64_t dim = (input.dim() == 0 || input.dim() == 1 || input.dim() == 3) ? 0 : 1;
  warn(
      fmt::format("Implicit dimension choice for {} has been deprecated. Change the call to include dim=X as "
                  "an argument.",
                  op));
  return dim;
}

// The input cast to the options' dtype, laid out for the kernel.
Tensor softmax_input(const char* op, const Tensor& input, const SoftmaxFuncOptions& options) {
  Tensor x = options.dtype() ? input.to(*options.dtype()) : input;
  dispatch_floating(x.dtype(), op, [](auto) {});
  return contiguous(x);
}

}  // namespace

// dx = y (g - sum(g y, dim))
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  const int64_t d = softmax_dim("softmax", input, options);
  Tensor x = softmax_input("softmax", input, options);
  Tensor out = softmax_kernel("softmax", x, d, false);
  if (any_requires_grad({&x})) {
    SavedVariable so(out, true);
    bool scalar = x.dim() == 0;
    record("SoftmaxBackward0", {x}, out, [so, d, scalar](const tensor_list& g) -> tensor_list {
      Tensor y = so.unpack();
      if (scalar) return {g[0] * 0.0};
      return {y * (g[0] - sum(g[0] * y, {d}, true))};
    });
  }
  return out;
}

// dx = g - exp(y) sum(g, dim)
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  const int64_t d = softmax_dim("log_softmax", input, options);
  Tensor x = softmax_input("log_softmax", input, options);
  Tensor out = softmax_kernel("log_softmax", x, d, true);
  if (any_requires_grad({&x})) {
    SavedVariable so(out, true);
    bool scalar = x.dim() == 0;
    record("LogSoftmaxBackward0", {x}, out, [so, d, scalar](const tensor_list& g) -> tensor_list {
      Tensor y = so.unpack();
      if (scalar) return {g[0] * 0.0};
      return {g[0] - exp(y) * sum(g[0], {d}, true)};
    });
  }
  return out;
}

}  // namespace ember
