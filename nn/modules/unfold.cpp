// Unfold/Fold: construction checks and PyTorch's reprs (a size whose two
// entries agree prints as one int, as it was most likely given).
#include "nn/modules/unfold.h"

#include "autograd/error.h"

namespace ember::nn {
namespace {

std::string size_repr(Pair p) { return p.h == p.w ? std::to_string(p.h) : py_tuple({p.h, p.w}); }

void check(const char* layer, Pair k, Pair d, Pair p, Pair s) {
  EMBER_CHECK(k.h > 0 && k.w > 0 && d.h > 0 && d.w > 0 && s.h > 0 && s.w > 0 && p.h >= 0 && p.w >= 0,
              "{}: expected kernel_size, dilation and stride > 0 and padding >= 0, got kernel_size={}, dilation={}, "
              "padding={}, stride={}",
              layer, size_repr(k), size_repr(d), size_repr(p), size_repr(s));
}

}  // namespace

UnfoldImpl::UnfoldImpl(const UnfoldOptions& options_) : options(options_) {
  check("Unfold", options.kernel_size(), options.dilation(), options.padding(), options.stride());
}
Tensor UnfoldImpl::forward(const Tensor& input) { return unfold(input, options); }
std::string UnfoldImpl::extra_repr() const {
  return "kernel_size=" + size_repr(options.kernel_size()) + ", dilation=" + size_repr(options.dilation()) +
         ", padding=" + size_repr(options.padding()) + ", stride=" + size_repr(options.stride());
}

FoldImpl::FoldImpl(const FoldOptions& options_) : options(options_) {
  check("Fold", options.kernel_size(), options.dilation(), options.padding(), options.stride());
  EMBER_CHECK(options.output_size().h > 0 && options.output_size().w > 0, "Fold: expected output_size > 0, got {}",
              size_repr(options.output_size()));
}
Tensor FoldImpl::forward(const Tensor& input) { return fold(input, options); }
std::string FoldImpl::extra_repr() const {
  return "output_size=" + size_repr(options.output_size()) + ", kernel_size=" + size_repr(options.kernel_size()) +
         ", dilation=" + size_repr(options.dilation()) + ", padding=" + size_repr(options.padding()) +
         ", stride=" + size_repr(options.stride());
}

}  // namespace ember::nn
