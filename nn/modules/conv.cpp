// Conv1d/Conv2d: argument checks at construction, PyTorch's initialisation
// and repr; forward is ember::conv1d/conv2d.
#include "nn/modules/conv.h"

#include <algorithm>
#include <cmath>

#include "nn/init.h"
#include "ops/factory.h"

namespace ember::nn {
namespace {

void check_channels(const char* op, int64_t in, int64_t out, int64_t groups) {
  EMBER_CHECK(in > 0 && out > 0, "{}: expected in_channels > 0 and out_channels > 0, got {} and {}", op, in, out);
  EMBER_CHECK(groups > 0, "{}: expected groups > 0, got {}", op, groups);
  EMBER_CHECK(in % groups == 0, "{}: in_channels must be divisible by groups, got {} and {}", op, in, groups);
  EMBER_CHECK(out % groups == 0, "{}: out_channels must be divisible by groups, got {} and {}", op, out, groups);
}

// PyTorch's conv/linear default: kaiming_uniform_(a=sqrt(5)) and the bias bound 1/sqrt(fan_in).
void default_init(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

std::string padding_mode_str(PaddingMode mode) { return mode == kSame ? "same" : "valid"; }

// PyTorch's _ConvNd.extra_repr after the kernel size and stride.
std::string conv_tail(const std::optional<PaddingMode>& mode, const std::vector<int64_t>& padding,
                      const std::vector<int64_t>& dilation, int64_t groups, bool bias,
                      const std::vector<int64_t>& output_padding = {}) {
  std::string s;
  if (mode)
    s += ", padding=" + padding_mode_str(*mode);
  else if (std::any_of(padding.begin(), padding.end(), [](int64_t p) { return p != 0; }))
    s += ", padding=" + py_tuple(padding);
  if (std::any_of(dilation.begin(), dilation.end(), [](int64_t d) { return d != 1; }))
    s += ", dilation=" + py_tuple(dilation);
  if (std::any_of(output_padding.begin(), output_padding.end(), [](int64_t p) { return p != 0; }))
    s += ", output_padding=" + py_tuple(output_padding);
  if (groups != 1) s += fmt::format(", groups={}", groups);
  if (!bias) s += ", bias=False";
  return s;
}

}  // namespace

Conv2dImpl::Conv2dImpl(const Conv2dOptions& options_) : options(options_) { reset(); }

void Conv2dImpl::reset() {
  const auto& o = options;
  check_channels("Conv2d", o.in_channels(), o.out_channels(), o.groups());
  EMBER_CHECK(o.kernel_size().h > 0 && o.kernel_size().w > 0, "Conv2d: expected kernel_size > 0, got ({}, {})",
              o.kernel_size().h, o.kernel_size().w);
  weight = register_parameter(
      "weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size().h, o.kernel_size().w}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void Conv2dImpl::reset_parameters() { default_init(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& input) {
  return conv2d(input, weight, Conv2dFuncOptions(options.conv_options()).bias(bias));
}

std::string Conv2dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                     py_tuple({o.kernel_size().h, o.kernel_size().w}), py_tuple({o.stride().h, o.stride().w})) +
         conv_tail(o.padding_mode(), {o.padding().h, o.padding().w}, {o.dilation().h, o.dilation().w}, o.groups(),
                   o.bias());
}

Conv1dImpl::Conv1dImpl(const Conv1dOptions& options_) : options(options_) { reset(); }

void Conv1dImpl::reset() {
  const auto& o = options;
  check_channels("Conv1d", o.in_channels(), o.out_channels(), o.groups());
  EMBER_CHECK(o.kernel_size() > 0, "Conv1d: expected kernel_size > 0, got {}", o.kernel_size());
  weight = register_parameter("weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void Conv1dImpl::reset_parameters() { default_init(weight, bias); }

Tensor Conv1dImpl::forward(const Tensor& input) {
  return conv1d(input, weight, Conv1dFuncOptions(options.conv_options()).bias(bias));
}

std::string Conv1dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                     py_tuple({o.kernel_size()}), py_tuple({o.stride()})) +
         conv_tail(o.padding_mode(), {o.padding()}, {o.dilation()}, o.groups(), o.bias());
}

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& options_) : options(options_) { reset(); }

void ConvTranspose2dImpl::reset() {
  const auto& o = options;
  check_channels("ConvTranspose2d", o.in_channels(), o.out_channels(), o.groups());
  EMBER_CHECK(o.kernel_size().h > 0 && o.kernel_size().w > 0, "ConvTranspose2d: expected kernel_size > 0, got ({}, {})",
              o.kernel_size().h, o.kernel_size().w);
  weight = register_parameter(
      "weight", empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size().h, o.kernel_size().w}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void ConvTranspose2dImpl::reset_parameters() { default_init(weight, bias); }

Tensor ConvTranspose2dImpl::forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size) {
  const auto& o = options;
  ConvTranspose2dFuncOptions args(o.conv_options());
  if (output_size) {
    auto pad = conv_transpose_output_padding(
        "ConvTranspose2d", input.shape(), *output_size, {o.stride().h, o.stride().w}, {o.padding().h, o.padding().w},
        {o.kernel_size().h, o.kernel_size().w}, {o.dilation().h, o.dilation().w});
    args.output_padding({pad[0], pad[1]});
  }
  return conv_transpose2d(input, weight, args.bias(bias));
}

std::string ConvTranspose2dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                     py_tuple({o.kernel_size().h, o.kernel_size().w}), py_tuple({o.stride().h, o.stride().w})) +
         conv_tail(std::nullopt, {o.padding().h, o.padding().w}, {o.dilation().h, o.dilation().w}, o.groups(),
                   o.bias(), {o.output_padding().h, o.output_padding().w});
}

ConvTranspose1dImpl::ConvTranspose1dImpl(const ConvTranspose1dOptions& options_) : options(options_) { reset(); }

void ConvTranspose1dImpl::reset() {
  const auto& o = options;
  check_channels("ConvTranspose1d", o.in_channels(), o.out_channels(), o.groups());
  EMBER_CHECK(o.kernel_size() > 0, "ConvTranspose1d: expected kernel_size > 0, got {}", o.kernel_size());
  weight = register_parameter("weight", empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void ConvTranspose1dImpl::reset_parameters() { default_init(weight, bias); }

Tensor ConvTranspose1dImpl::forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size) {
  const auto& o = options;
  ConvTranspose1dFuncOptions args(o.conv_options());
  if (output_size)
    args.output_padding(conv_transpose_output_padding("ConvTranspose1d", input.shape(), *output_size, {o.stride()},
                                                      {o.padding()}, {o.kernel_size()}, {o.dilation()})[0]);
  return conv_transpose1d(input, weight, args.bias(bias));
}

std::string ConvTranspose1dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                     py_tuple({o.kernel_size()}), py_tuple({o.stride()})) +
         conv_tail(std::nullopt, {o.padding()}, {o.dilation()}, o.groups(), o.bias(), {o.output_padding()});
}

Conv3dImpl::Conv3dImpl(const Conv3dOptions& options_) : options(options_) {
  const auto& o = options;
  check_channels("Conv3d", o.in_channels(), o.out_channels(), o.groups());
  const Triple k = o.kernel_size();
  EMBER_CHECK(k.d > 0 && k.h > 0 && k.w > 0, "Conv3d: expected kernel_size > 0, got ({}, {}, {})", k.d, k.h, k.w);
  weight = register_parameter("weight", empty({o.out_channels(), o.in_channels() / o.groups(), k.d, k.h, k.w}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void Conv3dImpl::reset_parameters() { default_init(weight, bias); }

Tensor Conv3dImpl::forward(const Tensor& input) {
  return conv3d(input, weight, Conv3dFuncOptions(options.conv_options()).bias(bias));
}

std::string Conv3dImpl::extra_repr() const {
  const auto& o = options;
  auto v = [](const Triple& t) { return std::vector<int64_t>{t.d, t.h, t.w}; };
  return fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels(), o.out_channels(),
                     py_tuple(v(o.kernel_size())), py_tuple(v(o.stride()))) +
         conv_tail(std::nullopt, v(o.padding()), v(o.dilation()), o.groups(), o.bias());
}

}  // namespace ember::nn
