// ember._C._nn's layers beyond layers.cpp: the transposed convolutions,
// upsampling, embeddings, pixel and channel shuffles, fold/unfold and the 3-d
// layers, with PyTorch's constructor signatures. Arguments are converted here
// and checked by the C++ constructors.
#include "bindings.h"
#include "nn/modules/conv.h"

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

}  // namespace

void bind_layers_more(py::module_& nn) {
  bind_conv_transpose<nn::ConvTranspose2dImpl, Pair>(
      nn, "ConvTranspose2d", "2-d transposed convolution over (N, C, H, W), initialised as PyTorch's.", &to_pair);
  bind_conv_transpose<nn::ConvTranspose1dImpl, int64_t>(
      nn, "ConvTranspose1d", "1-d transposed convolution over (N, C, L), initialised as PyTorch's.", &to_single);
}

}  // namespace ember::python
