// 3-d convolution (torch.nn.functional.conv3d) for video and volumes: a sum
// over the kernel's depth taps of conv2d (ops/conv.cpp) on strided depth
// slices, so it shares conv2d's kernels and its gradients, double backward included.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// A (d, h, w) argument; one int stands for all three, as libtorch's ExpandingArray<3>.
struct Triple {
  Triple(int64_t all) : d(all), h(all), w(all) {}  // NOLINT(implicit)
  Triple(int64_t d_, int64_t h_, int64_t w_) : d(d_), h(h_), w(w_) {}
  bool operator==(const Triple& o) const { return d == o.d && h == o.h && w == o.w; }
  int64_t d, h, w;
};

/// conv3d's options, libtorch's F::Conv3dFuncOptions: `Conv3dFuncOptions().bias(b).stride(2).padding(1)`.
struct Conv3dFuncOptions {
  Conv3dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  Conv3dFuncOptions& stride(Triple v) { stride_ = v; return *this; }
  Conv3dFuncOptions& padding(Triple v) { padding_ = v; return *this; }
  Conv3dFuncOptions& dilation(Triple v) { dilation_ = v; return *this; }
  Conv3dFuncOptions& groups(int64_t v) { groups_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  const Triple& stride() const { return stride_; }
  const Triple& padding() const { return padding_; }
  const Triple& dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  Triple stride_ = 1, padding_ = 0, dilation_ = 1;
  int64_t groups_ = 1;
};

/// input (N, C, D, H, W) or (C, D, H, W), weight (O, C/groups, kD, kH, kW) -> (N, O, oD, oH, oW):
/// out[n, o, t, i, j] = bias[o] + sum_{c, a, p, q} x[n, g C/groups + c, t sD + a dD - pD, i sH + p dH - pH,
/// j sW + q dW - pW] w[o, c, a, p, q].
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& options = {});

}  // namespace ember
