// Gradient clipping: one pass per gradient for its norm (accumulated in
// double), one in-place scaling pass.
#include "optim/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "ops/parallel.h"

namespace ember::optim {

namespace {

// The norm_type-norm of one gradient (infinity: the largest magnitude).
double grad_norm(const Tensor& grad, double norm_type) {
  Tensor g = grad.contiguous();
  return dispatch_floating(g.dtype(), "clip_grad_norm_", [&](auto tag) {
    using T = decltype(tag);
    const T* x = g.data_ptr<T>();
    int64_t n = g.numel();
    double acc = 0;
    if (std::isinf(norm_type)) {
#pragma omp parallel for reduction(max : acc) if (n >= kParallelGrain)
      for (int64_t i = 0; i < n; ++i) acc = std::max(acc, double(std::abs(x[i])));
      return acc;
    }
    if (norm_type == 2.0) {
#pragma omp parallel for simd reduction(+ : acc) if (n >= kParallelGrain)
      for (int64_t i = 0; i < n; ++i) acc += double(x[i]) * double(x[i]);
      return std::sqrt(acc);
    }
#pragma omp parallel for reduction(+ : acc) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) acc += std::pow(std::abs(double(x[i])), norm_type);
    return std::pow(acc, 1.0 / norm_type);
  });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  EMBER_CHECK(norm_type > 0 || std::isinf(norm_type), "clip_grad_norm_: expected norm_type > 0 or inf, got {}",
              norm_type);
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  // The total norm is the norm of the per-gradient norms (PyTorch's order of evaluation).
  double total = 0;
  for (const Tensor& g : grads) {
    double n = grad_norm(g, norm_type);
    if (std::isinf(norm_type)) total = std::max(total, n);
    else total += norm_type == 2.0 ? n * n : std::pow(n, norm_type);
  }
  if (!std::isinf(norm_type)) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  EMBER_CHECK_STATE(!error_if_nonfinite || std::isfinite(total),
                    "clip_grad_norm_: the total norm of order {} for gradients from `parameters` is non-finite, so it "
                    "cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
                    "set `error_if_nonfinite=False`",
                    norm_type);
  double coef = std::min(max_norm / (total + 1e-6), 1.0);
  NoGradGuard no_grad;
  for (Tensor& g : grads) g.mul_(coef);
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    g.clamp_(-clip_value, clip_value);
  }
}

}  // namespace ember::optim
