// unfold = conv2d(x, E, groups=C) and fold = conv_transpose2d(cols, E, groups=C),
// E (C kH kW, 1, kH, kW) holding one-hot kernels: output channel c kH kW + p kW + q
// of group c copies tap (p, q), which is im2col's row order. The kernels
// multiply by 0 and 1 only, so the copies are exact.
#include "ops/unfold.h"

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/conv.h"
#include "ops/conv_transpose.h"
#include "ops/factory.h"
#include "ops/shape.h"

namespace ember {
namespace {

std::string sizes_str(const char* op, Pair k, Pair d, Pair p, Pair s) {
  return fmt::format("{}: kernel_size={}, dilation={}, padding={}, stride={}", op, pair_str(k, false),
                     pair_str(d, false), pair_str(p, false), pair_str(s, false));
}

void check_sizes(const char* op, Pair k, Pair d, Pair p, Pair s) {
  EMBER_CHECK(k.h > 0 && k.w > 0 && d.h > 0 && d.w > 0 && s.h > 0 && s.w > 0 && p.h >= 0 && p.w >= 0,
              "{}: expected kernel_size, dilation and stride > 0 and padding >= 0, got {}", op,
              sizes_str(op, k, d, p, s));
}

// The blocks along one dim of size n.
int64_t blocks(int64_t n, int64_t k, int64_t d, int64_t p, int64_t s) { return (n + 2 * p - d * (k - 1) - 1) / s + 1; }

Tensor one_hot_kernels(int64_t C, Pair k, Dtype dtype) {
  const int64_t K = k.h * k.w;
  std::vector<double> v(size_t(C * K * K), 0.0);
  for (int64_t r = 0; r < C * K; ++r) v[size_t(r * K + r % K)] = 1.0;
  return tensor(v, {C * K, 1, k.h, k.w}, dtype);
}

}  // namespace

Tensor unfold(const Tensor& input, const UnfoldFuncOptions& o) {
  const char* op = "unfold";
  check_floating(op, input);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, "{}: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got {}",
              op, shape_str(input.shape()));
  const Pair k = o.kernel_size(), d = o.dilation(), p = o.padding(), s = o.stride();
  check_sizes(op, k, d, p, s);
  if (input.dim() == 3) return squeeze(unfold(unsqueeze(input, 0), o), 0);
  const Shape& x = input.shape();
  const int64_t bh = blocks(x[2], k.h, d.h, p.h, s.h), bw = blocks(x[3], k.w, d.w, p.w, s.w);
  EMBER_CHECK(x[2] + 2 * p.h - d.h * (k.h - 1) - 1 >= 0 && x[3] + 2 * p.w - d.w * (k.w - 1) - 1 >= 0 && x[1] > 0,
              "{} (spatial size {}): expected at least one sliding block, got none", sizes_str(op, k, d, p, s),
              pair_str({x[2], x[3]}, false));
  Tensor cols = conv2d(input, one_hot_kernels(x[1], k, input.dtype()),
                       Conv2dFuncOptions().stride(s).padding(p).dilation(d).groups(x[1]));
  return reshape(cols, {x[0], x[1] * k.h * k.w, bh * bw});
}

Tensor fold(const Tensor& input, const FoldFuncOptions& o) {
  const char* op = "fold";
  check_floating(op, input);
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, "{}: expected a 2-d (C*kH*kW, L) or 3-d (N, C*kH*kW, L) input, got {}",
              op, shape_str(input.shape()));
  const Pair k = o.kernel_size(), d = o.dilation(), p = o.padding(), s = o.stride(), out = o.output_size();
  check_sizes(op, k, d, p, s);
  if (input.dim() == 2) return squeeze(fold(unsqueeze(input, 0), o), 0);
  const Shape& x = input.shape();
  const int64_t K = k.h * k.w;
  EMBER_CHECK(x[1] % K == 0 && x[1] > 0,
              "{}: expected input.size(1) divisible by the product of kernel_size, got input.size(1)={} and "
              "kernel_size={}",
              op, x[1], pair_str(k, false));
  EMBER_CHECK(out.h > 0 && out.w > 0 && out.h + 2 * p.h - d.h * (k.h - 1) - 1 >= 0 &&
                  out.w + 2 * p.w - d.w * (k.w - 1) - 1 >= 0,
              "{} (output_size {}): expected at least one sliding block, got none", sizes_str(op, k, d, p, s),
              pair_str(out, false));
  const int64_t bh = blocks(out.h, k.h, d.h, p.h, s.h), bw = blocks(out.w, k.w, d.w, p.w, s.w);
  EMBER_CHECK(x[2] == bh * bw,
              "{} (output_size {}): expected input.size(2) to match the number of sliding blocks {} * {} = {}, got {}",
              sizes_str(op, k, d, p, s), pair_str(out, false), bh, bw, bh * bw, x[2]);
  const int64_t C = x[1] / K;
  // The output_padding that reaches output_size: below stride, as bh is a floor.
  const Pair extra{out.h - ((bh - 1) * s.h - 2 * p.h + d.h * (k.h - 1) + 1),
                   out.w - ((bw - 1) * s.w - 2 * p.w + d.w * (k.w - 1) + 1)};
  return conv_transpose2d(reshape(input, {x[0], x[1], bh, bw}), one_hot_kernels(C, k, input.dtype()),
                          ConvTranspose2dFuncOptions().stride(s).padding(p).dilation(d).groups(C).output_padding(extra));
}

}  // namespace ember
