// Shape arithmetic shared by every op: counts, strides, dims, broadcasting.
#include "autograd/shape.h"

#include <fmt/ranges.h>

namespace ember {

int64_t numel_of(const Shape& shape, const char* op) {
  int64_t n = 1;
  for (int64_t s : shape) {
    EMBER_CHECK(s >= 0, "{}: expected non-negative sizes, got shape {}", op, shape_str(shape));
    EMBER_CHECK(!__builtin_mul_overflow(n, s, &n), "{}: shape {} has more elements than int64 can count", op,
                shape_str(shape));
  }
  return n;
}

Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    if (i > 0)
      EMBER_CHECK_STATE(!__builtin_mul_overflow(s, std::max<int64_t>(shape[i], 1), &s),
                        "Stride calculation overflowed");
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, like PyTorch
  EMBER_CHECK_INDEX(dim >= -n && dim < n, "{}: dimension out of range (expected to be in range of [{}, {}], but got {})",
                    op, -n, n - 1, dim);
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(sa == sb || sa == 1 || sb == 1,
                "{}: shapes {} and {} cannot be broadcast (size {} vs {} at dimension {})", op, shape_str(a),
                shape_str(b), sa, sb, i);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

bool broadcastable_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

Strides broadcast_strides(const Shape& shape, const Strides& strides, const Shape& target) {
  Strides out(target.size(), 0);
  size_t lead = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    out[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
  return out;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

}  // namespace ember
