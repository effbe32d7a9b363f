// conv_transpose1d / conv_transpose2d: y = A_w^T x, A_w being the convolution
// whose output has x's size, computed by conv::conv_input_grad on that
// convolution's geometry (conv's C and H, W are the transposed op's output,
// its O and oH, oW the transposed op's input). The bias is added with ember
// ops. Gradients: dx = conv(dy, w), dw = conv_weight_grad(dy, x), already
// recorded by conv_input_grad, so double backward needs nothing here.
#include "ops/conv_transpose.h"

#include <climits>

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/conv_internal.h"
#include "ops/shape.h"

namespace ember {
namespace {

using conv::ConvGeom;

// Validates a transposed convolution given as 2-d (1-d ops pass H = 1 and
// `one_d`); `input`/`weight` are 4-d shapes.
ConvGeom transpose_geometry(const char* op, bool one_d, const Shape& input, const Shape& weight, const Tensor& bias,
                            Pair stride, Pair padding, Pair output_padding, int64_t groups, Pair dilation) {
  EMBER_CHECK(groups > 0, "{}: expected groups > 0, got groups={}", op, groups);
  EMBER_CHECK(stride.h > 0 && stride.w > 0, "{}: expected stride > 0, got stride={}", op, pair_str(stride, one_d));
  EMBER_CHECK(dilation.h > 0 && dilation.w > 0, "{}: expected dilation > 0, got dilation={}", op,
              pair_str(dilation, one_d));
  EMBER_CHECK(padding.h >= 0 && padding.w >= 0, "{}: expected padding >= 0, got padding={}", op,
              pair_str(padding, one_d));
  EMBER_CHECK(output_padding.h >= 0 && output_padding.w >= 0, "{}: expected output_padding >= 0, got output_padding={}",
              op, pair_str(output_padding, one_d));
  EMBER_CHECK((output_padding.h < stride.h || output_padding.h < dilation.h) &&
                  (output_padding.w < stride.w || output_padding.w < dilation.w),
              "{}: expected output_padding smaller than either stride or dilation, got output_padding={}, stride={}, "
              "dilation={}",
              op, pair_str(output_padding, one_d), pair_str(stride, one_d), pair_str(dilation, one_d));
  const int64_t N = input[0], C = input[1], H = input[2], W = input[3];
  const int64_t kH = weight[2], kW = weight[3];
  EMBER_CHECK(weight[0] > 0 && weight[1] > 0 && kH > 0 && kW > 0, "{}: expected weight sizes > 0, got weight {}", op,
              shape_str(weight));
  EMBER_CHECK(C == weight[0], "{}: input has {} channels but weight expects {} (weight's first dim, in_channels)", op, C,
              weight[0]);
  EMBER_CHECK(C % groups == 0, "{}: expected in_channels divisible by groups, got in_channels={}, groups={}", op, C,
              groups);
  const int64_t O = weight[1] * groups;
  if (bias.defined())
    EMBER_CHECK(bias.dim() == 1 && bias.shape()[0] == O, "{}: expected bias of shape [{}], got {}", op, O,
                shape_str(bias.shape()));
  const int64_t oH = (H - 1) * stride.h - 2 * padding.h + dilation.h * (kH - 1) + output_padding.h + 1;
  const int64_t oW = (W - 1) * stride.w - 2 * padding.w + dilation.w * (kW - 1) + output_padding.w + 1;
  EMBER_CHECK(H > 0 && W > 0 && oH > 0 && oW > 0,
              "{}: expected a non-empty input and output, got input size {} and output size {}", op,
              pair_str({H, W}, one_d), pair_str({oH, oW}, one_d));
  ConvGeom g{N, O, oH, oW, C, groups, kH, kW, stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, H, W};
  numel_of(g.input_shape(), op);
  numel_of({g.Kg() * groups, N, g.L()}, op);
  EMBER_CHECK(std::max(N * g.L(), g.Kg() * groups) <= INT_MAX,
              "{}: expected matrix sizes below 2^31 for BLAS, got columns ({}, {})", op, g.Kg() * groups, N * g.L());
  return g;
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options) {
  const char* op = "conv_transpose2d";
  const Tensor& bias = options.bias();
  conv::check_dtypes(op, input, weight, bias);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "{}: expected input to be 3-d (C, H, W) or 4-d (N, C, H, W), got {}", op, shape_str(input.shape()));
  EMBER_CHECK(weight.dim() == 4,
              "{}: expected weight to be 4-d (in_channels, out_channels/groups, kH, kW), got {}", op,
              shape_str(weight.shape()));
  if (input.dim() == 3) return squeeze(conv_transpose2d(unsqueeze(input, 0), weight, options), 0);
  ConvGeom g = transpose_geometry(op, false, input.shape(), weight.shape(), bias, options.stride(), options.padding(),
                                  options.output_padding(), options.groups(), options.dilation());
  Tensor y = conv::conv_input_grad(input, weight, g);
  if (bias.defined()) y = y + reshape(bias, {1, g.C, 1, 1});
  return y;
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options) {
  const char* op = "conv_transpose1d";
  conv::check_dtypes(op, input, weight, options.bias());
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, "{}: expected input to be 2-d (C, L) or 3-d (N, C, L), got {}", op,
              shape_str(input.shape()));
  EMBER_CHECK(weight.dim() == 3, "{}: expected weight to be 3-d (in_channels, out_channels/groups, k), got {}", op,
              shape_str(weight.shape()));
  if (input.dim() == 2) return squeeze(conv_transpose1d(unsqueeze(input, 0), weight, options), 0);
  // Checked here so that the messages show the 1-d values.
  const Shape& s = input.shape();
  const Shape& w = weight.shape();
  transpose_geometry(op, true, {s[0], s[1], 1, s[2]}, {w[0], w[1], 1, w[2]}, options.bias(), {1, options.stride()},
                     {0, options.padding()}, {0, options.output_padding()}, options.groups(), {1, options.dilation()});
  auto as_2d = ConvTranspose2dFuncOptions()
                   .bias(options.bias())
                   .stride({1, options.stride()})
                   .padding({0, options.padding()})
                   .output_padding({0, options.output_padding()})
                   .groups(options.groups())
                   .dilation({1, options.dilation()});
  return squeeze(conv_transpose2d(unsqueeze(input, 2), unsqueeze(weight, 2), as_2d), 2);
}

std::vector<int64_t> conv_transpose_output_padding(const char* op, const Shape& input,
                                                   std::vector<int64_t> output_size,
                                                   const std::vector<int64_t>& stride,
                                                   const std::vector<int64_t>& padding,
                                                   const std::vector<int64_t>& kernel_size,
                                                   const std::vector<int64_t>& dilation) {
  const size_t k = stride.size();
  const size_t non_spatial = input.size() == k + 2 ? 2 : 1;
  EMBER_CHECK(input.size() >= k + 1, "{}: expected a {}-d or {}-d input, got {}", op, k + 1, k + 2, shape_str(input));
  if (output_size.size() == non_spatial + k) output_size.erase(output_size.begin(), output_size.begin() + non_spatial);
  EMBER_CHECK(output_size.size() == k, "{}: for {}-d input, output_size must have {} or {} elements (got {})", op,
              input.size(), k, k + non_spatial, output_size.size());
  std::vector<int64_t> lo(k), hi(k), result(k);
  for (size_t d = 0; d < k; ++d) {
    lo[d] = (input[non_spatial + d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1;
    hi[d] = lo[d] + stride[d] - 1;
  }
  Shape spatial(input.begin() + non_spatial, input.end());
  for (size_t d = 0; d < k; ++d)
    EMBER_CHECK(output_size[d] >= lo[d] && output_size[d] <= hi[d],
                "{}: requested an output size of {}, but valid sizes range from {} to {} (for an input of {})", op,
                shape_str(output_size), shape_str(lo), shape_str(hi), shape_str(spatial));
  for (size_t d = 0; d < k; ++d) result[d] = output_size[d] - lo[d];
  return result;
}

}  // namespace ember
