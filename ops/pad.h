// torch.nn.functional.pad: constant padding of any trailing dims (negative
// amounts crop), reflect and replicate padding of the last 1, 2 or 3 dims of
// a batched or unbatched input.
#pragma once

#include <optional>
#include <vector>

#include "autograd/tensor.h"

namespace ember {

enum class PadMode { Constant, Reflect, Replicate };

/// `pad` lists (before, after) amounts from the last dim backwards, as torch:
/// {left, right, top, bottom} pads W by left/right and H by top/bottom.
/// Constant mode fills with `value` (default 0); reflect and replicate take no
/// value. `pad(x, {1, 1, 2, 0}, PadMode::Reflect)`.
Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, PadMode mode = PadMode::Constant,
           std::optional<double> value = std::nullopt);

}  // namespace ember
