// The shared checks of ops/checks.h.
#include "ops/checks.h"

#include "autograd/grad_mode.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace ember {

void check_floating(const char* op, const Tensor& t, const char* name) {
  EMBER_CHECK(t.defined(), "{}: expected a defined {} tensor", op, name);
  EMBER_CHECK_TYPE(t.is_floating_point(), "{}: expected a floating point tensor (float32 or float64) as {}, got {}", op,
                   name, dtype_name(t.dtype()));
}

Tensor contiguous_data(const Tensor& t) {
  if (t.is_contiguous()) return t;
  NoGradGuard no_grad;
  return clone(t);
}

Tensor rows_along(const Tensor& x, int64_t d) {
  NoGradGuard no_grad;
  return contiguous(transpose(x, d, x.dim() - 1));
}

Tensor from_rows(const Tensor& rows, int64_t d) {
  NoGradGuard no_grad;
  return contiguous(transpose(rows, d, rows.dim() - 1));
}

std::string pair_str(Pair p, bool one_d) { return one_d ? fmt::format("{}", p.w) : fmt::format("({}, {})", p.h, p.w); }

}  // namespace ember
