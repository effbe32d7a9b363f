// Upsample, PixelShuffle, PixelUnshuffle and ChannelShuffle: layers over the
// ops of ops/upsample.h, their options checked at construction.
#pragma once

#include "nn/module.h"
#include "ops/upsample.h"

namespace ember::nn {

/// `UpsampleOptions().scale_factor({2}).mode(kBilinear)`: interpolate's options (one
/// size or scale_factor entry stands for every spatial dim).
using UpsampleOptions = InterpolateFuncOptions;

/// interpolate(input, options).
class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = UpsampleOptions().scale_factor({1.0}));
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UpsampleOptions options;
};
class Upsample : public ModuleHolder<UpsampleImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// libtorch's PixelShuffleOptions(upscale_factor).
struct PixelShuffleOptions {
  PixelShuffleOptions(int64_t upscale_factor) : upscale_factor_(upscale_factor) {}  // NOLINT(implicit)
  PixelShuffleOptions& upscale_factor(int64_t v) { upscale_factor_ = v; return *this; }
  int64_t upscale_factor() const { return upscale_factor_; }

 private:
  int64_t upscale_factor_;
};

/// libtorch's PixelUnshuffleOptions(downscale_factor).
struct PixelUnshuffleOptions {
  PixelUnshuffleOptions(int64_t downscale_factor) : downscale_factor_(downscale_factor) {}  // NOLINT(implicit)
  PixelUnshuffleOptions& downscale_factor(int64_t v) { downscale_factor_ = v; return *this; }
  int64_t downscale_factor() const { return downscale_factor_; }

 private:
  int64_t downscale_factor_;
};

/// ChannelShuffleOptions(groups).
struct ChannelShuffleOptions {
  ChannelShuffleOptions(int64_t groups) : groups_(groups) {}  // NOLINT(implicit)
  ChannelShuffleOptions& groups(int64_t v) { groups_ = v; return *this; }
  int64_t groups() const { return groups_; }

 private:
  int64_t groups_;
};

/// (*, C r^2, H, W) -> (*, C, H r, W r).
class PixelShuffleImpl : public Module {
 public:
  explicit PixelShuffleImpl(const PixelShuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  PixelShuffleOptions options;
};
class PixelShuffle : public ModuleHolder<PixelShuffleImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// (*, C, H r, W r) -> (*, C r^2, H, W).
class PixelUnshuffleImpl : public Module {
 public:
  explicit PixelUnshuffleImpl(const PixelUnshuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  PixelUnshuffleOptions options;
};
class PixelUnshuffle : public ModuleHolder<PixelUnshuffleImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// Interleaves the channels of `groups` groups (ShuffleNet, interleaved group convolutions).
class ChannelShuffleImpl : public Module {
 public:
  explicit ChannelShuffleImpl(const ChannelShuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ChannelShuffleOptions options;
};
class ChannelShuffle : public ModuleHolder<ChannelShuffleImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
