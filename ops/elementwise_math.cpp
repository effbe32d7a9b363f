// The unary math of ops/elementwise_math.h: a float_map kernel and, right
// below, the backward rule written with ember ops (so it is differentiable).
#include "ops/elementwise_math.h"

#include <cmath>
#include <limits>

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

// d erf(x) = g 2/sqrt(pi) exp(-x²)
Tensor erf(const Tensor& x0) {
  Tensor x = as_float(x0, "erf");
  Tensor out = float_map("erf", x, [](auto v) { return std::erf(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("ErfBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack();
      return {g[0] * exp(neg(xv * xv)) * (2.0 / std::sqrt(M_PI))};
    });
  }
  return out;
}

// d sinh = g cosh, d cosh = g sinh
Tensor sinh(const Tensor& x0) {
  Tensor x = as_float(x0, "sinh");
  Tensor out = float_map("sinh", x, [](auto v) { return std::sinh(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("SinhBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list { return {g[0] * cosh(sx.unpack())}; });
  }
  return out;
}

Tensor cosh(const Tensor& x0) {
  Tensor x = as_float(x0, "cosh");
  Tensor out = float_map("cosh", x, [](auto v) { return std::cosh(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("CoshBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list { return {g[0] * sinh(sx.unpack())}; });
  }
  return out;
}

// d asin = g / sqrt(1 - x²), d acos = -that, d atan = g / (1 + x²)
Tensor asin(const Tensor& x0) {
  Tensor x = as_float(x0, "asin");
  Tensor out = float_map("asin", x, [](auto v) { return std::asin(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("AsinBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack();
      return {g[0] * rsqrt(1.0 - xv * xv)};
    });
  }
  return out;
}

Tensor acos(const Tensor& x0) {
  Tensor x = as_float(x0, "acos");
  Tensor out = float_map("acos", x, [](auto v) { return std::acos(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("AcosBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack();
      return {neg(g[0] * rsqrt(1.0 - xv * xv))};
    });
  }
  return out;
}

Tensor atan(const Tensor& x0) {
  Tensor x = as_float(x0, "atan");
  Tensor out = float_map("atan", x, [](auto v) { return std::atan(v); });
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false);
    record("AtanBackward0", {x}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack();
      return {g[0] / (xv * xv + 1)};
    });
  }
  return out;
}

Tensor isnan(const Tensor& x) {
  EMBER_CHECK(x.defined(), "isnan: expected a defined input tensor");
  return ne(x, x);
}

Tensor isinf(const Tensor& x) {
  EMBER_CHECK(x.defined(), "isinf: expected a defined input tensor");
  return logical_and(logical_not(isfinite(x)), eq(x, x));
}

Tensor logical_xor(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "logical_xor: expected defined tensors");
  return ne(ne(a, zeros({}, a.dtype())), ne(b, zeros({}, b.dtype())));
}

// Compositions: floor and trunc have zero gradient, so d/da = g and d/db = -floor(a/b) g (trunc for fmod).
Tensor remainder(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "remainder: expected defined tensors");
  if (!a.is_floating_point() && !b.is_floating_point()) {
    // Integers: the quotient in float64 (exact below 2^53), with Python's sign rule.
    Tensor q = div(to_dtype(a, kFloat64), to_dtype(b, kFloat64));
    return sub(a, mul(to_dtype(floor(q), kInt64), b));
  }
  return a - floor(a / b) * b;
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "fmod: expected defined tensors");
  if (!a.is_floating_point() && !b.is_floating_point())
    return sub(a, mul(to_dtype(trunc(div(to_dtype(a, kFloat64), to_dtype(b, kFloat64))), kInt64), b));
  return a - trunc(a / b) * b;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  EMBER_CHECK(start.defined() && end.defined() && weight.defined(), "lerp: expected defined tensors");
  EMBER_CHECK_TYPE(start.is_floating_point() && end.dtype() == start.dtype(),
                   "lerp: expected start and end of one floating dtype, got {} and {}", dtype_name(start.dtype()),
                   dtype_name(end.dtype()));
  return start + weight * (end - start);
}

Tensor nan_to_num(const Tensor& x, double nan, std::optional<double> posinf, std::optional<double> neginf) {
  EMBER_CHECK(x.defined(), "nan_to_num: expected a defined input tensor");
  if (!x.is_floating_point()) return clone(x);
  double big = x.dtype() == kFloat32 ? double(std::numeric_limits<float>::max()) : std::numeric_limits<double>::max();
  Tensor zero = zeros({}, x.dtype());
  Tensor out = where(logical_not(isnan(x)), x, nan);
  out = where(logical_not(logical_and(isinf(x), gt(x, zero))), out, posinf.value_or(big));
  return where(logical_not(logical_and(isinf(x), lt(x, zero))), out, neginf.value_or(-big));
}

}  // namespace ember
