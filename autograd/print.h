// Printing tensors the way PyTorch does: `tensor([[1., 2.], [3., 4.]])`.
#pragma once

#include <ostream>
#include <string>

#include "autograd/tensor.h"

namespace ember {

/// The values part of PyTorch's repr, e.g. "tensor([1.5000, 2.0000])",
/// with "..." for large tensors; `prefix_indent` aligns continuation lines.
std::string format_values(const Tensor& t, size_t prefix_indent = 7);
/// PyTorch's repr: values plus dtype (when not float32), requires_grad or grad_fn.
std::string repr(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace ember
