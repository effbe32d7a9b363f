// Resampling and rearranging ops: interpolate (nearest, linear, bilinear),
// pixel_shuffle / pixel_unshuffle and channel_shuffle, as
// torch.nn.functional's. Each is a composition of index_select, reshape and
// permute, so the gradients (and double backward) are those ops' own.
#pragma once

#include <optional>
#include <vector>

#include "autograd/tensor.h"

namespace ember {

/// interpolate's modes (libtorch's torch::kNearest, kLinear, kBilinear).
enum class InterpolateMode { Nearest, Linear, Bilinear };
constexpr InterpolateMode kNearest = InterpolateMode::Nearest;
constexpr InterpolateMode kLinear = InterpolateMode::Linear;
constexpr InterpolateMode kBilinear = InterpolateMode::Bilinear;

/// "nearest", "linear" or "bilinear"; a ValueError naming `op` otherwise.
InterpolateMode interpolate_mode(const std::string& name, const char* op = "interpolate");
/// The mode's name as PyTorch spells it.
std::string interpolate_mode_name(InterpolateMode mode);

/// interpolate's options, libtorch's F::InterpolateFuncOptions:
/// `InterpolateFuncOptions().scale_factor({2, 2}).mode(kBilinear).align_corners(false)`.
/// size or scale_factor (exactly one) has one entry per spatial dim, or one for all of them.
struct InterpolateFuncOptions {
  InterpolateFuncOptions& size(std::vector<int64_t> v) { size_ = std::move(v); return *this; }
  InterpolateFuncOptions& scale_factor(std::vector<double> v) { scale_factor_ = std::move(v); return *this; }
  InterpolateFuncOptions& mode(InterpolateMode v) { mode_ = v; return *this; }
  InterpolateFuncOptions& align_corners(std::optional<bool> v) { align_corners_ = v; return *this; }
  InterpolateFuncOptions& recompute_scale_factor(std::optional<bool> v) { recompute_ = v; return *this; }
  const std::optional<std::vector<int64_t>>& size() const { return size_; }
  const std::optional<std::vector<double>>& scale_factor() const { return scale_factor_; }
  InterpolateMode mode() const { return mode_; }
  std::optional<bool> align_corners() const { return align_corners_; }
  std::optional<bool> recompute_scale_factor() const { return recompute_; }

 private:
  std::optional<std::vector<int64_t>> size_;
  std::optional<std::vector<double>> scale_factor_;
  InterpolateMode mode_ = kNearest;
  std::optional<bool> align_corners_;
  std::optional<bool> recompute_;
};

/// Checks the options on their own (what a layer can check at construction).
void interpolate_check(const InterpolateFuncOptions& options);

/// Resamples (N, C, L) ('nearest', 'linear') or (N, C, H, W) ('nearest',
/// 'bilinear') input to `size` or to floor(input size * scale_factor), with
/// PyTorch's source coordinates: nearest src = floor(dst * scale); linear
/// src = (dst + 0.5) scale - 0.5 clamped at 0, or dst (in - 1) / (out - 1) with
/// align_corners; scale = 1 / scale_factor when given (unless
/// recompute_scale_factor), else in / out.
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

/// (*, C r^2, H, W) -> (*, C, H r, W r): out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w].
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
/// pixel_shuffle's inverse: (*, C, H r, W r) -> (*, C r^2, H, W).
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);
/// (N, C, *) with C = g k: channel i k + j goes to j g + i (ShuffleNet's channel shuffle).
Tensor channel_shuffle(const Tensor& input, int64_t groups);

}  // namespace ember
