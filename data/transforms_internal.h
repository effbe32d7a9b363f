// Helpers shared by the transforms' source files (transforms.cpp and
// transforms_geometry.cpp): the (N, C, H, W) view of an input, its output,
// and the generator to draw from. Not a public header.
#pragma once

#include "autograd/error.h"
#include "autograd/generator.h"
#include "autograd/tensor.h"

#include <vector>

namespace ember::data::detail {

// Below this many output elements a batch is done on one thread.
constexpr int64_t kParallelWork = int64_t(1) << 16;

// An input as a contiguous (N, C, H, W) batch; `single` when it came as (C, H, W).
struct Batch {
  Tensor x;
  int64_t N, C, H, W;
  bool single;
};

inline Batch as_batch(const Tensor& x, const char* op) {
  EMBER_CHECK(x.defined() && (x.dim() == 3 || x.dim() == 4),
              "{}: expected an image (C, H, W) or a batch (N, C, H, W), got shape {}", op,
              x.defined() ? shape_str(x.shape()) : "undefined");
  EMBER_CHECK_TYPE(x.is_floating_point(), "{}: expected float32 or float64 images, got {}", op,
                   dtype_name(x.dtype()));
  bool single = x.dim() == 3;
  const Shape& s = x.shape();
  return {x.contiguous(), single ? 1 : s[0], s[s.size() - 3], s[s.size() - 2], s[s.size() - 1], single};
}

// A fresh output batch of the input's kind (single image or batch) and dtype.
inline Tensor make_output(const Batch& b, int64_t H, int64_t W) {
  return make_tensor(b.single ? Shape{b.C, H, W} : Shape{b.N, b.C, H, W}, b.x.dtype());
}

inline Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

inline double uniform(Generator& g, double lo, double hi) { return lo + (hi - lo) * g.uniform(); }

}  // namespace ember::data::detail

namespace ember::data::detail {

// One axis of a separable resampling: output i reads `count[i]` inputs from
// `start[i]` with weights w[i * max_taps + k].
struct Taps {
  std::vector<int64_t> start, count;
  std::vector<double> w;
  int64_t max_taps = 0;
};

// Linear interpolation from `in` to `out` samples (half-pixel centres); with
// `antialias` and out < in, PIL's triangle filter stretched by in / out.
// `in_float`: positions in float, as torch computes them for float32 images.
Taps linear_taps(int64_t in, int64_t out, bool antialias, bool in_float);
// interpolate's "nearest": source min(floor(i * (float)in / out), in - 1).
Taps nearest_taps(int64_t in, int64_t out);

// Resamples a (h, w) region whose rows are `row_stride` apart to (ty.size, tx.size):
// rows first, then columns, in T, as torch's separable kernels do.
template <typename T>
void resample(const T* src, int64_t row_stride, int64_t h, const Taps& ty, const Taps& tx, T* dst) {
  int64_t OH = int64_t(ty.start.size()), OW = int64_t(tx.start.size());
  std::vector<T> rows(size_t(h * OW));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < OW; ++x) {
      const T* in = src + y * row_stride + tx.start[size_t(x)];
      const double* w = tx.w.data() + x * tx.max_taps;
      T acc = 0;
      for (int64_t k = 0; k < tx.count[size_t(x)]; ++k) acc += T(w[k]) * in[k];
      rows[size_t(y * OW + x)] = acc;
    }
  for (int64_t y = 0; y < OH; ++y) {
    const double* w = ty.w.data() + y * ty.max_taps;
    for (int64_t x = 0; x < OW; ++x) {
      T acc = 0;
      for (int64_t k = 0; k < ty.count[size_t(y)]; ++k) acc += T(w[k]) * rows[size_t((ty.start[size_t(y)] + k) * OW + x)];
      dst[y * OW + x] = acc;
    }
  }
}

}  // namespace ember::data::detail
