// Normalization. Each forward is one kernel (OpenMP over channels, rows or
// groups, statistics in one pass in double); backward is the standard fused
// formula written with ember ops. With create_graph the statistics are
// recomputed with ember ops so that their dependence on the input is on the
// tape; otherwise the saved ones are used. layer_norm's backward without
// create_graph is one fused kernel. instance_norm is batch_norm over (1, N*C, *).
#include "ops/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loops.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

void check_channel_vector(const char* op, const char* name, const Tensor& t, const Tensor& input, int64_t c) {
  if (!t.defined()) return;
  check_floating(op, t, name);
  EMBER_CHECK(t.dim() == 1 && t.numel() == c, "{}: expected {} of shape [{}] (the input's channels), got {}; input {}",
              op, name, c, shape_str(t.shape()), shape_str(input.shape()));
}

// The checks batch_norm and instance_norm share: input (N, C, ...), each
// given vector C values, the running statistics both given or both absent.
void check_channel_args(const char* op, const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                        const Tensor& weight, const Tensor& bias) {
  check_floating(op, input);
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of shape (N, C, ...), got {}", op, shape_str(input.shape()));
  const int64_t c = input.size(1);
  check_channel_vector(op, "running_mean", running_mean, input, c);
  check_channel_vector(op, "running_var", running_var, input, c);
  check_channel_vector(op, "weight", weight, input, c);
  check_channel_vector(op, "bias", bias, input, c);
  EMBER_CHECK(running_mean.defined() == running_var.defined(),
              "{}: expected running_mean and running_var to be both given or both absent", op);
}

// Mean and biased variance of `rows` runs of n values, run i at x + i * stride,
// in one pass of sums shifted by the first value (no cancellation for data far
// from zero).
template <class T>
void moments(const T* x, int64_t rows, int64_t n, int64_t stride, double& mean_out, double& var_out) {
  const double shift = rows * n > 0 ? double(x[0]) : 0.0;
  double sum = 0, sumsq = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const T* row = x + i * stride;
#pragma omp simd reduction(+ : sum, sumsq)
    for (int64_t k = 0; k < n; ++k) {
      double d = double(row[k]) - shift;
      sum += d;
      sumsq += d * d;
    }
  }
  const double m = sum / double(rows * n);
  mean_out = shift + m;
  var_out = std::max(sumsq / double(rows * n) - m * m, 0.0);
}

// The dims of `shape` from `start` on, or before `start`.
std::vector<int64_t> dims_from(int64_t start, int64_t ndim) {
  std::vector<int64_t> d;
  for (int64_t i = start; i < ndim; ++i) d.push_back(i);
  return d;
}
std::vector<int64_t> dims_before(int64_t stop) { return dims_from(0, stop); }

// layer_norm backward for rows of length K, x and dy contiguous (M, K), w (K)
// or null, dx (M, K) or null; dw, db (K) or null receive sums over rows.
// dx = rstd (w dy - mean(w dy) - xhat mean(w dy xhat)), dw = sum(dy xhat), db = sum(dy).
// Column sums are accumulated per fixed chunk of rows and added in chunk
// order, so the result does not depend on the thread count or schedule.
template <class T>
void layer_norm_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const double* w, const double* mean,
                         const double* rstd, int64_t M, int64_t K) {
  const int64_t chunks = M * K >= kParallelGrain ? std::min<int64_t>(M, 8) : 1;
  const bool need_cols = dw != nullptr || db != nullptr;
  std::vector<double> pw(size_t(dw ? chunks * K : 0), 0.0), pb(size_t(db ? chunks * K : 0), 0.0);
  parallel_for(chunks, chunks > 1, [&](int64_t ch) {
    double* cw = dw ? pw.data() + ch * K : nullptr;
    double* cb = db ? pb.data() + ch * K : nullptr;
    for (int64_t r = M * ch / chunks; r < M * (ch + 1) / chunks; ++r) {
      const T* xr = x + r * K;
      const T* gr = dy + r * K;
      const double mu = mean[r], inv = rstd[r];
      if (dx) {
        double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
        for (int64_t k = 0; k < K; ++k) {
          double wg = double(gr[k]) * (w ? double(w[k]) : 1.0);
          a += wg;
          b += wg * (double(xr[k]) - mu) * inv;
        }
        a /= double(K);
        b /= double(K);
        T* xo = dx + r * K;
#pragma omp simd
        for (int64_t k = 0; k < K; ++k) {
          double wg = double(gr[k]) * (w ? double(w[k]) : 1.0);
          xo[k] = T(inv * (wg - a - (double(xr[k]) - mu) * inv * b));
        }
      }
      if (need_cols)
        for (int64_t k = 0; k < K; ++k) {
          if (cw) cw[k] += double(gr[k]) * (double(xr[k]) - mu) * inv;
          if (cb) cb[k] += double(gr[k]);
        }
    }
  });
  for (int64_t k = 0; k < K; ++k) {
    double sw = 0, sb = 0;
    for (int64_t ch = 0; ch < chunks; ++ch) {
      if (dw) sw += pw[size_t(ch * K + k)];
      if (db) sb += pb[size_t(ch * K + k)];
    }
    if (dw) dw[k] = T(sw);
    if (db) db[k] = T(sb);
  }
}

// Row (n, c) of x seen as (N, C, S): out[k] = sum of f(x[n, c', k]) over the
// channels c - before <= c' <= c + after inside [0, C); nc = n * C + c.
template <class T, class F>
void window_sum_row(T* out, const T* x, int64_t nc, int64_t c, int64_t s, int64_t before, int64_t after, F f) {
  const int64_t i = nc / c, ch = nc % c;
  std::fill(out, out + s, T(0));
  for (int64_t q = std::max<int64_t>(0, ch - before); q <= std::min(c - 1, ch + after); ++q) {
    const T* row = x + (i * c + q) * s;
#pragma omp simd
    for (int64_t k = 0; k < s; ++k) out[k] += f(row[k]);
  }
}

// out[n, c, s] = sum of t[n, c', s] over c - before <= c' <= c + after inside
// [0, C), t contiguous (N, C, S). Its gradient is the same sum with the window
// reflected: d(dt) = window_sum(g, after, before).
Tensor channel_window_sum(const Tensor& t, int64_t before, int64_t after) {
  Tensor x = contiguous_data(t);
  const int64_t n = x.size(0), c = x.size(1), s = x.numel() / std::max<int64_t>(n * c, 1);
  Tensor out = make_tensor(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "local_response_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    parallel_for(n * c, n * c * s * (before + after + 1) >= kParallelGrain, [&](int64_t nc) {
      window_sum_row(po + nc * s, px, nc, c, s, before, after, [](T v) { return v; });
    });
  });
  if (any_requires_grad({&t}))
    record("ChannelWindowSumBackward0", {t}, out, [before, after](const tensor_list& g) -> tensor_list {
      return {channel_window_sum(g[0], after, before)};
    });
  return out;
}

}  // namespace

// xhat = (x - mean) invstd, y = w xhat + b
// training: dx = invstd (w g - mean(w g) - xhat mean(w g xhat)); eval: dx = w g invstd
// dw = sum(g xhat), db = sum(g), over every dim but the channel dim
namespace {

// batch_norm's backward in two passes when no graph is built: per channel
// sum(g) and sum(g (x - mean)), then dx = w invstd (g - sum(g)/M - (x - mean)
// invstd² sum(g (x - mean))/M) in training, w invstd g in eval (M values per channel).
tensor_list batch_norm_backward_fused(const Tensor& g_in, const Tensor& x, const std::vector<double>& mean_c,
                                      const std::vector<double>& invstd_c, const std::vector<double>& w,
                                      bool training, bool need_x, bool need_w, bool need_b) {
  const int64_t n = x.size(0), c = x.size(1), s = x.numel() / std::max<int64_t>(n * c, 1);
  const double count = double(n * s);
  Tensor g = contiguous(g_in.dtype() == x.dtype() ? g_in : to_dtype(g_in, x.dtype()));
  std::vector<double> sum_g(static_cast<size_t>(c)), sum_gx(static_cast<size_t>(c));
  Tensor gx = need_x ? make_tensor(x.shape(), x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    const T* pg = g.data_ptr<T>();
    T* pgx = need_x ? gx.data_ptr<T>() : nullptr;
    parallel_for(c, n * c * s >= kMultiPassGrain, [&](int64_t ch) {
      const T m = T(mean_c[size_t(ch)]);
      double sg = 0, sgx = 0;
      for (int64_t i = 0; i < n; ++i) {
        const T* xr = px + (i * c + ch) * s;
        const T* gr = pg + (i * c + ch) * s;
#pragma omp simd reduction(+ : sg, sgx)
        for (int64_t k = 0; k < s; ++k) {
          sg += double(gr[k]);
          sgx += double(gr[k]) * double(xr[k] - m);
        }
      }
      sum_g[size_t(ch)] = sg;
      sum_gx[size_t(ch)] = sgx;
      if (!need_x) return;
      const double inv = invstd_c[size_t(ch)], scale = w[size_t(ch)] * inv;
      const T a = T(scale), b = training ? T(scale * sg / count) : T(0);
      const T k2 = training ? T(scale * inv * inv * sgx / count) : T(0);
      for (int64_t i = 0; i < n; ++i) {
        const T* xr = px + (i * c + ch) * s;
        const T* gr = pg + (i * c + ch) * s;
        T* out = pgx + (i * c + ch) * s;
#pragma omp simd
        for (int64_t k = 0; k < s; ++k) out[k] = a * gr[k] - b - (xr[k] - m) * k2;
      }
    });
  });
  Tensor gw, gb;
  if (need_w) {
    std::vector<double> v(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) v[size_t(ch)] = sum_gx[size_t(ch)] * invstd_c[size_t(ch)];
    gw = tensor(v, {c}, x.dtype());
  }
  if (need_b) gb = tensor(sum_g, {c}, x.dtype());
  return {gx, gw, gb};
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  const Tensor &weight = options.weight(), &bias = options.bias();
  const bool training = options.training();
  const double momentum = options.momentum(), eps = options.eps();
  const char* op = "batch_norm";
  check_channel_args(op, input, running_mean, running_var, weight, bias);
  EMBER_CHECK(eps > 0, "{}: expected eps > 0, got eps={}", op, eps);
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / std::max<int64_t>(n * c, 1);
  EMBER_CHECK(training || running_mean.defined(), "{}: expected running_mean and running_var in evaluation mode", op);
  const int64_t count = n * s;  // values per channel
  EMBER_CHECK(!training || count > 1, "{}: expected more than 1 value per channel when training, got input of shape {}",
              op, shape_str(input.shape()));

  Tensor x = contiguous(input);
  std::vector<double> bmean(static_cast<size_t>(c)), bvar(static_cast<size_t>(c));  // biased variance
  std::vector<double> w = weight.defined() ? weight.to_vector() : std::vector<double>(size_t(c), 1.0);
  std::vector<double> b = bias.defined() ? bias.to_vector() : std::vector<double>(size_t(c), 0.0);
  if (!training) {
    bmean = running_mean.to_vector();
    bvar = running_var.to_vector();
  }
  Tensor out = make_tensor(x.shape(), x.dtype());
  std::vector<double> invstd(static_cast<size_t>(c));
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = out.data_ptr<T>();
    parallel_for(c, n * c * s >= kMultiPassGrain, [&](int64_t ch) {
      if (training) moments(px + ch * s, n, s, c * s, bmean[ch], bvar[ch]);  // channel ch of every sample
      invstd[ch] = 1.0 / std::sqrt(bvar[ch] + eps);
      const T scale = T(w[ch] * invstd[ch]), offset = T(b[ch] - bmean[ch] * w[ch] * invstd[ch]);
      for (int64_t i = 0; i < n; ++i) {
        const T* row = px + (i * c + ch) * s;
        T* orow = py + (i * c + ch) * s;
#pragma omp simd
        for (int64_t k = 0; k < s; ++k) orow[k] = row[k] * scale + offset;
      }
    });
  });

  if (training && running_mean.defined()) {
    NoGradGuard no_grad;
    std::vector<double> rm = running_mean.to_vector(), rv = running_var.to_vector();
    const double unbias = double(count) / double(count - 1);
    for (int64_t ch = 0; ch < c; ++ch) {
      rm[ch] = (1 - momentum) * rm[ch] + momentum * bmean[ch];
      rv[ch] = (1 - momentum) * rv[ch] + momentum * bvar[ch] * unbias;
    }
    Tensor rm_t = running_mean, rv_t = running_var;
    copy_(rm_t, tensor(rm, {c}, kFloat64));
    copy_(rv_t, tensor(rv, {c}, kFloat64));
  }

  if (any_requires_grad({&x, &weight, &bias})) {
    Shape bshape(size_t(x.dim()), 1);  // (1, C, 1, ...): broadcasts a channel vector
    bshape[1] = c;
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    SavedVariable sx(x, false), sw(weight, false);
    Tensor saved_mean = tensor(bmean, bshape, x.dtype()), saved_invstd = tensor(invstd, bshape, x.dtype());
    bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad();
    bool need_b = bias.defined() && bias.requires_grad();
    record("NativeBatchNormBackward0", {x, weight, bias}, out,
           [sx, sw, saved_mean, saved_invstd, bmean, invstd, w, bshape, dims, training, eps, c, need_x, need_w,
            need_b](const tensor_list& grads) -> tensor_list {
             const Tensor& g = grads[0];
             Tensor xv = sx.unpack();
             if (!GradMode::is_enabled())
               return batch_norm_backward_fused(g, xv, bmean, invstd, w, training, need_x, need_w, need_b);
             Tensor mu = saved_mean, inv = saved_invstd;
             if (training && GradMode::is_enabled()) {  // create_graph: statistics as functions of x
               mu = mean(xv, dims, true);
               inv = rsqrt(var(xv, dims, 0, true) + eps);
             }
             Tensor xhat = (xv - mu) * inv;
             Tensor gx, gw, gb;
             if (need_x) {
               Tensor wg = sw.defined() ? g * reshape(sw.unpack(), bshape) : g;
               gx = training ? inv * (wg - mean(wg, dims, true) - xhat * mean(wg * xhat, dims, true)) : wg * inv;
             }
             if (need_w) gw = reshape(sum(g * xhat, dims), {c});
             if (need_b) gb = reshape(sum(g, dims), {c});
             return {gx, gw, gb};
           });
  }
  return out;
}

// xhat = (x - mean) rstd over the trailing normalized_shape dims, y = w xhat + b
// dx = rstd (w g - mean(w g) - xhat mean(w g xhat)), dw = sum(g xhat), db = sum(g) over the leading dims
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  const Shape& normalized_shape = options.normalized_shape();
  const Tensor &weight = options.weight(), &bias = options.bias();
  const double eps = options.eps();
  const char* op = "layer_norm";
  check_floating(op, input);
  const int64_t nd = int64_t(normalized_shape.size()), ndim = input.dim();
  EMBER_CHECK(nd >= 1, "{}: expected normalized_shape with at least one element, got []", op);
  EMBER_CHECK(ndim >= nd && Shape(input.shape().end() - nd, input.shape().end()) == normalized_shape,
              "{}: given normalized_shape={}, expected input with shape [*, {}], got input of shape {}", op,
              shape_str(normalized_shape), fmt::join(normalized_shape, ", "), shape_str(input.shape()));
  for (auto [name, t] : {std::pair{"weight", &weight}, std::pair{"bias", &bias}}) {
    if (!t->defined()) continue;
    check_floating(op, *t, name);
    EMBER_CHECK(t->shape() == normalized_shape, "{}: expected {} of shape normalized_shape={}, got {}", op, name,
                shape_str(normalized_shape), shape_str(t->shape()));
  }
  const int64_t K = numel_of(normalized_shape, op), M = numel_of(Shape(input.shape().begin(), input.shape().end() - nd));

  Tensor x = contiguous(input);
  std::vector<double> w = weight.defined() ? weight.to_vector() : std::vector<double>(size_t(K), 1.0);
  std::vector<double> b = bias.defined() ? bias.to_vector() : std::vector<double>(size_t(K), 0.0);
  std::vector<double> mean_v(static_cast<size_t>(M)), rstd_v(static_cast<size_t>(M));
  Tensor out = make_tensor(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = out.data_ptr<T>();
    const double *pw = w.data(), *pb = b.data();
    parallel_for(M, M * K >= kParallelGrain, [&](int64_t r) {
      double mu, v;
      moments(px + r * K, 1, K, K, mu, v);
      const double inv = 1.0 / std::sqrt(v + eps);
      mean_v[size_t(r)] = mu;
      rstd_v[size_t(r)] = inv;
      const T* row = px + r * K;
      T* orow = py + r * K;
#pragma omp simd
      for (int64_t k = 0; k < K; ++k) orow[k] = T((double(row[k]) - mu) * inv * pw[k] + pb[k]);
    });
  });

  if (any_requires_grad({&x, &weight, &bias})) {
    SavedVariable sx(x, false), sw(weight, false);
    bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad();
    bool need_b = bias.defined() && bias.requires_grad();
    record("NativeLayerNormBackward0", {x, weight, bias}, out,
           [sx, sw, mean_v, rstd_v, normalized_shape, eps, nd, M, K, need_x, need_w, need_b](
               const tensor_list& grads) -> tensor_list {
             const Tensor& g = grads[0];
             Tensor xv = sx.unpack();
             const int64_t ndim = xv.dim();
             Tensor gx, gw, gb;
             if (!GradMode::is_enabled()) {  // no create_graph: one fused kernel on the saved statistics
               Tensor gc = contiguous(g);
               std::vector<double> w = sw.defined() ? sw.unpack().to_vector() : std::vector<double>();
               if (need_x) gx = make_tensor(xv.shape(), xv.dtype());
               if (need_w) gw = make_tensor(normalized_shape, xv.dtype());
               if (need_b) gb = make_tensor(normalized_shape, xv.dtype());
               dispatch_floating(xv.dtype(), "layer_norm", [&](auto tag) {
                 using T = decltype(tag);
                 layer_norm_backward<T>(need_x ? gx.data_ptr<T>() : nullptr, need_w ? gw.data_ptr<T>() : nullptr,
                                        need_b ? gb.data_ptr<T>() : nullptr, gc.data_ptr<T>(), xv.data_ptr<T>(),
                                        w.empty() ? nullptr : w.data(), mean_v.data(), rstd_v.data(), M, K);
               });
               return {gx, gw, gb};
             }
             std::vector<int64_t> dims = dims_from(ndim - nd, ndim), lead = dims_before(ndim - nd);
             Tensor mu = mean(xv, dims, true), inv = rsqrt(var(xv, dims, 0, true) + eps);
             Tensor xhat = (xv - mu) * inv;
             if (need_x) {
               Tensor wg = sw.defined() ? g * sw.unpack() : g;
               gx = inv * (wg - mean(wg, dims, true) - xhat * mean(wg * xhat, dims, true));
             }
             // With no leading dims there is nothing to sum over (an empty dim list would mean all dims).
             if (need_w) gw = lead.empty() ? g * xhat : sum(g * xhat, lead);
             if (need_b) gb = lead.empty() ? g : sum(g, lead);
             return {gx, gw, gb};
           });
  }
  return out;
}

// Per sample n and group: xhat = (x - mean) rstd over its C/G channels, y = w xhat + b per channel
// dx = rstd (w g - mean(w g) - xhat mean(w g xhat)) per group, dw = sum(g xhat), db = sum(g) but over C
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  const int64_t num_groups = options.num_groups();
  const Tensor &weight = options.weight(), &bias = options.bias();
  const double eps = options.eps();
  const char* op = "group_norm";
  check_floating(op, input);
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of shape (N, C, ...), got {}", op, shape_str(input.shape()));
  EMBER_CHECK(num_groups > 0, "{}: expected num_groups > 0, got num_groups={}", op, num_groups);
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / std::max<int64_t>(n * c, 1);
  EMBER_CHECK(c % num_groups == 0,
              "{}: expected the number of channels to be divisible by num_groups, got input of shape {} and "
              "num_groups={}",
              op, shape_str(input.shape()), num_groups);
  check_channel_vector(op, "weight", weight, input, c);
  check_channel_vector(op, "bias", bias, input, c);
  const int64_t G = num_groups, cg = c / G, len = cg * s;  // len: values per (sample, group)

  Tensor x = contiguous(input);
  std::vector<double> w = weight.defined() ? weight.to_vector() : std::vector<double>(size_t(c), 1.0);
  std::vector<double> b = bias.defined() ? bias.to_vector() : std::vector<double>(size_t(c), 0.0);
  std::vector<double> mean_v(size_t(n * G)), rstd_v(size_t(n * G));
  Tensor out = make_tensor(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = out.data_ptr<T>();
    // x as (N, G, C/G, S): each (n, g) is one contiguous run of len values.
    parallel_for(n * G, n * c * s >= kParallelGrain, [&](int64_t r) {
      double mu, v;
      moments(px + r * len, 1, len, len, mu, v);
      const double inv = 1.0 / std::sqrt(v + eps);
      mean_v[size_t(r)] = mu;
      rstd_v[size_t(r)] = inv;
      for (int64_t j = 0; j < cg; ++j) {
        const int64_t ch = (r % G) * cg + j;
        const T scale = T(w[size_t(ch)] * inv), offset = T(b[size_t(ch)] - mu * w[size_t(ch)] * inv);
        const T* row = px + r * len + j * s;
        T* orow = py + r * len + j * s;
#pragma omp simd
        for (int64_t k = 0; k < s; ++k) orow[k] = row[k] * scale + offset;
      }
    });
  });

  if (any_requires_grad({&x, &weight, &bias})) {
    Shape gshape{n, G, len}, bshape(size_t(x.dim()), 1);  // bshape (1, C, 1, ...): broadcasts a channel vector
    bshape[1] = c;
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    SavedVariable sx(x, false), sw(weight, false);
    Tensor saved_mean = tensor(mean_v, {n, G, 1}, x.dtype()), saved_rstd = tensor(rstd_v, {n, G, 1}, x.dtype());
    bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad();
    bool need_b = bias.defined() && bias.requires_grad();
    record("NativeGroupNormBackward0", {x, weight, bias}, out,
           [sx, sw, saved_mean, saved_rstd, gshape, bshape, dims, eps, c, need_x, need_w, need_b](
               const tensor_list& grads) -> tensor_list {
             const Tensor& g = grads[0];
             Tensor xv = sx.unpack();
             Tensor xr = reshape(xv, gshape), mu = saved_mean, inv = saved_rstd;
             if (GradMode::is_enabled()) {  // create_graph: statistics as functions of x
               mu = mean(xr, {2}, true);
               inv = rsqrt(var(xr, {2}, 0, true) + eps);
             }
             Tensor xhat_r = (xr - mu) * inv;
             Tensor gx, gw, gb;
             if (need_x) {
               Tensor wg = reshape(sw.defined() ? g * reshape(sw.unpack(), bshape) : g, gshape);
               gx = reshape(inv * (wg - mean(wg, {2}, true) - xhat_r * mean(wg * xhat_r, {2}, true)), xv.shape());
             }
             if (need_w) gw = reshape(sum(g * reshape(xhat_r, xv.shape()), dims), {c});
             if (need_b) gb = reshape(sum(g, dims), {c});
             return {gx, gw, gb};
           });
  }
  return out;
}

// batch_norm of the input seen as (1, N*C, *), weight, bias and running stats
// repeated N times; the running stats take the mean of the N updated copies
// (torch's definition). Its gradient is batch_norm's through the reshapes.
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options) {
  const Tensor &running_mean = options.running_mean(), &running_var = options.running_var();
  const Tensor &weight = options.weight(), &bias = options.bias();
  const bool use_input_stats = options.use_input_stats();
  const char* op = "instance_norm";
  check_channel_args(op, input, running_mean, running_var, weight, bias);
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / std::max<int64_t>(n * c, 1);
  EMBER_CHECK(use_input_stats || running_mean.defined(),
              "{}: expected running_mean and running_var when use_input_stats is false", op);
  EMBER_CHECK(!use_input_stats || s > 1,
              "{}: expected more than 1 spatial element when training, got input of shape {}", op,
              shape_str(input.shape()));
  EMBER_CHECK(n > 0, "{}: expected a non-empty batch, got input of shape {}", op, shape_str(input.shape()));

  auto repeat = [&](const Tensor& t) { return t.defined() ? reshape(expand(unsqueeze(t, 0), {n, c}), {n * c}) : t; };
  Tensor rm, rv;
  if (running_mean.defined()) {
    NoGradGuard no_grad;
    rm = clone(repeat(running_mean));
    rv = clone(repeat(running_var));
  }
  Shape flat = input.shape();
  flat[0] = 1;
  flat[1] = n * c;
  Tensor out = batch_norm(reshape(input, flat), rm, rv,
                          BatchNormFuncOptions()
                              .weight(repeat(weight))
                              .bias(repeat(bias))
                              .training(use_input_stats)
                              .momentum(options.momentum())
                              .eps(options.eps()));
  if (use_input_stats && running_mean.defined()) {
    NoGradGuard no_grad;
    Tensor rm_t = running_mean, rv_t = running_var;
    copy_(rm_t, mean(reshape(rm, {n, c}), {0}));
    copy_(rv_t, mean(reshape(rv, {n, c}), {0}));
  }
  return reshape(out, input.shape());
}

// y = x den^-beta, den = k + alpha/size * window_sum(x²) over the channels c - size/2 .. c + (size-1)/2
// dx = g den^-beta - (2 alpha beta / size) x window_sum'(g x den^(-beta-1)), window_sum' the reflected window
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options) {
  const int64_t size = options.size();
  const double alpha = options.alpha(), beta = options.beta(), k = options.k();
  const char* op = "local_response_norm";
  check_floating(op, input);
  EMBER_CHECK(input.dim() >= 3, "{}: expected 3D or higher dimensionality input, got {} dimensions (input {})", op,
              input.dim(), shape_str(input.shape()));
  EMBER_CHECK(size > 0, "{}: expected size > 0, got size={}", op, size);
  if (input.numel() == 0) return input;
  const int64_t before = size / 2, after = (size - 1) / 2;
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / (n * c);
  const double scale = alpha / double(size);

  Tensor x = contiguous(input);
  Tensor den = make_tensor(x.shape(), x.dtype()), out = make_tensor(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* pd = den.data_ptr<T>();
    T* py = out.data_ptr<T>();
    // x as (N, C, S); each (n, c) row sums the squares of its window's rows.
    parallel_for(n * c, n * c * s * size >= kParallelGrain, [&](int64_t nc) {
      T* drow = pd + nc * s;
      window_sum_row(drow, px, nc, c, s, before, after, [](T v) { return v * v; });
      const T* xrow = px + nc * s;
      T* orow = py + nc * s;
      for (int64_t j = 0; j < s; ++j) {
        drow[j] = T(k + scale * double(drow[j]));
        orow[j] = T(double(xrow[j]) * std::pow(double(drow[j]), -beta));
      }
    });
  });

  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("LocalResponseNormBackward0", {x}, out,
           [sx, den, before, after, scale, alpha, beta, k, size](const tensor_list& grads) -> tensor_list {
             const Tensor& g = grads[0];
             Tensor xv = sx.unpack();
             // create_graph: den as a function of x
             Tensor d = GradMode::is_enabled() ? k + scale * channel_window_sum(xv * xv, before, after) : den;
             Tensor p = pow(d, -beta);
             double coef = 2.0 * alpha * beta / double(size);
             return {g * p - coef * xv * channel_window_sum(g * xv * p / d, after, before)};
           });
  }
  return out;
}

}  // namespace ember
