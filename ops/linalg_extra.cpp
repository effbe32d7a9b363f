// Compositions of the matrix products and elementwise ops: addmm, baddbmm,
// outer, tril/triu and einsum. Their gradients come from the ops they are
// built of (mm, bmm, mul, where, sum, permute).
#include <algorithm>
#include <cctype>
#include <map>

#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

// beta input + alpha product, with PyTorch's rule that beta = 0 ignores input (even NaN).
Tensor scaled_sum(const char* op, const Tensor& input, const Tensor& product, Scalar beta, Scalar alpha) {
  EMBER_CHECK(input.defined(), "{}: expected a defined input tensor", op);
  EMBER_CHECK(broadcastable_to(input.shape(), product.shape()), "{}: expected input of shape {} to broadcast to {}",
              op, shape_str(input.shape()), shape_str(product.shape()));
  Tensor scaled = alpha.to_double() == 1 ? product : product * alpha;
  if (beta.to_double() == 0) return expand(scaled, product.shape()) + zeros({}, product.dtype());
  return add(beta.to_double() == 1 ? input : input * beta, scaled);
}

// keep[i][j] for the last two dims: j - i <= diagonal (tril) or >= diagonal (triu).
Tensor triangle(const char* op, const Tensor& x, int64_t diagonal, bool lower) {
  EMBER_CHECK(x.defined(), "{}: expected a defined input tensor", op);
  EMBER_CHECK(x.dim() >= 2, "{}: input tensor must have at least 2 dimensions, got {}", op, x.dim());
  int64_t n = x.size(-2), m = x.size(-1);
  Tensor offset = reshape(arange(m), {1, m}) - reshape(arange(n), {n, 1});
  Tensor keep = lower ? le(offset, scalar_tensor(diagonal, kInt64)) : ge(offset, scalar_tensor(diagonal, kInt64));
  return where(keep, x, zeros({}, x.dtype()));
}

}  // namespace

Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, Scalar beta, Scalar alpha) {
  EMBER_CHECK(mat1.defined() && mat2.defined() && mat1.dim() == 2 && mat2.dim() == 2,
              "addmm: expected 2-d mat1 and mat2, got {}-d and {}-d", mat1.defined() ? mat1.dim() : 0,
              mat2.defined() ? mat2.dim() : 0);
  return scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha);
}

Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, Scalar beta, Scalar alpha) {
  EMBER_CHECK(batch1.defined() && batch2.defined() && batch1.dim() == 3 && batch2.dim() == 3,
              "baddbmm: batch1 and batch2 must be 3-D tensors, got {}-d and {}-d", batch1.defined() ? batch1.dim() : 0,
              batch2.defined() ? batch2.dim() : 0);
  return scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "dot: expected defined tensors");
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "dot: 1D tensors expected, but got {}D and {}D tensors", a.dim(), b.dim());
  EMBER_CHECK(a.size(0) == b.size(0),
              "dot: inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got "
              "{} and {} elements respectively", a.size(0), b.size(0), a.size(0), b.size(0));
  EMBER_CHECK_TYPE(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found {} and {}",
                   dtype_name(a.dtype()), dtype_name(b.dtype()));
  return matmul(a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  EMBER_CHECK(a.defined() && v.defined(), "mv: expected defined tensors");
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1, "mv: vector + matrix @ vector expected, got 1, {}, {}", a.dim(), v.dim());
  return matmul(a, v);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "outer: expected defined tensors");
  EMBER_CHECK(a.dim() == 1, "outer: Expected 1-D argument self, but got {}-D", a.dim());
  EMBER_CHECK(b.dim() == 1, "outer: Expected 1-D argument vec2, but got {}-D", b.dim());
  return unsqueeze(a, 1) * b;
}

Tensor tril(const Tensor& x, int64_t diagonal) { return triangle("tril", x, diagonal, true); }
Tensor triu(const Tensor& x, int64_t diagonal) { return triangle("triu", x, diagonal, false); }

// Every operand is permuted and unsqueezed onto one label space (the output's
// labels, then the summed ones), the operands are multiplied with
// broadcasting, and the summed labels are reduced. '.' (an ellipsis) is one
// label per broadcast leading dim, named by its position from the right.
Tensor einsum(const std::string& equation, const tensor_list& operands) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms(1);
  for (char c : lhs) {
    if (c == ',') terms.emplace_back();
    else terms.back() += c;
  }
  EMBER_CHECK(terms.size() == operands.size(),
              "einsum(): more operands were provided than specified in the equation"
              " (the equation has {} operand terms, {} tensors came)", terms.size(), operands.size());
  auto is_label = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  // A term with its ellipsis replaced by `e` digit labels ('0' + position in the
  // widest ellipsis of `ell` dims, so that blocks align from the right).
  auto expand_term = [&](const std::string& term, int64_t e, int64_t ell, const std::string& what) {
    std::string out;
    size_t dots = term.find("...");
    EMBER_CHECK(dots == std::string::npos || term.find("...", dots + 3) == std::string::npos,
                "einsum(): found more than one ellipsis in {} '{}'", what, term);
    for (size_t i = 0; i < term.size(); ++i) {
      if (i == dots) {
        for (int64_t k = ell - e; k < ell; ++k) out += char('0' + k);
        i += 2;
        continue;
      }
      EMBER_CHECK(is_label(term[i]),
                  "einsum(): invalid subscript given at index {} in the equation string, subscripts must be in [a-zA-Z]",
                  i);
      out += term[i];
    }
    return out;
  };
  std::vector<int64_t> ell_dims(terms.size());
  int64_t ell = 0;  // the widest ellipsis
  for (size_t k = 0; k < terms.size(); ++k) {
    EMBER_CHECK(operands[k].defined(), "einsum(): expected defined tensors");
    int64_t letters = std::count_if(terms[k].begin(), terms[k].end(), is_label);
    bool dots = terms[k].find("...") != std::string::npos;
    int64_t ndim = operands[k].dim();
    EMBER_CHECK(dots ? letters <= ndim : letters == ndim,
                "einsum(): the number of subscripts in the equation ({}) does not match the number of dimensions ({}) "
                "for operand {}{}", letters, ndim, k, dots ? "" : " and no ellipsis was given");
    ell_dims[k] = dots ? ndim - letters : 0;
    ell = std::max(ell, ell_dims[k]);
  }
  std::vector<std::string> labels(terms.size());
  std::map<char, int64_t> count, size;
  for (size_t k = 0; k < terms.size(); ++k) {
    std::string t = expand_term(terms[k], ell_dims[k], ell, "operand " + std::to_string(k));
    for (size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      EMBER_CHECK(std::count(t.begin(), t.end(), c) == 1,
                  "einsum(): subscript {} is repeated for operand {}, which ember does not support (take the diagonal "
                  "first)", c, k);
      int64_t s = operands[k].size(int64_t(i));
      auto [it, fresh] = size.emplace(c, s);
      if (!fresh && it->second != s) {
        EMBER_CHECK(it->second == 1 || s == 1,
                    "einsum(): operands do not broadcast: subscript {} has size {} for operand {} which does not "
                    "broadcast with previously seen size {}", c, s, k, it->second);
        it->second = std::max(it->second, s);
      }
      ++count[c];
    }
    labels[k] = t;
  }
  std::string out_labels;
  if (arrow != std::string::npos) {
    out_labels = expand_term(eq.substr(arrow + 2), ell, ell, "output");
    for (char c : out_labels) {
      EMBER_CHECK(size.count(c), "einsum(): output subscript {} does not appear in the equation for any input operand", c);
      EMBER_CHECK(std::count(out_labels.begin(), out_labels.end(), c) == 1,
                  "einsum(): output subscript {} appears more than once in the output", c);
    }
  } else {
    for (int64_t k = 0; k < ell; ++k) out_labels += char('0' + k);
    for (auto [c, n] : count)
      if (is_label(c) && n == 1) out_labels += c;
  }
  std::string space = out_labels;
  for (auto [c, n] : size)
    if (out_labels.find(c) == std::string::npos) space += c;
  Tensor product;
  for (size_t k = 0; k < operands.size(); ++k) {
    std::vector<int64_t> perm;
    Shape shape;
    for (char c : space) {
      size_t pos = labels[k].find(c);
      if (pos != std::string::npos) perm.push_back(int64_t(pos));
      shape.push_back(pos == std::string::npos ? 1 : operands[k].size(int64_t(pos)));
    }
    Tensor v = reshape(permute(operands[k], perm), shape);
    product = k == 0 ? v : product * v;
  }
  std::vector<int64_t> summed;
  for (size_t i = out_labels.size(); i < space.size(); ++i) summed.push_back(int64_t(i));
  Shape out_shape;
  for (char c : out_labels) out_shape.push_back(size[c]);
  if (!summed.empty()) product = sum(product, summed);
  return product.shape() == out_shape ? product : expand(product, out_shape).contiguous();
}

}  // namespace ember
