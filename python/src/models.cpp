// ember._C._models, re-exported as ember.nn.models, ember.nn.summary and
// ember.nn.utils.fuse_conv_bn_eval / fold_conv_bn: the C++ ready-made blocks
// and models (nn/models), nn::summary and conv-BN folding (nn/fold.h). The
// classes derive from the bound Module, so they behave as any bound layer.
#include <cctype>

#include "autograd/error.h"
#include "bindings.h"
#include "nn/fold.h"
#include "nn/models/alexnet.h"
#include "nn/models/blocks.h"
#include "nn/models/resnet.h"
#include "nn/models/vgg.h"
#include "nn/summary.h"

namespace ember::python {
namespace {

using nn::Module;
using namespace nn::models;

template <class Impl, class Base = Module>
using Class = py::class_<Impl, Base, std::shared_ptr<Impl>>;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A VGG configuration: torchvision's name ('A', 'B', 'D', 'E', 'vgg11', 'vgg13',
/// 'vgg16', 'vgg19') or a list of channel counts and 'M' for a 2x2 max pool.
std::vector<int> vgg_config(const py::handle& cfg) {
  if (py::isinstance<py::str>(cfg)) {
    std::string name = py::str(cfg);
    std::string key = lower(name);
    if (key.size() == 1) return vgg_cfg(static_cast<char>(std::toupper(static_cast<unsigned char>(key[0]))));
    if (key == "vgg11") return vgg_cfg('A');
    if (key == "vgg13") return vgg_cfg('B');
    if (key == "vgg16") return vgg_cfg('D');
    if (key == "vgg19") return vgg_cfg('E');
    throw ValueError(fmt::format("vgg: expected cfg 'A', 'B', 'D', 'E', 'vgg11', 'vgg13', 'vgg16', 'vgg19' or a "
                                 "list, got '{}'", name));
  }
  EMBER_CHECK_TYPE(py::isinstance<py::sequence>(cfg), "vgg: expected cfg to be a name or a list, got {}",
                   std::string(py::str(py::type::handle_of(cfg).attr("__name__"))));
  std::vector<int> out;
  for (const py::handle& entry : cfg) {
    if (py::isinstance<py::str>(entry)) {
      std::string s = py::str(entry);
      EMBER_CHECK(s == "M", "vgg: expected cfg entries to be channel counts or 'M', got '{}'", s);
      out.push_back(kMaxPool);
    } else {
      EMBER_CHECK_TYPE(py::isinstance<py::int_>(entry) && !py::isinstance<py::bool_>(entry),
                       "vgg: expected cfg entries to be channel counts or 'M', got {}", std::string(py::repr(entry)));
      out.push_back(entry.cast<int>());
    }
  }
  return out;
}

ResidualBlock block_of(const std::string& block) {
  std::string key = lower(block);
  if (key == "basic" || key == "basicblock") return ResidualBlock::Basic;
  if (key == "bottleneck") return ResidualBlock::Bottleneck;
  throw ValueError(fmt::format("ResNet: expected block 'basic' or 'bottleneck', got '{}'", block));
}

ResNetStem stem_of(const std::string& stem) {
  std::string key = lower(stem);
  if (key == "imagenet") return ResNetStem::ImageNet;
  if (key == "cifar") return ResNetStem::Cifar;
  throw ValueError(fmt::format("ResNet: expected stem 'imagenet' or 'cifar', got '{}'", stem));
}

/// The projection shortcut, or None for the identity (torchvision's `downsample = None`).
template <class Block>
py::object downsample_of(Block& b) {
  auto children = b.named_children();
  const std::shared_ptr<Module>* d = children.find("downsample");
  return d ? py::cast(*d) : py::none();
}

void bind_blocks(py::module_& m) {
  Class<BasicBlockImpl>(m, "BasicBlock",
                        "Two 3x3 conv-BN stages plus the shortcut (identity, or a 1x1 conv-BN projection when\n"
                        "stride != 1 or inplanes != planes), as torchvision's BasicBlock.")
      .def(py::init<int64_t, int64_t, int64_t>(), "inplanes"_a, "planes"_a, "stride"_a = 1)
      .def_property_readonly("downsample", &downsample_of<BasicBlockImpl>)
      .def_property_readonly_static("expansion", [](const py::object&) { return BasicBlockImpl::expansion; });
  Class<BottleneckImpl>(m, "Bottleneck",
                        "1x1 -> 3x3 (stride) -> 1x1 to 4 * planes, each with BN, plus the shortcut; torchvision's\n"
                        "Bottleneck (ResNet v1.5).")
      .def(py::init<int64_t, int64_t, int64_t>(), "inplanes"_a, "planes"_a, "stride"_a = 1)
      .def_property_readonly("downsample", &downsample_of<BottleneckImpl>)
      .def_property_readonly_static("expansion", [](const py::object&) { return BottleneckImpl::expansion; });

  Class<InceptionImpl>(m, "InceptionBlock",
                       "GoogLeNet's Inception block: 1x1, 1x1 -> 3x3, 1x1 -> 5x5 and maxpool -> 1x1 branches\n"
                       "(each convolution conv-BN-ReLU), concatenated on channels.")
      .def(py::init([](int64_t in_channels, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red,
                       int64_t ch5x5, int64_t pool_proj) {
        return std::make_shared<InceptionImpl>(
            InceptionOptions(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj));
      }), "in_channels"_a, "ch1x1"_a, "ch3x3red"_a, "ch3x3"_a, "ch5x5red"_a, "ch5x5"_a, "pool_proj"_a)
      .def_property_readonly("out_channels", [](InceptionImpl& b) { return b.options.out_channels(); });

  Class<DenseLayerImpl>(m, "DenseLayer", "One DenseNet-BC layer (BN-ReLU-1x1 conv, BN-ReLU-3x3 conv to growth_rate).")
      .def(py::init<int64_t, int64_t, int64_t>(), "num_input_features"_a, "growth_rate"_a, "bn_size"_a = 4);
  Class<DenseBlockImpl>(m, "DenseBlock",
                        "num_layers DenseLayers, each seeing the concatenation of the input and every earlier\n"
                        "layer's output; returns that concatenation (C + num_layers * growth_rate channels).")
      .def(py::init<int64_t, int64_t, int64_t, int64_t>(), "num_layers"_a, "num_input_features"_a, "growth_rate"_a,
           "bn_size"_a = 4)
      .def_property_readonly("out_channels", &DenseBlockImpl::out_channels);

  // Sequentials in C++, so indexing, len and iteration work as on nn.Sequential.
  Class<TransitionImpl, nn::SequentialImpl>(m, "Transition", "DenseNet's transition: BN - ReLU - 1x1 conv - AvgPool2d(2).")
      .def(py::init<int64_t, int64_t>(), "num_input_features"_a, "num_output_features"_a);
  Class<DepthwiseSeparableConvImpl, nn::SequentialImpl>(
      m, "DepthwiseSeparableConv",
      "Depthwise 3x3 (stride) - BN - ReLU - pointwise 1x1 - BN - ReLU, as MobileNet v1's block.")
      .def(py::init<int64_t, int64_t, int64_t>(), "in_channels"_a, "out_channels"_a, "stride"_a = 1);
}

void bind_networks(py::module_& m) {
  Class<ResNetImpl>(m, "ResNet",
                    "stem -> layer1..layerK -> AdaptiveAvgPool2d(1) -> fc, torchvision's ResNet. block 'basic' or\n"
                    "'bottleneck'; stem 'imagenet' (7x7 conv, max pool) or 'cifar' (3x3 conv); widths default to\n"
                    "the stem's (64/128/256/512 or 16/32/64).")
      .def(py::init([](const std::string& block, const std::vector<int64_t>& layers, int64_t num_classes,
                       int64_t in_channels, const std::string& stem, const std::vector<int64_t>& widths) {
        return std::make_shared<ResNetImpl>(ResNetOptions(block_of(block), layers)
                                                .num_classes(num_classes)
                                                .in_channels(in_channels)
                                                .stem(stem_of(stem))
                                                .widths(widths));
      }), "block"_a, "layers"_a, "num_classes"_a = 1000, "in_channels"_a = 3, "stem"_a = "imagenet",
          "widths"_a = std::vector<int64_t>{})
      .def_property_readonly("num_classes", [](ResNetImpl& r) { return r.options.num_classes(); });

  Class<VGGImpl>(m, "VGG",
                 "torchvision's VGG: features (conv3x3 [+ BN] + ReLU per cfg entry, MaxPool2d(2) per 'M'),\n"
                 "AdaptiveAvgPool2d(pool_size), classifier Linear-ReLU-Dropout x2 - Linear.")
      .def(py::init([](const py::object& cfg, bool batch_norm, int64_t num_classes, int64_t in_channels,
                       int64_t pool_size, int64_t hidden, double dropout) {
        return std::make_shared<VGGImpl>(VGGOptions(vgg_config(cfg))
                                             .batch_norm(batch_norm)
                                             .num_classes(num_classes)
                                             .in_channels(in_channels)
                                             .pool_size(pool_size)
                                             .hidden(hidden)
                                             .dropout(dropout));
      }), "cfg"_a, "batch_norm"_a = false, "num_classes"_a = 1000, "in_channels"_a = 3, py::kw_only(),
          "pool_size"_a = 7, "hidden"_a = 4096, "dropout"_a = 0.5);

  Class<AlexNetImpl>(m, "AlexNet", "torchvision's AlexNet: 61,100,840 parameters for 1000 classes.")
      .def(py::init<int64_t, double>(), "num_classes"_a = 1000, "dropout"_a = 0.5);
  m.def("alexnet", [](int64_t num_classes, double dropout) { return alexnet(num_classes, dropout).ptr(); },
        "num_classes"_a = 1000, "dropout"_a = 0.5, "torchvision's alexnet (61,100,840 parameters), untrained.");

  Class<LeNet5Impl>(m, "LeNet5", "LeNet-5 for 28x28 inputs, with ReLU and max pooling.")
      .def(py::init<int64_t, int64_t>(), "num_classes"_a = 10, "in_channels"_a = 1);

  m.def("lenet5", [](int64_t num_classes, int64_t in_channels) { return lenet5(num_classes, in_channels).ptr(); },
        "num_classes"_a = 10, "in_channels"_a = 1, "LeNet-5 for (N, in_channels, 28, 28) inputs; 61,706 parameters.");
  m.def("vgg", [](const py::object& cfg, bool batch_norm, int64_t num_classes, int64_t in_channels) {
    return vgg(vgg_config(cfg), batch_norm, num_classes, in_channels).ptr();
  }, "cfg"_a, "batch_norm"_a = false, "num_classes"_a = 1000, "in_channels"_a = 3,
        "VGG from a configuration: 'A'/'vgg11', 'B'/'vgg13', 'D'/'vgg16', 'E'/'vgg19' or a list such as\n"
        "[64, 'M', 128, 'M'] ('M' is a 2x2 max pool); torchvision's ImageNet classifier.");
  m.def("cifar_resnet", [](int64_t depth, int64_t num_classes, int64_t in_channels) {
    return cifar_resnet(depth, num_classes, in_channels).ptr();
  }, "depth"_a, "num_classes"_a = 10, "in_channels"_a = 3, "He et al.'s CIFAR ResNet of depth 6n + 2.");

  using Factory = ResNet (*)(int64_t, int64_t);
  struct Entry {
    const char* name;
    Factory make;
    int64_t classes;
    const char* doc;
  };
  for (const Entry& e : {Entry{"resnet18", resnet18, 1000, "torchvision's resnet18 (11,689,512 parameters)."},
                         Entry{"resnet34", resnet34, 1000, "torchvision's resnet34 (21,797,672 parameters)."},
                         Entry{"resnet50", resnet50, 1000, "torchvision's resnet50 (25,557,032 parameters)."},
                         Entry{"resnet20", resnet20, 10, "CIFAR ResNet-20 with 1x1 projection shortcuts."},
                         Entry{"resnet32", resnet32, 10, "CIFAR ResNet-32 with 1x1 projection shortcuts."},
                         Entry{"resnet56", resnet56, 10, "CIFAR ResNet-56 with 1x1 projection shortcuts."}}) {
    Factory make = e.make;
    m.def(e.name, [make](int64_t num_classes, int64_t in_channels) { return make(num_classes, in_channels).ptr(); },
          "num_classes"_a = e.classes, "in_channels"_a = 3, e.doc);
  }
}

}  // namespace

void bind_models(py::module_& root) {
  py::module_ m = root.def_submodule("_models", "ember.nn.models, summary and conv-BN folding, bound from nn/");
  bind_blocks(m);
  bind_networks(m);
  m.def("summary", [](Module& model, const Shape& input_shape) { return nn::summary(model, input_shape); },
        "model"_a, "input_size"_a);
  m.def("fuse_conv_bn_eval",
        [](const nn::Conv2dImpl& conv, const nn::BatchNorm2dImpl& bn) { return nn::fuse_conv_bn_eval(conv, bn).ptr(); },
        "conv"_a, "bn"_a);
  m.def("fold_conv_bn", &nn::fold_conv_bn, "model"_a);
}

}  // namespace ember::python
