// The unary math of ops/elementwise_math.h: a float_map kernel and, right
// below, the backward rule written with ember ops (so it is differentiable).
#include "ops/elementwise_math.h"

#include <cmath>

#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loops.h"

namespace ember {
namespace {

Tensor as_float(const Tensor& x, const char* op) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  return x.is_floating_point() ? x : to_dtype(x, kFloat32);
}

// A rounding function: zero gradient (PyTorch's rule), integers unchanged.
template <class F>
Tensor rounding(const char* op, const char* node, const Tensor& x, F f) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  EMBER_CHECK_TYPE(x.dtype() != kBool, "{}: \"{}\" not implemented for 'Bool'", op, op);
  if (!x.is_floating_point()) return clone(x.detach());
  Tensor out = float_map(op, x, f);
  if (any_requires_grad({&x}))
    record(node, {x}, out, [](const tensor_list& g) -> tensor_list { return {zeros_like(g[0])}; });
  return out;
}

}  // namespace

// d log1p(x) = g / (1 + x)
Tensor log1p(const Tensor& x0) {
  Tensor x = as_float(x0, "log1p");
  Tensor out = float_map("log1p", x, [](auto v) { return std::log1p(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("Log1PBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list { return {g[0] / (sx.unpack() + 1)}; });
  }
  return out;
}

// d expm1(x) = g (expm1(x) + 1)
Tensor expm1(const Tensor& x0) {
  Tensor x = as_float(x0, "expm1");
  Tensor out = float_map("expm1", x, [](auto v) { return std::expm1(v); });
  if (any_requires_grad({&x})) {
    SavedVariable so(out, true);
    record("Expm1Backward0", {x}, out, [so](const tensor_list& g) -> tensor_list { return {g[0] * (so.unpack() + 1)}; });
  }
  return out;
}

// d log2(x) = g / (x ln 2)
Tensor log2(const Tensor& x0) {
  Tensor x = as_float(x0, "log2");
  Tensor out = float_map("log2", x, [](auto v) { return std::log2(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("Log2Backward0", {x}, out,
           [sx](const tensor_list& g) -> tensor_list { return {g[0] / (sx.unpack() * std::log(2.0))}; });
  }
  return out;
}

// d log10(x) = g / (x ln 10)
Tensor log10(const Tensor& x0) {
  Tensor x = as_float(x0, "log10");
  Tensor out = float_map("log10", x, [](auto v) { return std::log10(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("Log10Backward0", {x}, out,
           [sx](const tensor_list& g) -> tensor_list { return {g[0] / (sx.unpack() * std::log(10.0))}; });
  }
  return out;
}

// d tan(x) = g (1 + tan(x)²)
Tensor tan(const Tensor& x0) {
  Tensor x = as_float(x0, "tan");
  Tensor out = float_map("tan", x, [](auto v) { return std::tan(v); });
  if (any_requires_grad({&x})) {
    SavedVariable so(out, true);
    record("TanBackward0", {x}, out, [so](const tensor_list& g) -> tensor_list {
      Tensor t = so.unpack();
      return {g[0] * (t * t + 1)};
    });
  }
  return out;
}

// A composition: mul records the gradient 2 x g.
Tensor square(const Tensor& x) {
  EMBER_CHECK(x.defined(), "square: expected a defined input tensor");
  Tensor y = x.dtype() == kBool ? to_dtype(x, kInt64) : x;
  return mul(y, y);
}

Tensor floor(const Tensor& x) { return rounding("floor", "FloorBackward0", x, [](auto v) { return std::floor(v); }); }
Tensor ceil(const Tensor& x) { return rounding("ceil", "CeilBackward0", x, [](auto v) { return std::ceil(v); }); }
Tensor round(const Tensor& x) { return rounding("round", "RoundBackward0", x, [](auto v) { return std::nearbyint(v); }); }
Tensor trunc(const Tensor& x) { return rounding("trunc", "TruncBackward0", x, [](auto v) { return std::trunc(v); }); }

}  // namespace ember
