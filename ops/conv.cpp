// conv1d / conv2d. Forward: im2col into columns (C*kH*kW, N*oH*oW), one GEMM
// per group over the whole batch, then a permute to (N, O, oH, oW) with the
// bias; 1x1 stride-1 unpadded convolutions skip im2col (one GEMM per sample).
// float32 stride-1 convolutions, where those GEMMs are short and the columns
// nine times the input, run Winograd F(2x2, 3x3) (3x3 kernels, >= 32
// channels: ops/conv_winograd.cpp) or direct kernels (up to 64 channels:
// ops/conv_direct.cpp) instead.
// Backward: two ops of their own, grad_input (GEMM + col2im) and grad_weight
// (GEMM with the columns). The three ops are bilinear and each one's gradient
// is made of the other two, so double backward needs nothing more.
#include "ops/conv.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/conv_direct.h"
#include "ops/conv_internal.h"
#include "ops/conv_winograd.h"
#include "ops/parallel.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

using conv::ConvGeom;

// Validates a convolution given as 2-d (1-d ops pass H = 1 and `one_d` so the
// messages show their own values). `input`/`weight` are the 4-d shapes.
ConvGeom conv_geometry(const char* op, bool one_d, const Shape& input, const Shape& weight,
                       const std::optional<Shape>& bias, Pair stride, Pair padding, std::optional<PaddingMode> mode,
                       Pair dilation, int64_t groups) {
  EMBER_CHECK(groups > 0, "{}: expected groups > 0, got groups={}", op, groups);
  EMBER_CHECK(stride.h > 0 && stride.w > 0, "{}: expected stride > 0, got stride={}", op, pair_str(stride, one_d));
  EMBER_CHECK(dilation.h > 0 && dilation.w > 0, "{}: expected dilation > 0, got dilation={}", op,
              pair_str(dilation, one_d));
  EMBER_CHECK(mode != kSame || (stride.h == 1 && stride.w == 1),
              "{}: padding='same' is not supported for strided convolutions, got stride={}", op, pair_str(stride, one_d));
  if (!mode)
    EMBER_CHECK(padding.h >= 0 && padding.w >= 0, "{}: expected padding >= 0, got padding={}", op,
                pair_str(padding, one_d));
  const int64_t N = input[0], C = input[1], H = input[2], W = input[3];
  const int64_t O = weight[0], kH = weight[2], kW = weight[3];
  EMBER_CHECK(O > 0 && weight[1] > 0 && kH > 0 && kW > 0, "{}: expected weight sizes > 0, got weight {}", op,
              shape_str(weight));
  EMBER_CHECK(O % groups == 0, "{}: expected out_channels divisible by groups, got out_channels={}, groups={}", op,
              O, groups);
  EMBER_CHECK(C == weight[1] * groups, "{}: input has {} channels but weight expects {} (in_channels={}, groups={})",
              op, C, weight[1] * groups, weight[1] * groups, groups);
  if (bias)
    EMBER_CHECK(bias->size() == 1 && (*bias)[0] == O, "{}: expected bias of shape [{}], got {}", op, O,
                shape_str(*bias));
  // Padding as (top, total rows) and (left, total columns).
  const int64_t ekH = dilation.h * (kH - 1) + 1, ekW = dilation.w * (kW - 1) + 1;
  int64_t pH = 0, pW = 0, totH = 0, totW = 0;
  if (mode == kSame) {
    totH = ekH - 1, totW = ekW - 1, pH = totH / 2, pW = totW / 2;
  } else if (!mode) {
    pH = padding.h, pW = padding.w, totH = 2 * pH, totW = 2 * pW;
  }
  EMBER_CHECK(H + totH >= ekH && W + totW >= ekW,
              "{}: expected the (dilated) kernel to fit in the padded input, got kernel {} and padded input {}", op,
              pair_str({ekH, ekW}, one_d), pair_str({H + totH, W + totW}, one_d));
  ConvGeom g{N, C, H, W, O, groups, kH, kW, stride.h, stride.w, pH, pW, dilation.h, dilation.w,
             (H + totH - ekH) / stride.h + 1, (W + totW - ekW) / stride.w + 1};
  numel_of(g.output_shape(), op);
  numel_of({g.Kg() * groups, N, g.L()}, op);
  // CBLAS takes int sizes.
  EMBER_CHECK(std::max(N * g.L(), g.Kg() * groups) <= INT_MAX,
              "{}: expected matrix sizes below 2^31 for BLAS, got columns ({}, {})", op, g.Kg() * groups, N * g.L());
  return g;
}

// Row-major C (m x n) = op(A) op(B) + beta C.
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
          T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  HostLockRelease unlocked(m * n * k >= kParallelGrain);
  auto ca = ta ? CblasTrans : CblasNoTrans, cb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ca, cb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ca, cb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

// cols (C*kH*kW, N*L): row (c, p, q), column (n, i, j) holds x[n, c, i*s + p*d - pad, j*s + q*d - pad], 0 outside.
template <class T>
void im2col(T* cols, const T* x, const ConvGeom& g) {
  const int64_t rows = g.C * g.kH * g.kW, NL = g.N * g.L();
  HostLockRelease unlocked(rows * NL >= kParallelGrain);
#pragma omp parallel for if (rows * NL >= kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r / (g.kH * g.kW), p = r / g.kW % g.kH, q = r % g.kW;
    T* out = cols + r * NL;
    for (int64_t n = 0; n < g.N; ++n) {
      const T* plane = x + (n * g.C + c) * g.H * g.W;
      for (int64_t i = 0; i < g.oH; ++i) {
        T* o = out + (n * g.oH + i) * g.oW;
        const int64_t ih = i * g.sH - g.pH + p * g.dH;
        if (ih < 0 || ih >= g.H) {
          std::fill(o, o + g.oW, T(0));
          continue;
        }
        const T* row = plane + ih * g.W;
        const int64_t shift = q * g.dW - g.pW;  // iw = j * sW + shift
        if (g.sW == 1) {  // a shifted copy: zeros, one memcpy, zeros
          const int64_t j0 = std::clamp<int64_t>(-shift, 0, g.oW), j1 = std::clamp<int64_t>(g.W - shift, j0, g.oW);
          std::fill(o, o + j0, T(0));
          std::memcpy(o + j0, row + j0 + shift, sizeof(T) * size_t(j1 - j0));
          std::fill(o + j1, o + g.oW, T(0));
          continue;
        }
        for (int64_t j = 0; j < g.oW; ++j) {
          const int64_t iw = j * g.sW + shift;
          o[j] = iw >= 0 && iw < g.W ? row[iw] : T(0);
        }
      }
    }
  }
}

// The adjoint of im2col: dx (N, C, H, W) = sum of the columns back at their
// positions; one (n, c) plane per iteration, so threads never share a write.
template <class T>
void col2im(T* dx, const T* cols, const ConvGeom& g) {
  const int64_t NL = g.N * g.L();
  HostLockRelease unlocked(g.N * g.C * g.H * g.W * g.kH * g.kW >= kParallelGrain);
#pragma omp parallel for if (g.N * g.C * g.H * g.W * g.kH * g.kW >= kParallelGrain)
  for (int64_t nc = 0; nc < g.N * g.C; ++nc) {
    const int64_t n = nc / g.C, c = nc % g.C;
    T* plane = dx + nc * g.H * g.W;
    std::fill(plane, plane + g.H * g.W, T(0));
    for (int64_t p = 0; p < g.kH; ++p)
      for (int64_t q = 0; q < g.kW; ++q) {
        const T* col = cols + ((c * g.kH + p) * g.kW + q) * NL + n * g.L();
        for (int64_t i = 0; i < g.oH; ++i) {
          const int64_t ih = i * g.sH - g.pH + p * g.dH;
          if (ih < 0 || ih >= g.H) continue;
          const int64_t shift = q * g.dW - g.pW;
          T* prow = plane + ih * g.W;
          const T* crow = col + i * g.oW;
          if (g.sW == 1) {  // a shifted, vectorizable add over the valid range
            const int64_t j0 = std::clamp<int64_t>(-shift, 0, g.oW), j1 = std::clamp<int64_t>(g.W - shift, j0, g.oW);
#pragma omp simd
            for (int64_t j = j0; j < j1; ++j) prow[j + shift] += crow[j];
            continue;
          }
          for (int64_t j = 0; j < g.oW; ++j) {
            const int64_t iw = j * g.sW + shift;
            if (iw >= 0 && iw < g.W) prow[iw] += crow[j];
          }
        }
      }
  }
}

// rows (O, N*L) <-> (N, O, L): GEMMs see all samples as one matrix.
template <class T>
void batch_to_rows(T* rows, const T* y, int64_t N, int64_t O, int64_t L) {
  HostLockRelease unlocked(N * O * L >= kParallelGrain);
#pragma omp parallel for collapse(2) if (N * O * L >= kParallelGrain)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t n = 0; n < N; ++n) std::memcpy(rows + (o * N + n) * L, y + (n * O + o) * L, sizeof(T) * L);
}

template <class T>
void rows_to_batch(T* y, const T* rows, const T* bias, int64_t N, int64_t O, int64_t L) {
  HostLockRelease unlocked(N * O * L >= kParallelGrain);
#pragma omp parallel for collapse(2) if (N * O * L >= kParallelGrain)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const T* r = rows + (o * N + n) * L;
      T* out = y + (n * O + o) * L;
      const T b = bias ? bias[o] : T(0);
      for (int64_t l = 0; l < L; ++l) out[l] = r[l] + b;
    }
}

// The batch goes through im2col and GEMM in chunks whose column buffer stays
// near this size, so im2col's writes and the GEMM's reads stay in cache
// instead of streaming a whole-batch matrix (tens of MB) through memory.
constexpr double kColumnChunkBytes = 4 << 20;

int64_t chunk_samples(const ConvGeom& g, size_t element_bytes) {
  const double per_sample = double(g.C * g.kH * g.kW * g.L()) * double(element_bytes);
  return std::clamp<int64_t>(int64_t(kColumnChunkBytes / per_sample), 1, std::max<int64_t>(g.N, 1));
}

// The geometry of samples [n0, n0 + nb) (fewer at the end of the batch).
ConvGeom chunk(const ConvGeom& g, int64_t n0, int64_t nb) {
  ConvGeom c = g;
  c.N = std::min(nb, g.N - n0);
  return c;
}

// The float32 scheme for g, the fastest that handles it, or null for im2col + GEMM.
const conv::Float32Kernels* float32_kernels(const ConvGeom& g) {
  // They assume a padding >= 0 on every side; a transposed convolution's
  // output_padding beyond its padding leaves a negative one at the bottom/right.
  const int64_t ekH = g.dH * (g.kH - 1) + 1, ekW = g.dW * (g.kW - 1) + 1;
  if ((g.oH - 1) * g.sH + ekH - g.pH < g.H || (g.oW - 1) * g.sW + ekW - g.pW < g.W) return nullptr;
  if (const conv::Float32Kernels* k = conv::winograd_kernels(g)) return k;
  return conv::direct_kernels(g);
}

// y (N, O, oH, oW) = conv(x (N, C, H, W), w (O, C/G, kH, kW)) + bias (O).
template <class T>
void conv_forward(T* y, const T* x, const T* w, const T* bias, const ConvGeom& g) {
  const int64_t Og = g.Og(), Kg = g.Kg(), L = g.L();
  if (g.is_1x1()) {
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t gr = 0; gr < g.G; ++gr)
        gemm<T>(false, false, Og, L, Kg, w + gr * Og * Kg, Kg, x + (n * g.C + gr * Kg) * L, L, T(0),
                y + (n * g.O + gr * Og) * L, L);
    if (bias) {
  HostLockRelease unlocked(g.N * g.O * L >= kParallelGrain);
#pragma omp parallel for if (g.N * g.O * L >= kParallelGrain)
      for (int64_t no = 0; no < g.N * g.O; ++no)
        for (int64_t l = 0; l < L; ++l) y[no * L + l] += bias[no % g.O];
    }
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (const conv::Float32Kernels* k = float32_kernels(g)) return k->forward(y, x, w, bias, g);
  }
  const int64_t nb = chunk_samples(g, sizeof(T));
  Tensor cols = make_tensor({g.C * g.kH * g.kW, nb * L}, dtype_of<T>::value);
  Tensor rows = make_tensor({g.O, nb * L}, dtype_of<T>::value);
  T* pc = cols.data_ptr<T>();
  T* pr = rows.data_ptr<T>();
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const ConvGeom gc = chunk(g, n0, nb);
    const int64_t NLc = gc.N * L;
    im2col<T>(pc, x + n0 * g.C * g.H * g.W, gc);
    for (int64_t gr = 0; gr < g.G; ++gr)
      gemm<T>(false, false, Og, NLc, Kg, w + gr * Og * Kg, Kg, pc + gr * Kg * NLc, NLc, T(0), pr + gr * Og * NLc, NLc);
    rows_to_batch<T>(y + n0 * g.O * L, pr, bias, gc.N, g.O, L);
  }
}

// dx (N, C, H, W) = the adjoint of conv in x, applied to dy (N, O, oH, oW).
template <class T>
void conv_backward_input(T* dx, const T* dy, const T* w, const ConvGeom& g) {
  const int64_t Og = g.Og(), Kg = g.Kg(), L = g.L();
  if (g.is_1x1()) {
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t gr = 0; gr < g.G; ++gr)
        gemm<T>(true, false, Kg, L, Og, w + gr * Og * Kg, Kg, dy + (n * g.O + gr * Og) * L, L, T(0),
                dx + (n * g.C + gr * Kg) * L, L);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (const conv::Float32Kernels* k = float32_kernels(g)) return k->backward_input(dx, dy, w, g);
  }
  const int64_t nb = chunk_samples(g, sizeof(T));
  Tensor rows = make_tensor({g.O, nb * L}, dtype_of<T>::value);
  Tensor cols = make_tensor({g.C * g.kH * g.kW, nb * L}, dtype_of<T>::value);
  T* pr = rows.data_ptr<T>();
  T* pc = cols.data_ptr<T>();
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const ConvGeom gc = chunk(g, n0, nb);
    const int64_t NLc = gc.N * L;
    batch_to_rows<T>(pr, dy + n0 * g.O * L, gc.N, g.O, L);
    for (int64_t gr = 0; gr < g.G; ++gr)
      gemm<T>(true, false, Kg, NLc, Og, w + gr * Og * Kg, Kg, pr + gr * Og * NLc, NLc, T(0), pc + gr * Kg * NLc, NLc);
    col2im<T>(dx + n0 * g.C * g.H * g.W, pc, gc);
  }
}

// dw (O, C/G, kH, kW) = the adjoint of conv in w: dy rows times the columns of x.
template <class T>
void conv_backward_weight(T* dw, const T* x, const T* dy, const ConvGeom& g) {
  const int64_t Og = g.Og(), Kg = g.Kg(), L = g.L();
  if (g.is_1x1()) {
    std::fill(dw, dw + g.O * Kg, T(0));
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t gr = 0; gr < g.G; ++gr)
        gemm<T>(false, true, Og, Kg, L, dy + (n * g.O + gr * Og) * L, L, x + (n * g.C + gr * Kg) * L, L, T(1),
                dw + gr * Og * Kg, Kg);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (const conv::Float32Kernels* k = float32_kernels(g)) return k->backward_weight(dw, x, dy, g);
  }
  if (g.N == 0) {  // no chunk runs, so nothing else writes dw
    std::fill(dw, dw + g.O * Kg, T(0));
    return;
  }
  const int64_t nb = chunk_samples(g, sizeof(T));
  Tensor rows = make_tensor({g.O, nb * L}, dtype_of<T>::value);
  Tensor cols = make_tensor({g.C * g.kH * g.kW, nb * L}, dtype_of<T>::value);
  T* pr = rows.data_ptr<T>();
  T* pc = cols.data_ptr<T>();
  for (int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const ConvGeom gc = chunk(g, n0, nb);
    const int64_t NLc = gc.N * L;
    batch_to_rows<T>(pr, dy + n0 * g.O * L, gc.N, g.O, L);
    im2col<T>(pc, x + n0 * g.C * g.H * g.W, gc);
    for (int64_t gr = 0; gr < g.G; ++gr)  // chunks after the first accumulate (beta = 1)
      gemm<T>(false, true, Og, Kg, NLc, pr + gr * Og * NLc, NLc, pc + gr * Kg * NLc, NLc, T(n0 == 0 ? 0 : 1),
              dw + gr * Og * Kg, Kg);
  }
}

}  // namespace

namespace conv {

void check_dtypes(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_floating(op, input);
  EMBER_CHECK(weight.defined(), "{}: expected a defined weight tensor", op);
  EMBER_CHECK_TYPE(weight.dtype() == input.dtype(), "{}: expected weight of dtype {} (the input's), got {}", op,
                   input.dtype(), weight.dtype());
  EMBER_CHECK_TYPE(!bias.defined() || bias.dtype() == input.dtype(),
                   "{}: expected bias of dtype {} (the input's), got {}", op, input.dtype(), bias.dtype());
}

// y = conv(x, w) + b.  dx = conv_input_grad(dy, w), dw = conv_weight_grad(x, dy), db = sum(dy, {N, H, W})
Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeom& g) {
  Tensor y = make_tensor(g.output_shape(), x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    Tensor cx = contiguous_data(x), cw = contiguous_data(w), cb = bias.defined() ? contiguous_data(bias) : Tensor();
    conv_forward<T>(y.data_ptr<T>(), cx.data_ptr<T>(), cw.data_ptr<T>(), cb.defined() ? cb.data_ptr<T>() : nullptr, g);
  });
  if (any_requires_grad({&x, &w, &bias})) {
    const bool need_x = x.requires_grad(), need_w = w.requires_grad(), need_b = bias.defined() && bias.requires_grad();
    SavedVariable sx(need_w ? x : Tensor(), false), sw(need_x ? w : Tensor(), false);
    record("ConvolutionBackward0", {x, w, bias}, y, [sx, sw, need_x, need_w, need_b, g](const tensor_list& grads) {
      const Tensor& dy = grads[0];
      return tensor_list{need_x ? conv_input_grad(dy, sw.unpack(), g) : Tensor(),
                         need_w ? conv_weight_grad(sx.unpack(), dy, g) : Tensor(),
                         need_b ? sum(dy, {0, 2, 3}) : Tensor()};
    });
  }
  return y;
}

// dx = A_w^T dy.  Its gradient for u = d(dx): d(dy) = conv(u, w), dw = conv_weight_grad(u, dy)
Tensor conv_input_grad(const Tensor& dy, const Tensor& w, const ConvGeom& g) {
  Tensor dx = make_tensor(g.input_shape(), dy.dtype());
  dispatch_floating(dy.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    Tensor cdy = contiguous_data(dy), cw = contiguous_data(w);
    conv_backward_input<T>(dx.data_ptr<T>(), cdy.data_ptr<T>(), cw.data_ptr<T>(), g);
  });
  if (any_requires_grad({&dy, &w})) {
    const bool need_dy = dy.requires_grad(), need_w = w.requires_grad();
    SavedVariable sdy(need_w ? dy : Tensor(), false), sw(need_dy ? w : Tensor(), false);
    record("ConvolutionBackwardInput", {dy, w}, dx, [sdy, sw, need_dy, need_w, g](const tensor_list& grads) {
      const Tensor& u = grads[0];
      return tensor_list{need_dy ? conv_op(u, sw.unpack(), Tensor(), g) : Tensor(),
                         need_w ? conv_weight_grad(u, sdy.unpack(), g) : Tensor()};
    });
  }
  return dx;
}

// dw = adjoint in w.  Its gradient for v = d(dw): dx = conv_input_grad(dy, v), d(dy) = conv(x, v)
Tensor conv_weight_grad(const Tensor& x, const Tensor& dy, const ConvGeom& g) {
  Tensor dw = make_tensor(g.weight_shape(), x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    Tensor cx = contiguous_data(x), cdy = contiguous_data(dy);
    conv_backward_weight<T>(dw.data_ptr<T>(), cx.data_ptr<T>(), cdy.data_ptr<T>(), g);
  });
  if (any_requires_grad({&x, &dy})) {
    const bool need_x = x.requires_grad(), need_dy = dy.requires_grad();
    SavedVariable sx(need_dy ? x : Tensor(), false), sdy(need_x ? dy : Tensor(), false);
    record("ConvolutionBackwardWeight", {x, dy}, dw, [sx, sdy, need_x, need_dy, g](const tensor_list& grads) {
      const Tensor& v = grads[0];
      return tensor_list{need_x ? conv_input_grad(sdy.unpack(), v, g) : Tensor(),
                         need_dy ? conv_op(sx.unpack(), v, Tensor(), g) : Tensor()};
    });
  }
  return dw;
}

}  // namespace conv

namespace {

using conv::conv_op;

std::optional<Shape> shape_of(const Tensor& t) { return t.defined() ? std::optional<Shape>(t.shape()) : std::nullopt; }

}  // namespace

Shape conv2d_shape(const Shape& input, const Shape& weight, const Conv2dFuncOptions& options) {
  EMBER_CHECK(input.size() == 3 || input.size() == 4,
              "conv2d: expected input to be 3-d (C, H, W) or 4-d (N, C, H, W), got {}", shape_str(input));
  EMBER_CHECK(weight.size() == 4, "conv2d: expected weight to be 4-d (out_channels, in_channels/groups, kH, kW), got {}",
              shape_str(weight));
  const bool batched = input.size() == 4;
  Shape in4 = batched ? input : Shape{1, input[0], input[1], input[2]};
  ConvGeom g = conv_geometry("conv2d", false, in4, weight, shape_of(options.bias()), options.stride(),
                             options.padding(), options.padding_mode(), options.dilation(), options.groups());
  if (batched) return g.output_shape();
  return {g.O, g.oH, g.oW};
}

Shape conv1d_shape(const Shape& input, const Shape& weight, const Conv1dFuncOptions& options) {
  EMBER_CHECK(input.size() == 2 || input.size() == 3, "conv1d: expected input to be 2-d (C, L) or 3-d (N, C, L), got {}",
              shape_str(input));
  EMBER_CHECK(weight.size() == 3, "conv1d: expected weight to be 3-d (out_channels, in_channels/groups, k), got {}",
              shape_str(weight));
  const bool batched = input.size() == 3;
  Shape in4 = batched ? Shape{input[0], input[1], 1, input[2]} : Shape{1, input[0], 1, input[1]};
  ConvGeom g = conv_geometry("conv1d", true, in4, {weight[0], weight[1], 1, weight[2]}, shape_of(options.bias()),
                             {1, options.stride()}, {0, options.padding()}, options.padding_mode(),
                             {1, options.dilation()}, options.groups());
  if (batched) return {g.N, g.O, g.oW};
  return {g.O, g.oW};
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  const Tensor& bias = options.bias();
  conv::check_dtypes("conv2d", input, weight, bias);
  conv2d_shape(input.shape(), weight.shape(), options);
  if (input.dim() == 3) return squeeze(conv2d(unsqueeze(input, 0), weight, options), 0);
  ConvGeom g = conv_geometry("conv2d", false, input.shape(), weight.shape(), shape_of(bias), options.stride(),
                             options.padding(), options.padding_mode(), options.dilation(), options.groups());
  return conv_op(input, weight, bias, g);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options) {
  conv::check_dtypes("conv1d", input, weight, options.bias());
  conv1d_shape(input.shape(), weight.shape(), options);
  if (input.dim() == 2) return squeeze(conv1d(unsqueeze(input, 0), weight, options), 0);
  Conv2dFuncOptions as_2d = Conv2dFuncOptions()
                                .bias(options.bias())
                                .stride({1, options.stride()})
                                .dilation({1, options.dilation()})
                                .groups(options.groups());
  if (options.padding_mode()) as_2d.padding(*options.padding_mode());
  else as_2d.padding({0, options.padding()});
  return squeeze(conv2d(unsqueeze(input, 2), unsqueeze(weight, 2), as_2d), 2);
}

}  // namespace ember
