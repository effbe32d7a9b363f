// Transposed convolutions (torch.nn.functional.conv_transpose1d / 2d): the
// adjoint of conv1d/conv2d in its input, computed by conv2d's own input
// gradient (GEMM + col2im, ops/conv.cpp), so it shares conv2d's kernels and
// its double backward.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// conv_transpose2d's options, libtorch's F::ConvTranspose2dFuncOptions:
/// `ConvTranspose2dFuncOptions().bias(b).stride(2).padding(1).output_padding(1)`.
struct ConvTranspose2dFuncOptions {
  ConvTranspose2dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  ConvTranspose2dFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  ConvTranspose2dFuncOptions& padding(Pair v) { padding_ = v; return *this; }
  ConvTranspose2dFuncOptions& output_padding(Pair v) { output_padding_ = v; return *this; }
  ConvTranspose2dFuncOptions& groups(int64_t v) { groups_ = v; return *this; }
  ConvTranspose2dFuncOptions& dilation(Pair v) { dilation_ = v; return *this; }
  /// Undefined for no bias.
  const Tensor& bias() const { return bias_; }
  const Pair& stride() const { return stride_; }
  const Pair& padding() const { return padding_; }
  const Pair& output_padding() const { return output_padding_; }
  int64_t groups() const { return groups_; }
  const Pair& dilation() const { return dilation_; }

 private:
  Tensor bias_;
  Pair stride_ = 1;
  Pair padding_ = 0;
  Pair output_padding_ = 0;
  int64_t groups_ = 1;
  Pair dilation_ = 1;
};

/// The 1-d counterpart of ConvTranspose2dFuncOptions.
struct ConvTranspose1dFuncOptions {
  ConvTranspose1dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  ConvTranspose1dFuncOptions& stride(int64_t v) { stride_ = v; return *this; }
  ConvTranspose1dFuncOptions& padding(int64_t v) { padding_ = v; return *this; }
  ConvTranspose1dFuncOptions& output_padding(int64_t v) { output_padding_ = v; return *this; }
  ConvTranspose1dFuncOptions& groups(int64_t v) { groups_ = v; return *this; }
  ConvTranspose1dFuncOptions& dilation(int64_t v) { dilation_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  int64_t output_padding() const { return output_padding_; }
  int64_t groups() const { return groups_; }
  int64_t dilation() const { return dilation_; }

 private:
  Tensor bias_;
  int64_t stride_ = 1, padding_ = 0, output_padding_ = 0, groups_ = 1, dilation_ = 1;
};

/// input (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out/groups, kH, kW) ->
/// (N, C_out, H', W'), H' = (H - 1) s - 2 pad + d (kH - 1) + output_padding + 1:
/// out[n, g*C_out/groups + o, i*s + p*d - pad, j*s + q*d - pad] += x[n, c, i, j] w[c, o, p, q]
/// over the input channels c of group g, plus bias[.].
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options = {});
/// conv_transpose2d over (N, C_in, L) with H = 1; weight (C_in, C_out/groups, k).
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options = {});

/// ConvTranspose*d.forward(input, output_size)'s output_padding, as
/// PyTorch's _output_padding: output_size lists the spatial sizes, or all of
/// them with the batch and channel dims (which are dropped); each must lie in
/// [min, min + stride - 1], min being the size output_padding 0 gives.
/// `input` is the input's whole shape; stride etc. have one entry per spatial dim.
std::vector<int64_t> conv_transpose_output_padding(const char* op, const Shape& input,
                                                   std::vector<int64_t> output_size,
                                                   const std::vector<int64_t>& stride,
                                                   const std::vector<int64_t>& padding,
                                                   const std::vector<int64_t>& kernel_size,
                                                   const std::vector<int64_t>& dilation);

}  // namespace ember
