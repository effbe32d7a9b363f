// The 3-d pooling layers' reprs, as PyTorch prints them (a size whose three
// entries agree prints as one int, as it was most likely given).
#include "nn/modules/pool3d.h"

namespace ember::nn {
namespace {

std::string size_repr(const Triple& t) {
  return t.d == t.h && t.h == t.w ? std::to_string(t.d) : py_tuple({t.d, t.h, t.w});
}

}  // namespace

std::string MaxPool3dImpl::extra_repr() const {
  const auto& o = options;
  return "kernel_size=" + size_repr(o.kernel_size()) + ", stride=" + size_repr(o.stride()) + ", padding=" +
         size_repr(o.padding()) + ", dilation=" + size_repr(o.dilation()) + ", ceil_mode=" + py_bool(o.ceil_mode());
}

std::string AvgPool3dImpl::extra_repr() const {
  const auto& o = options;
  return "kernel_size=" + size_repr(o.kernel_size()) + ", stride=" + size_repr(o.stride()) + ", padding=" +
         size_repr(o.padding());
}

std::string AdaptiveAvgPool3dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

}  // namespace ember::nn
