// ember's own layers with no PyTorch twin, from the lecture notes:
// LocallyConnected2d (Keras's LocallyConnected2D: a convolution whose
// weights are not shared across output positions), Maxout (Goodfellow et
// al. 2013) and LocalContrastNorm (Jarrett et al. 2009).
#pragma once

#include "nn/module.h"
#include "nn/modules/linear.h"

namespace ember::nn {

/// `LocallyConnected2dOptions(3, 8, {28, 28}, 3).stride(2)`: the input's spatial size is
/// part of the layer, as every output position has its own weights. No padding ('valid', as Keras).
struct LocallyConnected2dOptions {
  LocallyConnected2dOptions(int64_t in_channels, int64_t out_channels, Pair input_size, Pair kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), input_size_(input_size), kernel_size_(kernel_size) {}
  LocallyConnected2dOptions& stride(Pair v) { stride_ = v; return *this; }
  LocallyConnected2dOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Pair& input_size() const { return input_size_; }
  const Pair& kernel_size() const { return kernel_size_; }
  const Pair& stride() const { return stride_; }
  bool bias() const { return bias_; }
  /// The output's spatial size: (H - kH) / sH + 1 by (W - kW) / sW + 1.
  Pair output_size() const;

 private:
  int64_t in_channels_, out_channels_;
  Pair input_size_, kernel_size_, stride_ = 1;
  bool bias_ = true;
};

/// out[n, o, i, j] = bias[o, i, j] + sum_{c, p, q} weight[i oW + j, o, (c, p, q)] x[n, c, i sH + p, j sW + q]:
/// unfold, then one matrix product per output position. weight (oH oW, out, in kH kW),
/// bias (out, oH, oW), initialised as a Conv2d of the same shape (PyTorch's default).
/// input (N, in, H, W) -> (N, out, oH, oW).
class LocallyConnected2dImpl : public Module {
 public:
  explicit LocallyConnected2dImpl(const LocallyConnected2dOptions& options);
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  LocallyConnected2dOptions options;
  Tensor weight, bias;
};
class LocallyConnected2d : public ModuleHolder<LocallyConnected2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `MaxoutOptions(64, 32, 4)`: in_features, out_features, pieces (k).
struct MaxoutOptions {
  MaxoutOptions(int64_t in_features, int64_t out_features, int64_t pieces)
      : in_features_(in_features), out_features_(out_features), pieces_(pieces) {}
  MaxoutOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  int64_t pieces() const { return pieces_; }
  bool bias() const { return bias_; }

 private:
  int64_t in_features_, out_features_, pieces_;
  bool bias_ = true;
};

/// out[..., o] = max_k (x W_{o,k}^T + b_{o,k}): k separately parameterised linear
/// pieces per output, held as one Linear(in, out * k) (`linear`, piece k of output o
/// in row o k + k'). input (*, in) -> (*, out).
class MaxoutImpl : public Module {
 public:
  explicit MaxoutImpl(const MaxoutOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  MaxoutOptions options;
  Linear linear{nullptr};
};
class Maxout : public ModuleHolder<MaxoutImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `LocalContrastNormOptions(9).sigma(2.0).eps(1e-4)`: the window size (odd), the
/// Gaussian's standard deviation in pixels, and the floor of the divisor.
struct LocalContrastNormOptions {
  LocalContrastNormOptions(int64_t kernel_size = 9) : kernel_size_(kernel_size) {}  // NOLINT(implicit)
  LocalContrastNormOptions& sigma(double v) { sigma_ = v; return *this; }
  LocalContrastNormOptions& eps(double v) { eps_ = v; return *this; }
  int64_t kernel_size() const { return kernel_size_; }
  double sigma() const { return sigma_; }
  double eps() const { return eps_; }

 private:
  int64_t kernel_size_;
  double sigma_ = 2.0, eps_ = 1e-4;
};

/// Jarrett et al. (2009)'s local contrast normalization over (N, C, H, W), with a
/// Gaussian window w over kernel_size² pixels and all C channels, summing to 1:
/// subtractive v = x - sum_{c, p, q} w_pq x[c, i + p, j + q]; divisive
/// y = v / max(c, sigma_map, eps), sigma_map = sqrt(sum w_pq v²[c, ...]) and c its
/// mean over the image. Near the borders the window is renormalised to the
/// pixels inside the image. No parameters.
class LocalContrastNormImpl : public Module {
 public:
  explicit LocalContrastNormImpl(const LocalContrastNormOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  LocalContrastNormOptions options;
};
class LocalContrastNorm : public ModuleHolder<LocalContrastNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
