// Convolutions (torch.nn.functional.conv1d / conv2d): im2col + one OpenBLAS
// GEMM per group over the whole batch, 1x1 convolutions as plain GEMMs,
// Winograd or direct kernels for float32 stride-1 convolutions. The
// backward is two ops of its own (gradient w.r.t. input and w.r.t. weight),
// each differentiable, so double backward works and stays fast.
#pragma once

#include <optional>

#include "autograd/tensor.h"

namespace ember {

/// Python's padding='same' / 'valid'. Same: output size = input size (stride 1
/// only; an odd total puts the extra row or column at the bottom/right, as
/// PyTorch). Valid: no padding.
enum class PaddingMode { Same, Valid };
constexpr PaddingMode kSame = PaddingMode::Same;
constexpr PaddingMode kValid = PaddingMode::Valid;

/// conv2d's options, libtorch's F::Conv2dFuncOptions:
/// `Conv2dFuncOptions().bias(b).stride(2).padding(1)`, `.padding(kSame)`.
/// Explicit padding pads top and bottom by h, left and right by w.
struct Conv2dFuncOptions {
  Conv2dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  Conv2dFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  Conv2dFuncOptions& padding(Pair v) { padding_ = v; padding_mode_.reset(); return *this; }
  Conv2dFuncOptions& padding(PaddingMode mode) { padding_mode_ = mode; return *this; }
  Conv2dFuncOptions& dilation(Pair v) { dilation_ = v; return *this; }
  Conv2dFuncOptions& groups(int64_t v) { groups_ = v; return *this; }
  /// Undefined for no bias.
  const Tensor& bias() const { return bias_; }
  const Pair& stride() const { return stride_; }
  const Pair& padding() const { return padding_; }
  /// Unset for explicit padding.
  std::optional<PaddingMode> padding_mode() const { return padding_mode_; }
  const Pair& dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  Pair stride_ = 1;
  Pair padding_ = 0;
  std::optional<PaddingMode> padding_mode_;
  Pair dilation_ = 1;
  int64_t groups_ = 1;
};

/// conv1d's options: the 1-d counterparts of Conv2dFuncOptions.
struct Conv1dFuncOptions {
  Conv1dFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  Conv1dFuncOptions& stride(int64_t v) { stride_ = v; return *this; }
  Conv1dFuncOptions& padding(int64_t v) { padding_ = v; padding_mode_.reset(); return *this; }
  Conv1dFuncOptions& padding(PaddingMode mode) { padding_mode_ = mode; return *this; }
  Conv1dFuncOptions& dilation(int64_t v) { dilation_ = v; return *this; }
  Conv1dFuncOptions& groups(int64_t v) { groups_ = v; return *this; }
  const Tensor& bias() const { return bias_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  std::optional<PaddingMode> padding_mode() const { return padding_mode_; }
  int64_t dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }

 private:
  Tensor bias_;
  int64_t stride_ = 1;
  int64_t padding_ = 0;
  std::optional<PaddingMode> padding_mode_;
  int64_t dilation_ = 1;
  int64_t groups_ = 1;
};

/// Checks conv2d's arguments without touching memory and returns the output
/// shape: input (N, C, H, W) or unbatched (C, H, W), weight (O, C/groups, kH, kW),
/// options.bias() (O) if defined (only its shape is read). Throws
/// ValueError/TypeError naming the argument.
Shape conv2d_shape(const Shape& input, const Shape& weight, const Conv2dFuncOptions& options = {});
/// The same for conv1d: input (N, C, L) or (C, L), weight (O, C/groups, k).
Shape conv1d_shape(const Shape& input, const Shape& weight, const Conv1dFuncOptions& options = {});

/// out[n, o, i, j] = bias[o] + sum_{c, p, q} x[n, g*C/groups + c, i*s + p*d - pad, j*s + q*d - pad] w[o, c, p, q]
/// (g the group of o). Usage: `conv2d(x, w, Conv2dFuncOptions().bias(b).padding(1))`.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
/// conv2d over (N, C, L) with H = 1.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});

}  // namespace ember
