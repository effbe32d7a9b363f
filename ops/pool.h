// Pooling (torch.nn.functional's max_pool1d/2d, avg_pool1d/2d, lp_pool2d,
// adaptive_avg_pool2d, adaptive_max_pool2d), with PyTorch's output-size rules
// (ceil_mode: the last window must start inside the input or the left padding).
// Inputs are (N, C, H, W) or (C, H, W); 1-d ops take (N, C, L) or (C, L).
#pragma once

#include <optional>
#include <tuple>

#include "autograd/tensor.h"

namespace ember {

/// `MaxPool2dFuncOptions(3).stride(2).padding(1)`; stride defaults to the kernel size.
/// The pooling modules take the same options (nn::MaxPool2dOptions is this type).
struct MaxPool2dFuncOptions {
  MaxPool2dFuncOptions(Pair kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit), as libtorch
  MaxPool2dFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  MaxPool2dFuncOptions& padding(Pair v) { padding_ = v; return *this; }
  MaxPool2dFuncOptions& dilation(Pair v) { dilation_ = v; return *this; }
  MaxPool2dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  const Pair& kernel_size() const { return kernel_size_; }
  Pair stride() const { return stride_.value_or(kernel_size_); }
  const Pair& padding() const { return padding_; }
  const Pair& dilation() const { return dilation_; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  Pair kernel_size_;
  std::optional<Pair> stride_;
  Pair padding_ = 0;
  Pair dilation_ = 1;
  bool ceil_mode_ = false;
};

struct MaxPool1dFuncOptions {
  MaxPool1dFuncOptions(int64_t kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit)
  MaxPool1dFuncOptions& stride(int64_t v) { stride_ = v; return *this; }
  MaxPool1dFuncOptions& padding(int64_t v) { padding_ = v; return *this; }
  MaxPool1dFuncOptions& dilation(int64_t v) { dilation_ = v; return *this; }
  MaxPool1dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  int64_t kernel_size() const { return kernel_size_; }
  int64_t stride() const { return stride_.value_or(kernel_size_); }
  int64_t padding() const { return padding_; }
  int64_t dilation() const { return dilation_; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  int64_t kernel_size_;
  std::optional<int64_t> stride_;
  int64_t padding_ = 0;
  int64_t dilation_ = 1;
  bool ceil_mode_ = false;
};

/// `AvgPool2dFuncOptions(2).count_include_pad(false)`; the divisor is the window's
/// size (with or without the padded cells), or `divisor_override` when set.
struct AvgPool2dFuncOptions {
  AvgPool2dFuncOptions(Pair kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit)
  AvgPool2dFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  AvgPool2dFuncOptions& padding(Pair v) { padding_ = v; return *this; }
  AvgPool2dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  AvgPool2dFuncOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  AvgPool2dFuncOptions& divisor_override(std::optional<int64_t> v) { divisor_override_ = v; return *this; }
  const Pair& kernel_size() const { return kernel_size_; }
  Pair stride() const { return stride_.value_or(kernel_size_); }
  const Pair& padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }
  std::optional<int64_t> divisor_override() const { return divisor_override_; }

 private:
  Pair kernel_size_;
  std::optional<Pair> stride_;
  Pair padding_ = 0;
  bool ceil_mode_ = false;
  bool count_include_pad_ = true;
  std::optional<int64_t> divisor_override_;
};

struct AvgPool1dFuncOptions {
  AvgPool1dFuncOptions(int64_t kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit)
  AvgPool1dFuncOptions& stride(int64_t v) { stride_ = v; return *this; }
  AvgPool1dFuncOptions& padding(int64_t v) { padding_ = v; return *this; }
  AvgPool1dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  AvgPool1dFuncOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  int64_t kernel_size() const { return kernel_size_; }
  int64_t stride() const { return stride_.value_or(kernel_size_); }
  int64_t padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  int64_t kernel_size_;
  std::optional<int64_t> stride_;
  int64_t padding_ = 0;
  bool ceil_mode_ = false;
  bool count_include_pad_ = true;
};

/// `LPPool2dFuncOptions(2.0, 3)`: norm_type p, kernel size; stride defaults to the kernel.
struct LPPool2dFuncOptions {
  LPPool2dFuncOptions(double norm_type, Pair kernel_size) : norm_type_(norm_type), kernel_size_(kernel_size) {}
  LPPool2dFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  LPPool2dFuncOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  double norm_type() const { return norm_type_; }
  const Pair& kernel_size() const { return kernel_size_; }
  Pair stride() const { return stride_.value_or(kernel_size_); }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  double norm_type_;
  Pair kernel_size_;
  std::optional<Pair> stride_;
  bool ceil_mode_ = false;
};

/// `AdaptiveAvgPool2dFuncOptions(1)` (global pooling) or `({7, 7})`.
struct AdaptivePool2dFuncOptions {
  AdaptivePool2dFuncOptions(Pair output_size) : output_size_(output_size) {}  // NOLINT(implicit), as libtorch
  AdaptivePool2dFuncOptions(int64_t output_size) : output_size_(output_size) {}  // NOLINT(implicit)
  const Pair& output_size() const { return output_size_; }

 private:
  Pair output_size_;
};
using AdaptiveAvgPool2dFuncOptions = AdaptivePool2dFuncOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptivePool2dFuncOptions;

/// Output shapes, checking every argument first (ValueError naming it).
Shape max_pool2d_shape(const Shape& input, const MaxPool2dFuncOptions& options);
Shape max_pool1d_shape(const Shape& input, const MaxPool1dFuncOptions& options);
Shape avg_pool2d_shape(const Shape& input, const AvgPool2dFuncOptions& options);
Shape avg_pool1d_shape(const Shape& input, const AvgPool1dFuncOptions& options);
Shape adaptive_pool2d_shape(const Shape& input, Pair output_size, const char* op = "adaptive_avg_pool2d");

/// out[n, c, i, j] = max over the window at (i*s - pad, j*s - pad) with dilation.
/// Gradient: scattered to the argmax. Usage: `max_pool2d(x, MaxPool2dFuncOptions(2))`.
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
/// (values, int64 indices flat over H*W of each plane), as return_indices=True.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options);
Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dFuncOptions& options);

/// out = sum over the window / divisor. Gradient: spread evenly over the window.
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options);

/// (sum over the window of x^p)^(1/p), as PyTorch: avg_pool2d(x^p) * kH*kW, then ^(1/p).
Tensor lp_pool2d(const Tensor& input, const LPPool2dFuncOptions& options);

/// Window i covers [floor(i*H/oH), ceil((i+1)*H/oH)) (likewise for W).
/// `adaptive_avg_pool2d(x, 1)`.
Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options);
Tensor adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool2dFuncOptions& options);

}  // namespace ember
