// torch.nn.functional.pad: constant padding of any trailing dims (negative
// amounts crop), reflect and replicate padding of the last 1, 2 or 3 dims of
// a batched or unbatched input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace ember {

enum class PadMode { Constant, Reflect, Replicate };

/// "constant", "reflect" or "replicate" (the Python spelling) -> PadMode.
PadMode pad_mode(const std::string& mode);

/// libtorch's padding-mode spellings: `PadFuncOptions({1, 1}).mode(ember::kReflect)`.
constexpr PadMode kConstant = PadMode::Constant;
constexpr PadMode kReflect = PadMode::Reflect;
constexpr PadMode kReplicate = PadMode::Replicate;

/// `pad` lists (before, after) amounts from the last dim backwards, as torch:
/// {left, right, top, bottom} pads W by left/right and H by top/bottom.
/// Constant mode fills with `value` (default 0); reflect and replicate take no
/// value. `pad(x, PadFuncOptions({1, 1, 2, 0}).mode(kReflect))`.
struct PadFuncOptions {
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT(implicit), as libtorch
  PadFuncOptions& mode(PadMode v) { mode_ = v; return *this; }
  PadFuncOptions& value(double v) { value_ = v; return *this; }
  const std::vector<int64_t>& pad() const { return pad_; }
  PadMode mode() const { return mode_; }
  std::optional<double> value() const { return value_; }

 private:
  std::vector<int64_t> pad_;
  PadMode mode_ = PadMode::Constant;
  std::optional<double> value_;
};

Tensor pad(const Tensor& input, const PadFuncOptions& options);

}  // namespace ember
