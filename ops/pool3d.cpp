// max_pool3d: max_pool2d over (H, W) of every depth slice, then max_pool1d
// over D. avg_pool3d: conv3d of each channel with a constant kernel.
// adaptive_avg_pool3d: means of depth ranges, then adaptive_avg_pool2d.
#include "ops/pool3d.h"

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/factory.h"
#include "ops/pool.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

// Runs f on the 5-d form of a 4-d (C, D, H, W) or 5-d input.
template <class F>
Tensor batched(const char* op, const Tensor& input, F f) {
  check_floating(op, input);
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5,
              "{}: expected a 4-d (C, D, H, W) or 5-d (N, C, D, H, W) input, got {}", op, shape_str(input.shape()));
  if (input.dim() == 4) return squeeze(f(unsqueeze(input, 0)), 0);
  return f(input);
}

}  // namespace

Tensor max_pool3d(const Tensor& input, const MaxPool3dFuncOptions& o) {
  return batched("max_pool3d", input, [&](const Tensor& x) {
    const Triple k = o.kernel_size(), s = o.stride(), p = o.padding(), d = o.dilation();
    EMBER_CHECK(k.d > 0 && s.d > 0 && d.d > 0 && p.d >= 0 && p.d <= (d.d * (k.d - 1) + 1) / 2,
                "max_pool3d: expected kernel_size, stride, dilation > 0 and 0 <= padding <= half the kernel in depth, "
                "got kernel_size {}, stride {}, padding {}, dilation {}",
                k.d, s.d, p.d, d.d);
    const Shape& sh = x.shape();
    const int64_t N = sh[0], C = sh[1], D = sh[2];
    Tensor plane = max_pool2d(reshape(x, {N * C * D, 1, sh[3], sh[4]}),
                              MaxPool2dFuncOptions({k.h, k.w}).stride({s.h, s.w}).padding({p.h, p.w})
                                  .dilation({d.h, d.w}).ceil_mode(o.ceil_mode()));
    const int64_t oH = plane.shape()[2], oW = plane.shape()[3];
    // (N C, D, oH oW) -> (N C oH oW, 1, D) for the depth pass.
    Tensor cols = reshape(permute(reshape(plane, {N * C, D, oH * oW}), {0, 2, 1}), {N * C * oH * oW, 1, D});
    Tensor depth = max_pool1d(cols, MaxPool1dFuncOptions(k.d).stride(s.d).padding(p.d).dilation(d.d)
                                        .ceil_mode(o.ceil_mode()));
    const int64_t oD = depth.shape()[2];
    return reshape(permute(reshape(depth, {N * C, oH * oW, oD}), {0, 2, 1}), {N, C, oD, oH, oW});
  });
}

Tensor avg_pool3d(const Tensor& input, const AvgPool3dFuncOptions& o) {
  return batched("avg_pool3d", input, [&](const Tensor& x) {
    const Triple k = o.kernel_size(), s = o.stride(), p = o.padding();
    EMBER_CHECK(!o.ceil_mode(), "avg_pool3d: ceil_mode=True is not supported");
    EMBER_CHECK(k.d > 0 && k.h > 0 && k.w > 0 && s.d > 0 && s.h > 0 && s.w > 0,
                "avg_pool3d: expected kernel_size and stride > 0");
    EMBER_CHECK(p.d >= 0 && p.h >= 0 && p.w >= 0 && p.d <= k.d / 2 && p.h <= k.h / 2 && p.w <= k.w / 2,
                "avg_pool3d: pad should be at most half of kernel size, got padding ({}, {}, {}) and kernel_size "
                "({}, {}, {})",
                p.d, p.h, p.w, k.d, k.h, k.w);
    EMBER_CHECK(!o.divisor_override() || *o.divisor_override() != 0, "avg_pool3d: divisor must be not zero");
    const Shape& sh = x.shape();
    const int64_t N = sh[0], C = sh[1];
    auto args = Conv3dFuncOptions().stride(s).padding(p);
    Tensor box = ones({1, 1, k.d, k.h, k.w}, x.dtype());
    Tensor sums = conv3d(reshape(x, {N * C, 1, sh[2], sh[3], sh[4]}), box, args);
    Tensor y;
    if (o.divisor_override()) y = sums / double(*o.divisor_override());
    else if (o.count_include_pad()) y = sums / double(k.d * k.h * k.w);
    else y = sums / conv3d(ones({1, 1, sh[2], sh[3], sh[4]}, x.dtype()), box, args);
    const Shape& ys = y.shape();
    return reshape(y, {N, C, ys[2], ys[3], ys[4]});
  });
}

Tensor adaptive_avg_pool3d(const Tensor& input, Triple out) {
  return batched("adaptive_avg_pool3d", input, [&](const Tensor& x) {
    EMBER_CHECK(out.d > 0 && out.h > 0 && out.w > 0,
                "adaptive_avg_pool3d: expected output_size > 0, got output_size=({}, {}, {})", out.d, out.h, out.w);
    const Shape& sh = x.shape();
    const int64_t N = sh[0], C = sh[1], D = sh[2];
    EMBER_CHECK(D > 0 && sh[3] > 0 && sh[4] > 0, "adaptive_avg_pool3d: expected a non-empty input, got {}",
                shape_str(sh));
    tensor_list slabs;
    for (int64_t i = 0; i < out.d; ++i) {
      const int64_t a = i * D / out.d, b = ((i + 1) * D + out.d - 1) / out.d;
      slabs.push_back(mean(narrow(x, 2, a, b - a), {2}));
    }
    Tensor depth = stack(slabs, 2);  // (N, C, oD, H, W)
    Tensor y = adaptive_avg_pool2d(reshape(depth, {N * C * out.d, 1, sh[3], sh[4]}),
                                   AdaptiveAvgPool2dFuncOptions(Pair(out.h, out.w)));
    return reshape(y, {N, C, out.d, out.h, out.w});
  });
}

}  // namespace ember
