// Conv1d and Conv2d modules (and their transposes, ConvTranspose1d/2d), as libtorch's: the options hold the layer's
// shape (channels, kernel) and the convolution's arguments; the weight is
// (out, in / groups, kH, kW), initialised as PyTorch's (kaiming_uniform_
// with a=sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
#pragma once

#include "nn/module.h"
#include "ops/conv.h"
#include "ops/conv3d.h"
#include "ops/conv_transpose.h"

namespace ember::nn {

/// `Conv2dOptions(1, 32, 3).stride(1).padding(1)`; padding may be kSame or kValid.
struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, Pair kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& stride(Pair v) { conv_.stride(v); return *this; }
  Conv2dOptions& padding(Pair v) { conv_.padding(v); return *this; }
  Conv2dOptions& padding(PaddingMode v) { conv_.padding(v); return *this; }
  Conv2dOptions& dilation(Pair v) { conv_.dilation(v); return *this; }
  Conv2dOptions& groups(int64_t v) { conv_.groups(v); return *this; }
  Conv2dOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Pair& kernel_size() const { return kernel_size_; }
  const Pair& stride() const { return conv_.stride(); }
  const Pair& padding() const { return conv_.padding(); }
  std::optional<PaddingMode> padding_mode() const { return conv_.padding_mode(); }
  const Pair& dilation() const { return conv_.dilation(); }
  int64_t groups() const { return conv_.groups(); }
  bool bias() const { return bias_; }
  /// stride, padding, dilation and groups as ember::conv2d takes them (the bias is the module's).
  const Conv2dFuncOptions& conv_options() const { return conv_; }

 private:
  int64_t in_channels_, out_channels_;
  Pair kernel_size_;
  Conv2dFuncOptions conv_;
  bool bias_ = true;
};

/// The 1-d counterpart: `Conv1dOptions(16, 32, 5).padding(2)`.
struct Conv1dOptions {
  Conv1dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv1dOptions& stride(int64_t v) { conv_.stride(v); return *this; }
  Conv1dOptions& padding(int64_t v) { conv_.padding(v); return *this; }
  Conv1dOptions& padding(PaddingMode v) { conv_.padding(v); return *this; }
  Conv1dOptions& dilation(int64_t v) { conv_.dilation(v); return *this; }
  Conv1dOptions& groups(int64_t v) { conv_.groups(v); return *this; }
  Conv1dOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  int64_t kernel_size() const { return kernel_size_; }
  int64_t stride() const { return conv_.stride(); }
  int64_t padding() const { return conv_.padding(); }
  std::optional<PaddingMode> padding_mode() const { return conv_.padding_mode(); }
  int64_t dilation() const { return conv_.dilation(); }
  int64_t groups() const { return conv_.groups(); }
  bool bias() const { return bias_; }
  const Conv1dFuncOptions& conv_options() const { return conv_; }

 private:
  int64_t in_channels_, out_channels_, kernel_size_;
  Conv1dFuncOptions conv_;
  bool bias_ = true;
};

/// input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H', W').
class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, Pair kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options);
  /// Registers weight and bias; called by the constructor.
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  Conv2dOptions options;
  Tensor weight, bias;
};
class Conv2d : public ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C_in, L) or (C_in, L) -> (N, C_out, L').
class Conv1dImpl : public Module {
 public:
  Conv1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  Conv1dOptions options;
  Tensor weight, bias;
};
class Conv1d : public ModuleHolder<Conv1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1)`; the weight is
/// (in, out / groups, kH, kW), as PyTorch's.
struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, Pair kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose2dOptions& stride(Pair v) { conv_.stride(v); return *this; }
  ConvTranspose2dOptions& padding(Pair v) { conv_.padding(v); return *this; }
  ConvTranspose2dOptions& output_padding(Pair v) { conv_.output_padding(v); return *this; }
  ConvTranspose2dOptions& groups(int64_t v) { conv_.groups(v); return *this; }
  ConvTranspose2dOptions& bias(bool v) { bias_ = v; return *this; }
  ConvTranspose2dOptions& dilation(Pair v) { conv_.dilation(v); return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Pair& kernel_size() const { return kernel_size_; }
  const Pair& stride() const { return conv_.stride(); }
  const Pair& padding() const { return conv_.padding(); }
  const Pair& output_padding() const { return conv_.output_padding(); }
  int64_t groups() const { return conv_.groups(); }
  bool bias() const { return bias_; }
  const Pair& dilation() const { return conv_.dilation(); }
  const ConvTranspose2dFuncOptions& conv_options() const { return conv_; }

 private:
  int64_t in_channels_, out_channels_;
  Pair kernel_size_;
  ConvTranspose2dFuncOptions conv_;
  bool bias_ = true;
};

/// The 1-d counterpart: `ConvTranspose1dOptions(16, 8, 4).stride(2)`.
struct ConvTranspose1dOptions {
  ConvTranspose1dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose1dOptions& stride(int64_t v) { conv_.stride(v); return *this; }
  ConvTranspose1dOptions& padding(int64_t v) { conv_.padding(v); return *this; }
  ConvTranspose1dOptions& output_padding(int64_t v) { conv_.output_padding(v); return *this; }
  ConvTranspose1dOptions& groups(int64_t v) { conv_.groups(v); return *this; }
  ConvTranspose1dOptions& bias(bool v) { bias_ = v; return *this; }
  ConvTranspose1dOptions& dilation(int64_t v) { conv_.dilation(v); return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  int64_t kernel_size() const { return kernel_size_; }
  int64_t stride() const { return conv_.stride(); }
  int64_t padding() const { return conv_.padding(); }
  int64_t output_padding() const { return conv_.output_padding(); }
  int64_t groups() const { return conv_.groups(); }
  bool bias() const { return bias_; }
  int64_t dilation() const { return conv_.dilation(); }
  const ConvTranspose1dFuncOptions& conv_options() const { return conv_; }

 private:
  int64_t in_channels_, out_channels_, kernel_size_;
  ConvTranspose1dFuncOptions conv_;
  bool bias_ = true;
};

/// input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H', W'); forward's
/// output_size (spatial sizes, optionally with N and C) picks the output_padding.
class ConvTranspose2dImpl : public Module {
 public:
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, Pair kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt); }
  Tensor forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size);
  std::string extra_repr() const override;

  ConvTranspose2dOptions options;
  Tensor weight, bias;
};
class ConvTranspose2d : public ModuleHolder<ConvTranspose2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// input (N, C_in, L) or (C_in, L) -> (N, C_out, L').
class ConvTranspose1dImpl : public Module {
 public:
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override { return forward(input, std::nullopt); }
  Tensor forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size);
  std::string extra_repr() const override;

  ConvTranspose1dOptions options;
  Tensor weight, bias;
};
class ConvTranspose1d : public ModuleHolder<ConvTranspose1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `Conv3dOptions(3, 16, 3).stride(2).padding(1)`: explicit paddings only.
struct Conv3dOptions {
  Conv3dOptions(int64_t in_channels, int64_t out_channels, Triple kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv3dOptions& stride(Triple v) { conv_.stride(v); return *this; }
  Conv3dOptions& padding(Triple v) { conv_.padding(v); return *this; }
  Conv3dOptions& dilation(Triple v) { conv_.dilation(v); return *this; }
  Conv3dOptions& groups(int64_t v) { conv_.groups(v); return *this; }
  Conv3dOptions& bias(bool v) { bias_ = v; return *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Triple& kernel_size() const { return kernel_size_; }
  const Triple& stride() const { return conv_.stride(); }
  const Triple& padding() const { return conv_.padding(); }
  const Triple& dilation() const { return conv_.dilation(); }
  int64_t groups() const { return conv_.groups(); }
  bool bias() const { return bias_; }
  const Conv3dFuncOptions& conv_options() const { return conv_; }

 private:
  int64_t in_channels_, out_channels_;
  Triple kernel_size_;
  Conv3dFuncOptions conv_;
  bool bias_ = true;
};

/// input (N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, D', H', W').
class Conv3dImpl : public Module {
 public:
  Conv3dImpl(int64_t in_channels, int64_t out_channels, Triple kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv3dImpl(const Conv3dOptions& options);
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  Conv3dOptions options;
  Tensor weight, bias;
};
class Conv3d : public ModuleHolder<Conv3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
