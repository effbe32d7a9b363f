// Pooling kernels over (planes, H, W), one OpenMP iteration per plane (N*C).
// Max pooling records the argmax; its gradient scatters to it and is itself
// differentiable (a gather). Average pooling is linear: its gradient spreads
// evenly over each window, and the gradient of that is average pooling again.
// 1-d ops view the input with H = 1; lp_pool2d is composed from avg_pool2d.
#include "ops/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/parallel.h"
#include "ops/shape.h"

namespace ember {
namespace {

// The input seen as `planes` (H, W) images; non-adaptive windows start at
// o*s - p and take k cells d apart; adaptive ones span floor/ceil bounds.
struct PoolGeom {
  int64_t planes, H, W, oH, oW;
  int64_t kH = 1, kW = 1, sH = 1, sW = 1, pH = 0, pW = 0, dH = 1, dW = 1;
  bool adaptive = false;
  bool count_include_pad = true;
  int64_t divisor = 0;  // 0: none (divisor_override unset)
};

// Cells [begin, end) taken `step` apart that window o covers inside [0, in).
struct Span {
  int64_t begin, end, step;
};

Span span(int64_t o, int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d, bool adaptive) {
  if (adaptive) return {o * in / out, ((o + 1) * in + out - 1) / out, 1};
  int64_t begin = o * s - p;
  const int64_t end = std::min(begin + (k - 1) * d + 1, in);
  if (begin < 0) begin += (-begin + d - 1) / d * d;
  return {begin, end, d};
}

Span row_span(const PoolGeom& g, int64_t i) { return span(i, g.H, g.oH, g.kH, g.sH, g.pH, g.dH, g.adaptive); }
Span col_span(const PoolGeom& g, int64_t j) { return span(j, g.W, g.oW, g.kW, g.sW, g.pW, g.dW, g.adaptive); }

// Average pooling's divisor for window (i, j), as PyTorch's avg_pool2d.
int64_t avg_divisor(const PoolGeom& g, int64_t i, int64_t j, const Span& r, const Span& c) {
  if (g.adaptive) return (r.end - r.begin) * (c.end - c.begin);
  if (g.divisor != 0) return g.divisor;
  if (!g.count_include_pad) return (r.end - r.begin) * (c.end - c.begin);
  const int64_t hs = i * g.sH - g.pH, ws = j * g.sW - g.pW;
  return (std::min(hs + g.kH, g.H + g.pH) - hs) * (std::min(ws + g.kW, g.W + g.pW) - ws);
}

bool parallel(const PoolGeom& g) { return g.planes > 1 && g.planes * g.oH * g.oW * g.kH * g.kW >= kParallelGrain; }

// Windows that tile the plane: stride = kernel, no padding or dilation,
// every window inside (max_pool2d(x, 2) and the like).
bool tiles_plane(const PoolGeom& g) {
  return !g.adaptive && g.sH == g.kH && g.sW == g.kW && g.pH == 0 && g.pW == 0 && g.dH == 1 && g.dW == 1 &&
         g.oH * g.kH <= g.H && g.oW * g.kW <= g.W;
}

// max_pool_forward for tiling windows, cell by cell over whole output rows:
// selects, not branches (random data mispredicts half of them), so the row
// loop vectorizes.
template <class T>
void max_pool_forward_tiled(T* __restrict y, int64_t* __restrict idx, const T* __restrict in, const PoolGeom& g) {
  const int64_t oW = g.oW, kW = g.kW;
  for (int64_t i = 0; i < g.oH; ++i) {
    T* __restrict best = y + i * oW;
    int64_t* __restrict arg = idx + i * oW;
    for (int64_t j = 0; j < oW; ++j) best[j] = -std::numeric_limits<T>::infinity(), arg[j] = i * g.kH * g.W + j * kW;
    for (int64_t a = 0; a < g.kH; ++a)
      for (int64_t b = 0; b < kW; ++b) {
        const int64_t first = (i * g.kH + a) * g.W + b;
        for (int64_t j = 0; j < oW; ++j) {
          const T v = in[first + j * kW], old = best[j];
          const bool take = (v > old) | (v != v);  // `|`, not `||`: no branch
          best[j] = take ? v : old;
          arg[j] = take ? first + j * kW : arg[j];
        }
      }
  }
}

// y, idx (planes, oH, oW): max over each window and its flat position in the plane (NaN wins, as PyTorch).
template <class T>
void max_pool_forward(T* y, int64_t* idx, const T* x, const PoolGeom& g) {
  const bool tiled = tiles_plane(g);
  HostLockRelease unlocked(parallel(g));
#pragma omp parallel for if (parallel(g))
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    const T* in = x + pl * g.H * g.W;
    if (tiled) {
      max_pool_forward_tiled(y + pl * g.oH * g.oW, idx + pl * g.oH * g.oW, in, g);
      continue;
    }
    for (int64_t i = 0; i < g.oH; ++i) {
      const Span r = row_span(g, i);
      for (int64_t j = 0; j < g.oW; ++j) {
        const Span c = col_span(g, j);
        T best = -std::numeric_limits<T>::infinity();
        int64_t arg = r.begin * g.W + c.begin;
        for (int64_t ih = r.begin; ih < r.end; ih += r.step)
          for (int64_t iw = c.begin; iw < c.end; iw += c.step) {
            const T v = in[ih * g.W + iw];
            const bool take = (v > best) | (v != v);  // a select, not a branch
            best = take ? v : best;
            arg = take ? ih * g.W + iw : arg;
          }
        const int64_t o = (pl * g.oH + i) * g.oW + j;
        y[o] = best;
        idx[o] = arg;
      }
    }
  }
}

// dx (planes, H, W) = dy scattered to the argmax of each window.
template <class T>
void max_pool_backward(T* dx, const T* dy, const int64_t* idx, const PoolGeom& g) {
  const int64_t L = g.oH * g.oW;
  HostLockRelease unlocked(parallel(g));
#pragma omp parallel for if (parallel(g))
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    T* out = dx + pl * g.H * g.W;
    std::fill(out, out + g.H * g.W, T(0));
    // A dilated window can miss the input entirely: its index points past the plane and takes no gradient.
    for (int64_t l = 0; l < L; ++l)
      if (idx[pl * L + l] < g.H * g.W) out[idx[pl * L + l]] += dy[pl * L + l];
  }
}

// y (planes, oH, oW) = window sums / divisor.
template <class T>
void avg_pool_forward(T* y, const T* x, const PoolGeom& g) {
  HostLockRelease unlocked(parallel(g));
#pragma omp parallel for if (parallel(g))
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    const T* in = x + pl * g.H * g.W;
    for (int64_t i = 0; i < g.oH; ++i) {
      const Span r = row_span(g, i);
      for (int64_t j = 0; j < g.oW; ++j) {
        const Span c = col_span(g, j);
        T s = 0;
        for (int64_t ih = r.begin; ih < r.end; ++ih)
          for (int64_t iw = c.begin; iw < c.end; ++iw) s += in[ih * g.W + iw];
        y[(pl * g.oH + i) * g.oW + j] = s / T(avg_divisor(g, i, j, r, c));
      }
    }
  }
}

// dx (planes, H, W): each dy / divisor added to every cell of its window (the adjoint of the forward).
template <class T>
void avg_pool_backward(T* dx, const T* dy, const PoolGeom& g) {
  HostLockRelease unlocked(parallel(g));
#pragma omp parallel for if (parallel(g))
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    T* out = dx + pl * g.H * g.W;
    std::fill(out, out + g.H * g.W, T(0));
    for (int64_t i = 0; i < g.oH; ++i) {
      const Span r = row_span(g, i);
      for (int64_t j = 0; j < g.oW; ++j) {
        const Span c = col_span(g, j);
        const T v = dy[(pl * g.oH + i) * g.oW + j] / T(avg_divisor(g, i, j, r, c));
        for (int64_t ih = r.begin; ih < r.end; ++ih)
          for (int64_t iw = c.begin; iw < c.end; ++iw) out[ih * g.W + iw] += v;
      }
    }
  }
}

Shape with_last2(const Shape& s, int64_t a, int64_t b) {
  Shape out(s.begin(), s.end() - 2);
  out.push_back(a);
  out.push_back(b);
  return out;
}

// dx = dy scattered to idx.  Its gradient: d(dy) = u gathered at idx.
Tensor max_pool_grad(const Tensor& dy, const Tensor& idx, const Shape& input_shape, const PoolGeom& g) {
  Tensor dx = make_tensor(input_shape, dy.dtype());
  dispatch_floating(dy.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    Tensor cdy = contiguous_data(dy);
    max_pool_backward<T>(dx.data_ptr<T>(), cdy.data_ptr<T>(), idx.data_ptr<int64_t>(), g);
  });
  if (any_requires_grad({&dy})) {
    // Indices of empty windows (past the plane) gather position 0, then are masked out.
    const int64_t HW = g.H * g.W;
    Tensor safe = reshape(idx, {g.planes, g.oH * g.oW}), mask;
    const int64_t* pi = idx.data_ptr<int64_t>();
    if (std::any_of(pi, pi + idx.numel(), [HW](int64_t i) { return i >= HW; })) {
      safe = make_tensor(safe.shape(), kInt64);
      mask = make_tensor(idx.shape(), dy.dtype());
      int64_t* ps = safe.data_ptr<int64_t>();
      for (int64_t i = 0; i < idx.numel(); ++i) ps[i] = pi[i] < HW ? pi[i] : 0;
      dispatch_floating(dy.dtype(), "max_pool2d", [&](auto tag) {
        using T = decltype(tag);
        T* pm = mask.data_ptr<T>();
        for (int64_t i = 0; i < idx.numel(); ++i) pm[i] = pi[i] < HW ? T(1) : T(0);
      });
    }
    Shape out_shape = idx.shape();
    record("MaxPool2DWithIndicesBackwardBackward0", {dy}, dx, [safe, mask, g, out_shape](const tensor_list& grads) {
      Tensor picked = reshape(gather(reshape(grads[0], {g.planes, g.H * g.W}), 1, safe), out_shape);
      return tensor_list{mask.defined() ? picked * mask : picked};
    });
  }
  return dx;
}

// y, idx = max over windows.  dx = dy scattered to idx
std::tuple<Tensor, Tensor> max_pool_op(const Tensor& x, const PoolGeom& g, const char* name) {
  Shape out_shape = with_last2(x.shape(), g.oH, g.oW);
  Tensor y = make_tensor(out_shape, x.dtype()), idx = make_tensor(out_shape, kInt64);
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    Tensor cx = contiguous_data(x);
    max_pool_forward<T>(y.data_ptr<T>(), idx.data_ptr<int64_t>(), cx.data_ptr<T>(), g);
  });
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    record(g.adaptive ? "AdaptiveMaxPool2DBackward0" : "MaxPool2DWithIndicesBackward0", {x}, y,
           [idx, g, in_shape](const tensor_list& grads) {
             return tensor_list{max_pool_grad(grads[0], idx, in_shape, g)};
           });
  }
  return {y, idx};
}

Tensor avg_pool_op(const Tensor& x, const PoolGeom& g, const char* name);

// dx = dy spread over the windows.  Its gradient: d(dy) = avg_pool(u)
Tensor avg_pool_grad(const Tensor& dy, const Shape& input_shape, const PoolGeom& g, const char* name) {
  Tensor dx = make_tensor(input_shape, dy.dtype());
  dispatch_floating(dy.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    Tensor cdy = contiguous_data(dy);
    avg_pool_backward<T>(dx.data_ptr<T>(), cdy.data_ptr<T>(), g);
  });
  if (any_requires_grad({&dy}))
    record("AvgPool2DBackwardBackward0", {dy}, dx,
           [g, name](const tensor_list& grads) { return tensor_list{avg_pool_op(grads[0], g, name)}; });
  return dx;
}

// y = window sums / divisor.  dx = dy / divisor spread over each window
Tensor avg_pool_op(const Tensor& x, const PoolGeom& g, const char* name) {
  Tensor y = make_tensor(with_last2(x.shape(), g.oH, g.oW), x.dtype());
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    Tensor cx = contiguous_data(x);
    avg_pool_forward<T>(y.data_ptr<T>(), cx.data_ptr<T>(), g);
  });
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    record(g.adaptive ? "AdaptiveAvgPool2DBackward0" : "AvgPool2DBackward0", {x}, y,
           [g, in_shape, name](const tensor_list& grads) {
             return tensor_list{avg_pool_grad(grads[0], in_shape, g, name)};
           });
  }
  return y;
}

std::string show(Pair p, bool one_d) { return one_d ? fmt::format("{}", p.w) : fmt::format("({}, {})", p.h, p.w); }

// PyTorch's pooling_output_shape: floor or ceil division, and with ceil_mode
// the last window must start inside the input or the left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

void check_input(const char* op, bool one_d, const Shape& input) {
  if (one_d)
    EMBER_CHECK(input.size() == 2 || input.size() == 3, "{}: expected input to be 2-d (C, L) or 3-d (N, C, L), got {}",
                op, shape_str(input));
  else
    EMBER_CHECK(input.size() == 3 || input.size() == 4,
                "{}: expected input to be 3-d (C, H, W) or 4-d (N, C, H, W), got {}", op, shape_str(input));
  for (size_t d = input.size() == (one_d ? 3u : 4u) ? 1 : 0; d < input.size(); ++d)
    EMBER_CHECK(input[d] > 0, "{}: expected non-empty (C, H, W) dims, got input {}", op, shape_str(input));
}

// Validates a windowed pooling given in 2-d terms (`input` 3-d or 4-d; 1-d ops pass H = 1).
PoolGeom window_geometry(const char* op, bool one_d, const Shape& input, Pair k, Pair s, Pair p, Pair d,
                         bool ceil_mode) {
  EMBER_CHECK(k.h > 0 && k.w > 0, "{}: expected kernel_size > 0, got kernel_size={}", op, show(k, one_d));
  EMBER_CHECK(s.h > 0 && s.w > 0, "{}: expected stride > 0, got stride={}", op, show(s, one_d));
  EMBER_CHECK(d.h > 0 && d.w > 0, "{}: expected dilation > 0, got dilation={}", op, show(d, one_d));
  EMBER_CHECK(p.h >= 0 && p.w >= 0, "{}: expected padding >= 0, got padding={}", op, show(p, one_d));
  EMBER_CHECK(p.h <= k.h / 2 && p.w <= k.w / 2,
              "{}: expected padding at most half the kernel size, got padding={} and kernel_size={}", op,
              show(p, one_d), show(k, one_d));
  const int64_t H = input[input.size() - 2], W = input.back();
  PoolGeom g{numel_of(input, op) / (H * W), H, W, pooled_size(H, k.h, p.h, s.h, d.h, ceil_mode),
             pooled_size(W, k.w, p.w, s.w, d.w, ceil_mode)};
  EMBER_CHECK(g.oH >= 1 && g.oW >= 1, "{}: expected an output size >= 1, got output {} for input {} (padded by {})", op,
              show({g.oH, g.oW}, one_d), show({H, W}, one_d), show(p, one_d));
  g.kH = k.h, g.kW = k.w, g.sH = s.h, g.sW = s.w, g.pH = p.h, g.pW = p.w, g.dH = d.h, g.dW = d.w;
  return g;
}

PoolGeom adaptive_geometry(const char* op, const Shape& input, Pair output_size) {
  check_input(op, false, input);
  EMBER_CHECK(output_size.h >= 0 && output_size.w >= 0, "{}: expected output_size >= 0, got output_size={}", op,
              show(output_size, false));
  const int64_t H = input[input.size() - 2], W = input.back();
  PoolGeom g{numel_of(input, op) / (H * W), H, W, output_size.h, output_size.w};
  g.adaptive = true;
  return g;
}

PoolGeom max2d_geometry(const Shape& input, const MaxPool2dFuncOptions& a) {
  check_input("max_pool2d", false, input);
  return window_geometry("max_pool2d", false, input, a.kernel_size(), a.stride(), a.padding(), a.dilation(),
                         a.ceil_mode());
}

// The 1-d ops' input with a unit H dim: (N, C, L) -> (N, C, 1, L).
Shape as_2d(const Shape& input) {
  Shape s = input;
  s.insert(s.end() - 1, 1);
  return s;
}

PoolGeom max1d_geometry(const Shape& input, const MaxPool1dFuncOptions& a) {
  check_input("max_pool1d", true, input);
  return window_geometry("max_pool1d", true, as_2d(input), {1, a.kernel_size()}, {1, a.stride()}, {0, a.padding()},
                         {1, a.dilation()}, a.ceil_mode());
}

PoolGeom avg2d_geometry(const Shape& input, const AvgPool2dFuncOptions& a) {
  check_input("avg_pool2d", false, input);
  EMBER_CHECK(!a.divisor_override() || *a.divisor_override() != 0,
              "avg_pool2d: expected divisor_override != 0, got divisor_override=0");
  PoolGeom g = window_geometry("avg_pool2d", false, input, a.kernel_size(), a.stride(), a.padding(), 1, a.ceil_mode());
  g.count_include_pad = a.count_include_pad();
  g.divisor = a.divisor_override().value_or(0);
  return g;
}

PoolGeom avg1d_geometry(const Shape& input, const AvgPool1dFuncOptions& a) {
  check_input("avg_pool1d", true, input);
  PoolGeom g = window_geometry("avg_pool1d", true, as_2d(input), {1, a.kernel_size()}, {1, a.stride()},
                               {0, a.padding()}, 1, a.ceil_mode());
  g.count_include_pad = a.count_include_pad();
  return g;
}

}  // namespace

Shape max_pool2d_shape(const Shape& input, const MaxPool2dFuncOptions& options) {
  PoolGeom g = max2d_geometry(input, options);
  return with_last2(input, g.oH, g.oW);
}

Shape max_pool1d_shape(const Shape& input, const MaxPool1dFuncOptions& options) {
  PoolGeom g = max1d_geometry(input, options);
  Shape out = input;
  out.back() = g.oW;
  return out;
}

Shape avg_pool2d_shape(const Shape& input, const AvgPool2dFuncOptions& options) {
  PoolGeom g = avg2d_geometry(input, options);
  return with_last2(input, g.oH, g.oW);
}

Shape avg_pool1d_shape(const Shape& input, const AvgPool1dFuncOptions& options) {
  PoolGeom g = avg1d_geometry(input, options);
  Shape out = input;
  out.back() = g.oW;
  return out;
}

Shape adaptive_pool2d_shape(const Shape& input, Pair output_size, const char* op) {
  adaptive_geometry(op, input, output_size);
  return with_last2(input, output_size.h, output_size.w);
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options) {
  check_floating("max_pool2d", input);
  return max_pool_op(input, max2d_geometry(input.shape(), options), "max_pool2d");
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return std::get<0>(max_pool2d_with_indices(input, options));
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dFuncOptions& options) {
  check_floating("max_pool1d", input);
  PoolGeom g = max1d_geometry(input.shape(), options);
  auto [y, idx] = max_pool_op(unsqueeze(input, -2), g, "max_pool1d");
  return {squeeze(y, -2), squeeze(idx, -2)};
}

Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return std::get<0>(max_pool1d_with_indices(input, options));
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  check_floating("avg_pool2d", input);
  return avg_pool_op(input, avg2d_geometry(input.shape(), options), "avg_pool2d");
}

Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options) {
  check_floating("avg_pool1d", input);
  PoolGeom g = avg1d_geometry(input.shape(), options);
  return squeeze(avg_pool_op(unsqueeze(input, -2), g, "avg_pool1d"), -2);
}

// As torch: (sign(s) * relu(|s|) * kH*kW)^(1/p) with s = avg_pool2d(x^p); composed, so no backward of its own.
Tensor lp_pool2d(const Tensor& input, const LPPool2dFuncOptions& options) {
  check_floating("lp_pool2d", input);
  EMBER_CHECK(options.norm_type() != 0.0 && std::isfinite(options.norm_type()),
              "lp_pool2d: expected a finite, nonzero norm_type, got {}", options.norm_type());
  const Pair k = options.kernel_size();
  check_input("lp_pool2d", false, input.shape());
  window_geometry("lp_pool2d", false, input.shape(), k, options.stride(), 0, 1, options.ceil_mode());
  Tensor s = avg_pool2d(pow(input, options.norm_type()),
                        AvgPool2dFuncOptions(k).stride(options.stride()).ceil_mode(options.ceil_mode()));
  return pow(sign(s) * clamp(abs(s), 0.0) * double(k.h * k.w), 1.0 / options.norm_type());
}

Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options) {
  check_floating("adaptive_avg_pool2d", input);
  return avg_pool_op(input, adaptive_geometry("adaptive_avg_pool2d", input.shape(), options.output_size()),
                     "adaptive_avg_pool2d");
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool2dFuncOptions& options) {
  check_floating("adaptive_max_pool2d", input);
  return max_pool_op(input, adaptive_geometry("adaptive_max_pool2d", input.shape(), options.output_size()),
                     "adaptive_max_pool2d");
}

Tensor adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& options) {
  return std::get<0>(adaptive_max_pool2d_with_indices(input, options));
}

}  // namespace ember
