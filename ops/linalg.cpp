// Matrix products. mm and bmm run OpenBLAS sgemm/dgemm (int64: a plain loop),
// reading transposed operands through BLAS's transpose flags rather than
// copying them; matmul reduces every torch.matmul case to mm or bmm with
// differentiable shape ops, so it needs no backward of its own. linear with a
// bias is one GEMM accumulating onto the broadcast bias (BLAS's beta = 1).
#include "ops/linalg.h"

#include <cblas.h>

#include <algorithm>
#include <limits>

#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/loops.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {
namespace {

// How BLAS reads a rows x cols matrix with element strides (rs, cs) in row-major
// terms: as is (ld = row stride) or transposed (ld = column stride).
struct BlasOperand {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
};

BlasOperand blas_operand(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // A size-1 dim's stride is never followed, so any value is acceptable there.
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols)))
    return {true, CblasNoTrans, rows == 1 ? std::max<int64_t>(1, cols) : rs};
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows)))
    return {true, CblasTrans, cols == 1 ? std::max<int64_t>(1, rows) : cs};
  return {};
}

// A view BLAS can read: the tensor itself when its last two strides allow it,
// otherwise a contiguous copy.
Tensor blas_ready(const Tensor& t) {
  int64_t d = t.dim();
  if (blas_operand(t.size(d - 2), t.size(d - 1), t.stride(d - 2), t.stride(d - 1)).ok) return t;
  return contiguous_data(t);
}

template <class T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t n, int64_t m, int64_t k, const T* a, int64_t lda,
          const T* b, int64_t ldb, T* c, T beta = T(0)) {
  HostLockRelease unlocked(n * m * k >= kParallelGrain);
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, n, m, k, 1.0f, a, lda, b, ldb, beta, c, m);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, n, m, k, 1.0, a, lda, b, ldb, beta, c, m);
}

// out[batch] = a[batch] @ b[batch] for `batch` matrices; a (batch, n, k) and
// b (batch, k, m) read through their strides (batch stride first), out contiguous.
template <class T>
void batched_matmul(T* out, const Tensor& a, const Tensor& b, int64_t batch, int64_t n, int64_t k, int64_t m) {
  const int64_t d = a.dim();
  const T* pa = a.data_ptr<T>();
  const T* pb = b.data_ptr<T>();
  const int64_t sa = d == 3 ? a.stride(0) : 0, sb = d == 3 ? b.stride(0) : 0;
  if (n * m == 0) return;
  if (k == 0) {
    std::fill(out, out + batch * n * m, T(0));
    return;
  }
  if constexpr (std::is_integral_v<T>) {
    const int64_t ar = a.stride(d - 2), ac = a.stride(d - 1), br = b.stride(d - 2), bc = b.stride(d - 1);
    parallel_for(batch * n, batch * n * m * k >= kParallelGrain, [&](int64_t zi) {
      const int64_t z = zi / n, i = zi % n;
      T* o = out + zi * m;
      std::fill(o, o + m, T(0));
      for (int64_t p = 0; p < k; ++p) {
        T av = pa[z * sa + i * ar + p * ac];
        for (int64_t j = 0; j < m; ++j) o[j] += av * pb[z * sb + p * br + j * bc];
      }
    });
  } else {
    BlasOperand oa = blas_operand(n, k, a.stride(d - 2), a.stride(d - 1));
    BlasOperand ob = blas_operand(k, m, b.stride(d - 2), b.stride(d - 1));
    EMBER_ASSERT(oa.ok && ob.ok);
    // CBLAS takes 32-bit sizes.
    const int64_t largest = std::max({n, m, k, oa.ld, ob.ld});
    EMBER_CHECK(largest <= std::numeric_limits<int>::max(),
                "matmul: expected matrix sizes and strides below 2^31 for BLAS, got {}", largest);
    // One GEMM per matrix, on this thread: OpenBLAS threads inside each call.
    for (int64_t z = 0; z < batch; ++z)
      gemm<T>(oa.trans, ob.trans, n, m, k, pa + z * sa, oa.ld, pb + z * sb, ob.ld, out + z * n * m);
  }
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "{}: expected defined tensors", op);
  EMBER_CHECK_TYPE(a.dtype() == b.dtype(), "{}: expected a and b to have the same dtype, got {} and {}", op,
                   a.dtype(), b.dtype());
  EMBER_CHECK_TYPE(a.dtype() != kBool, "{}: expected float32, float64 or int64 operands, got bool", op);
}

Tensor product(const Tensor& a0, const Tensor& b0, Shape out_shape, int64_t batch, int64_t n, int64_t k, int64_t m) {
  Tensor out = make_tensor(out_shape, a0.dtype());
  Tensor a = blas_ready(a0), b = blas_ready(b0);
  dispatch_numeric(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    batched_matmul<T>(out.data_ptr<T>(), a, b, batch, n, k, m);
  });
  return out;
}

// out (n, m) = bias (m) on every row + x (n, k) @ wᵀ, w (m, k): one GEMM with beta = 1.
// dx = g @ w, dw = gᵀ @ x, db = sum of g over rows
Tensor addmm_bias(const Tensor& x0, const Tensor& w0, const Tensor& bias) {
  const int64_t n = x0.size(0), k = x0.size(1), m = w0.size(0);
  Tensor out = make_tensor({n, m}, x0.dtype());
  Tensor x = blas_ready(x0), wt = blas_ready(transpose(w0.detach(), 0, 1)), b = contiguous_data(bias);
  dispatch_floating(x.dtype(), "linear", [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) std::copy(pb, pb + m, po + i * m);
    if (n * m == 0 || k == 0) return;
    BlasOperand ox = blas_operand(n, k, x.stride(0), x.stride(1)), ow = blas_operand(k, m, wt.stride(0), wt.stride(1));
    EMBER_ASSERT(ox.ok && ow.ok);
    const int64_t largest = std::max({n, m, k, ox.ld, ow.ld});
    EMBER_CHECK(largest <= std::numeric_limits<int>::max(),
                "linear: expected matrix sizes and strides below 2^31 for BLAS, got {}", largest);
    gemm<T>(ox.trans, ow.trans, n, m, k, x.data_ptr<T>(), ox.ld, wt.data_ptr<T>(), ow.ld, po, T(1));
  });
  if (any_requires_grad({&x0, &w0, &bias})) {
    SavedVariable sx(w0.requires_grad() ? x0 : Tensor(), false), sw(x0.requires_grad() ? w0 : Tensor(), false);
    const bool need_b = bias.requires_grad();
    record("AddmmBackward0", {x0, w0, bias}, out, [sx, sw, need_b](const tensor_list& g) -> tensor_list {
      Tensor grad_x = sw.defined() ? mm(g[0], sw.unpack()) : Tensor();
      Tensor grad_w = sx.defined() ? mm(transpose(g[0], 0, 1), sx.unpack()) : Tensor();
      Tensor grad_b = need_b ? sum(g[0], {0}) : Tensor();
      return {grad_x, grad_w, grad_b};
    });
  }
  return out;
}

}  // namespace

// d(a @ b) = g @ bᵀ, aᵀ @ g
Tensor mm(const Tensor& a, const Tensor& b) {
  check_same_dtype("mm", a, b);
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0), "mm: expected (n, k) @ (k, m), got {} and {}",
              shape_str(a.shape()), shape_str(b.shape()));
  int64_t n = a.size(0), k = a.size(1), m = b.size(1);
  Tensor out = product(a, b, {n, m}, 1, n, k, m);
  if (any_requires_grad({&a, &b})) {
    SavedVariable sa(b.requires_grad() ? a : Tensor(), false), sb(a.requires_grad() ? b : Tensor(), false);
    record("MmBackward0", {a, b}, out, [sa, sb](const tensor_list& g) -> tensor_list {
      Tensor grad_a = sb.defined() ? mm(g[0], transpose(sb.unpack(), 0, 1)) : Tensor();
      Tensor grad_b = sa.defined() ? mm(transpose(sa.unpack(), 0, 1), g[0]) : Tensor();
      return {grad_a, grad_b};
    });
  }
  return out;
}

// d(a @ b) = g @ bᵀ, aᵀ @ g, per batch
Tensor bmm(const Tensor& a, const Tensor& b) {
  check_same_dtype("bmm", a, b);
  EMBER_CHECK(a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0) && a.size(2) == b.size(1),
              "bmm: expected (B, n, k) @ (B, k, m), got {} and {}", shape_str(a.shape()), shape_str(b.shape()));
  int64_t batch = a.size(0), n = a.size(1), k = a.size(2), m = b.size(2);
  Tensor out = product(a, b, {batch, n, m}, batch, n, k, m);
  if (any_requires_grad({&a, &b})) {
    SavedVariable sa(b.requires_grad() ? a : Tensor(), false), sb(a.requires_grad() ? b : Tensor(), false);
    record("BmmBackward0", {a, b}, out, [sa, sb](const tensor_list& g) -> tensor_list {
      Tensor grad_a = sb.defined() ? bmm(g[0], transpose(sb.unpack(), 1, 2)) : Tensor();
      Tensor grad_b = sa.defined() ? bmm(transpose(sa.unpack(), 1, 2), g[0]) : Tensor();
      return {grad_a, grad_b};
    });
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", a, b);
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da >= 1 && db >= 1, "matmul: both arguments need at least 1 dimension, got {} and {}",
              shape_str(a.shape()), shape_str(b.shape()));
  const int64_t k = a.size(-1), kb = db == 1 ? b.size(0) : b.size(-2);
  EMBER_CHECK(k == kb, "matmul: inner dimensions differ ({} vs {}), got {} and {}", k, kb, shape_str(a.shape()),
              shape_str(b.shape()));
  if (da == 1 && db == 1) return reshape(mm(reshape(a, {1, k}), reshape(b, {k, 1})), {});
  if (da == 2 && db == 2) return mm(a, b);
  if (da == 1 && db == 2) return squeeze(mm(unsqueeze(a, 0), b), 0);
  if (db == 1 && da == 2) return squeeze(mm(a, unsqueeze(b, 1)), 1);
  if (db <= 2) {
    // (..., n, k) @ (k, m) or (..., n, k) @ (k): fold a's batch dims into its rows, one GEMM.
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
    if (db == 2) out_shape.push_back(b.size(1));
    Shape rows(a.shape().begin(), a.shape().end() - 1);
    return reshape(mm(reshape(a, {numel_of(rows), k}), b2), out_shape);
  }
  // Batched: 1-d operands become (1, k) or (k, 1), leading dims broadcast.
  Tensor a3 = da == 1 ? unsqueeze(a, 0) : a;
  Tensor b3 = db == 1 ? unsqueeze(b, 1) : b;
  Shape batch_a(a3.shape().begin(), a3.shape().end() - 2), batch_b(b3.shape().begin(), b3.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t n = a3.size(-2), m = b3.size(-1), nb = numel_of(batch, "matmul");
  Shape full_a = batch, full_b = batch;
  full_a.insert(full_a.end(), {n, k});
  full_b.insert(full_b.end(), {k, m});
  Tensor out = bmm(reshape(expand(a3, full_a), {nb, n, k}), reshape(expand(b3, full_b), {nb, k, m}));
  Shape out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(m);
  return reshape(out, out_shape);
}

// y = x Wᵀ + b: the leading dims of x fold into GEMM rows.  dx = g W, dW = gᵀ x, db = sum(g)
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(input.defined() && weight.defined(), "linear: expected defined input and weight tensors");
  EMBER_CHECK(weight.dim() == 2, "linear: expected weight of shape (out_features, in_features), got {}",
              shape_str(weight.shape()));
  const int64_t out_f = weight.size(0), in_f = weight.size(1);
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == in_f,
              "linear: expected input with in_features={} in its last dim, got input {} and weight {}", in_f,
              shape_str(input.shape()), shape_str(weight.shape()));
  EMBER_CHECK_TYPE(input.dtype() == weight.dtype() && input.dtype() != kBool,
                   "linear: expected input and weight of the same float32, float64 or int64 dtype, got {} and {}",
                   dtype_name(input.dtype()), dtype_name(weight.dtype()));
  if (bias.defined()) {
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == out_f,
                "linear: expected bias of shape [{}] (out_features), got {}", out_f, shape_str(bias.shape()));
    EMBER_CHECK_TYPE(bias.dtype() == input.dtype(), "linear: expected bias of dtype {} (the input's), got {}",
                     dtype_name(input.dtype()), dtype_name(bias.dtype()));
  }
  Shape out_shape(input.shape().begin(), input.shape().end() - 1);
  out_shape.push_back(out_f);
  Tensor x2 = reshape(input, {numel_of(Shape(input.shape().begin(), input.shape().end() - 1)), in_f});
  Tensor y2;
  if (bias.defined() && input.is_floating_point())
    y2 = addmm_bias(x2, weight, bias);
  else {
    y2 = mm(x2, transpose(weight, 0, 1));
    if (bias.defined()) y2 = y2 + bias;
  }
  return input.dim() == 2 ? y2 : reshape(y2, out_shape);
}

}  // namespace ember
