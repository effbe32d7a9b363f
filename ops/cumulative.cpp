// cumsum and cumprod: one pass per row of the dim moved last, accumulating in
// double (int64 for integers), as PyTorch's CPU kernels accumulate.
#include "ops/cumulative.h"

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

// The input in the result dtype: `dtype` if given, else int64 for integers and bool.
Tensor in_result_dtype(const char* op, const Tensor& x, std::optional<Dtype> dtype) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  Dtype d = dtype.value_or(x.is_floating_point() ? x.dtype() : kInt64);
  EMBER_CHECK_TYPE(d != kBool, "{}: expected a numeric result dtype, got bool", op);
  return x.dtype() == d ? x : to_dtype(x, d);
}

template <bool product>
Tensor scan(const Tensor& x, int64_t d) {
  if (x.dim() == 0) return clone(x.detach());
  Tensor rows = rows_along(x.detach(), d);
  Tensor out = make_tensor(rows.shape(), x.dtype());
  int64_t n = x.size(d), m = n > 0 ? rows.numel() / n : 0;
  dispatch_numeric(x.dtype(), product ? "cumprod" : "cumsum", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* p = rows.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (int64_t r = 0; r < m; ++r) {
      Acc acc = product ? 1 : 0;
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (product) acc *= Acc(p[r * n + i]);
        else acc += Acc(p[r * n + i]);
        po[r * n + i] = T(acc);
      }
    }
  });
  return from_rows(out, d);
}

// Sum from the end: r[i] = g[i] + ... + g[n-1].
Tensor reverse_cumsum(const Tensor& g, int64_t d) { return flip(cumsum(flip(g, {d}), d), {d}); }

}  // namespace

// d cumsum = the reverse cumulative sum of g
Tensor cumsum(const Tensor& x0, int64_t dim, std::optional<Dtype> dtype) {
  Tensor x = in_result_dtype("cumsum", x0, dtype);
  int64_t d = wrap_dim(dim, x.dim(), "cumsum");
  Tensor out = scan<false>(x, d);
  if (any_requires_grad({&x})) {
    record("CumsumBackward0", {x}, out, [d](const tensor_list& g) -> tensor_list {
      return {g[0].dim() == 0 ? g[0] : reverse_cumsum(g[0], d)};
    });
  }
  return out;
}

// d cumprod: x_i's gradient is E_i s_i, with E_i = x_0 ... x_{i-1} (the
// exclusive product) and s_i = g_i + x_{i+1} s_{i+1}; without zeros this is
// reverse_cumsum(g y) / x, one op instead of a loop over the dim.
Tensor cumprod(const Tensor& x0, int64_t dim, std::optional<Dtype> dtype) {
  Tensor x = in_result_dtype("cumprod", x0, dtype);
  int64_t d = wrap_dim(dim, x.dim(), "cumprod");
  Tensor out = scan<true>(x, d);
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    record("CumprodBackward0", {x}, out, [sx, so, d](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack(), y = so.unpack(), gy = g[0];
      if (xv.dim() == 0 || xv.size(d) == 0) return {gy};
      if (all(ne(xv.detach(), zeros({}, xv.dtype()))).item<bool>()) return {reverse_cumsum(gy * y, d) / xv};
      int64_t n = xv.size(d);
      tensor_list gs = unbind(gy, d), xs = unbind(xv, d);
      tensor_list s(static_cast<size_t>(n));
      s[size_t(n - 1)] = gs[size_t(n - 1)];
      for (int64_t i = n - 2; i >= 0; --i) s[size_t(i)] = gs[size_t(i)] + xs[size_t(i + 1)] * s[size_t(i + 1)];
      Tensor exclusive = cat({ones_like(narrow(y, d, 0, 1)), narrow(y, d, 0, n - 1)}, d);
      return {exclusive * stack(s, d)};
    });
  }
  return out;
}

}  // namespace ember
