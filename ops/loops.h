// Loops over strided operands, shared by every elementwise kernel: a flat
// vectorizable loop when all operands are contiguous, otherwise a walk over
// coalesced dimensions with per-operand strides (0 on broadcast dims). Both
// split across OpenMP threads once the work is large enough to pay for it.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/tensor.h"
#include "ops/parallel.h"

namespace ember {

/// Calls inner(offsets, n, inner_strides) for every innermost row of `shape`,
/// where offsets[k] is operand k's element offset of the row's first element.
template <size_t K, class Inner>
void strided_rows(const Shape& shape, const std::array<Strides, K>& strides, Inner&& inner) {
  // Coalesce: drop size-1 dims, merge a dim into the next when every operand allows it.
  Shape dims;
  std::array<Strides, K> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < K && merge; ++k) merge = st[k].back() == strides[k][d] * shape[d];
    if (merge) {
      dims.back() *= shape[d];
      for (size_t k = 0; k < K; ++k) st[k].back() = strides[k][d];
    } else {
      dims.push_back(shape[d]);
      for (size_t k = 0; k < K; ++k) st[k].push_back(strides[k][d]);
    }
  }
  std::array<int64_t, K> inner_strides{};
  if (dims.empty()) {
    inner(std::array<int64_t, K>{}, int64_t(1), inner_strides);
    return;
  }
  int64_t n = dims.back();
  for (size_t k = 0; k < K; ++k) inner_strides[k] = st[k].back();
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < dims.size(); ++d) rows *= dims[d];
  int64_t outer_dims = int64_t(dims.size()) - 1;
  parallel_for(rows, rows * n >= kParallelGrain, [&](int64_t r) {
    std::array<int64_t, K> off{};
    int64_t rem = r;
    for (int64_t d = outer_dims - 1; d >= 0; --d) {
      int64_t i = rem % dims[d];
      rem /= dims[d];
      for (size_t k = 0; k < K; ++k) off[k] += i * st[k][d];
    }
    inner(off, n, inner_strides);
  });
}

/// out[i] = f(x[i]); `out` is contiguous with x's shape.
template <class R, class T, class F>
void map_unary(R* out, const Tensor& x, F f) {
  const T* px = static_cast<const T*>(x.storage()->data()) + x.storage_offset();
  int64_t n = x.numel();
  if (x.is_contiguous()) {
    parallel_for_simd(n, [&](int64_t i) { out[i] = f(px[i]); });
    return;
  }
  strided_rows<2>(x.shape(), {contiguous_strides(x.shape()), x.strides()},
                  [&](const std::array<int64_t, 2>& off, int64_t len, const std::array<int64_t, 2>& s) {
                    R* o = out + off[0];
                    const T* a = px + off[1];
                    for (int64_t i = 0; i < len; ++i) o[i * s[0]] = f(a[i * s[1]]);
                  });
}

/// out[i] = f(a[i], b[i]) with a and b broadcast to `shape`; `out` contiguous.
template <class R, class A, class B, class F>
void map_binary(R* out, const Shape& shape, const Tensor& a, const Tensor& b, F f) {
  const A* pa = static_cast<const A*>(a.storage()->data()) + a.storage_offset();
  const B* pb = static_cast<const B*>(b.storage()->data()) + b.storage_offset();
  int64_t n = numel_of(shape);
  if (a.is_contiguous() && b.is_contiguous() && a.shape() == shape && b.shape() == shape) {
    parallel_for_simd(n, [&](int64_t i) { out[i] = f(pa[i], pb[i]); });
    return;
  }
  if (a.is_contiguous() && a.shape() == shape && b.numel() == 1) {
    const B vb = *pb;
    parallel_for_simd(n, [&](int64_t i) { out[i] = f(pa[i], vb); });
    return;
  }
  strided_rows<3>(shape,
                  {contiguous_strides(shape), broadcast_strides(a.shape(), a.strides(), shape),
                   broadcast_strides(b.shape(), b.strides(), shape)},
                  [&](const std::array<int64_t, 3>& off, int64_t len, const std::array<int64_t, 3>& s) {
                    R* o = out + off[0];
                    const A* x = pa + off[1];
                    const B* y = pb + off[2];
                    for (int64_t i = 0; i < len; ++i) o[i * s[0]] = f(x[i * s[1]], y[i * s[2]]);
                  });
}

/// out[i] = f(a[i], b[i], c[i]) with all three broadcast to `shape`; `out` contiguous.
template <class R, class A, class B, class C, class F>
void map_ternary(R* out, const Shape& shape, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  const A* pa = static_cast<const A*>(a.storage()->data()) + a.storage_offset();
  const B* pb = static_cast<const B*>(b.storage()->data()) + b.storage_offset();
  const C* pc = static_cast<const C*>(c.storage()->data()) + c.storage_offset();
  strided_rows<4>(shape,
                  {contiguous_strides(shape), broadcast_strides(a.shape(), a.strides(), shape),
                   broadcast_strides(b.shape(), b.strides(), shape), broadcast_strides(c.shape(), c.strides(), shape)},
                  [&](const std::array<int64_t, 4>& off, int64_t len, const std::array<int64_t, 4>& s) {
                    R* o = out + off[0];
                    const A* x = pa + off[1];
                    const B* y = pb + off[2];
                    const C* z = pc + off[3];
                    for (int64_t i = 0; i < len; ++i) o[i * s[0]] = f(x[i * s[1]], y[i * s[2]], z[i * s[3]]);
                  });
}

/// out = f(x) over a floating tensor (dtype kept); an integer input is a
/// TypeError naming `op`. The kernel of most unary math ops.
template <class F>
Tensor float_map(const char* op, const Tensor& x, F f) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  return dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor out = make_tensor(x.shape(), x.dtype());
    map_unary<T, T>(out.data_ptr<T>(), x, [&](T v) { return f(v); });
    return out;
  });
}

}  // namespace ember
