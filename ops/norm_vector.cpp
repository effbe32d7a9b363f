// Vector and matrix norms. The finite-ord vector norm has its own backward
// rule so that a zero vector gets gradient 0 (as PyTorch's) rather than the
// 0/0 a composition of sqrt and sum would give; the others are compositions.
#include "ops/norm_vector.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace linalg {
namespace {

void check_float_input(const char* op, const Tensor& x) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  EMBER_CHECK_TYPE(x.is_floating_point(), "{}: Expected a floating point tensor as input. Got {}", op,
                   dtype_name(x.dtype()));
}

// x's shape with `dims` (every dim when empty) set to 1: where a reduced value broadcasts back.
Shape keep_shape(const Tensor& x, const std::vector<int64_t>& dims, const char* op) {
  Shape keep = x.shape();
  if (dims.empty()) {
    for (auto& s : keep) s = 1;
  } else {
    for (int64_t d : dims) keep[size_t(wrap_dim(d, x.dim(), op))] = 1;
  }
  return keep;
}

// The p-norm for finite p != 0, without autograd record.
Tensor pnorm_value(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  NoGradGuard no_grad;
  if (p == 2) return sqrt(sum(x * x, dims, keepdim));
  Tensor ax = abs(x);
  if (p == 1) return sum(ax, dims, keepdim);
  return pow(sum(pow(ax, p), dims, keepdim), 1.0 / p);
}

std::pair<int64_t, int64_t> matrix_dims(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  EMBER_CHECK(x.dim() >= 2, "{}: The input tensor A must have at least 2 dimensions.", op);
  EMBER_CHECK(dims.size() == 2, "{}: dim must be a 2-tuple. Got {} dims", op, dims.size());
  int64_t d0 = wrap_dim(dims[0], x.dim(), op), d1 = wrap_dim(dims[1], x.dim(), op);
  EMBER_CHECK(d0 != d1, "{}: dims must be different. Got ({}, {})", op, dims[0], dims[1]);
  return {d0, d1};
}

}  // namespace

// d ||x||_p = g sign(x) |x|^(p-1) / ||x||^(p-1), 0 where the norm is 0
Tensor vector_norm(const Tensor& x, double ord, const std::vector<int64_t>& dims, bool keepdim) {
  const char* op = "linalg.vector_norm";
  check_float_input(op, x);
  Shape keep = keep_shape(x, dims, op);
  if (std::isinf(ord)) {
    EMBER_CHECK(x.numel() > 0, "{}: Expected a non-empty tensor for ord = {}", op, ord > 0 ? "inf" : "-inf");
    return ord > 0 ? amax(abs(x), dims, keepdim) : amin(abs(x), dims, keepdim);
  }
  Tensor out;
  if (ord == 0) {
    NoGradGuard no_grad;
    out = sum(to_dtype(ne(x, zeros({}, x.dtype())), x.dtype()), dims, keepdim);
  } else {
    out = pnorm_value(x, ord, dims, keepdim);
  }
  if (any_requires_grad({&x})) {
    SavedVariable sx(x, false), so(out, true);
    record("LinalgVectorNormBackward0", {x}, out, [sx, so, ord, keep](const tensor_list& g) -> tensor_list {
      Tensor xv = sx.unpack();
      if (ord == 0) return {zeros_like(xv)};
      Tensor n = reshape(so.unpack(), keep), gk = reshape(g[0], keep);
      Tensor is_zero = eq(n, zeros({}, n.dtype()));
      Tensor safe = where(is_zero, ones({}, n.dtype()), n);
      Tensor scale = where(is_zero, zeros({}, n.dtype()), ord == 1 ? gk : gk / (ord == 2 ? safe : pow(safe, ord - 1)));
      if (ord == 1) return {sign(xv) * scale};
      if (ord == 2) return {xv * scale};
      return {sign(xv) * pow(abs(xv), ord - 1) * scale};
    });
  }
  return out;
}

Tensor matrix_norm(const Tensor& x, const std::string& ord, const std::vector<int64_t>& dims, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  check_float_input(op, x);
  matrix_dims(op, x, dims);
  EMBER_CHECK(ord == "fro" || ord == "nuc", "{}: Order {} not supported.", op, ord);
  EMBER_CHECK(ord == "fro", "{}: ord 'nuc' needs a singular value decomposition, which ember does not have", op);
  return vector_norm(x, 2, dims, keepdim);
}

Tensor matrix_norm(const Tensor& x, double ord, const std::vector<int64_t>& dims, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  check_float_input(op, x);
  auto [d0, d1] = matrix_dims(op, x, dims);
  EMBER_CHECK(ord == 1 || ord == -1 || std::isinf(ord) || ord == 2 || ord == -2,
              "{}: Order {} not supported.", op, ord);
  EMBER_CHECK(!(ord == 2 || ord == -2), "{}: ord {} needs a singular value decomposition, which ember does not have",
              op, ord);
  // ord +-1: the sums down each column (over d0), then the max/min over columns (d1); inf: the other way.
  int64_t sum_dim = std::isinf(ord) ? d1 : d0, pick_dim = std::isinf(ord) ? d0 : d1;
  Tensor sums = sum(abs(x), {sum_dim}, true);
  Tensor out = ord > 0 ? amax(sums, {pick_dim}, true) : amin(sums, {pick_dim}, true);
  if (keepdim) return out;
  return squeeze(squeeze(out, std::max(d0, d1)), std::min(d0, d1));
}

Tensor norm(const Tensor& x, std::optional<double> ord_or_none, const std::vector<int64_t>& dims, bool keepdim) {
  check_float_input("linalg.norm", x);
  EMBER_CHECK(dims.size() <= 2, "linalg.norm: If dim is specified, it must be of length 1 or 2. Got {}", dims.size());
  if (!ord_or_none) return vector_norm(x, 2, dims, keepdim);
  double ord = *ord_or_none;
  if (dims.size() == 2 || (dims.empty() && x.dim() == 2)) return matrix_norm(x, ord, dims.empty() ? std::vector<int64_t>{-2, -1} : dims, keepdim);
  EMBER_CHECK(dims.size() == 1 || x.dim() == 1,
              "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {}D.", x.dim());
  return vector_norm(x, ord, dims, keepdim);
}

Tensor norm(const Tensor& x, const std::string& ord, const std::vector<int64_t>& dims, bool keepdim) {
  check_float_input("linalg.norm", x);
  EMBER_CHECK(dims.size() == 2 || (dims.empty() && x.dim() == 2),
              "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {}D.", x.dim());
  return matrix_norm(x, ord, dims.empty() ? std::vector<int64_t>{-2, -1} : dims, keepdim);
}

}  // namespace linalg

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  return linalg::vector_norm(x, p, dims, keepdim);
}

// As torch.norm: "fro" over any dims is the 2-norm of those entries.
Tensor norm(const Tensor& x, const std::string& p, const std::vector<int64_t>& dims, bool keepdim) {
  EMBER_CHECK(p == "fro" || p == "nuc", "norm: expected p to be a number, 'fro' or 'nuc', got '{}'", p);
  if (p == "fro") return linalg::vector_norm(x, 2, dims, keepdim);
  return linalg::matrix_norm(x, p, dims.empty() ? std::vector<int64_t>{-2, -1} : dims, keepdim);
}

Tensor cdist(const Tensor& x1, const Tensor& x2, double p) {
  EMBER_CHECK(x1.defined() && x2.defined(), "cdist: expected defined tensors");
  EMBER_CHECK_TYPE(x1.is_floating_point() && x2.is_floating_point(),
                   "cdist only supports floating-point dtypes, X1 got: {}", dtype_name(x1.dtype()));
  EMBER_CHECK(x1.dim() >= 2, "cdist only supports at least 2D tensors, X1 got: {}D", x1.dim());
  EMBER_CHECK(x2.dim() >= 2, "cdist only supports at least 2D tensors, X2 got: {}D", x2.dim());
  EMBER_CHECK(x1.size(-1) == x2.size(-1), "cdist: X1 and X2 must have the same number of columns. X1: {} X2: {}",
              x1.size(-1), x2.size(-1));
  EMBER_CHECK(p >= 0, "cdist only supports non-negative p values");
  return linalg::vector_norm(unsqueeze(x1, -2) - unsqueeze(x2, -3), p, {-1});
}

}  // namespace ember
