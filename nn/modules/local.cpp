// LocallyConnected2d (unfold + a batched matrix product), Maxout (a Linear
// and an amax over the pieces) and LocalContrastNorm (two Gaussian-window
// convolutions): compositions of ember ops, so their gradients are those ops'.
#include "nn/modules/local.h"

#include <cmath>

#include "autograd/error.h"
#include "nn/init.h"
#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/unfold.h"

namespace ember::nn {

Pair LocallyConnected2dOptions::output_size() const {
  return {(input_size_.h - kernel_size_.h) / stride_.h + 1, (input_size_.w - kernel_size_.w) / stride_.w + 1};
}

LocallyConnected2dImpl::LocallyConnected2dImpl(const LocallyConnected2dOptions& options_) : options(options_) {
  const auto& o = options;
  const Pair k = o.kernel_size(), s = o.stride(), in = o.input_size();
  EMBER_CHECK(o.in_channels() > 0 && o.out_channels() > 0,
              "LocallyConnected2d: expected in_channels > 0 and out_channels > 0, got {} and {}", o.in_channels(),
              o.out_channels());
  EMBER_CHECK(k.h > 0 && k.w > 0 && s.h > 0 && s.w > 0, "LocallyConnected2d: expected kernel_size and stride > 0");
  EMBER_CHECK(in.h >= k.h && in.w >= k.w,
              "LocallyConnected2d: expected input_size at least kernel_size, got input_size ({}, {}) and kernel_size "
              "({}, {})",
              in.h, in.w, k.h, k.w);
  const Pair out = o.output_size();
  weight = register_parameter("weight", empty({out.h * out.w, o.out_channels(), o.in_channels() * k.h * k.w}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels(), out.h, out.w}));
  reset_parameters();
}

// A Conv2d's default: kaiming_uniform_(a = sqrt(5)) over fan_in = in kH kW, bias U(+-1/sqrt(fan_in)).
void LocallyConnected2dImpl::reset_parameters() {
  const double fan_in = double(weight.shape()[2]);
  const double bound = 1.0 / std::sqrt(fan_in);  // kaiming_uniform_ with a = sqrt(5) gives this bound too
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor LocallyConnected2dImpl::forward(const Tensor& input) {
  const auto& o = options;
  EMBER_CHECK(input.dim() == 4 && input.shape()[1] == o.in_channels() && input.shape()[2] == o.input_size().h &&
                  input.shape()[3] == o.input_size().w,
              "LocallyConnected2d: expected input of shape (N, {}, {}, {}), got {}", o.in_channels(),
              o.input_size().h, o.input_size().w, shape_str(input.shape()));
  const Pair out = o.output_size();
  Tensor cols = unfold(input, UnfoldFuncOptions(o.kernel_size()).stride(o.stride()));  // (N, C k, L)
  // (L, N, C k) x (L, C k, O) -> (L, N, O) -> (N, O, L)
  Tensor y = permute(bmm(permute(cols, {2, 0, 1}), transpose(weight, 1, 2)), {1, 2, 0});
  y = reshape(y, {input.shape()[0], o.out_channels(), out.h, out.w});
  return bias.defined() ? y + bias : y;
}

std::string LocallyConnected2dImpl::extra_repr() const {
  const auto& o = options;
  std::string s = fmt::format("{}, {}, input_size={}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                              py_tuple({o.input_size().h, o.input_size().w}),
                              py_tuple({o.kernel_size().h, o.kernel_size().w}), py_tuple({o.stride().h, o.stride().w}));
  return o.bias() ? s : s + ", bias=False";
}

MaxoutImpl::MaxoutImpl(const MaxoutOptions& options_) : options(options_) {
  const auto& o = options;
  EMBER_CHECK(o.in_features() > 0 && o.out_features() > 0 && o.pieces() > 0,
              "Maxout: expected in_features, out_features and pieces > 0, got {}, {} and {}", o.in_features(),
              o.out_features(), o.pieces());
  linear = register_module("linear", Linear(LinearOptions(o.in_features(), o.out_features() * o.pieces()).bias(o.bias())));
}

Tensor MaxoutImpl::forward(const Tensor& input) {
  Tensor z = linear(input);
  return amax(unflatten(z, -1, {options.out_features(), options.pieces()}), {-1});
}

std::string MaxoutImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("in_features={}, out_features={}, pieces={}", o.in_features(), o.out_features(), o.pieces()) +
         (o.bias() ? "" : ", bias=False");
}

LocalContrastNormImpl::LocalContrastNormImpl(const LocalContrastNormOptions& options_) : options(options_) {
  EMBER_CHECK(options.kernel_size() > 0 && options.kernel_size() % 2 == 1,
              "LocalContrastNorm: expected an odd kernel_size > 0, got {}", options.kernel_size());
  EMBER_CHECK(options.sigma() > 0 && options.eps() > 0, "LocalContrastNorm: expected sigma > 0 and eps > 0, got {} and {}",
              options.sigma(), options.eps());
}

Tensor LocalContrastNormImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 4, "LocalContrastNorm: expected a 4-d input (N, C, H, W), got {}",
              shape_str(input.shape()));
  const int64_t C = input.shape()[1], k = options.kernel_size(), r = k / 2;
  // The window, summing to 1 over k x k pixels and the C channels.
  std::vector<double> g(size_t(C * k * k));
  double total = 0;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t q = 0; q < k; ++q) {
        const double d2 = double((p - r) * (p - r) + (q - r) * (q - r));
        total += g[size_t((c * k + p) * k + q)] = std::exp(-d2 / (2 * options.sigma() * options.sigma()));
      }
  for (double& v : g) v /= total;
  Tensor w = tensor(g, {1, C, k, k}, input.dtype());
  auto window = Conv2dFuncOptions().padding(r);
  // The window's mass inside the image, (1, 1, H, W): the borders' renormalisation.
  Tensor mass = conv2d(ones({1, C, input.shape()[2], input.shape()[3]}, input.dtype()), w, window);
  Tensor v = input - conv2d(input, w, window) / mass;
  Tensor sigma = sqrt(clamp(conv2d(v * v, w, window) / mass, Scalar(options.eps() * options.eps())));
  Tensor c = mean(sigma, {2, 3}, true);
  return v / maximum(sigma, c);
}

std::string LocalContrastNormImpl::extra_repr() const {
  return fmt::format("kernel_size={}, sigma={}, eps={}", options.kernel_size(), py_float(options.sigma()),
                     py_float(options.eps()));
}

}  // namespace ember::nn
