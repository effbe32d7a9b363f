// conv3d = sum over depth taps a of conv2d(x_padded[:, :, a dD :: sD], w[:, :, a]),
// the depth slices folded into the batch. Depth padding is a cat of zeros.
#include "ops/conv3d.h"

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/conv.h"
#include "ops/factory.h"
#include "ops/shape.h"

namespace ember {

Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  const char* op = "conv3d";
  check_floating(op, input);
  EMBER_CHECK(weight.defined(), "conv3d: expected a defined weight tensor");
  EMBER_CHECK_TYPE(weight.dtype() == input.dtype(), "conv3d: expected weight of dtype {} (the input's), got {}",
                   input.dtype(), weight.dtype());
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5,
              "conv3d: expected input to be 4-d (C, D, H, W) or 5-d (N, C, D, H, W), got {}", shape_str(input.shape()));
  EMBER_CHECK(weight.dim() == 5,
              "conv3d: expected weight to be 5-d (out_channels, in_channels/groups, kD, kH, kW), got {}",
              shape_str(weight.shape()));
  if (input.dim() == 4) return squeeze(conv3d(unsqueeze(input, 0), weight, o), 0);
  const Triple s = o.stride(), p = o.padding(), d = o.dilation();
  EMBER_CHECK(s.d > 0 && s.h > 0 && s.w > 0, "conv3d: expected stride > 0, got stride=({}, {}, {})", s.d, s.h, s.w);
  EMBER_CHECK(d.d > 0 && d.h > 0 && d.w > 0, "conv3d: expected dilation > 0, got dilation=({}, {}, {})", d.d, d.h,
              d.w);
  EMBER_CHECK(p.d >= 0 && p.h >= 0 && p.w >= 0, "conv3d: expected padding >= 0, got padding=({}, {}, {})", p.d, p.h,
              p.w);
  const Shape& x = input.shape();
  const Shape& w = weight.shape();
  const int64_t N = x[0], C = x[1], D = x[2], kD = w[2];
  EMBER_CHECK(o.groups() > 0 && C == w[1] * o.groups(),
              "conv3d: input has {} channels but weight expects {} (in_channels={}, groups={})", C,
              w[1] * o.groups(), w[1] * o.groups(), o.groups());
  const int64_t ekD = d.d * (kD - 1) + 1;
  EMBER_CHECK(kD > 0 && D + 2 * p.d >= ekD,
              "conv3d: expected the (dilated) kernel to fit in the padded input, got kernel depth {} and padded depth {}",
              ekD, D + 2 * p.d);
  const int64_t oD = (D + 2 * p.d - ekD) / s.d + 1;
  Tensor xp = input;
  if (p.d > 0) {
    Tensor z = zeros({N, C, p.d, x[3], x[4]}, input.dtype());
    xp = cat({z, input, z}, 2);
  }
  // conv2d checks channels, groups, the bias and the in-plane sizes (its messages name conv2d's view of them).
  auto args = Conv2dFuncOptions().stride({s.h, s.w}).padding({p.h, p.w}).dilation({d.h, d.w}).groups(o.groups());
  Tensor y;
  for (int64_t a = 0; a < kD; ++a) {
    Tensor slab = slice(xp, 2, a * d.d, a * d.d + (oD - 1) * s.d + 1, s.d);  // (N, C, oD, H, W)
    Tensor flat = reshape(permute(slab, {0, 2, 1, 3, 4}), {N * oD, C, x[3], x[4]});
    Tensor part = conv2d(flat, select(weight, 2, a), args);
    y = y.defined() ? y + part : part;
  }
  const Shape& ys = y.shape();
  y = permute(reshape(y, {N, oD, ys[1], ys[2], ys[3]}), {0, 2, 1, 3, 4});
  if (o.bias().defined()) {
    EMBER_CHECK(o.bias().dim() == 1 && o.bias().shape()[0] == w[0], "conv3d: expected bias of shape [{}], got {}",
                w[0], shape_str(o.bias().shape()));
    y = y + reshape(o.bias(), {w[0], 1, 1, 1});
  }
  return y;
}

}  // namespace ember
