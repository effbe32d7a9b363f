// Upsample and the shuffles: construction checks, PyTorch's reprs; forward is the op.
#include "nn/modules/upsample.h"

#include "autograd/error.h"

namespace ember::nn {

UpsampleImpl::UpsampleImpl(const UpsampleOptions& options_) : options(options_) { interpolate_check(options); }

Tensor UpsampleImpl::forward(const Tensor& input) { return interpolate(input, options); }

// PyTorch's: "scale_factor=2.0, mode='nearest'" or "size=(4, 5), mode='bilinear'".
std::string UpsampleImpl::extra_repr() const {
  std::string s;
  if (options.scale_factor()) {
    const auto& f = *options.scale_factor();
    if (f.size() == 1) {
      s = "scale_factor=" + py_float(f[0]);
    } else {
      s = "scale_factor=(";
      for (size_t i = 0; i < f.size(); ++i) s += (i ? ", " : "") + py_float(f[i]);
      s += f.size() == 1 ? ",)" : ")";
    }
  } else {
    const auto& z = *options.size();
    s = "size=" + (z.size() == 1 ? std::to_string(z[0]) : py_tuple(z));
  }
  return s + ", mode='" + interpolate_mode_name(options.mode()) + "'";
}

PixelShuffleImpl::PixelShuffleImpl(const PixelShuffleOptions& options_) : options(options_) {
  EMBER_CHECK(options.upscale_factor() > 0, "PixelShuffle: expected upscale_factor > 0, got {}",
              options.upscale_factor());
}
Tensor PixelShuffleImpl::forward(const Tensor& input) { return pixel_shuffle(input, options.upscale_factor()); }
std::string PixelShuffleImpl::extra_repr() const { return fmt::format("upscale_factor={}", options.upscale_factor()); }

PixelUnshuffleImpl::PixelUnshuffleImpl(const PixelUnshuffleOptions& options_) : options(options_) {
  EMBER_CHECK(options.downscale_factor() > 0, "PixelUnshuffle: expected downscale_factor > 0, got {}",
              options.downscale_factor());
}
Tensor PixelUnshuffleImpl::forward(const Tensor& input) { return pixel_unshuffle(input, options.downscale_factor()); }
std::string PixelUnshuffleImpl::extra_repr() const {
  return fmt::format("downscale_factor={}", options.downscale_factor());
}

ChannelShuffleImpl::ChannelShuffleImpl(const ChannelShuffleOptions& options_) : options(options_) {
  EMBER_CHECK(options.groups() > 0, "ChannelShuffle: expected groups > 0, got {}", options.groups());
}
Tensor ChannelShuffleImpl::forward(const Tensor& input) { return channel_shuffle(input, options.groups()); }
std::string ChannelShuffleImpl::extra_repr() const { return fmt::format("groups={}", options.groups()); }

}  // namespace ember::nn
