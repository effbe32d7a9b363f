// Pooling modules: repr as PyTorch prints it (an int when both sides agree).
#include "nn/modules/pool.h"

namespace ember::nn {
namespace {

std::string pair_str(const Pair& p) { return p.h == p.w ? std::to_string(p.h) : py_tuple({p.h, p.w}); }

}  // namespace

std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return max_pool2d_with_indices(input, options);
}

std::string MaxPool2dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", pair_str(o.kernel_size()),
                     pair_str(o.stride()), pair_str(o.padding()), pair_str(o.dilation()), py_bool(o.ceil_mode()));
}

std::string MaxPool1dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", o.kernel_size(), o.stride(),
                     o.padding(), o.dilation(), py_bool(o.ceil_mode()));
}

std::string AvgPool2dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("kernel_size={}, stride={}, padding={}", pair_str(o.kernel_size()), pair_str(o.stride()),
                     pair_str(o.padding()));
}

std::string AvgPool1dImpl::extra_repr() const {
  const auto& o = options;
  // PyTorch keeps AvgPool1d's sizes as 1-tuples.
  return fmt::format("kernel_size={}, stride={}, padding={}", py_tuple({o.kernel_size()}), py_tuple({o.stride()}),
                     py_tuple({o.padding()}));
}

std::string LPPool2dImpl::extra_repr() const {
  const auto& o = options;
  return fmt::format("norm_type={}, kernel_size={}, stride={}, ceil_mode={}", py_float(o.norm_type()),
                     pair_str(o.kernel_size()), pair_str(o.stride()), py_bool(o.ceil_mode()));
}

std::string AdaptiveAvgPool2dImpl::extra_repr() const { return "output_size=" + pair_str(options.output_size()); }

std::tuple<Tensor, Tensor> AdaptiveMaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool2d_with_indices(input, options);
}

std::string AdaptiveMaxPool2dImpl::extra_repr() const { return "output_size=" + pair_str(options.output_size()); }

}  // namespace ember::nn
