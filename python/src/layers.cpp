// ember._C._nn's layers, re-exported as ember.nn: every C++ layer with
// PyTorch's constructor signature and its options as read-only attributes,
// and ember.nn.init. Twins (Conv1d/Conv2d, MaxPool1d/2d, BatchNorm1d/2d) are
// bound by one template each. Arguments are converted here and checked by the
// C++ constructors; what is refused here are PyTorch arguments ember's C++
// layers have no option for (inplace=True, a device, padding_mode).
#include "autograd/error.h"
#include "bindings.h"
#include "nn/init.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"
#include "nn/modules/loss.h"
#include "nn/modules/norm.h"
#include "nn/modules/pool.h"
#include "ops/activation.h"

namespace ember::python {
namespace {

using OptTensor = std::optional<Tensor>;
using OptBool = std::optional<bool>;

/// A size argument: Size is int64_t for the 1-d twin (PyTorch's _single), Pair for the 2-d one (_pair).
template <class Size>
using SizeArg = Size (*)(const py::handle& obj, const char* op, const char* what);

void bind_linear(py::module_& nn) {
  LayerClass<nn::IdentityImpl>(nn, "Identity", "Returns its input (arguments are accepted and ignored, as PyTorch).")
      .def(py::init([](const py::args&, const py::kwargs&) { return std::make_shared<nn::IdentityImpl>(); }));
  LayerClass<nn::FlattenImpl>(nn, "Flatten")
      .def(py::init([](int64_t start_dim, int64_t end_dim) {
        return std::make_shared<nn::FlattenImpl>(nn::FlattenOptions().start_dim(start_dim).end_dim(end_dim));
      }), "start_dim"_a = 1, "end_dim"_a = -1)
      .def_property_readonly("start_dim", [](nn::FlattenImpl& m) { return m.options.start_dim(); })
      .def_property_readonly("end_dim", [](nn::FlattenImpl& m) { return m.options.end_dim(); });
  LayerClass<nn::UnflattenImpl>(nn, "Unflatten")
      .def(py::init([](int64_t dim, const std::vector<int64_t>& sizes) {
        return std::make_shared<nn::UnflattenImpl>(dim, sizes);
      }), "dim"_a, "unflattened_size"_a);

  LayerClass<nn::LinearImpl> linear(nn, "Linear", "y = x W^T + b, initialised as PyTorch's.");
  linear
      .def(py::init([](int64_t in, int64_t out, bool bias, const py::object& device, std::optional<Dtype> dtype) {
        check_cpu(device, "Linear");
        return with_dtype(std::make_shared<nn::LinearImpl>(nn::LinearOptions(in, out).bias(bias)), dtype);
      }), "in_features"_a, "out_features"_a, "bias"_a = true, "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_features", [](nn::LinearImpl& m) { return m.options.in_features(); })
      .def_property_readonly("out_features", [](nn::LinearImpl& m) { return m.options.out_features(); })
      .def("reset_parameters", &nn::LinearImpl::reset_parameters);
  def_parameter(linear, "weight", &nn::LinearImpl::weight);
  def_parameter(linear, "bias", &nn::LinearImpl::bias);
}

/// Conv1d or Conv2d: `to_size` converts the kernel size, `conv_args` stride, padding, dilation and groups.
template <class Impl, class Size, class FuncOptions>
void bind_conv(py::module_& nn, const char* name, const char* doc, SizeArg<Size> to_size,
               FuncOptions (*conv_args)(const py::handle&, const py::handle&, const py::handle&, int64_t)) {
  using Options = decltype(Impl::options);
  std::string layer = name;
  LayerClass<Impl> cls(nn, name, doc);
  cls.def(py::init([layer, to_size, conv_args](int64_t in, int64_t out, const py::object& kernel_size,
                                               const py::object& stride, const py::object& padding,
                                               const py::object& dilation, int64_t groups, bool bias,
                                               const std::string& padding_mode, const py::object& device,
                                               std::optional<Dtype> dtype) {
        check_cpu(device, layer.c_str());
        EMBER_CHECK(padding_mode == "zeros", "{}: only padding_mode='zeros' is supported, got '{}'", layer,
                    padding_mode);
        FuncOptions args = conv_args(stride, padding, dilation, groups);
        Options options(in, out, to_size(kernel_size, layer.c_str(), "kernel_size"));
        options.stride(args.stride()).dilation(args.dilation()).groups(args.groups()).bias(bias);
        if (args.padding_mode()) options.padding(*args.padding_mode()); else options.padding(args.padding());
        return with_dtype(std::make_shared<Impl>(options), dtype);
      }), "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "groups"_a = 1, "bias"_a = true, "padding_mode"_a = "zeros", "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_channels", [](Impl& m) { return m.options.in_channels(); })
      .def_property_readonly("out_channels", [](Impl& m) { return m.options.out_channels(); })
      .def_property_readonly("kernel_size", [](Impl& m) { return as_tuple(m.options.kernel_size()); })
      .def_property_readonly("stride", [](Impl& m) { return as_tuple(m.options.stride()); })
      .def_property_readonly("padding", [](Impl& m) -> py::object {
        if (auto mode = m.options.padding_mode()) return py::str(*mode == kSame ? "same" : "valid");
        return as_tuple(m.options.padding());
      })
      .def_property_readonly("dilation", [](Impl& m) { return as_tuple(m.options.dilation()); })
      .def_property_readonly("groups", [](Impl& m) { return m.options.groups(); })
      .def("reset_parameters", &Impl::reset_parameters);
  def_parameter(cls, "weight", &Impl::weight);
  def_parameter(cls, "bias", &Impl::bias);
}

void check_no_indices(bool return_indices, const char* layer, const char* op) {
  EMBER_CHECK(!return_indices, "{}: return_indices=True is not supported by the layer; use F.{}(..., return_indices=True)",
              layer, op);
}

/// MaxPool1d or MaxPool2d, from the same arguments as F.max_pool1d/2d.
template <class Impl, class FuncOptions>
void bind_max_pool(py::module_& nn, const char* name, const char* op,
                   FuncOptions (*pool_args)(const py::handle&, const py::handle&, const py::handle&, const py::handle&,
                                            bool)) {
  std::string layer = name, function = op;
  LayerClass<Impl>(nn, name)
      .def(py::init([layer, function, pool_args](const py::object& kernel_size, const py::object& stride,
                                                 const py::object& padding, const py::object& dilation,
                                                 bool return_indices, bool ceil_mode) {
        check_no_indices(return_indices, layer.c_str(), function.c_str());
        return std::make_shared<Impl>(pool_args(kernel_size, stride, padding, dilation, ceil_mode));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "return_indices"_a = false,
      "ceil_mode"_a = false);
}

void bind_pooling(py::module_& nn) {
  bind_max_pool<nn::MaxPool2dImpl>(nn, "MaxPool2d", "max_pool2d", &max_pool2d_args);
  bind_max_pool<nn::MaxPool1dImpl>(nn, "MaxPool1d", "max_pool1d", &max_pool1d_args);
  LayerClass<nn::AvgPool2dImpl>(nn, "AvgPool2d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
        return std::make_shared<nn::AvgPool2dImpl>(avg_pool2d_args(kernel_size, stride, padding, ceil_mode,
                                                                   count_include_pad, divisor_override, "AvgPool2d"));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
          "count_include_pad"_a = true, "divisor_override"_a = py::none());
  LayerClass<nn::AvgPool1dImpl>(nn, "AvgPool1d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       bool ceil_mode, bool count_include_pad) {
        return std::make_shared<nn::AvgPool1dImpl>(
            avg_pool1d_args(kernel_size, stride, padding, ceil_mode, count_include_pad, "AvgPool1d"));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
          "count_include_pad"_a = true);
  LayerClass<nn::LPPool2dImpl>(nn, "LPPool2d")
      .def(py::init([](double norm_type, const py::object& kernel_size, const py::object& stride, bool ceil_mode) {
        return std::make_shared<nn::LPPool2dImpl>(lp_pool2d_args(norm_type, kernel_size, stride, ceil_mode, "LPPool2d"));
      }), "norm_type"_a, "kernel_size"_a, "stride"_a = py::none(), "ceil_mode"_a = false);
  LayerClass<nn::AdaptiveAvgPool2dImpl>(nn, "AdaptiveAvgPool2d")
      .def(py::init([](const py::object& output_size) {
        return std::make_shared<nn::AdaptiveAvgPool2dImpl>(to_pair(output_size, "AdaptiveAvgPool2d", "output_size"));
      }), "output_size"_a);
  LayerClass<nn::AdaptiveMaxPool2dImpl>(nn, "AdaptiveMaxPool2d")
      .def(py::init([](const py::object& output_size, bool return_indices) {
        check_no_indices(return_indices, "AdaptiveMaxPool2d", "adaptive_max_pool2d");
        return std::make_shared<nn::AdaptiveMaxPool2dImpl>(to_pair(output_size, "AdaptiveMaxPool2d", "output_size"));
      }), "output_size"_a, "return_indices"_a = false);
}

template <class Impl>
void def_norm_members(LayerClass<Impl>& cls) {
  cls.def_property_readonly("num_features", [](Impl& m) { return m.options.num_features(); })
      .def_property("eps", [](Impl& m) { return m.options.eps(); }, [](Impl& m, double v) { m.options.eps(v); })
      .def_property("momentum", [](Impl& m) { return m.options.momentum(); },
                    [](Impl& m, std::optional<double> v) { m.options.momentum(v); })
      .def_property_readonly("affine", [](Impl& m) { return m.options.affine(); })
      .def_property_readonly("track_running_stats", [](Impl& m) { return m.options.track_running_stats(); })
      .def("reset_running_stats", &Impl::reset_running_stats)
      .def("reset_parameters", &Impl::reset_parameters);
  def_parameter(cls, "weight", &Impl::weight);
  def_parameter(cls, "bias", &Impl::bias);
  def_buffer(cls, "running_mean", &Impl::running_mean);
  def_buffer(cls, "running_var", &Impl::running_var);
  def_buffer(cls, "num_batches_tracked", &Impl::num_batches_tracked);
}

/// BatchNorm1d or BatchNorm2d (one options type, two input ranks).
template <class Impl>
void bind_batch_norm(py::module_& nn, const char* name) {
  std::string layer = name;
  LayerClass<Impl> cls(nn, name);
  cls.def(py::init([layer](int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                           bool track_running_stats, const py::object& device, std::optional<Dtype> dtype, bool bias) {
       check_cpu(device, layer.c_str());
       auto options = nn::BatchNormOptions(num_features).eps(eps).momentum(momentum).affine(affine).bias(bias);
       return with_dtype(std::make_shared<Impl>(options.track_running_stats(track_running_stats)), dtype);
     }), "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = true, "track_running_stats"_a = true,
     "device"_a = py::none(), "dtype"_a = py::none(), py::kw_only(), "bias"_a = true);
  def_norm_members(cls);
}

void bind_norms(py::module_& nn) {
  bind_batch_norm<nn::BatchNorm1dImpl>(nn, "BatchNorm1d");
  bind_batch_norm<nn::BatchNorm2dImpl>(nn, "BatchNorm2d");
  bind_batch_norm<nn::BatchNorm3dImpl>(nn, "BatchNorm3d");
  LayerClass<nn::InstanceNorm2dImpl> in2(nn, "InstanceNorm2d");
  in2.def(py::init([](int64_t n, double eps, double momentum, bool affine, bool track, const py::object& device,
                      std::optional<Dtype> dtype, bool bias) {
       check_cpu(device, "InstanceNorm2d");
       auto options = nn::InstanceNormOptions(n).eps(eps).momentum(momentum).affine(affine).track_running_stats(track);
       return with_dtype(std::make_shared<nn::InstanceNorm2dImpl>(options.bias(bias)), dtype);
     }), "num_features"_a, "eps"_a = 1e-5, "momentum"_a = 0.1, "affine"_a = false, "track_running_stats"_a = false,
     "device"_a = py::none(), "dtype"_a = py::none(), py::kw_only(), "bias"_a = true);
  def_norm_members(in2);

  LayerClass<nn::LayerNormImpl> ln(nn, "LayerNorm");
  ln.def(py::init([](const py::object& shape, double eps, bool elementwise_affine, bool bias, const py::object& device,
                     std::optional<Dtype> dtype) {
      check_cpu(device, "LayerNorm");
      Shape normalized = py::isinstance<py::sequence>(shape) ? shape.cast<Shape>() : Shape{shape.cast<int64_t>()};
      auto options = nn::LayerNormOptions(normalized).eps(eps).elementwise_affine(elementwise_affine).bias(bias);
      return with_dtype(std::make_shared<nn::LayerNormImpl>(options), dtype);
    }), "normalized_shape"_a, "eps"_a = 1e-5, "elementwise_affine"_a = true, "bias"_a = true, "device"_a = py::none(),
    "dtype"_a = py::none())
      .def_property_readonly("normalized_shape", [](nn::LayerNormImpl& m) {
        return py::tuple(py::cast(m.options.normalized_shape()));
      })
      .def_property_readonly("eps", [](nn::LayerNormImpl& m) { return m.options.eps(); })
      .def_property_readonly("elementwise_affine", [](nn::LayerNormImpl& m) { return m.options.elementwise_affine(); })
      .def("reset_parameters", &nn::LayerNormImpl::reset_parameters);
  def_parameter(ln, "weight", &nn::LayerNormImpl::weight);
  def_parameter(ln, "bias", &nn::LayerNormImpl::bias);

  LayerClass<nn::GroupNormImpl> gn(nn, "GroupNorm");
  gn.def(py::init([](int64_t groups, int64_t channels, double eps, bool affine, const py::object& device,
                     std::optional<Dtype> dtype, bool bias) {
      check_cpu(device, "GroupNorm");
      auto options = nn::GroupNormOptions(groups, channels).eps(eps).affine(affine).bias(bias);
      return with_dtype(std::make_shared<nn::GroupNormImpl>(options), dtype);
    }), "num_groups"_a, "num_channels"_a, "eps"_a = 1e-5, "affine"_a = true, "device"_a = py::none(),
    "dtype"_a = py::none(), py::kw_only(), "bias"_a = true)
      .def_property_readonly("num_groups", [](nn::GroupNormImpl& m) { return m.options.num_groups(); })
      .def_property_readonly("num_channels", [](nn::GroupNormImpl& m) { return m.options.num_channels(); })
      .def_property_readonly("eps", [](nn::GroupNormImpl& m) { return m.options.eps(); })
      .def_property_readonly("affine", [](nn::GroupNormImpl& m) { return m.options.affine(); })
      .def("reset_parameters", &nn::GroupNormImpl::reset_parameters);
  def_parameter(gn, "weight", &nn::GroupNormImpl::weight);
  def_parameter(gn, "bias", &nn::GroupNormImpl::bias);

  LayerClass<nn::LocalResponseNormImpl>(nn, "LocalResponseNorm")
      .def(py::init([](int64_t size, double alpha, double beta, double k) {
        return std::make_shared<nn::LocalResponseNormImpl>(nn::LocalResponseNormOptions(size).alpha(alpha).beta(beta).k(k));
      }), "size"_a, "alpha"_a = 1e-4, "beta"_a = 0.75, "k"_a = 1.0);

  LayerClass<nn::DropoutImpl>(nn, "Dropout")
      .def(py::init([](double p, bool inplace) {
        return std::make_shared<nn::DropoutImpl>(nn::DropoutOptions(p).inplace(inplace));
      }), "p"_a = 0.5, "inplace"_a = false)
      .def_property_readonly("p", [](nn::DropoutImpl& m) { return m.options.p(); });
  LayerClass<nn::Dropout2dImpl>(nn, "Dropout2d")
      .def(py::init([](double p, bool inplace) {
        return std::make_shared<nn::Dropout2dImpl>(nn::Dropout2dOptions(p).inplace(inplace));
      }), "p"_a = 0.5, "inplace"_a = false)
      .def_property_readonly("p", [](nn::Dropout2dImpl& m) { return m.options.p(); });
}

/// An activation without options: Cls().
template <class Impl>
void def_plain_activation(py::module_& nn, const char* name) {
  LayerClass<Impl>(nn, name).def(py::init<>());
}

/// An activation whose only option is inplace: Cls(inplace=False).
template <class Impl>
void def_inplace_activation(py::module_& nn, const char* name) {
  LayerClass<Impl>(nn, name).def(py::init([](bool inplace) { return std::make_shared<Impl>(InplaceFuncOptions(inplace)); }),
                                 "inplace"_a = false);
}

void bind_activations(py::module_& nn) {
  def_inplace_activation<nn::ReLUImpl>(nn, "ReLU");
  def_inplace_activation<nn::ReLU6Impl>(nn, "ReLU6");
  def_inplace_activation<nn::SELUImpl>(nn, "SELU");
  def_inplace_activation<nn::SiLUImpl>(nn, "SiLU");
  def_inplace_activation<nn::MishImpl>(nn, "Mish");
  def_inplace_activation<nn::HardsigmoidImpl>(nn, "Hardsigmoid");
  def_inplace_activation<nn::HardswishImpl>(nn, "Hardswish");
  def_plain_activation<nn::SigmoidImpl>(nn, "Sigmoid");
  def_plain_activation<nn::TanhImpl>(nn, "Tanh");
  def_plain_activation<nn::SoftsignImpl>(nn, "Softsign");
  def_plain_activation<nn::LogSigmoidImpl>(nn, "LogSigmoid");
  def_plain_activation<nn::TanhshrinkImpl>(nn, "Tanhshrink");

  LayerClass<nn::LeakyReLUImpl>(nn, "LeakyReLU")
      .def(py::init([](double negative_slope, bool inplace) {
        return std::make_shared<nn::LeakyReLUImpl>(nn::LeakyReLUOptions().negative_slope(negative_slope).inplace(inplace));
      }), "negative_slope"_a = 0.01, "inplace"_a = false)
      .def_property_readonly("negative_slope", [](nn::LeakyReLUImpl& m) { return m.options.negative_slope(); });
  LayerClass<nn::ELUImpl>(nn, "ELU")
      .def(py::init([](double alpha, bool inplace) {
        return std::make_shared<nn::ELUImpl>(nn::ELUOptions().alpha(alpha).inplace(inplace));
      }), "alpha"_a = 1.0, "inplace"_a = false)
      .def_property_readonly("alpha", [](nn::ELUImpl& m) { return m.options.alpha(); });
  LayerClass<nn::CELUImpl>(nn, "CELU")
      .def(py::init([](double alpha, bool inplace) {
        return std::make_shared<nn::CELUImpl>(nn::CELUOptions().alpha(alpha).inplace(inplace));
      }), "alpha"_a = 1.0, "inplace"_a = false)
      .def_property_readonly("alpha", [](nn::CELUImpl& m) { return m.options.alpha(); });
  LayerClass<nn::GELUImpl>(nn, "GELU")
      .def(py::init([](const std::string& approximate) {
        return std::make_shared<nn::GELUImpl>(nn::GELUOptions().approximate(approximate));
      }), "approximate"_a = "none")
      .def_property_readonly("approximate", [](nn::GELUImpl& m) { return m.options.approximate(); });
  LayerClass<nn::SoftplusImpl>(nn, "Softplus")
      .def(py::init([](double beta, double threshold) {
        return std::make_shared<nn::SoftplusImpl>(nn::SoftplusOptions().beta(beta).threshold(threshold));
      }), "beta"_a = 1.0, "threshold"_a = 20.0);
  LayerClass<nn::HardtanhImpl>(nn, "Hardtanh")
      .def(py::init([](double min_val, double max_val, bool inplace) {
        return std::make_shared<nn::HardtanhImpl>(
            nn::HardtanhOptions().min_val(min_val).max_val(max_val).inplace(inplace));
      }), "min_val"_a = -1.0, "max_val"_a = 1.0, "inplace"_a = false);
  LayerClass<nn::SoftmaxImpl>(nn, "Softmax")
      .def(py::init([](std::optional<int64_t> dim) {
        return std::make_shared<nn::SoftmaxImpl>(SoftmaxFuncOptions(dim));
      }), "dim"_a = py::none())
      .def_property_readonly("dim", [](nn::SoftmaxImpl& m) { return m.options.dim(); });
  LayerClass<nn::LogSoftmaxImpl>(nn, "LogSoftmax")
      .def(py::init([](std::optional<int64_t> dim) {
        return std::make_shared<nn::LogSoftmaxImpl>(SoftmaxFuncOptions(dim));
      }), "dim"_a = py::none())
      .def_property_readonly("dim", [](nn::LogSoftmaxImpl& m) { return m.options.dim(); });

  LayerClass<nn::PReLUImpl> prelu(nn, "PReLU");
  prelu.def(py::init([](int64_t num_parameters, double init, const py::object& device, std::optional<Dtype> dtype) {
         check_cpu(device, "PReLU");
         return with_dtype(std::make_shared<nn::PReLUImpl>(nn::PReLUOptions().num_parameters(num_parameters).init(init)),
                           dtype);
       }), "num_parameters"_a = 1, "init"_a = 0.25, "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("num_parameters", [](nn::PReLUImpl& m) { return m.options.num_parameters(); });
  def_parameter(prelu, "weight", &nn::PReLUImpl::weight);

  LayerClass<nn::SwishImpl> swish(nn, "Swish", "x * sigmoid(beta * x), with beta fixed or learnable.");
  swish.def(py::init([](double beta, bool learnable) {
    return std::make_shared<nn::SwishImpl>(nn::SwishOptions().beta(beta).learnable(learnable));
  }), "beta"_a = 1.0, "learnable"_a = false);
  swish.def_property_readonly("beta", [](nn::SwishImpl& m) -> py::object {
    if (m.options.learnable()) return as_parameter(m.beta);
    return py::float_(m.options.beta());
  });

  LayerClass<nn::DiceImpl> dice(nn, "Dice", "Dice activation: p * x + (1 - p) * alpha * x, p = sigmoid(batch-normalised x).");
  dice.def(py::init([](int64_t num_features, double eps, double momentum) {
    return std::make_shared<nn::DiceImpl>(nn::DiceOptions(num_features).eps(eps).momentum(momentum));
  }), "num_features"_a, "eps"_a = 1e-8, "momentum"_a = 0.1);
  def_parameter(dice, "alpha", &nn::DiceImpl::alpha);
  def_buffer(dice, "running_mean", &nn::DiceImpl::running_mean);
  def_buffer(dice, "running_var", &nn::DiceImpl::running_var);
}

Tensor opt(const OptTensor& t) { return t.value_or(Tensor()); }

// A loss's forward(input, target), picked out of Module's single-tensor overload.
template <class Impl>
constexpr auto loss_forward = static_cast<Tensor (Impl::*)(const Tensor&, const Tensor&)>(&Impl::forward);

void bind_losses(py::module_& nn) {
  LayerClass<nn::CrossEntropyLossImpl>(nn, "CrossEntropyLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, int64_t ignore_index, OptBool reduce,
                       const std::string& reduction, double label_smoothing) {
        return std::make_shared<nn::CrossEntropyLossImpl>(
            nn::CrossEntropyLossOptions().weight(opt(weight)).ignore_index(ignore_index).label_smoothing(label_smoothing)
                .reduction(reduction_of(size_average, reduce, reduction, "CrossEntropyLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100, "reduce"_a = py::none(),
          "reduction"_a = "mean", "label_smoothing"_a = 0.0)
      .def("forward", loss_forward<nn::CrossEntropyLossImpl>, "input"_a, "target"_a);
  LayerClass<nn::NLLLossImpl>(nn, "NLLLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, int64_t ignore_index, OptBool reduce,
                       const std::string& reduction) {
        return std::make_shared<nn::NLLLossImpl>(nn::NLLLossOptions().weight(opt(weight)).ignore_index(ignore_index)
                                                     .reduction(reduction_of(size_average, reduce, reduction, "NLLLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100, "reduce"_a = py::none(),
          "reduction"_a = "mean")
      .def("forward", loss_forward<nn::NLLLossImpl>, "input"_a, "target"_a);
  LayerClass<nn::MSELossImpl>(nn, "MSELoss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::MSELossImpl>(
            nn::MSELossOptions().reduction(reduction_of(size_average, reduce, reduction, "MSELoss")));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", loss_forward<nn::MSELossImpl>, "input"_a, "target"_a);
  LayerClass<nn::L1LossImpl>(nn, "L1Loss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::L1LossImpl>(
            nn::L1LossOptions().reduction(reduction_of(size_average, reduce, reduction, "L1Loss")));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", loss_forward<nn::L1LossImpl>, "input"_a, "target"_a);
  LayerClass<nn::SmoothL1LossImpl>(nn, "SmoothL1Loss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction, double beta) {
        return std::make_shared<nn::SmoothL1LossImpl>(
            nn::SmoothL1LossOptions().reduction(reduction_of(size_average, reduce, reduction, "SmoothL1Loss")).beta(beta));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean", "beta"_a = 1.0)
      .def("forward", loss_forward<nn::SmoothL1LossImpl>, "input"_a, "target"_a);
  LayerClass<nn::HuberLossImpl>(nn, "HuberLoss")
      .def(py::init([](const std::string& reduction, double delta) {
        return std::make_shared<nn::HuberLossImpl>(
            nn::HuberLossOptions().reduction(loss_reduction(reduction, "HuberLoss")).delta(delta));
      }), "reduction"_a = "mean", "delta"_a = 1.0)
      .def("forward", loss_forward<nn::HuberLossImpl>, "input"_a, "target"_a);
  LayerClass<nn::BCELossImpl>(nn, "BCELoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, OptBool reduce, const std::string& reduction) {
        return std::make_shared<nn::BCELossImpl>(
            nn::BCELossOptions().weight(opt(weight)).reduction(reduction_of(size_average, reduce, reduction, "BCELoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean")
      .def("forward", loss_forward<nn::BCELossImpl>, "input"_a, "target"_a);
  LayerClass<nn::BCEWithLogitsLossImpl>(nn, "BCEWithLogitsLoss")
      .def(py::init([](const OptTensor& weight, OptBool size_average, OptBool reduce, const std::string& reduction,
                       const OptTensor& pos_weight) {
        return std::make_shared<nn::BCEWithLogitsLossImpl>(
            nn::BCEWithLogitsLossOptions().weight(opt(weight)).pos_weight(opt(pos_weight))
                .reduction(reduction_of(size_average, reduce, reduction, "BCEWithLogitsLoss")));
      }), "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
          "pos_weight"_a = py::none())
      .def("forward", loss_forward<nn::BCEWithLogitsLossImpl>, "input"_a, "target"_a);
  LayerClass<nn::KLDivLossImpl>(nn, "KLDivLoss")
      .def(py::init([](OptBool size_average, OptBool reduce, const std::string& reduction, bool log_target) {
        return std::make_shared<nn::KLDivLossImpl>(
            nn::KLDivLossOptions().reduction(reduction_of(size_average, reduce, reduction, "KLDivLoss")).log_target(log_target));
      }), "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean", "log_target"_a = false)
      .def("forward", loss_forward<nn::KLDivLossImpl>, "input"_a, "target"_a);
  LayerClass<nn::MultiMarginLossImpl>(nn, "MultiMarginLoss")
      .def(py::init([](int64_t p, double margin, const OptTensor& weight, OptBool size_average, OptBool reduce,
                       const std::string& reduction) {
        return std::make_shared<nn::MultiMarginLossImpl>(
            nn::MultiMarginLossOptions().p(p).margin(margin).weight(opt(weight))
                .reduction(reduction_of(size_average, reduce, reduction, "MultiMarginLoss")));
      }), "p"_a = 1, "margin"_a = 1.0, "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(),
          "reduction"_a = "mean")
      .def("forward", loss_forward<nn::MultiMarginLossImpl>, "input"_a, "target"_a);
}

void bind_init(py::module_& nn) {
  py::module_ init = nn.def_submodule("init", "In-place initialisers, as torch.nn.init.");
  init.def("calculate_gain", [](const std::string& nonlinearity, std::optional<double> param) {
    return nn::init::calculate_gain(nonlinearity, param.value_or(0.01));
  }, "nonlinearity"_a, "param"_a = py::none());
  init.def("_calculate_fan_in_and_fan_out", &nn::init::calculate_fan_in_and_fan_out, "tensor"_a);
  init.def("uniform_", &nn::init::uniform_, "tensor"_a, "a"_a = 0.0, "b"_a = 1.0);
  init.def("normal_", &nn::init::normal_, "tensor"_a, "mean"_a = 0.0, "std"_a = 1.0);
  init.def("constant_", &nn::init::constant_, "tensor"_a, "val"_a);
  init.def("zeros_", &nn::init::zeros_, "tensor"_a);
  init.def("ones_", &nn::init::ones_, "tensor"_a);
  init.def("xavier_uniform_", &nn::init::xavier_uniform_, "tensor"_a, "gain"_a = 1.0);
  init.def("xavier_normal_", &nn::init::xavier_normal_, "tensor"_a, "gain"_a = 1.0);
  init.def("kaiming_uniform_", &nn::init::kaiming_uniform_, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in",
           "nonlinearity"_a = "leaky_relu");
  init.def("kaiming_normal_", &nn::init::kaiming_normal_, "tensor"_a, "a"_a = 0.0, "mode"_a = "fan_in",
           "nonlinearity"_a = "leaky_relu");
  init.def("orthogonal_", &nn::init::orthogonal_, "tensor"_a, "gain"_a = 1.0);
  init.def("trunc_normal_", &nn::init::trunc_normal_, "tensor"_a, "mean"_a = 0.0, "std"_a = 1.0, "a"_a = -2.0,
           "b"_a = 2.0);
}

}  // namespace

void bind_layers(py::module_& nn) {
  bind_linear(nn);
  bind_conv<nn::Conv2dImpl>(nn, "Conv2d", "2-d convolution over (N, C, H, W), initialised as PyTorch's.", &to_pair,
                            &conv2d_args);
  bind_conv<nn::Conv1dImpl>(nn, "Conv1d", "1-d convolution over (N, C, L), initialised as PyTorch's.", &to_single,
                            &conv1d_args);
  bind_pooling(nn);
  bind_norms(nn);
  bind_activations(nn);
  bind_losses(nn);
  bind_init(nn);
}

}  // namespace ember::python
