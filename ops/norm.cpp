// Normalization. batch_norm's forward is one kernel (OpenMP over channels,
// statistics in one pass in double); its backward is the standard fused
// formula written with ember ops. With create_graph the batch statistics are
// recomputed with ember ops so that their dependence on the input is on the
// tape; otherwise the saved ones are used.
#include "ops/norm.h"

#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

void check_channel_vector(const char* op, const char* name, const Tensor& t, const Tensor& input, int64_t c) {
  if (!t.defined()) return;
  EMBER_CHECK_TYPE(t.is_floating_point(), "{}: expected {} to be float32 or float64, got {}", op, name,
                   dtype_name(t.dtype()));
  EMBER_CHECK(t.dim() == 1 && t.numel() == c, "{}: expected {} of shape [{}] (the input's channels), got {}; input {}",
              op, name, c, shape_str(t.shape()), shape_str(input.shape()));
}

}  // namespace

// xhat = (x - mean) invstd, y = w xhat + b
// training: dx = invstd (w g - mean(w g) - xhat mean(w g xhat)); eval: dx = w g invstd
// dw = sum(g xhat), db = sum(g), over every dim but the channel dim
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  EMBER_CHECK(input.defined(), "{}: expected a defined input tensor", op);
  EMBER_CHECK_TYPE(input.is_floating_point(), "{}: expected input to be float32 or float64, got {}", op,
                   dtype_name(input.dtype()));
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of shape (N, C, ...), got {}", op, shape_str(input.shape()));
  EMBER_CHECK(eps > 0, "{}: expected eps > 0, got eps={}", op, eps);
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / std::max<int64_t>(n * c, 1);
  check_channel_vector(op, "running_mean", running_mean, input, c);
  check_channel_vector(op, "running_var", running_var, input, c);
  check_channel_vector(op, "weight", weight, input, c);
  check_channel_vector(op, "bias", bias, input, c);
  EMBER_CHECK(running_mean.defined() == running_var.defined(),
              "{}: expected running_mean and running_var to be both given or both absent", op);
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
#pragma omp parallel for if (c > 1 && n * c * s >= 8192)
    for (int64_t ch = 0; ch < c; ++ch) {
      if (training) {
        // Sums shifted by one sample of the channel: one pass without cancellation.
        const double shift = double(px[ch * s]);
        double sum = 0, sumsq = 0;
        for (int64_t i = 0; i < n; ++i) {
          const T* row = px + (i * c + ch) * s;
#pragma omp simd reduction(+ : sum, sumsq)
          for (int64_t k = 0; k < s; ++k) {
            double d = double(row[k]) - shift;
            sum += d;
            sumsq += d * d;
          }
        }
        double m = sum / double(count);
        bmean[ch] = shift + m;
        bvar[ch] = std::max(sumsq / double(count) - m * m, 0.0);
      }
      invstd[ch] = 1.0 / std::sqrt(bvar[ch] + eps);
      const T scale = T(w[ch] * invstd[ch]), offset = T(b[ch] - bmean[ch] * w[ch] * invstd[ch]);
      for (int64_t i = 0; i < n; ++i) {
        const T* row = px + (i * c + ch) * s;
        T* orow = py + (i * c + ch) * s;
#pragma omp simd
        for (int64_t k = 0; k < s; ++k) orow[k] = row[k] * scale + offset;
      }
    }
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
           [sx, sw, saved_mean, saved_invstd, bshape, dims, training, eps, c, need_x, need_w, need_b](
               const tensor_list& grads) -> tensor_list {
             const Tensor& g = grads[0];
             Tensor xv = sx.unpack();
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

}  // namespace ember
