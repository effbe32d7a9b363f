// Activations: a unary kernel per op (ops/loops.h) with its gradient recorded
// right below, written with elementwise ember ops so it is differentiable in
// turn. gelu's gradient is its own kernel op (gelu_backward) whose backward
// is again written with ember ops. Composites (silu, mish, elu, ...) have no
// rule of their own.
#include "ops/activation.h"

#include <algorithm>
#include <cmath>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/loops.h"
#include "ops/shape.h"
#include "ops/vec_math.h"

namespace ember {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;

// gelu''(x), written with ember ops (it multiplies gradients in double backward).
Tensor gelu_second_derivative(const Tensor& x, bool tanh_mode) {
  if (!tanh_mode) return exp(x * x * -0.5) * vec::kInvSqrt2Pi * (2.0 - x * x);  // phi(x) (2 - x²)
  // u = k (x + c x³), t = tanh(u), s = 1 - t²: gelu'' = s (u' - x t u'² + 3 k c x²)
  Tensor x2 = x * x;
  Tensor t = tanh((x + x2 * x * kGeluCubic) * kSqrt2OverPi);
  Tensor s = 1.0 - t * t;
  Tensor du = (1.0 + x2 * (3.0 * kGeluCubic)) * kSqrt2OverPi;
  return s * (du - x * t * du * du + x2 * (3.0 * kSqrt2OverPi * kGeluCubic));
}

// g gelu'(x) as one kernel; its gradient: d/dg = gelu'(x) gg, d/dx = g gelu''(x) gg.
Tensor gelu_backward(const Tensor& g, const Tensor& x, bool tanh_mode) {
  Shape shape = broadcast_shapes(g.shape(), x.shape(), "gelu_backward");
  Tensor gc = g.dtype() == x.dtype() ? g : to_dtype(g, x.dtype());
  Tensor out = make_tensor(shape, x.dtype());
  dispatch_floating(x.dtype(), "gelu_backward", [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data_ptr<T>();
    if (!tanh_mode) {
      map_binary<T, T, T>(o, shape, gc, x, [](T gv, T v) {
        auto [cdf, pdf] = vec::normal_cdf_pdf(v);
        return gv * (cdf + v * pdf);
      });
    } else {
      map_binary<T, T, T>(o, shape, gc, x, [](T gv, T v) {
        // 0.5 (1 + tanh u) = 1 / (1 + e^(-2u)) and 1 - tanh² u = 4 s (1 - s) with s that logistic.
        T s = T(1) / (T(1) + vec::exp(T(-2 * kSqrt2OverPi) * (v + T(kGeluCubic) * v * v * v)));
        T du = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * v * v);
        return gv * (s + T(2) * v * s * (T(1) - s) * du);
      });
    }
  });
  if (any_requires_grad({&gc, &x})) {
    SavedVariable sg(gc, false), sx(x, false);
    record("GeluBackwardBackward0", {gc, x}, out, [sg, sx, tanh_mode](const tensor_list& gg) -> tensor_list {
      Tensor xv = sx.unpack();
      return {gelu_backward(gg[0], xv, tanh_mode), gg[0] * sg.unpack() * gelu_second_derivative(xv, tanh_mode)};
    });
  }
  return out;
}

}  // namespace

namespace {

// g where y > threshold, else 0, in one pass. Linear in g, so its own gradient
// is itself applied to the incoming gradient (y is a constant mask there).
Tensor threshold_backward(const Tensor& g, const Tensor& y, double threshold = 0.0) {
  Tensor gc = g.dtype() == y.dtype() ? g : to_dtype(g, y.dtype());
  Shape shape = broadcast_shapes(gc.shape(), y.shape(), "threshold_backward");
  Tensor out = make_tensor(shape, y.dtype());
  dispatch_numeric(y.dtype(), "threshold_backward", [&](auto tag) {
    using T = decltype(tag);
    const T t = T(threshold);
    map_binary<T, T, T>(out.data_ptr<T>(), shape, gc, y, [t](T gv, T yv) { return yv <= t ? T(0) : gv; });  // NaN takes g
  });
  if (any_requires_grad({&gc})) {
    SavedVariable sy(y, false);
    record("ThresholdBackwardBackward0", {gc}, out, [sy, threshold](const tensor_list& gg) -> tensor_list {
      return {threshold_backward(gg[0], sy.unpack(), threshold)};
    });
  }
  return out;
}

}  // namespace

// d threshold(x) = g where x > threshold, else 0
Tensor threshold(const Tensor& input, double threshold, double value) {
  EMBER_CHECK(input.defined(), "threshold: expected a defined input tensor");
  Tensor out = dispatch_numeric(input.dtype(), "threshold", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(input.shape(), input.dtype());
    const T t = T(threshold), v = T(value);
    map_unary<T, T>(o.data_ptr<T>(), input, [t, v](T x) { return x <= t ? v : x; });  // NaN passes through
    return o;
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("ThresholdBackward0", {input}, out, [sx, threshold](const tensor_list& g) -> tensor_list {
      return {threshold_backward(g[0], sx.unpack().detach(), threshold)};
    });
  }
  return out;
}

Tensor& threshold_(Tensor& input, double threshold, double value) {
  return apply_in_place(input, "threshold_", false,
                        [=](const Tensor& s) { return ember::threshold(s, threshold, value); });
}

Tensor& relu_(Tensor& input) {
  return apply_in_place(input, "relu_", false, [](const Tensor& s) { return relu(s); });
}

// d relu(x) = g (x > 0)
Tensor relu(const Tensor& input) {
  EMBER_CHECK(input.defined(), "relu: expected a defined input tensor");
  Tensor out = dispatch_numeric(input.dtype(), "relu", [&](auto tag) {
    using T = decltype(tag);
    Tensor o = make_tensor(input.shape(), input.dtype());
    // As PyTorch's clamp_min: NaN and -0 pass through.
    map_unary<T, T>(o.data_ptr<T>(), input, [](T v) { return v < T(0) ? T(0) : v; });
    return o;
  });
  if (any_requires_grad({&input})) {
    SavedVariable so(out, true);
    record("ReluBackward0", {input}, out, [so](const tensor_list& g) -> tensor_list {
      return {threshold_backward(g[0], so.unpack().detach())};
    });
  }
  return out;
}

Tensor relu6(const Tensor& input, const ReLU6FuncOptions& options) {
  return hardtanh(input, HardtanhFuncOptions().min_val(0.0).max_val(6.0).inplace(options.inplace()));
}

// d leaky_relu(x) = g for x > 0, g slope otherwise
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options) {
  if (options.inplace())
    return apply_in_place(input, "leaky_relu_", [&](const Tensor& s) {
      return leaky_relu(s, LeakyReLUFuncOptions(options).inplace(false));
    });
  const double negative_slope = options.negative_slope();
  Tensor out = float_map("leaky_relu", input, [negative_slope](auto v) {
    return v > 0 ? v : v * decltype(v)(negative_slope);
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("LeakyReluBackward0", {input}, out, [sx, negative_slope](const tensor_list& g) -> tensor_list {
      return {where(sx.unpack() > 0.0, g[0], g[0] * negative_slope)};
    });
  }
  return out;
}

Tensor prelu(const Tensor& input, const Tensor& weight) {
  EMBER_CHECK(input.defined() && weight.defined(), "prelu: expected defined input and weight tensors");
  int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
  EMBER_CHECK(weight.dim() <= 1, "prelu: expected weight to be a scalar or 1-d tensor, got shape {}",
              shape_str(weight.shape()));
  EMBER_CHECK(weight.numel() == 1 || weight.numel() == channels,
              "prelu: expected weight to have 1 element or {} (the input's channels), got {}; input {}", channels,
              weight.numel(), shape_str(input.shape()));
  Shape wshape;  // (C, 1, ..., 1) so it broadcasts over dim 1
  if (weight.numel() != 1) {
    wshape.assign(size_t(input.dim() - 1), 1);
    wshape[0] = channels;
  }
  Tensor w = reshape(weight, wshape);
  return where(input > 0.0, input, w * input);
}

Tensor elu(const Tensor& input, const ELUFuncOptions& options) {
  if (options.inplace())
    return apply_in_place(input, "elu_", [&](const Tensor& s) { return elu(s, ELUFuncOptions(options).inplace(false)); });
  check_floating("elu", input);
  return where(input > 0.0, input, (exp(clamp(input, std::nullopt, 0.0)) - 1.0) * options.alpha());
}

Tensor selu(const Tensor& input, const SELUFuncOptions& options) {
  if (options.inplace()) return apply_in_place(input, "selu_", [](const Tensor& s) { return selu(s); });
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return elu(input, ELUFuncOptions().alpha(alpha)) * scale;
}

Tensor celu(const Tensor& input, const CELUFuncOptions& options) {
  if (options.inplace())
    return apply_in_place(input, "celu_", [&](const Tensor& s) { return celu(s, CELUFuncOptions(options).inplace(false)); });
  const double alpha = options.alpha();
  EMBER_CHECK(alpha != 0.0, "celu: expected alpha != 0, got alpha={}", alpha);
  check_floating("celu", input);
  return where(input > 0.0, input, (exp(clamp(input, std::nullopt, 0.0) / alpha) - 1.0) * alpha);
}

// d gelu(x) = g gelu'(x), through the gelu_backward kernel op
void gelu_check(const GELUFuncOptions& options, const char* op) {
  EMBER_CHECK(options.approximate() == "none" || options.approximate() == "tanh",
              "{}: expected approximate to be 'none' or 'tanh', got '{}'", op, options.approximate());
}

Tensor gelu(const Tensor& input, const GELUFuncOptions& options) {
  gelu_check(options);
  const bool tanh_mode = options.approximate() == "tanh";
  // Two loops, not a branch inside one: the branch would stop vectorization.
  // Φ's tail and the logistic form of 0.5 (1 + tanh u) avoid cancellation for negative x.
  Tensor out = tanh_mode ? float_map("gelu", input,
                                     [](auto v) {
                                       using T = decltype(v);
                                       return v / (T(1) + vec::exp(T(-2 * kSqrt2OverPi) * (v + T(kGeluCubic) * v * v * v)));
                                     })
                         : float_map("gelu", input, [](auto v) {
                             return v * vec::normal_cdf_pdf(v).cdf;
                           });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("GeluBackward0", {input}, out, [sx, tanh_mode](const tensor_list& g) -> tensor_list {
      return {gelu_backward(g[0], sx.unpack(), tanh_mode)};
    });
  }
  return out;
}

Tensor silu(const Tensor& input, const InplaceFuncOptions& options) {
  if (options.inplace()) return apply_in_place(input, "silu_", [](const Tensor& s) { return silu(s); });
  check_floating("silu", input);
  return input * sigmoid(input);
}

Tensor mish(const Tensor& input, const InplaceFuncOptions& options) {
  if (options.inplace()) return apply_in_place(input, "mish_", [](const Tensor& s) { return mish(s); });
  check_floating("mish", input);
  return input * tanh(softplus(input));
}

// d softplus(x) = g sigmoid(beta x) where beta x <= threshold, else g
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options) {
  const double beta = options.beta(), threshold = options.threshold();
  EMBER_CHECK(beta != 0.0, "softplus: expected beta != 0, got beta={}", beta);
  Tensor out = float_map("softplus", input, [beta, threshold](auto v) {
    using T = decltype(v);
    T bx = v * T(beta);
    return bx > T(threshold) ? v : T(std::log1p(std::exp(bx)) / T(beta));
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("SoftplusBackward0", {input}, out, [sx, beta, threshold](const tensor_list& g) -> tensor_list {
      Tensor bx = sx.unpack() * beta;
      return {where(bx > threshold, g[0], g[0] * sigmoid(bx))};
    });
  }
  return out;
}

Tensor softsign(const Tensor& input) {
  check_floating("softsign", input);
  return input / (abs(input) + 1.0);
}

// d logsigmoid(x) = g sigmoid(-x)
Tensor logsigmoid(const Tensor& input) {
  Tensor out = float_map("logsigmoid", input, [](auto v) {
    using T = decltype(v);
    return std::min(v, T(0)) - std::log1p(vec::exp(-std::abs(v)));
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("LogSigmoidBackward0", {input}, out, [sx](const tensor_list& g) -> tensor_list {
      return {g[0] * sigmoid(0.0 - sx.unpack())};
    });
  }
  return out;
}

Tensor tanhshrink(const Tensor& input) {
  check_floating("tanhshrink", input);
  return input - tanh(input);
}

// d hardtanh(x) = g where min < x < max (strictly, as PyTorch), else 0
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options) {
  if (options.inplace())
    return apply_in_place(input, "hardtanh_", [&](const Tensor& s) {
      return hardtanh(s, HardtanhFuncOptions(options).inplace(false));
    });
  const double min_val = options.min_val(), max_val = options.max_val();
  EMBER_CHECK(min_val <= max_val, "hardtanh: expected min_val <= max_val, got min_val={} and max_val={}", min_val,
              max_val);
  Tensor out = float_map("hardtanh", input, [min_val, max_val](auto v) {
    using T = decltype(v);
    return v < T(min_val) ? T(min_val) : (v > T(max_val) ? T(max_val) : v);
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("HardtanhBackward0", {input}, out, [sx, min_val, max_val](const tensor_list& g) -> tensor_list {
      Tensor x = sx.unpack();
      return {where(logical_and(x > min_val, x < max_val), g[0], 0.0)};
    });
  }
  return out;
}

// d hardsigmoid(x) = g / 6 where -3 < x < 3, else 0
Tensor hardsigmoid(const Tensor& input, const InplaceFuncOptions& options) {
  if (options.inplace()) return apply_in_place(input, "hardsigmoid_", [](const Tensor& s) { return hardsigmoid(s); });
  Tensor out = float_map("hardsigmoid", input, [](auto v) {
    using T = decltype(v);
    return v <= T(-3) ? T(0) : (v >= T(3) ? T(1) : v / T(6) + T(0.5));
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("HardsigmoidBackward0", {input}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor x = sx.unpack();
      return {where(logical_and(x > -3.0, x < 3.0), g[0] / 6.0, 0.0)};
    });
  }
  return out;
}

// d hardswish(x) = 0 for x < -3, g (2x + 3) / 6 for x <= 3, g above
Tensor hardswish(const Tensor& input, const InplaceFuncOptions& options) {
  if (options.inplace()) return apply_in_place(input, "hardswish_", [](const Tensor& s) { return hardswish(s); });
  Tensor out = float_map("hardswish", input, [](auto v) {
    using T = decltype(v);
    return v <= T(-3) ? T(0) : (v >= T(3) ? v : v * (v + T(3)) / T(6));
  });
  if (any_requires_grad({&input})) {
    SavedVariable sx(input, false);
    record("HardswishBackward0", {input}, out, [sx](const tensor_list& g) -> tensor_list {
      Tensor x = sx.unpack();
      return {where(x < -3.0, zeros_like(g[0]), where(x <= 3.0, g[0] * (x / 3.0 + 0.5), g[0]))};
    });
  }
  return out;
}

}  // namespace ember
