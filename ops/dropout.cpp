// Dropout draws a mask of 0 and 1 / (1 - p) from the generator and multiplies
// it in with mul, whose backward (g * mask) is already differentiable.
#include "ops/dropout.h"

#include <mutex>

#include "autograd/inplace.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"

namespace ember {
namespace {

void check_dropout(const char* op, const Tensor& input, double p) {
  check_floating(op, input);
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "{}: expected dropout probability p in [0, 1], got p={}", op, p);
}

// Each element is kept with probability 1 - p (uniform >= p) and scaled.
Tensor make_mask(const Shape& shape, Dtype dtype, double p, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor mask = make_tensor(shape, dtype);
  const double scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
  std::lock_guard<std::mutex> lock(g.mutex());
  dispatch_floating(dtype, "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* pm = mask.data_ptr<T>();
    for (int64_t i = 0, n = mask.numel(); i < n; ++i) pm[i] = g.uniform() >= p ? T(scale) : T(0);
  });
  return mask;
}

}  // namespace

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options, Generator* gen) {
  const double p = options.p();
  const bool training = options.training();
  check_dropout("dropout", input, p);
  if (!training || p == 0.0) return input;
  Tensor mask = make_mask(input.shape(), input.dtype(), p, gen);
  if (options.inplace()) return apply_in_place(input, "dropout_", [&](const Tensor& s) { return s * mask; });
  return input * mask;
}

Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options, Generator* gen) {
  const double p = options.p();
  const bool training = options.training();
  check_dropout("dropout2d", input, p);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, "dropout2d: expected input of shape (N, C, H, W) or (N, C, L), got {}",
              shape_str(input.shape()));
  if (!training || p == 0.0) return input;
  Shape mshape(size_t(input.dim()), 1);  // one draw per (n, c), broadcast over the rest
  mshape[0] = input.size(0);
  mshape[1] = input.size(1);
  Tensor mask = make_mask(mshape, input.dtype(), p, gen);
  if (options.inplace()) return apply_in_place(input, "dropout2d_", [&](const Tensor& s) { return s * mask; });
  return input * mask;
}

}  // namespace ember
