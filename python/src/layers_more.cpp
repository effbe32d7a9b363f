// ember._C._nn's layers beyond layers.cpp: the transposed convolutions,
// upsampling, embeddings, pixel and channel shuffles, fold/unfold and the 3-d
// layers, with PyTorch's constructor signatures. Arguments are converted here
// and checked by the C++ constructors.
#include "bindings.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/embedding.h"
#include "nn/modules/local.h"
#include "nn/modules/pool3d.h"
#include "nn/modules/unfold.h"
#include "nn/modules/upsample.h"

namespace ember::python {
namespace {

/// ConvTranspose1d or ConvTranspose2d; `to_size` converts each size argument.
template <class Impl, class Size>
void bind_conv_transpose(py::module_& nn, const char* name, const char* doc,
                         Size (*to_size)(const py::handle&, const char*, const char*)) {
  using Options = decltype(Impl::options);
  std::string layer = name;
  LayerClass<Impl> cls(nn, name, doc);
  cls.def(py::init([layer, to_size](int64_t in, int64_t out, const py::object& kernel_size, const py::object& stride,
                                    const py::object& padding, const py::object& output_padding, int64_t groups,
                                    bool bias, const py::object& dilation, const std::string& padding_mode,
                                    const py::object& device, std::optional<Dtype> dtype) {
        const char* l = layer.c_str();
        check_cpu(device, l);
        EMBER_CHECK(padding_mode == "zeros", "{}: only padding_mode='zeros' is supported, got '{}'", layer,
                    padding_mode);
        Options options(in, out, to_size(kernel_size, l, "kernel_size"));
        options.stride(to_size(stride, l, "stride"))
            .padding(to_size(padding, l, "padding"))
            .output_padding(to_size(output_padding, l, "output_padding"))
            .groups(groups)
            .bias(bias)
            .dilation(to_size(dilation, l, "dilation"));
        return with_dtype(std::make_shared<Impl>(options), dtype);
      }), "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0,
      "output_padding"_a = 0, "groups"_a = 1, "bias"_a = true, "dilation"_a = 1, "padding_mode"_a = "zeros",
      "device"_a = py::none(), "dtype"_a = py::none())
      .def("forward", [](Impl& m, const Tensor& input, std::optional<std::vector<int64_t>> output_size) {
        return m.forward(input, output_size);
      }, "input"_a, "output_size"_a = py::none())
      .def_property_readonly("in_channels", [](Impl& m) { return m.options.in_channels(); })
      .def_property_readonly("out_channels", [](Impl& m) { return m.options.out_channels(); })
      .def_property_readonly("kernel_size", [](Impl& m) { return as_tuple(m.options.kernel_size()); })
      .def_property_readonly("stride", [](Impl& m) { return as_tuple(m.options.stride()); })
      .def_property_readonly("padding", [](Impl& m) { return as_tuple(m.options.padding()); })
      .def_property_readonly("output_padding", [](Impl& m) { return as_tuple(m.options.output_padding()); })
      .def_property_readonly("dilation", [](Impl& m) { return as_tuple(m.options.dilation()); })
      .def_property_readonly("groups", [](Impl& m) { return m.options.groups(); })
      .def_property_readonly("transposed", [](Impl&) { return true; })
      .def("reset_parameters", &Impl::reset_parameters);
  def_parameter(cls, "weight", &Impl::weight);
  def_parameter(cls, "bias", &Impl::bias);
}

void bind_conv3d(py::module_& nn) {
  LayerClass<nn::Conv3dImpl> cls(nn, "Conv3d", "3-d convolution over (N, C, D, H, W), initialised as PyTorch's.");
  cls.def(py::init([](int64_t in, int64_t out, const py::object& kernel_size, const py::object& stride,
                      const py::object& padding, const py::object& dilation, int64_t groups, bool bias,
                      const std::string& padding_mode, const py::object& device, std::optional<Dtype> dtype) {
        const char* l = "Conv3d";
        check_cpu(device, l);
        EMBER_CHECK(padding_mode == "zeros", "Conv3d: only padding_mode='zeros' is supported, got '{}'", padding_mode);
        return with_dtype(std::make_shared<nn::Conv3dImpl>(
            nn::Conv3dOptions(in, out, to_triple(kernel_size, l, "kernel_size")).stride(to_triple(stride, l, "stride"))
                .padding(to_triple(padding, l, "padding")).dilation(to_triple(dilation, l, "dilation"))
                .groups(groups).bias(bias)), dtype);
      }), "in_channels"_a, "out_channels"_a, "kernel_size"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
      "groups"_a = 1, "bias"_a = true, "padding_mode"_a = "zeros", "device"_a = py::none(), "dtype"_a = py::none())
      .def_property_readonly("in_channels", [](nn::Conv3dImpl& m) { return m.options.in_channels(); })
      .def_property_readonly("out_channels", [](nn::Conv3dImpl& m) { return m.options.out_channels(); })
      .def_property_readonly("groups", [](nn::Conv3dImpl& m) { return m.options.groups(); })
      .def("reset_parameters", &nn::Conv3dImpl::reset_parameters);
  def_parameter(cls, "weight", &nn::Conv3dImpl::weight);
  def_parameter(cls, "bias", &nn::Conv3dImpl::bias);
}

void bind_pool3d(py::module_& nn) {
  LayerClass<nn::MaxPool3dImpl>(nn, "MaxPool3d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       const py::object& dilation, bool return_indices, bool ceil_mode) {
        return std::make_shared<nn::MaxPool3dImpl>(
            max_pool3d_args(kernel_size, stride, padding, dilation, ceil_mode, return_indices, "MaxPool3d"));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "dilation"_a = 1, "return_indices"_a = false,
      "ceil_mode"_a = false);
  LayerClass<nn::AvgPool3dImpl>(nn, "AvgPool3d")
      .def(py::init([](const py::object& kernel_size, const py::object& stride, const py::object& padding,
                       bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
        return std::make_shared<nn::AvgPool3dImpl>(
            avg_pool3d_args(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "AvgPool3d"));
      }), "kernel_size"_a, "stride"_a = py::none(), "padding"_a = 0, "ceil_mode"_a = false,
      "count_include_pad"_a = true, "divisor_override"_a = py::none());
  LayerClass<nn::AdaptiveAvgPool3dImpl>(nn, "AdaptiveAvgPool3d")
      .def(py::init([](const py::object& output_size) {
        return std::make_shared<nn::AdaptiveAvgPool3dImpl>(to_triple(output_size, "AdaptiveAvgPool3d", "output_size"));
      }), "output_size"_a);
}

void bind_resampling(py::module_& nn) {
  LayerClass<nn::UpsampleImpl>(nn, "Upsample", "interpolate as a layer.")
      .def(py::init([](const py::object& size, const py::object& scale_factor, const std::string& mode,
                       std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
        return std::make_shared<nn::UpsampleImpl>(
            interpolate_args(size, scale_factor, mode, align_corners, recompute_scale_factor, "Upsample"));
      }), "size"_a = py::none(), "scale_factor"_a = py::none(), "mode"_a = "nearest", "align_corners"_a = py::none(),
      "recompute_scale_factor"_a = py::none())
      .def_property_readonly("size", [](nn::UpsampleImpl& m) -> py::object {
        const auto& z = m.options.size();
        if (!z) return py::none();
        return z->size() == 1 ? py::object(py::int_((*z)[0])) : py::object(py::tuple(py::cast(*z)));
      })
      .def_property_readonly("scale_factor", [](nn::UpsampleImpl& m) -> py::object {
        const auto& f = m.options.scale_factor();
        if (!f) return py::none();
        return f->size() == 1 ? py::object(py::float_((*f)[0])) : py::object(py::tuple(py::cast(*f)));
      })
      .def_property_readonly("mode", [](nn::UpsampleImpl& m) { return interpolate_mode_name(m.options.mode()); })
      .def_property_readonly("align_corners", [](nn::UpsampleImpl& m) { return m.options.align_corners(); });
  LayerClass<nn::PixelShuffleImpl>(nn, "PixelShuffle")
      .def(py::init([](int64_t r) { return std::make_shared<nn::PixelShuffleImpl>(r); }), "upscale_factor"_a)
      .def_property_readonly("upscale_factor", [](nn::PixelShuffleImpl& m) { return m.options.upscale_factor(); });
  LayerClass<nn::PixelUnshuffleImpl>(nn, "PixelUnshuffle")
      .def(py::init([](int64_t r) { return std::make_shared<nn::PixelUnshuffleImpl>(r); }), "downscale_factor"_a)
      .def_property_readonly("downscale_factor",
                             [](nn::PixelUnshuffleImpl& m) { return m.options.downscale_factor(); });
  LayerClass<nn::ChannelShuffleImpl>(nn, "ChannelShuffle")
      .def(py::init([](int64_t groups) { return std::make_shared<nn::ChannelShuffleImpl>(groups); }), "groups"_a)
      .def_property_readonly("groups", [](nn::ChannelShuffleImpl& m) { return m.options.groups(); });
  LayerClass<nn::ThresholdImpl>(nn, "Threshold")
      .def(py::init([](double threshold, double value, bool inplace) {
        return std::make_shared<nn::ThresholdImpl>(nn::ThresholdOptions(threshold, value).inplace(inplace));
      }), "threshold"_a, "value"_a, "inplace"_a = false)
      .def_property_readonly("threshold", [](nn::ThresholdImpl& m) { return m.options.threshold(); })
      .def_property_readonly("value", [](nn::ThresholdImpl& m) { return m.options.value(); })
      .def_property_readonly("inplace", [](nn::ThresholdImpl& m) { return m.options.inplace(); });
  LayerClass<nn::UnfoldImpl>(nn, "Unfold")
      .def(py::init([](const py::object& kernel_size, const py::object& dilation, const py::object& padding,
                       const py::object& stride) {
        const char* l = "Unfold";
        return std::make_shared<nn::UnfoldImpl>(nn::UnfoldOptions(to_pair(kernel_size, l, "kernel_size"))
            .dilation(to_pair(dilation, l, "dilation")).padding(to_pair(padding, l, "padding"))
            .stride(to_pair(stride, l, "stride")));
      }), "kernel_size"_a, "dilation"_a = 1, "padding"_a = 0, "stride"_a = 1);
  LayerClass<nn::FoldImpl>(nn, "Fold")
      .def(py::init([](const py::object& output_size, const py::object& kernel_size, const py::object& dilation,
                       const py::object& padding, const py::object& stride) {
        const char* l = "Fold";
        return std::make_shared<nn::FoldImpl>(nn::FoldOptions(to_pair(output_size, l, "output_size"),
                                                              to_pair(kernel_size, l, "kernel_size"))
            .dilation(to_pair(dilation, l, "dilation")).padding(to_pair(padding, l, "padding"))
            .stride(to_pair(stride, l, "stride")));
      }), "output_size"_a, "kernel_size"_a, "dilation"_a = 1, "padding"_a = 0, "stride"_a = 1);
}

nn::EmbeddingOptions embedding_options(int64_t num, int64_t dim, std::optional<int64_t> padding_idx,
                                       std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq,
                                       bool sparse) {
  return nn::EmbeddingOptions(num, dim).padding_idx(padding_idx).max_norm(max_norm).norm_type(norm_type)
      .scale_grad_by_freq(scale_grad_by_freq).sparse(sparse);
}

void bind_embedding(py::module_& nn) {
  LayerClass<nn::EmbeddingImpl> cls(nn, "Embedding", "A lookup table of embedding_dim vectors, as PyTorch's.");
  cls.def(py::init([](int64_t num, int64_t dim, std::optional<int64_t> padding_idx, std::optional<double> max_norm,
                      double norm_type, bool scale_grad_by_freq, bool sparse, std::optional<Tensor> weight,
                      bool freeze, const py::object& device, std::optional<Dtype> dtype) {
        check_cpu(device, "Embedding");
        auto options = embedding_options(num, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse);
        if (weight) options.weight(*weight);
        auto m = std::make_shared<nn::EmbeddingImpl>(options);
        m->weight.requires_grad_(!freeze);
        return with_dtype(m, dtype);
      }), "num_embeddings"_a, "embedding_dim"_a, "padding_idx"_a = py::none(), "max_norm"_a = py::none(),
      "norm_type"_a = 2.0, "scale_grad_by_freq"_a = false, "sparse"_a = false, "_weight"_a = py::none(),
      "_freeze"_a = false, "device"_a = py::none(), "dtype"_a = py::none())
      .def_static("from_pretrained", [](const Tensor& embeddings, bool freeze, std::optional<int64_t> padding_idx,
                                        std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq,
                                        bool sparse) {
        return nn::Embedding::from_pretrained(embeddings, nn::EmbeddingFromPretrainedOptions().freeze(freeze)
            .padding_idx(padding_idx).max_norm(max_norm).norm_type(norm_type)
            .scale_grad_by_freq(scale_grad_by_freq).sparse(sparse)).ptr();
      }, "embeddings"_a, "freeze"_a = true, "padding_idx"_a = py::none(), "max_norm"_a = py::none(),
      "norm_type"_a = 2.0, "scale_grad_by_freq"_a = false, "sparse"_a = false)
      .def_property_readonly("num_embeddings", [](nn::EmbeddingImpl& m) { return m.options.num_embeddings(); })
      .def_property_readonly("embedding_dim", [](nn::EmbeddingImpl& m) { return m.options.embedding_dim(); })
      .def_property_readonly("padding_idx", [](nn::EmbeddingImpl& m) { return m.options.padding_idx(); })
      .def_property_readonly("max_norm", [](nn::EmbeddingImpl& m) { return m.options.max_norm(); })
      .def_property_readonly("norm_type", [](nn::EmbeddingImpl& m) { return m.options.norm_type(); })
      .def_property_readonly("scale_grad_by_freq", [](nn::EmbeddingImpl& m) { return m.options.scale_grad_by_freq(); })
      .def_property_readonly("sparse", [](nn::EmbeddingImpl& m) { return m.options.sparse(); })
      .def("reset_parameters", &nn::EmbeddingImpl::reset_parameters);
  def_parameter(cls, "weight", &nn::EmbeddingImpl::weight);
}

// ember's own layers (nn/modules/local.h); ember.nn documents them, PyTorch has no twin.
void bind_local(py::module_& nn) {
  LayerClass<nn::LocallyConnected2dImpl> lc(nn, "LocallyConnected2d",
      "Keras's LocallyConnected2D: a 'valid' convolution with unshared weights per output position.\n"
      "weight (oH*oW, out_channels, in_channels*kH*kW), bias (out_channels, oH, oW).");
  lc.def(py::init([](int64_t in, int64_t out, const py::object& input_size, const py::object& kernel_size,
                     const py::object& stride, bool bias) {
        const char* l = "LocallyConnected2d";
        return std::make_shared<nn::LocallyConnected2dImpl>(
            nn::LocallyConnected2dOptions(in, out, to_pair(input_size, l, "input_size"),
                                          to_pair(kernel_size, l, "kernel_size"))
                .stride(to_pair(stride, l, "stride")).bias(bias));
      }), "in_channels"_a, "out_channels"_a, "input_size"_a, "kernel_size"_a, "stride"_a = 1, "bias"_a = true)
      .def("reset_parameters", &nn::LocallyConnected2dImpl::reset_parameters);
  def_parameter(lc, "weight", &nn::LocallyConnected2dImpl::weight);
  def_parameter(lc, "bias", &nn::LocallyConnected2dImpl::bias);
  LayerClass<nn::MaxoutImpl>(nn, "Maxout", "max over `pieces` separately parameterised linear maps (Goodfellow et al.).")
      .def(py::init([](int64_t in, int64_t out, int64_t pieces, bool bias) {
        return std::make_shared<nn::MaxoutImpl>(nn::MaxoutOptions(in, out, pieces).bias(bias));
      }), "in_features"_a, "out_features"_a, "pieces"_a, "bias"_a = true);
  LayerClass<nn::LocalContrastNormImpl>(nn, "LocalContrastNorm",
      "Subtractive then divisive normalization over a Gaussian spatial x channel window (Jarrett et al. 2009).")
      .def(py::init([](int64_t kernel_size, double sigma, double eps) {
        return std::make_shared<nn::LocalContrastNormImpl>(nn::LocalContrastNormOptions(kernel_size).sigma(sigma).eps(eps));
      }), "kernel_size"_a = 9, "sigma"_a = 2.0, "eps"_a = 1e-4);
}

}  // namespace

void bind_layers_more(py::module_& nn) {
  bind_conv_transpose<nn::ConvTranspose2dImpl, Pair>(
      nn, "ConvTranspose2d", "2-d transposed convolution over (N, C, H, W), initialised as PyTorch's.", &to_pair);
  bind_conv_transpose<nn::ConvTranspose1dImpl, int64_t>(
      nn, "ConvTranspose1d", "1-d transposed convolution over (N, C, L), initialised as PyTorch's.", &to_single);
  bind_conv3d(nn);
  bind_pool3d(nn);
  bind_resampling(nn);
  bind_embedding(nn);
  bind_local(nn);
}

}  // namespace ember::python
