// Elementwise ops: each checks and promotes its operands, runs a map kernel
// (ops/loops.h), and records its gradient right below, written with these same
// ops so that it is itself differentiable. Broadcast gradients are summed back
// to each input's shape by the engine, not here.
#include "ops/elementwise.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/loops.h"
#include "ops/vec_math.h"

namespace ember {
namespace {

// Kernel-level dtype conversion: no autograd record.
Tensor cast(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = make_tensor(x.shape(), dtype);
  dispatch_all(dtype, [&](auto out_tag) {
    using R = decltype(out_tag);
    dispatch_all(x.dtype(), [&](auto in_tag) {
      using T = decltype(in_tag);
      map_unary<R, T>(out.data_ptr<R>(), x, [](T v) { return static_cast<R>(v); });
    });
  });
  return out;
}

// Arithmetic never yields bool: bool operands compute as int64.
Dtype arithmetic_dtype(const Tensor& a, const Tensor& b) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  return d == Dtype::Bool ? Dtype::Int64 : d;
}

// Runs f(T, T) over a and b broadcast, both converted to the compute dtype;
// the result has the compute dtype, or bool for comparisons (`to_bool`).
template <bool to_bool = false, class F>
Tensor binary_kernel(const char* op, const Tensor& a, const Tensor& b, Dtype compute, F f) {
  EMBER_CHECK(a.defined() && b.defined(), "{}: expected defined tensors", op);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor ca = cast(a, compute), cb = cast(b, compute);
  Tensor out = make_tensor(shape, to_bool ? kBool : compute);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    using R = std::conditional_t<to_bool, bool, T>;
    map_binary<R, T, T>(out.data_ptr<R>(), shape, ca, cb, [&](T x, T y) { return R(f(x, y)); });
  };
  if constexpr (to_bool) dispatch_all(compute, run);
  else dispatch_numeric(compute, op, run);
  return out;
}

// Runs f(T) -> T over a floating tensor (math functions).
template <class F>
Tensor unary_float_kernel(const char* op, const Tensor& x, F f) {
  return dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor out = make_tensor(x.shape(), x.dtype());
    map_unary<T, T>(out.data_ptr<T>(), x, [&](T v) { return f(v); });
    return out;
  });
}

Tensor int_to_float(const Tensor& x) { return is_floating(x.dtype()) ? x : to_dtype(x, kFloat32); }

}  // namespace

Tensor wrap_scalar(Scalar value, const Tensor& like) {
  Dtype d = is_floating(like.dtype()) ? like.dtype() : value.is_integral() ? kInt64 : kFloat32;
  Tensor t = scalar_tensor(value, d);
  t.impl()->is_wrapped_number = true;
  return t;
}

// d(a + alpha b) = g, alpha g
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  double al = alpha.to_double();
  // bool + bool is logical or, as in PyTorch (not an int64 sum).
  if (a.dtype() == kBool && b.dtype() == kBool && al != 0.0) return logical_or(a, b);
  Dtype dt = arithmetic_dtype(a, b);
  Tensor out = binary_kernel("add", a, b, dt, [al](auto x, auto y) { return x + decltype(x)(al) * y; });
  if (any_requires_grad({&a, &b}))
    record("AddBackward0", {a, b}, out, [al](const tensor_list& g) -> tensor_list {
      return {g[0], al == 1.0 ? g[0] : g[0] * al};
    }, Saves::None);
  return out;
}

// d(a - alpha b) = g, -alpha g
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  double al = alpha.to_double();
  Dtype dt = arithmetic_dtype(a, b);
  EMBER_CHECK_STATE(!(a.dtype() == kBool && b.dtype() == kBool),
                    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                    "`logical_xor()` operator instead.");
  Tensor out = binary_kernel("sub", a, b, dt, [al](auto x, auto y) { return x - decltype(x)(al) * y; });
  if (any_requires_grad({&a, &b}))
    record("SubBackward0", {a, b}, out, [al](const tensor_list& g) -> tensor_list { return {g[0], g[0] * -al}; },
           Saves::None);
  return out;
}

// d(a b) = g b, g a
Tensor mul(const Tensor& a, const Tensor& b) {
  if (a.dtype() == kBool && b.dtype() == kBool) return logical_and(a, b);  // bool * bool is logical and, as in PyTorch
  Dtype dt = arithmetic_dtype(a, b);
  Tensor out = binary_kernel("mul", a, b, dt, [](auto x, auto y) { return x * y; });
  if (any_requires_grad({&a, &b})) {
    record("MulBackward0", {a, b}, out,
           {{"self", SavedVariable(b.requires_grad() ? a : Tensor(), false)},
            {"other", SavedVariable(a.requires_grad() ? b : Tensor(), false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor ga = saved[1].defined() ? g[0] * saved[1].unpack() : Tensor();
             Tensor gb = saved[0].defined() ? g[0] * saved[0].unpack() : Tensor();
             return {ga, gb};
           });
  }
  return out;
}

// d(a / b) = g / b, -g a / b²
Tensor div(const Tensor& a, const Tensor& b) {
  // True division: integer operands divide as float32, as in PyTorch.
  Dtype dt = arithmetic_dtype(a, b);
  if (!is_floating(dt)) dt = kFloat32;
  Tensor out = binary_kernel("div", a, b, dt, [](auto x, auto y) { return x / y; });
  if (any_requires_grad({&a, &b})) {
    record("DivBackward0", {a, b}, out,
           {{"self", SavedVariable(b.requires_grad() ? a : Tensor(), false)}, {"other", SavedVariable(b, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor bv = saved[1].unpack();
             Tensor ga = g[0] / bv;
             Tensor gb = saved[0].defined() ? -ga * saved[0].unpack() / bv : Tensor();
             return {ga, gb};
           });
  }
  return out;
}

namespace {
// d(a^b) = g b a^(b-1) (0 where b = 0), g a^b log(a) (0 where a = 0 and b >= 0):
// PyTorch's pow_backward_self and pow_backward_exponent, so d/db 0^b = -inf for b < 0.
// `node` is PowBackward1 for a tensor base, PowBackward2 for a number.
Tensor pow_tensor(const Tensor& base, const Tensor& exponent, const char* node) {
  Dtype dt = arithmetic_dtype(base, exponent);
  Tensor out = binary_kernel("pow", base, exponent, dt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      if (y < 0) return T(x == 1 ? 1 : (x == -1 ? (y % 2 ? -1 : 1) : 0));
      T r = 1;
      for (T e = y, p = x; e > 0; e >>= 1, p *= p)
        if (e & 1) r *= p;
      return r;
    } else {
      return std::pow(x, y);
    }
  });
  if (any_requires_grad({&base, &exponent})) {
    SavedVariable sa(base, false), sb(exponent, false), so(exponent.requires_grad() ? out : Tensor(), true);
    bool need_base = base.requires_grad();
    record(node, {base, exponent}, out, [sa, sb, so, need_base](const tensor_list& g) -> tensor_list {
      Tensor a = sa.unpack(), b = sb.unpack();
      Tensor zero = zeros({}, g[0].dtype());
      Tensor ga = need_base ? where(eq(b, wrap_scalar(0, b)), zero, g[0] * (b * pow(a, b - 1.0))) : Tensor();
      Tensor gb;
      if (so.defined()) {
        Tensor zero_base = logical_and(eq(a, wrap_scalar(0, a)), ge(b, wrap_scalar(0, b)));
        gb = g[0] * where(zero_base, zero, so.unpack() * log(a));
      }
      return {ga, gb};
    });
  }
  return out;
}
}  // namespace

Tensor pow(const Tensor& base, const Tensor& exponent) { return pow_tensor(base, exponent, "PowBackward1"); }

// d(a^e) = g e a^(e-1)
Tensor pow(const Tensor& base, Scalar exponent) {
  double e = exponent.to_double();
  if (!is_floating(base.dtype()) && !exponent.is_integral()) return pow(to_dtype(base, kFloat32), exponent);
  EMBER_CHECK_STATE(is_floating(base.dtype()) || e >= 0, "Integers to negative integer powers are not allowed.");
  if (!is_floating(base.dtype())) return pow(base, wrap_scalar(exponent, base));
  Tensor out = unary_float_kernel("pow", base, [e](auto x) {
    using T = decltype(x);
    if (e == 2.0) return x * x;
    if (e == 0.5) return std::sqrt(x);
    return T(std::pow(x, T(e)));
  });
  if (any_requires_grad({&base})) {
    record("PowBackward0", {base}, out,
           {{"self", SavedVariable(base, false)}},
           [e](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             if (e == 0.0) return {zeros_like(g[0])};
             Tensor a = saved[0].unpack();
             if (e == 1.0) return {g[0]};
             if (e == 2.0) return {g[0] * a * 2.0};
             return {g[0] * e * pow(a, e - 1.0)};
           });
  }
  return out;
}

Tensor pow(Scalar base, const Tensor& exponent) {
  return pow_tensor(wrap_scalar(base, exponent), exponent, "PowBackward2");
}

namespace {
// maximum (kMax) or minimum: NaN propagates; ties split the gradient evenly
// between the operands, as in PyTorch.
template <bool kMax>
Tensor extreme_of_two(const char* op, const char* node, const Tensor& a, const Tensor& b) {
  Dtype dt = promote_types(a.dtype(), b.dtype());
  Tensor out = binary_kernel(op, a, b, dt, [](auto x, auto y) {
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      if (std::isnan(x) || std::isnan(y)) return x + y;
    }
    return (kMax ? x > y : x < y) ? x : y;
  });
  if (any_requires_grad({&a, &b})) {
    record(node, {a, b}, out, {{"self", SavedVariable(a, false)}, {"other", SavedVariable(b, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor x = saved[0].unpack(), y = saved[1].unpack();
             Tensor split = where(eq(x, y), g[0] * 0.5, g[0]);
             // The operand that lost gets nothing.
             Tensor a_lost = kMax ? lt(x, y) : gt(x, y), b_lost = kMax ? gt(x, y) : lt(x, y);
             return {where(a_lost, zeros_like(split), split), where(b_lost, zeros_like(split), split)};
           });
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extreme_of_two<true>("maximum", "MaximumBackward0", a, b); }

Tensor minimum(const Tensor& a, const Tensor& b) { return extreme_of_two<false>("minimum", "MinimumBackward0", a, b); }

// d atan2(y, x) = g x / (x² + y²), -g y / (x² + y²), 0 where x = y = 0 (as PyTorch)
Tensor atan2(const Tensor& input, const Tensor& other) {
  Dtype dt = arithmetic_dtype(input, other);
  if (!is_floating(dt)) dt = kFloat32;
  Tensor out = binary_kernel("atan2", input, other, dt, [](auto y, auto x) { return std::atan2(y, x); });
  if (any_requires_grad({&input, &other})) {
    record("Atan2Backward0", {input, other}, out,
           {{"self", SavedVariable(input, false)}, {"other", SavedVariable(other, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor y = saved[0].unpack(), x = saved[1].unpack();
             Tensor denom = x * x + y * y;
             Tensor zero = zeros({}, denom.dtype());
             Tensor recip = where(eq(denom, zero), zero, g[0] / where(eq(denom, zero), ones({}, denom.dtype()), denom));
             return {recip * x, -recip * y};
           });
  }
  return out;
}

// d(-x) = -g
Tensor neg(const Tensor& x) {
  EMBER_CHECK_TYPE(x.dtype() != kBool, "neg: negation of a bool tensor is not supported, use logical_not");
  Tensor out = dispatch_numeric(x.dtype(), "neg", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(x.shape(), x.dtype());
    map_unary<T, T>(o.data_ptr<T>(), x, [](T v) { return -v; });
    return o;
  });
  if (any_requires_grad({&x})) record("NegBackward0", {x}, out, [](const tensor_list& g) -> tensor_list { return {-g[0]}; }, Saves::None);
  return out;
}

// d(exp x) = g exp(x)
Tensor exp(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("exp", x, [](auto v) { return vec::exp(v); });
  if (any_requires_grad({&x})) {
    record("ExpBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list { return {g[0] * saved[0].unpack()}; });
  }
  return out;
}

// d(log x) = g / x
Tensor log(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("log", x, [](auto v) { return std::log(v); });
  if (any_requires_grad({&x})) {
    record("LogBackward0", {x}, out,
           {{"self", SavedVariable(x, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list { return {g[0] / saved[0].unpack()}; });
  }
  return out;
}

// d(sqrt x) = g / (2 sqrt x)
Tensor sqrt(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("sqrt", x, [](auto v) { return std::sqrt(v); });
  if (any_requires_grad({&x})) {
    record("SqrtBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             return {g[0] / (saved[0].unpack() * 2.0)};
           });
  }
  return out;
}

// d(x^-1/2) = -g y³ / 2
Tensor rsqrt(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("rsqrt", x, [](auto v) { return decltype(v)(1) / std::sqrt(v); });
  if (any_requires_grad({&x})) {
    record("RsqrtBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor y = saved[0].unpack();
             return {g[0] * y * y * y * -0.5};
           });
  }
  return out;
}

// d|x| = g sign(x)
Tensor abs(const Tensor& x) {
  Tensor out = dispatch_numeric(x.dtype(), "abs", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(x.shape(), x.dtype());
    map_unary<T, T>(o.data_ptr<T>(), x, [](T v) { return v < 0 ? -v : v; });
    return o;
  });
  if (any_requires_grad({&x})) {
    record("AbsBackward0", {x}, out,
           {{"self", SavedVariable(x, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             return {g[0] * sign(saved[0].unpack())};
           });
  }
  return out;
}

// d sign(x) = 0
Tensor sign(const Tensor& x) {
  Tensor out = dispatch_numeric(x.dtype(), "sign", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(x.shape(), x.dtype());
    map_unary<T, T>(o.data_ptr<T>(), x, [](T v) { return T((v > 0) - (v < 0)); });
    return o;
  });
  if (any_requires_grad({&x}))
    record("SignBackward0", {x}, out, [](const tensor_list& g) -> tensor_list { return {zeros_like(g[0])}; },
           Saves::None);
  return out;
}

// d(sin x) = g cos(x)
Tensor sin(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("sin", x, [](auto v) { return std::sin(v); });
  if (any_requires_grad({&x})) {
    record("SinBackward0", {x}, out,
           {{"self", SavedVariable(x, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             return {g[0] * cos(saved[0].unpack())};
           });
  }
  return out;
}

// d(cos x) = -g sin(x)
Tensor cos(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("cos", x, [](auto v) { return std::cos(v); });
  if (any_requires_grad({&x})) {
    record("CosBackward0", {x}, out,
           {{"self", SavedVariable(x, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             return {-g[0] * sin(saved[0].unpack())};
           });
  }
  return out;
}

// d(tanh x) = g (1 - y²)
Tensor tanh(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("tanh", x, [](auto v) { return std::tanh(v); });
  if (any_requires_grad({&x})) {
    record("TanhBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor y = saved[0].unpack();
             return {g[0] * (1.0 - y * y)};
           });
  }
  return out;
}

// d sigmoid(x) = g y (1 - y)
Tensor sigmoid(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("sigmoid", x, [](auto v) {
    using T = decltype(v);
    // Both branches stay finite: exp never sees a large positive argument.
    T e = vec::exp(v >= 0 ? -v : v);  // never a large positive argument
    return v >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
  });
  if (any_requires_grad({&x})) {
    record("SigmoidBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor y = saved[0].unpack();
             return {g[0] * y * (1.0 - y)};
           });
  }
  return out;
}

// d(1/x) = -g y²
Tensor reciprocal(const Tensor& x0) {
  Tensor x = int_to_float(x0);
  Tensor out = unary_float_kernel("reciprocal", x, [](auto v) { return decltype(v)(1) / v; });
  if (any_requires_grad({&x})) {
    record("ReciprocalBackward0", {x}, out,
           {{"result", SavedVariable(out, true)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor y = saved[0].unpack();
             return {-g[0] * y * y};
           });
  }
  return out;
}

// d clamp(x) = g where min <= x <= max, else 0
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_CHECK(min || max, "clamp: at least one of 'min' or 'max' must not be None");
  Tensor xc = x;
  if (!is_floating(x.dtype()) && ((min && !min->is_integral()) || (max && !max->is_integral()))) xc = to_dtype(x, kFloat32);
  double lo = min ? min->to_double() : -INFINITY, hi = max ? max->to_double() : INFINITY;
  Tensor out = dispatch_numeric(xc.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(xc.shape(), xc.dtype());
    T l = min ? T(lo) : std::numeric_limits<T>::lowest(), h = max ? T(hi) : std::numeric_limits<T>::max();
    // PyTorch's min(max(v, lo), hi): max wins when min > max, and a NaN value or bound gives NaN.
    bool nan_bound = std::isnan(lo) || std::isnan(hi);
    map_unary<T, T>(o.data_ptr<T>(), xc, [=](T v) {  // nan_bound only for floating T
      if constexpr (std::is_floating_point_v<T>) {
        if (nan_bound) return std::numeric_limits<T>::quiet_NaN();
        if (std::isnan(v)) return v;
      }
      T r = v < l ? l : v;
      return r > h ? h : r;
    });
    return o;
  });
  if (any_requires_grad({&xc})) {
    record("ClampBackward1", {xc}, out,
           {{"self", SavedVariable(xc, false)}},
           [lo, hi](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor v = saved[0].unpack();
             Tensor inside = logical_and(ge(v, wrap_scalar(lo, v)), le(v, wrap_scalar(hi, v)));
             return {where(inside, g[0], zeros_like(g[0]))};
           });
  }
  return out;
}

// d where(c, a, b) = where(c, g, 0), where(c, 0, g)
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  EMBER_CHECK_TYPE(condition.dtype() == kBool, "where: expected condition to be a bool tensor, got {}",
                   dtype_name(condition.dtype()));
  Dtype dt = promote_types(a.dtype(), b.dtype());
  Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor ca = cast(a, dt), cb = cast(b, dt);
  Tensor out = make_tensor(shape, dt);
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    map_ternary<T, bool, T, T>(out.data_ptr<T>(), shape, condition, ca, cb,
                               [](bool c, T x, T y) { return c ? x : y; });
  });
  if (any_requires_grad({&a, &b})) {
    record("WhereBackward0", {a, b}, out,
           {{"condition", SavedVariable(condition, false)}},
           [](const tensor_list& g, const SavedVariables& saved) -> tensor_list {
             Tensor c = saved[0].unpack();
             Tensor zero = zeros({}, g[0].dtype());
             return {where(c, g[0], zero), where(c, zero, g[0])};
           });
  }
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, Scalar b) { return where(condition, a, wrap_scalar(b, a)); }

namespace {
template <class F>
Tensor compare(const char* op, const Tensor& a, const Tensor& b, F f) {
  return binary_kernel<true>(op, a, b, promote_types(a.dtype(), b.dtype()), f);
}
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](auto x, auto y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", a, b, [](auto x, auto y) { return x != y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](auto x, auto y) { return x < y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", a, b, [](auto x, auto y) { return x <= y; }); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](auto x, auto y) { return x > y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", a, b, [](auto x, auto y) { return x >= y; }); }

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary_kernel<true>("logical_and", a, b, kBool, [](bool x, bool y) { return x && y; });
}

Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary_kernel<true>("logical_or", a, b, kBool, [](bool x, bool y) { return x || y; });
}

Tensor logical_not(const Tensor& x) {
  Tensor out = make_tensor(x.shape(), kBool);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map_unary<bool, T>(out.data_ptr<bool>(), x, [](T v) { return !v; });
  });
  return out;
}

Tensor isfinite(const Tensor& x) {
  Tensor out = make_tensor(x.shape(), kBool);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map_unary<bool, T>(out.data_ptr<bool>(), x, [](T v) {
      if constexpr (std::is_floating_point_v<T>) return bool(std::isfinite(v));
      else return true;
    });
  });
  return out;
}

Tensor signbit(const Tensor& x) {
  Tensor out = make_tensor(x.shape(), kBool);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map_unary<bool, T>(out.data_ptr<bool>(), x, [](T v) {
      if constexpr (std::is_floating_point_v<T>) return bool(std::signbit(v));
      else return v < T(0);
    });
  });
  return out;
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.defined() && b.defined(), "isclose: expected defined tensors");
  EMBER_CHECK_STATE(a.dtype() == b.dtype(), "isclose: {} did not match {}", dtype_name(a.dtype()),
                    dtype_name(b.dtype()));
  EMBER_CHECK(rtol >= 0, "isclose: rtol must be greater than or equal to zero, but got {}", rtol);
  EMBER_CHECK(atol >= 0, "isclose: atol must be greater than or equal to zero, but got {}", atol);
  return binary_kernel<true>("isclose", a, b, a.dtype(), [rtol, atol, equal_nan](auto x, auto y) {
    double u = double(x), v = double(y);
    if (u == v) return true;
    if (std::isnan(u) || std::isnan(v)) return equal_nan && std::isnan(u) && std::isnan(v);
    if (std::isinf(u) || std::isinf(v)) return false;
    return std::abs(u - v) <= atol + rtol * std::abs(v);
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  Tensor close = isclose(a, b, rtol, atol, equal_nan);
  const bool* p = close.data_ptr<bool>();
  return std::all_of(p, p + close.numel(), [](bool v) { return v; });
}

// d to(x) = g (the engine casts g back to x's dtype)
Tensor to_dtype(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = cast(x, dtype);
  if (is_floating(dtype) && any_requires_grad({&x}))
    record("ToCopyBackward0", {x}, out, [](const tensor_list& g) -> tensor_list { return {g[0]}; }, Saves::None);
  return out;
}

// d clone(x) = g
Tensor clone(const Tensor& x) {
  Tensor out = make_tensor(x.shape(), x.dtype());
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map_unary<T, T>(out.data_ptr<T>(), x, [](T v) { return v; });
  });
  if (any_requires_grad({&x}))
    record("CloneBackward0", {x}, out, [](const tensor_list& g) -> tensor_list { return {g[0]}; }, Saves::None);
  return out;
}

Tensor& copy_(Tensor& dst, const Tensor& src) {
  check_writable(dst);
  EMBER_CHECK(broadcast_shapes(src.shape(), dst.shape(), "copy_") == dst.shape(),
              "copy_: source of shape {} cannot be broadcast to destination shape {}", shape_str(src.shape()),
              shape_str(dst.shape()));
  Tensor s = cast(src, dst.dtype());
  if (s.is_alias_of(dst)) {  // overlapping source: read it before writing
    NoGradGuard no_grad;
    s = clone(s);
  }
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* pd = dst.data_ptr<T>();
    const T* ps = static_cast<const T*>(s.storage()->data()) + s.storage_offset();
    strided_rows<2>(dst.shape(), {dst.strides(), broadcast_strides(s.shape(), s.strides(), dst.shape())},
                    [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
                      for (int64_t i = 0; i < n; ++i) pd[off[0] + i * st[0]] = ps[off[1] + i * st[1]];
                    });
  });
  dst.storage()->bump_version();
  return dst;
}

}  // namespace ember
