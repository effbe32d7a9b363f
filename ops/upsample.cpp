// interpolate resamples one spatial dim at a time: nearest is an
// index_select, linear a sum of two index_selects weighted by (1 - lambda,
// lambda), bilinear the linear pass over H and then W (the passes commute,
// so this is PyTorch's bilinear). Indices and weights follow PyTorch's
// upsample kernels (area_pixel_compute_source_index, nearest_idx). The
// shuffles are reshape-permute-reshape.
#include "ops/upsample.h"

#include <cmath>

#include "autograd/error.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape.h"

namespace ember {
namespace {

std::string list_str(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
  return s + "]";
}

Shape spatial_of(const Tensor& x) { return Shape(x.shape().begin() + 2, x.shape().end()); }

// Nearest along `dim`: PyTorch's nearest_idx, with its float32 scale.
Tensor nearest_along(const Tensor& x, int64_t dim, int64_t in, int64_t out, std::optional<double> scale_factor) {
  const float scale = scale_factor && *scale_factor > 0 ? float(1.0 / *scale_factor) : float(in) / float(out);
  std::vector<double> idx(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    if (out == in) idx[size_t(i)] = double(i);
    else if (out == 2 * in) idx[size_t(i)] = double(i >> 1);
    else idx[size_t(i)] = double(std::min(int64_t(std::floor(float(i) * scale)), in - 1));
  }
  return index_select(x, dim, tensor(idx, {out}, kInt64));
}

// Linear along `dim` (counted from the end, -1 or -2): x[i0] (1 - l) + x[i1] l.
Tensor linear_along(const Tensor& x, int64_t dim, int64_t in, int64_t out, bool align_corners,
                    std::optional<double> scale_factor) {
  double scale;
  if (align_corners) scale = out > 1 ? double(in - 1) / double(out - 1) : 0.0;
  else scale = scale_factor && *scale_factor > 0 ? 1.0 / *scale_factor : double(in) / double(out);
  const size_t n = static_cast<size_t>(out);
  std::vector<double> i0(n), i1(n), l1(n);
  for (int64_t i = 0; i < out; ++i) {
    const double src = align_corners ? scale * double(i) : std::max(scale * (double(i) + 0.5) - 0.5, 0.0);
    const int64_t lo = std::min(int64_t(std::floor(src)), in - 1);
    i0[size_t(i)] = double(lo);
    i1[size_t(i)] = double(lo + (lo < in - 1 ? 1 : 0));
    l1[size_t(i)] = std::clamp(src - double(lo), 0.0, 1.0);
  }
  Shape wshape = dim == -1 ? Shape{out} : Shape{out, 1};
  Tensor lambda1 = tensor(l1, wshape, x.dtype());
  Tensor lambda0 = 1.0 - lambda1;
  const int64_t d = x.dim() + dim;
  return index_select(x, d, tensor(i0, {out}, kInt64)) * lambda0 + index_select(x, d, tensor(i1, {out}, kInt64)) * lambda1;
}

}  // namespace

InterpolateMode interpolate_mode(const std::string& name, const char* op) {
  if (name == "nearest") return kNearest;
  if (name == "linear") return kLinear;
  if (name == "bilinear") return kBilinear;
  EMBER_CHECK(false, "{}: expected mode 'nearest', 'linear' or 'bilinear', got '{}'", op, name);
  return kNearest;
}

std::string interpolate_mode_name(InterpolateMode mode) {
  return mode == kNearest ? "nearest" : mode == kLinear ? "linear" : "bilinear";
}

void interpolate_check(const InterpolateFuncOptions& o) {
  EMBER_CHECK(!(o.size() && o.scale_factor()), "interpolate: only one of size or scale_factor should be defined");
  EMBER_CHECK(o.size() || o.scale_factor(), "interpolate: either size or scale_factor should be defined");
  EMBER_CHECK(!o.align_corners() || o.mode() != kNearest,
              "interpolate: align_corners option can only be set with the interpolating modes: linear | bilinear");
  EMBER_CHECK(!(o.recompute_scale_factor().value_or(false) && o.size()),
              "interpolate: recompute_scale_factor is not meaningful with an explicit size.");
  if (o.size())
    for (int64_t s : *o.size()) EMBER_CHECK(s > 0, "interpolate: expected size > 0, got size={}", shape_str(*o.size()));
  if (o.scale_factor())
    for (double s : *o.scale_factor())
      EMBER_CHECK(s > 0 && std::isfinite(s), "interpolate: expected scale_factor > 0, got scale_factor={}",
                  list_str(*o.scale_factor()));
}

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& o) {
  check_floating("interpolate", input);
  interpolate_check(o);
  const int64_t k = input.dim() - 2;
  EMBER_CHECK(k >= 1 && k <= 3, "interpolate: expected a 3-d, 4-d or 5-d input (N, C, spatial...), got {}",
              shape_str(input.shape()));
  EMBER_CHECK(o.mode() != kLinear || k == 1, "interpolate: got {}-d input, but linear mode needs 3-d input",
              input.dim());
  EMBER_CHECK(o.mode() != kBilinear || k == 2, "interpolate: got {}-d input, but bilinear mode needs 4-d input",
              input.dim());
  const Shape spatial = spatial_of(input);
  std::vector<int64_t> out(static_cast<size_t>(k));
  std::vector<std::optional<double>> scales(static_cast<size_t>(k));
  if (o.size()) {
    const auto& s = *o.size();
    EMBER_CHECK(s.size() == 1 || int64_t(s.size()) == k,
                "interpolate: input and output must have the same number of spatial dimensions, but got input with "
                "spatial dimensions of {} and output size of {}",
                shape_str(spatial), shape_str(s));
    for (int64_t d = 0; d < k; ++d) out[size_t(d)] = s.size() == 1 ? s[0] : s[size_t(d)];
  } else {
    const auto& f = *o.scale_factor();
    EMBER_CHECK(f.size() == 1 || int64_t(f.size()) == k,
                "interpolate: input and scale_factor must have the same number of spatial dimensions, but got input "
                "with spatial dimensions of {} and scale_factor of shape {}",
                shape_str(spatial), list_str(f));
    for (int64_t d = 0; d < k; ++d) {
      const double sf = f.size() == 1 ? f[0] : f[size_t(d)];
      out[size_t(d)] = int64_t(std::floor(double(spatial[size_t(d)]) * sf));
      if (!o.recompute_scale_factor().value_or(false)) scales[size_t(d)] = sf;
    }
  }
  for (int64_t d = 0; d < k; ++d)
    EMBER_CHECK(spatial[size_t(d)] > 0 && out[size_t(d)] > 0,
                "interpolate: input and output sizes should be greater than 0, but got input {} and output {}",
                shape_str(spatial), shape_str(out));
  Tensor y = input;
  for (int64_t d = 0; d < k; ++d) {
    const int64_t in = spatial[size_t(d)], dim = d - k;  // counted from the end
    if (o.mode() == kNearest) y = nearest_along(y, input.dim() + dim, in, out[size_t(d)], scales[size_t(d)]);
    else y = linear_along(y, dim, in, out[size_t(d)], o.align_corners().value_or(false), scales[size_t(d)]);
  }
  return y;
}

Tensor pixel_shuffle(const Tensor& input, int64_t r) {
  EMBER_CHECK(input.defined(), "pixel_shuffle: expected a defined input tensor");
  EMBER_CHECK(input.dim() >= 3, "pixel_shuffle: expected input to have at least 3 dimensions, got {}",
              shape_str(input.shape()));
  EMBER_CHECK(r > 0, "pixel_shuffle: expected a positive upscale_factor, got {}", r);
  const Shape& s = input.shape();
  const int64_t n = input.dim(), C = s[size_t(n - 3)], H = s[size_t(n - 2)], W = s[size_t(n - 1)];
  EMBER_CHECK(C % (r * r) == 0,
              "pixel_shuffle: expected the channel dim to be divisible by upscale_factor^2 = {}, got input.size(-3)={}",
              r * r, C);
  Shape batch(s.begin(), s.end() - 3), split = batch, merged = batch;
  const int64_t b = int64_t(batch.size());
  split.insert(split.end(), {C / (r * r), r, r, H, W});
  merged.insert(merged.end(), {C / (r * r), H * r, W * r});
  std::vector<int64_t> order;
  for (int64_t i = 0; i < b; ++i) order.push_back(i);
  order.insert(order.end(), {b, b + 3, b + 1, b + 4, b + 2});  // (c, h, i, w, j)
  return reshape(permute(reshape(input, split), order), merged);
}

Tensor pixel_unshuffle(const Tensor& input, int64_t r) {
  EMBER_CHECK(input.defined(), "pixel_unshuffle: expected a defined input tensor");
  EMBER_CHECK(input.dim() >= 3, "pixel_unshuffle: expected input to have at least 3 dimensions, got {}",
              shape_str(input.shape()));
  EMBER_CHECK(r > 0, "pixel_unshuffle: expected a positive downscale_factor, got {}", r);
  const Shape& s = input.shape();
  const int64_t n = input.dim(), C = s[size_t(n - 3)], H = s[size_t(n - 2)], W = s[size_t(n - 1)];
  EMBER_CHECK(H % r == 0 && W % r == 0,
              "pixel_unshuffle: expected height and width divisible by downscale_factor={}, got {}x{}", r, H, W);
  Shape batch(s.begin(), s.end() - 3), split = batch, merged = batch;
  const int64_t b = int64_t(batch.size());
  split.insert(split.end(), {C, H / r, r, W / r, r});
  merged.insert(merged.end(), {C * r * r, H / r, W / r});
  std::vector<int64_t> order;
  for (int64_t i = 0; i < b; ++i) order.push_back(i);
  order.insert(order.end(), {b, b + 2, b + 4, b + 1, b + 3});  // (c, i, j, h, w)
  return reshape(permute(reshape(input, split), order), merged);
}

Tensor channel_shuffle(const Tensor& input, int64_t groups) {
  EMBER_CHECK(input.defined(), "channel_shuffle: expected a defined input tensor");
  EMBER_CHECK(input.dim() >= 3, "channel_shuffle: expected input to have at least 3 dimensions, got {}",
              shape_str(input.shape()));
  EMBER_CHECK(groups > 0, "channel_shuffle: expected groups > 0, got groups={}", groups);
  const Shape& s = input.shape();
  EMBER_CHECK(s[1] % groups == 0, "channel_shuffle: expected channels divisible by groups, got {} channels and {} groups",
              s[1], groups);
  Shape split = s;
  split[1] = s[1] / groups;
  split.insert(split.begin() + 1, groups);
  return reshape(transpose(reshape(input, split), 1, 2), s);
}

}  // namespace ember
