// ember._C._functional, re-exported as ember.nn.functional: the ops of
// torch.nn.functional with PyTorch's signatures and defaults. Each binding
// converts its arguments (ints or tuples to Pair, padding strings, reduction
// strings and the legacy size_average/reduce flags) and calls the op.
#include "autograd/error.h"
#include "bindings.h"
#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/conv_transpose.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/softmax.h"
#include "ops/unfold.h"
#include "ops/upsample.h"

namespace ember::python {
namespace {

// output_size entries may be None: keep that dim of the input.
Pair adaptive_size(const Tensor& x, const py::handle& output_size, const char* op) {
  auto dim_or_input = [&](const py::handle& v, int64_t dim) {
    if (!v.is_none()) return to_single(v, op, "output_size");
    EMBER_CHECK(x.dim() >= 2, "{}: expected a 3-d or 4-d input, got {}", op, shape_str(x.shape()));
    return x.shape()[x.dim() + dim];
  };
  if (py::isinstance<py::sequence>(output_size) && py::len(output_size) == 2)
    return Pair(dim_or_input(output_size[py::int_(0)], -2), dim_or_input(output_size[py::int_(1)], -1));
  return to_pair(output_size, op, "output_size");
}

// The per-element weight of mse_loss/l1_loss/huber_loss (new in PyTorch 2.6) is not in ember's ops.
void check_no_weight(const std::optional<Tensor>& weight, const char* op) {
  EMBER_CHECK(!weight, "{}: the weight argument is not supported; expected weight=None", op);
}

Tensor opt(const std::optional<Tensor>& t) { return t.value_or(Tensor()); }

py::object values_and_indices(std::tuple<Tensor, Tensor> result, bool return_indices) {
  if (return_indices) return py::cast(result);
  return py::cast(std::get<0>(result));
}

void bind_conv_pool(py::module_& f) {
  f.def("conv2d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const py::object& stride,
                     const py::object& padding, const py::object& dilation, int64_t groups) {
    return conv2d(x, w, conv2d_args(stride, padding, dilation, groups).bias(opt(b)));
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1);
  f.def("conv1d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const py::object& stride,
                     const py::object& padding, const py::object& dilation, int64_t groups) {
    return conv1d(x, w, conv1d_args(stride, padding, dilation, groups).bias(opt(b)));
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1);

  f.def("conv3d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const py::object& stride,
                     const py::object& padding, const py::object& dilation, int64_t groups) {
    const char* op = "conv3d";
    return conv3d(x, w, Conv3dFuncOptions().bias(opt(b)).stride(to_triple(stride, op, "stride"))
        .padding(to_triple(padding, op, "padding")).dilation(to_triple(dilation, op, "dilation")).groups(groups));
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1);
  f.def("max_pool3d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, const py::object& dilation, bool ceil_mode, bool return_indices) {
    return max_pool3d(x, max_pool3d_args(kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                                         "max_pool3d"));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "ceil_mode"_a = false,
        "return_indices"_a = false);
  f.def("avg_pool3d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, bool ceil_mode, bool count_include_pad,
                         std::optional<int64_t> divisor_override) {
    return avg_pool3d(x, avg_pool3d_args(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                                         "avg_pool3d"));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
        "count_include_pad"_a = true, "divisor_override"_a = py::none());
  f.def("adaptive_avg_pool3d", [](const Tensor& x, const py::object& output_size) {
    return adaptive_avg_pool3d(x, to_triple(output_size, "adaptive_avg_pool3d", "output_size"));
  }, "input"_a, "output_size"_a);
  f.def("conv_transpose2d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b,
                               const py::object& stride, const py::object& padding, const py::object& output_padding,
                               int64_t groups, const py::object& dilation) {
    const char* op = "conv_transpose2d";
    return conv_transpose2d(x, w, ConvTranspose2dFuncOptions().bias(opt(b)).stride(to_pair(stride, op, "stride"))
        .padding(to_pair(padding, op, "padding")).output_padding(to_pair(output_padding, op, "output_padding"))
        .groups(groups).dilation(to_pair(dilation, op, "dilation")));
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0, "output_padding"_a = 0,
        "groups"_a = 1, "dilation"_a = 1);
  f.def("conv_transpose1d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b,
                               const py::object& stride, const py::object& padding, const py::object& output_padding,
                               int64_t groups, const py::object& dilation) {
    const char* op = "conv_transpose1d";
    return conv_transpose1d(x, w, ConvTranspose1dFuncOptions().bias(opt(b)).stride(to_single(stride, op, "stride"))
        .padding(to_single(padding, op, "padding")).output_padding(to_single(output_padding, op, "output_padding"))
        .groups(groups).dilation(to_single(dilation, op, "dilation")));
  }, "input"_a, "weight"_a, "bias"_a = py::none(), "stride"_a = 1, "padding"_a = 0, "output_padding"_a = 0,
        "groups"_a = 1, "dilation"_a = 1);

  f.def("max_pool2d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, const py::object& dilation, bool ceil_mode, bool return_indices) {
    auto args = max_pool2d_args(kernel_size, stride, padding, dilation, ceil_mode);
    return values_and_indices(max_pool2d_with_indices(x, args), return_indices);
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "ceil_mode"_a = false,
        "return_indices"_a = false);
  f.def("max_pool1d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, const py::object& dilation, bool ceil_mode, bool return_indices) {
    auto args = max_pool1d_args(kernel_size, stride, padding, dilation, ceil_mode);
    return values_and_indices(max_pool1d_with_indices(x, args), return_indices);
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "ceil_mode"_a = false,
        "return_indices"_a = false);
  f.def("avg_pool2d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, bool ceil_mode, bool count_include_pad,
                         std::optional<int64_t> divisor_override) {
    return avg_pool2d(x, avg_pool2d_args(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                                         "avg_pool2d"));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
        "count_include_pad"_a = true, "divisor_override"_a = py::none());
  f.def("avg_pool1d", [](const Tensor& x, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, bool ceil_mode, bool count_include_pad) {
    return avg_pool1d(x, avg_pool1d_args(kernel_size, stride, padding, ceil_mode, count_include_pad, "avg_pool1d"));
  }, "input"_a, "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
        "count_include_pad"_a = true);
  f.def("lp_pool2d", [](const Tensor& x, double norm_type, const py::object& kernel_size, const py::object& stride,
                        bool ceil_mode) {
    return lp_pool2d(x, lp_pool2d_args(norm_type, kernel_size, stride, ceil_mode, "lp_pool2d"));
  }, "input"_a, "norm_type"_a, "kernel_size"_a, "stride"_a = py::none(), "ceil_mode"_a = false);
  f.def("adaptive_avg_pool2d", [](const Tensor& x, const py::object& output_size) {
    return adaptive_avg_pool2d(x, adaptive_size(x, output_size, "adaptive_avg_pool2d"));
  }, "input"_a, "output_size"_a);
  f.def("adaptive_max_pool2d", [](const Tensor& x, const py::object& output_size, bool return_indices) {
    auto size = adaptive_size(x, output_size, "adaptive_max_pool2d");
    return values_and_indices(adaptive_max_pool2d_with_indices(x, size), return_indices);
  }, "input"_a, "output_size"_a, "return_indices"_a = false);
}

void bind_activations(py::module_& f) {
  f.def("relu", [](Tensor& x, bool inplace) { return inplace ? relu_(x) : relu(x); }, "input"_a, "inplace"_a = false);
  f.def("relu_", &ember::relu_, "input"_a);
  f.def("threshold", [](Tensor& x, double threshold, double value, bool inplace) {
    return inplace ? threshold_(x, threshold, value) : ember::threshold(x, threshold, value);
  }, "input"_a, "threshold"_a, "value"_a, "inplace"_a = false);
  f.def("threshold_", &ember::threshold_, "input"_a, "threshold"_a, "value"_a);
  f.def("relu6", [](const Tensor& x, bool inplace) { return relu6(x, inplace); }, "input"_a, "inplace"_a = false);
  f.def("leaky_relu", [](const Tensor& x, double negative_slope, bool inplace) {
    return leaky_relu(x, LeakyReLUFuncOptions().negative_slope(negative_slope).inplace(inplace));
  }, "input"_a, "negative_slope"_a = 0.01, "inplace"_a = false);
  f.def("prelu", &ember::prelu, "input"_a, "weight"_a);
  f.def("elu", [](const Tensor& x, double alpha, bool inplace) {
    return elu(x, ELUFuncOptions().alpha(alpha).inplace(inplace));
  }, "input"_a, "alpha"_a = 1.0, "inplace"_a = false);
  f.def("selu", [](const Tensor& x, bool inplace) { return selu(x, inplace); }, "input"_a, "inplace"_a = false);
  f.def("celu", [](const Tensor& x, double alpha, bool inplace) {
    return celu(x, CELUFuncOptions().alpha(alpha).inplace(inplace));
  }, "input"_a, "alpha"_a = 1.0, "inplace"_a = false);
  f.def("gelu", [](const Tensor& x, const std::string& approximate) {
    return gelu(x, GELUFuncOptions().approximate(approximate));
  }, "input"_a, "approximate"_a = "none");
  f.def("silu", [](const Tensor& x, bool inplace) { return silu(x, inplace); }, "input"_a, "inplace"_a = false);
  f.def("mish", [](const Tensor& x, bool inplace) { return mish(x, inplace); }, "input"_a, "inplace"_a = false);
  f.def("sigmoid", &ember::sigmoid, "input"_a);
  f.def("tanh", &ember::tanh, "input"_a);
  f.def("softplus", [](const Tensor& x, double beta, double threshold) {
    return softplus(x, SoftplusFuncOptions().beta(beta).threshold(threshold));
  }, "input"_a, "beta"_a = 1.0, "threshold"_a = 20.0);
  f.def("softsign", &ember::softsign, "input"_a);
  f.def("logsigmoid", &ember::logsigmoid, "input"_a);
  f.def("tanhshrink", &ember::tanhshrink, "input"_a);
  f.def("hardtanh", [](const Tensor& x, double min_val, double max_val, bool inplace) {
    return hardtanh(x, HardtanhFuncOptions().min_val(min_val).max_val(max_val).inplace(inplace));
  }, "input"_a, "min_val"_a = -1.0, "max_val"_a = 1.0, "inplace"_a = false);
  f.def("hardsigmoid", [](const Tensor& x, bool inplace) { return hardsigmoid(x, inplace); }, "input"_a,
        "inplace"_a = false);
  f.def("hardswish", [](const Tensor& x, bool inplace) { return hardswish(x, inplace); }, "input"_a,
        "inplace"_a = false);
}

void bind_misc(py::module_& f) {
  f.def("softmax", [](const Tensor& x, std::optional<int64_t> dim, int64_t, std::optional<Dtype> dtype) {
    return softmax(x, SoftmaxFuncOptions(dim).dtype(dtype));
  }, "input"_a, "dim"_a = py::none(), "_stacklevel"_a = 3, "dtype"_a = py::none());
  f.def("log_softmax", [](const Tensor& x, std::optional<int64_t> dim, int64_t, std::optional<Dtype> dtype) {
    return log_softmax(x, SoftmaxFuncOptions(dim).dtype(dtype));
  }, "input"_a, "dim"_a = py::none(), "_stacklevel"_a = 3, "dtype"_a = py::none());
  f.def("linear", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b) {
    return linear(x, w, opt(b));
  }, "input"_a, "weight"_a, "bias"_a = py::none());
  f.def("dropout", [](const Tensor& x, double p, bool training, bool inplace) {
    return dropout(x, DropoutFuncOptions().p(p).training(training).inplace(inplace));
  }, "input"_a, "p"_a = 0.5, "training"_a = true, "inplace"_a = false);
  f.def("dropout2d", [](const Tensor& x, double p, bool training, bool inplace) {
    return dropout2d(x, Dropout2dFuncOptions().p(p).training(training).inplace(inplace));
  }, "input"_a, "p"_a = 0.5, "training"_a = true, "inplace"_a = false);
  f.def("pad", [](const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode,
                  std::optional<double> value) {
    PadFuncOptions options = PadFuncOptions(pad).mode(pad_mode(mode));
    if (value) options.value(*value);
    return ember::pad(x, options);
  },
        "input"_a, "pad"_a, "mode"_a = "constant", "value"_a = py::none());
  f.def("one_hot", &ember::one_hot, "tensor"_a, "num_classes"_a = -1);
}

void bind_norm(py::module_& f) {
  f.def("batch_norm", [](const Tensor& x, const std::optional<Tensor>& running_mean,
                         const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias, bool training, double momentum, double eps) {
    return batch_norm(x, opt(running_mean), opt(running_var),
        BatchNormFuncOptions()
            .weight(opt(weight))
            .bias(opt(bias))
            .training(training)
            .momentum(momentum)
            .eps(eps));
  }, "input"_a, "running_mean"_a, "running_var"_a, "weight"_a = py::none(), "bias"_a = py::none(),
        "training"_a = false, "momentum"_a = 0.1, "eps"_a = 1e-5);
  f.def("layer_norm", [](const Tensor& x, const py::object& normalized_shape, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias, double eps) {
    return layer_norm(x, LayerNormFuncOptions(to_dims(normalized_shape)).weight(opt(weight)).bias(opt(bias)).eps(eps));
  }, "input"_a, "normalized_shape"_a, "weight"_a = py::none(), "bias"_a = py::none(), "eps"_a = 1e-5);
  f.def("group_norm", [](const Tensor& x, int64_t num_groups, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias, double eps) {
    return group_norm(x, GroupNormFuncOptions(num_groups).weight(opt(weight)).bias(opt(bias)).eps(eps));
  }, "input"_a, "num_groups"_a, "weight"_a = py::none(), "bias"_a = py::none(), "eps"_a = 1e-5);
  f.def("instance_norm", [](const Tensor& x, const std::optional<Tensor>& running_mean,
                            const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, bool use_input_stats, double momentum, double eps) {
    return instance_norm(x,
        InstanceNormFuncOptions()
            .running_mean(opt(running_mean))
            .running_var(opt(running_var))
            .weight(opt(weight))
            .bias(opt(bias))
            .use_input_stats(use_input_stats)
            .momentum(momentum)
            .eps(eps));
  }, "input"_a, "running_mean"_a = py::none(), "running_var"_a = py::none(), "weight"_a = py::none(),
        "bias"_a = py::none(), "use_input_stats"_a = true, "momentum"_a = 0.1, "eps"_a = 1e-5);
  f.def("local_response_norm", [](const Tensor& x, int64_t size, double alpha, double beta, double k) {
    return local_response_norm(x, LocalResponseNormFuncOptions(size).alpha(alpha).beta(beta).k(k));
  }, "input"_a, "size"_a, "alpha"_a = 1e-4, "beta"_a = 0.75, "k"_a = 1.0);
}

void bind_losses(py::module_& f) {
  using OptTensor = std::optional<Tensor>;
  using OptBool = std::optional<bool>;
  f.def("cross_entropy", [](const Tensor& x, const Tensor& t, const OptTensor& weight, OptBool size_average,
                            int64_t ignore_index, OptBool reduce, const std::string& reduction,
                            double label_smoothing) {
    return cross_entropy(x, t,
        CrossEntropyFuncOptions()
            .weight(opt(weight))
            .ignore_index(ignore_index)
            .reduction(reduction_of(size_average, reduce, reduction, "cross_entropy"))
            .label_smoothing(label_smoothing));
  }, "input"_a, "target"_a, "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100,
        "reduce"_a = py::none(), "reduction"_a = "mean", "label_smoothing"_a = 0.0);
  f.def("nll_loss", [](const Tensor& x, const Tensor& t, const OptTensor& weight, OptBool size_average,
                       int64_t ignore_index, OptBool reduce, const std::string& reduction) {
    return nll_loss(x, t,
        NLLLossFuncOptions()
            .weight(opt(weight))
            .ignore_index(ignore_index)
            .reduction(reduction_of(size_average, reduce, reduction, "nll_loss")));
  }, "input"_a, "target"_a, "weight"_a = py::none(), "size_average"_a = py::none(), "ignore_index"_a = -100,
        "reduce"_a = py::none(), "reduction"_a = "mean");
  f.def("mse_loss", [](const Tensor& x, const Tensor& t, OptBool size_average, OptBool reduce,
                       const std::string& reduction, const OptTensor& weight) {
    check_no_weight(weight, "mse_loss");
    return mse_loss(x, t, MSELossFuncOptions().reduction(reduction_of(size_average, reduce, reduction, "mse_loss")));
  }, "input"_a, "target"_a, "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
        "weight"_a = py::none());
  f.def("l1_loss", [](const Tensor& x, const Tensor& t, OptBool size_average, OptBool reduce,
                      const std::string& reduction, const OptTensor& weight) {
    check_no_weight(weight, "l1_loss");
    return l1_loss(x, t, L1LossFuncOptions().reduction(reduction_of(size_average, reduce, reduction, "l1_loss")));
  }, "input"_a, "target"_a, "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
        "weight"_a = py::none());
  f.def("smooth_l1_loss", [](const Tensor& x, const Tensor& t, OptBool size_average, OptBool reduce,
                             const std::string& reduction, double beta) {
    return smooth_l1_loss(x, t,
        SmoothL1LossFuncOptions()
            .reduction(reduction_of(size_average, reduce, reduction, "smooth_l1_loss"))
            .beta(beta));
  }, "input"_a, "target"_a, "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
        "beta"_a = 1.0);
  f.def("huber_loss", [](const Tensor& x, const Tensor& t, const std::string& reduction, double delta,
                         const OptTensor& weight) {
    check_no_weight(weight, "huber_loss");
    return huber_loss(x, t, HuberLossFuncOptions().reduction(loss_reduction(reduction, "huber_loss")).delta(delta));
  }, "input"_a, "target"_a, "reduction"_a = "mean", "delta"_a = 1.0, "weight"_a = py::none());
  f.def("binary_cross_entropy", [](const Tensor& x, const Tensor& t, const OptTensor& weight, OptBool size_average,
                                   OptBool reduce, const std::string& reduction) {
    return binary_cross_entropy(x, t,
        BinaryCrossEntropyFuncOptions()
            .weight(opt(weight))
            .reduction(reduction_of(size_average, reduce, reduction,
                                                                "binary_cross_entropy")));
  }, "input"_a, "target"_a, "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(),
        "reduction"_a = "mean");
  f.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& t, const OptTensor& weight,
                                               OptBool size_average, OptBool reduce, const std::string& reduction,
                                               const OptTensor& pos_weight) {
    auto r = reduction_of(size_average, reduce, reduction, "binary_cross_entropy_with_logits");
    return binary_cross_entropy_with_logits(x, t,
        BinaryCrossEntropyWithLogitsFuncOptions()
            .weight(opt(weight))
            .reduction(r)
            .pos_weight(opt(pos_weight)));
  }, "input"_a, "target"_a, "weight"_a = py::none(), "size_average"_a = py::none(), "reduce"_a = py::none(),
        "reduction"_a = "mean", "pos_weight"_a = py::none());
  f.def("kl_div", [](const Tensor& x, const Tensor& t, OptBool size_average, OptBool reduce,
                     const std::string& reduction, bool log_target) {
    return kl_div(x, t,
        KLDivFuncOptions()
            .reduction(reduction_of(size_average, reduce, reduction, "kl_div"))
            .log_target(log_target));
  }, "input"_a, "target"_a, "size_average"_a = py::none(), "reduce"_a = py::none(), "reduction"_a = "mean",
        "log_target"_a = false);
  f.def("multi_margin_loss", [](const Tensor& x, const Tensor& t, int64_t p, double margin, const OptTensor& weight,
                                OptBool size_average, OptBool reduce, const std::string& reduction) {
    return multi_margin_loss(x, t,
        MultiMarginLossFuncOptions()
            .p(p)
            .margin(margin)
            .weight(opt(weight))
            .reduction(reduction_of(size_average, reduce, reduction, "multi_margin_loss")));
  }, "input"_a, "target"_a, "p"_a = 1, "margin"_a = 1.0, "weight"_a = py::none(), "size_average"_a = py::none(),
        "reduce"_a = py::none(), "reduction"_a = "mean");
}

void bind_resampling(py::module_& f) {
  f.def("interpolate", [](const Tensor& x, const py::object& size, const py::object& scale_factor,
                          const std::string& mode, std::optional<bool> align_corners,
                          std::optional<bool> recompute_scale_factor, bool antialias) {
    EMBER_CHECK(!antialias, "interpolate: antialias=True is not supported");
    return interpolate(x, interpolate_args(size, scale_factor, mode, align_corners, recompute_scale_factor,
                                           "interpolate"));
  }, "input"_a, "size"_a = py::none(), "scale_factor"_a = py::none(), "mode"_a = "nearest",
        "align_corners"_a = py::none(), "recompute_scale_factor"_a = py::none(), "antialias"_a = false);
  f.def("normalize", [](const Tensor& x, double p, int64_t dim, double eps, const py::object& out) {
    EMBER_CHECK(out.is_none(), "normalize: the out argument is not supported; expected out=None");
    return normalize(x, NormalizeFuncOptions().p(p).dim(dim).eps(eps));
  }, "input"_a, "p"_a = 2.0, "dim"_a = 1, "eps"_a = 1e-12, "out"_a = py::none());
  f.def("embedding", [](const Tensor& x, const Tensor& w, std::optional<int64_t> padding_idx,
                        std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool sparse) {
    return embedding(x, w, EmbeddingFuncOptions().padding_idx(padding_idx).max_norm(max_norm).norm_type(norm_type)
                               .scale_grad_by_freq(scale_grad_by_freq).sparse(sparse));
  }, "input"_a, "weight"_a, "padding_idx"_a = py::none(), "max_norm"_a = py::none(), "norm_type"_a = 2.0,
        "scale_grad_by_freq"_a = false, "sparse"_a = false);
  f.def("pixel_shuffle", &pixel_shuffle, "input"_a, "upscale_factor"_a);
  f.def("pixel_unshuffle", &pixel_unshuffle, "input"_a, "downscale_factor"_a);
  f.def("channel_shuffle", &channel_shuffle, "input"_a, "groups"_a);
  f.def("unfold", [](const Tensor& x, const py::object& kernel_size, const py::object& dilation,
                     const py::object& padding, const py::object& stride) {
    const char* op = "unfold";
    return unfold(x, UnfoldFuncOptions(to_pair(kernel_size, op, "kernel_size")).dilation(to_pair(dilation, op,
        "dilation")).padding(to_pair(padding, op, "padding")).stride(to_pair(stride, op, "stride")));
  }, "input"_a, "kernel_size"_a, "dilation"_a = 1, "padding"_a = 0, "stride"_a = 1);
  f.def("fold", [](const Tensor& x, const py::object& output_size, const py::object& kernel_size,
                   const py::object& dilation, const py::object& padding, const py::object& stride) {
    const char* op = "fold";
    return fold(x, FoldFuncOptions(to_pair(output_size, op, "output_size"), to_pair(kernel_size, op, "kernel_size"))
        .dilation(to_pair(dilation, op, "dilation")).padding(to_pair(padding, op, "padding"))
        .stride(to_pair(stride, op, "stride")));
  }, "input"_a, "output_size"_a, "kernel_size"_a, "dilation"_a = 1, "padding"_a = 0, "stride"_a = 1);
}

}  // namespace

void bind_functional(py::module_& m) {
  py::module_ f = m.def_submodule("_functional", "torch.nn.functional's ops, exported as ember.nn.functional");
  bind_conv_pool(f);
  bind_activations(f);
  bind_misc(f);
  bind_norm(f);
  bind_losses(f);
  bind_resampling(f);
}

}  // namespace ember::python
