// pad (torch.nn.functional.pad). Constant mode fills the output and copies the
// kept block of the input into it; its gradient is the opposite padding of
// the gradient. Reflect and replicate read every output element from one input
// position (a per-dim index map); their gradient adds the output gradient back
// at those positions, and the gradient of that is the padding again.
#include "ops/pad.h"

#include <algorithm>
#include <array>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {
namespace {

const char* mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
  }
  return "unknown";
}

// The input as (B, D0, D1, D2): the (up to 3) padded dims last, missing ones of
// size 1; map[d][o] is the input position read by output position o of dim d.
struct PadGeom {
  int64_t batch = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  std::array<std::vector<int64_t>, 3> map{std::vector<int64_t>{0}, std::vector<int64_t>{0}, std::vector<int64_t>{0}};
  Shape in_shape, out_shape;
  const char* name = "";
};

// Output position o reads input position o - before, reflected about the
// first/last element (reflect) or clamped to them (replicate).
std::vector<int64_t> source_map(int64_t size, int64_t before, int64_t after, PadMode mode) {
  std::vector<int64_t> m(size_t(size + before + after));
  for (int64_t o = 0; o < int64_t(m.size()); ++o) {
    int64_t i = o - before;
    if (mode == PadMode::Reflect) {
      if (i < 0) i = -i;
      if (i >= size) i = 2 * (size - 1) - i;
    } else {
      i = std::clamp<int64_t>(i, 0, size - 1);
    }
    m[size_t(o)] = i;
  }
  return m;
}

// out (B, O0, O1, O2) = x (B, I0, I1, I2) read at the mapped positions; both contiguous.
template <class T>
void pad_gather(T* out, const T* x, const PadGeom& g) {
  const auto &I = g.in, &O = g.out;
  const int64_t* m2 = g.map[2].data();
  parallel_for(g.batch * O[0], g.batch * O[0] * O[1] * O[2] >= kParallelGrain, [&](int64_t bo0) {
    const int64_t b = bo0 / O[0], o0 = bo0 % O[0];
    for (int64_t o1 = 0; o1 < O[1]; ++o1) {
      const T* src = x + ((b * I[0] + g.map[0][size_t(o0)]) * I[1] + g.map[1][size_t(o1)]) * I[2];
      T* dst = out + (bo0 * O[1] + o1) * O[2];
      for (int64_t o2 = 0; o2 < O[2]; ++o2) dst[o2] = src[m2[o2]];
    }
  });
}

// dx (B, I0, I1, I2) = sum of dy (B, O0, O1, O2) over the outputs that read each position.
template <class T>
void pad_scatter(T* dx, const T* dy, const PadGeom& g) {
  const auto &I = g.in, &O = g.out;
  const int64_t* m2 = g.map[2].data();
  // Batches are disjoint in dx, positions inside one batch are not: threads split batches.
  parallel_for(g.batch, g.batch * O[0] * O[1] * O[2] >= kParallelGrain, [&](int64_t b) {
    std::fill(dx + b * I[0] * I[1] * I[2], dx + (b + 1) * I[0] * I[1] * I[2], T(0));
    for (int64_t o0 = 0; o0 < O[0]; ++o0)
      for (int64_t o1 = 0; o1 < O[1]; ++o1) {
        T* dst = dx + ((b * I[0] + g.map[0][size_t(o0)]) * I[1] + g.map[1][size_t(o1)]) * I[2];
        const T* src = dy + ((b * O[0] + o0) * O[1] + o1) * O[2];
        for (int64_t o2 = 0; o2 < O[2]; ++o2) dst[m2[o2]] += src[o2];
      }
  });
}

Tensor pad_index_grad(const Tensor& dy, const PadGeom& g);

// y = x at the mapped positions.  dx = pad_index_grad(dy)
Tensor pad_index(const Tensor& x, const PadGeom& g) {
  Tensor cx = contiguous_data(x);
  Tensor out = make_tensor(g.out_shape, x.dtype());
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    pad_gather<T>(out.data_ptr<T>(), cx.data_ptr<T>(), g);
  });
  if (any_requires_grad({&x}))
    record(g.name, {x}, out, [g](const tensor_list& grads) { return tensor_list{pad_index_grad(grads[0], g)}; });
  return out;
}

// dx = dy summed back at the mapped positions.  Its gradient: d(dy) = pad_index(u)
Tensor pad_index_grad(const Tensor& dy, const PadGeom& g) {
  Tensor cdy = contiguous_data(dy);
  Tensor dx = make_tensor(g.in_shape, dy.dtype());
  dispatch_floating(dy.dtype(), g.name, [&](auto tag) {
    using T = decltype(tag);
    pad_scatter<T>(dx.data_ptr<T>(), cdy.data_ptr<T>(), g);
  });
  if (any_requires_grad({&dy}))
    record("PadBackwardBackward0", {dy}, dx, [g](const tensor_list& grads) { return tensor_list{pad_index(grads[0], g)}; });
  return dx;
}

// Checks the reflect/replicate arguments and builds the index maps.
PadGeom index_geometry(const Tensor& x, const std::vector<int64_t>& pad, PadMode mode, std::optional<double> value) {
  const char* mname = mode_name(mode);
  EMBER_CHECK(!value.has_value() || *value == 0, "pad: padding mode \"{}\" doesn't take a value argument, got value={}",
              mname, value.value_or(0));
  const int64_t k = int64_t(pad.size()) / 2, ndim = x.dim();
  EMBER_CHECK(k >= 1 && k <= 3 && (ndim == k + 1 || ndim == k + 2),
              "pad: {} padding supports only the last 1, 2 or 3 dims of a batched or unbatched input (2D, 3D, 4D, "
              "5D); expected a {}-d or {}-d input for padding {}, got input of shape {}",
              mname, k + 1, k + 2, fmt::join(pad, ", "), shape_str(x.shape()));
  for (int64_t d = 1; d < ndim; ++d)
    EMBER_CHECK(x.size(d) != 0, "pad: {} padding expects non-zero sizes in every dim but the first, got input of shape {}",
                mname, shape_str(x.shape()));
  PadGeom g;
  g.name = mode == PadMode::Reflect ? "ReflectionPadBackward0" : "ReplicationPadBackward0";
  g.in_shape = x.shape();
  g.out_shape = x.shape();
  g.batch = numel_of(Shape(x.shape().begin(), x.shape().end() - k));
  for (int64_t i = 0; i < k; ++i) {  // pad[2i], pad[2i+1] pad dim ndim-1-i
    const int64_t d = ndim - 1 - i, size = x.size(d), before = pad[size_t(2 * i)], after = pad[size_t(2 * i + 1)];
    if (mode == PadMode::Reflect)
      EMBER_CHECK(before < size && after < size,
                  "pad: expected reflect padding to be less than the corresponding input dim, got padding ({}, {}) "
                  "at dim {} of input {}",
                  before, after, d, shape_str(x.shape()));
    EMBER_CHECK(size + before + after >= 1,
                "pad: input too small: dim {} of size {} with padding ({}, {}) gives output size {}; input {}", d,
                size, before, after, size + before + after, shape_str(x.shape()));
    const size_t slot = size_t(2 - i);  // the last dim is slot 2
    g.in[slot] = size;
    g.out[slot] = size + before + after;
    g.out_shape[size_t(d)] = g.out[slot];
    g.map[slot] = source_map(size, before, after, mode);
  }
  return g;
}

}  // namespace

PadMode pad_mode(const std::string& mode) {
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  EMBER_CHECK(mode == "constant", "pad: expected mode 'constant', 'reflect' or 'replicate', got '{}'", mode);
  return PadMode::Constant;
}

// constant: y = value outside the input, x inside (cropped where padding < 0).  dx = pad(g, -padding)
// reflect/replicate: y = x at mapped positions.  dx = g summed back at those positions
Tensor pad(const Tensor& input, const PadFuncOptions& options) {
  const std::vector<int64_t>& pad = options.pad();
  const PadMode mode = options.mode();
  const std::optional<double> value = options.value();
  EMBER_CHECK(input.defined(), "pad: expected a defined input tensor");
  const int64_t ndim = input.dim(), np = int64_t(pad.size());
  EMBER_CHECK(np % 2 == 0, "pad: expected a padding length divisible by 2, got {} values ({})", np,
              fmt::join(pad, ", "));
  EMBER_CHECK(np <= 2 * ndim,
              "pad: expected a padding length <= 2 * the input dims, got padding length {} and input of shape {}", np,
              shape_str(input.shape()));
  if (mode != PadMode::Constant) return pad_index(input, index_geometry(input, pad, mode, value));

  Shape out_shape = input.shape();
  Shape keep = input.shape();  // the input block that survives cropping
  int64_t in_offset = input.storage_offset(), out_offset = 0;
  for (int64_t i = 0; i < np / 2; ++i) {
    const int64_t d = ndim - 1 - i, size = input.size(d), before = pad[size_t(2 * i)], after = pad[size_t(2 * i + 1)];
    EMBER_CHECK(size + before + after >= 0,
                "pad: the input size {} plus padding {} and {} gives a negative output size at dim {}; input {}", size,
                before, after, d, shape_str(input.shape()));
    out_shape[size_t(d)] = size + before + after;
    keep[size_t(d)] = std::max<int64_t>(0, size - std::max<int64_t>(0, -before) - std::max<int64_t>(0, -after));
    in_offset += std::max<int64_t>(0, -before) * input.stride(d);
  }
  Tensor out = full(out_shape, value.value_or(0.0), input.dtype());
  if (numel_of(keep) > 0) {
    Strides os = out.strides();
    for (int64_t i = 0; i < np / 2; ++i) out_offset += std::max<int64_t>(0, pad[size_t(2 * i)]) * os[size_t(ndim - 1 - i)];
    NoGradGuard no_grad;
    Tensor dst = make_view(out, keep, os, out_offset);
    copy_(dst, make_view(input, keep, input.strides(), in_offset));
  }
  if (any_requires_grad({&input})) {
    std::vector<int64_t> back(pad.size());
    for (size_t i = 0; i < pad.size(); ++i) back[i] = -pad[i];
    record("ConstantPadNdBackward0", {input}, out,
           [back](const tensor_list& grads) { return tensor_list{ember::pad(grads[0], back)}; });
  }
  return out;
}

}  // namespace ember
