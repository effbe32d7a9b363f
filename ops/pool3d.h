// 3-d pooling (torch.nn.functional.max_pool3d / avg_pool3d /
// adaptive_avg_pool3d) for volumes and video, as compositions of the 2-d and
// 1-d pools and conv3d: a box max or mean is separable, so the depth pass and
// the in-plane pass reuse those kernels and their gradients.
#pragma once

#include <optional>

#include "ops/conv3d.h"

namespace ember {

/// `MaxPool3dFuncOptions(2).stride(2).padding(1)`; ceil_mode as max_pool2d's.
struct MaxPool3dFuncOptions {
  MaxPool3dFuncOptions(Triple kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit), as libtorch
  MaxPool3dFuncOptions& stride(Triple v) { stride_ = v; return *this; }
  MaxPool3dFuncOptions& padding(Triple v) { padding_ = v; return *this; }
  MaxPool3dFuncOptions& dilation(Triple v) { dilation_ = v; return *this; }
  MaxPool3dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  const Triple& kernel_size() const { return kernel_size_; }
  Triple stride() const { return stride_.value_or(kernel_size_); }
  const Triple& padding() const { return padding_; }
  const Triple& dilation() const { return dilation_; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  Triple kernel_size_;
  std::optional<Triple> stride_;
  Triple padding_ = 0, dilation_ = 1;
  bool ceil_mode_ = false;
};

/// `AvgPool3dFuncOptions(2).stride(2).count_include_pad(false)`; no ceil_mode.
struct AvgPool3dFuncOptions {
  AvgPool3dFuncOptions(Triple kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit), as libtorch
  AvgPool3dFuncOptions& stride(Triple v) { stride_ = v; return *this; }
  AvgPool3dFuncOptions& padding(Triple v) { padding_ = v; return *this; }
  AvgPool3dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  AvgPool3dFuncOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  AvgPool3dFuncOptions& divisor_override(std::optional<int64_t> v) { divisor_override_ = v; return *this; }
  const Triple& kernel_size() const { return kernel_size_; }
  Triple stride() const { return stride_.value_or(kernel_size_); }
  const Triple& padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }
  std::optional<int64_t> divisor_override() const { return divisor_override_; }

 private:
  Triple kernel_size_;
  std::optional<Triple> stride_;
  Triple padding_ = 0;
  bool ceil_mode_ = false, count_include_pad_ = true;
  std::optional<int64_t> divisor_override_;
};

/// input (N, C, D, H, W) or (C, D, H, W): the max over each (dilated) kD x kH x kW window.
Tensor max_pool3d(const Tensor& input, const MaxPool3dFuncOptions& options);
/// The mean over each kD x kH x kW window (padding counted unless count_include_pad(false)).
Tensor avg_pool3d(const Tensor& input, const AvgPool3dFuncOptions& options);
/// The mean over PyTorch's adaptive windows [floor(i D / oD), ceil((i + 1) D / oD)) per dim.
Tensor adaptive_avg_pool3d(const Tensor& input, Triple output_size);

}  // namespace ember
