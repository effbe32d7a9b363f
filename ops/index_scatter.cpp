// The gather/scatter pairs whose backward rules use each other: index_select
// <-> index_add, gather <-> scatter_add; scatter_reduce and index_reduce, whose
// backward is written with them. Python's x[...] and index_put are in ops/index.cpp.
#include "ops/index.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index_internal.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {

using namespace index_internal;

namespace {

// A 0-d tensor seen as shape [1], so kernels always have a dim to index.
Tensor at_least_1d(const Tensor& t) { return t.dim() > 0 ? t : make_view(t, {1}, {1}, t.storage_offset()); }

void check_index_dtype(const Tensor& index, const char* op) {
  EMBER_CHECK(index.defined(), "{}: expected a defined index tensor", op);
  EMBER_CHECK_TYPE(index.dtype() == kInt64, "{}: expected index to be int64, got {}", op, dtype_name(index.dtype()));
}

// strided_rows without threads, for kernels whose rows may write the same element.
template <size_t K, class Inner>
void serial_rows(const Shape& shape, const std::array<Strides, K>& strides, Inner&& inner) {
  int64_t n = numel_of(shape);
  if (n == 0) return;
  if (shape.empty()) {
    inner(std::array<int64_t, K>{}, int64_t(1), std::array<int64_t, K>{});
    return;
  }
  int64_t nd = int64_t(shape.size()), len = shape.back();
  std::array<int64_t, K> inner_strides, off{};
  for (size_t k = 0; k < K; ++k) inner_strides[k] = strides[k].back();
  std::vector<int64_t> coord(nd, 0);
  for (int64_t r = 0; r < n / len; ++r) {
    inner(off, len, inner_strides);
    for (int64_t d = nd - 2; d >= 0; --d) {
      for (size_t k = 0; k < K; ++k) off[k] += strides[k][d];
      if (++coord[d] < shape[d]) break;
      for (size_t k = 0; k < K; ++k) off[k] -= strides[k][d] * shape[d];
      coord[d] = 0;
    }
  }
}

// gather's and scatter_add's shared checks: equal ranks, index no larger than
// `x` apart from dim (and than `src` in every dim), and in range along dim.
void check_gather_index(const char* op, const Tensor& x, int64_t d, const Tensor& index, const Tensor* src) {
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == std::max<int64_t>(x.dim(), 1),
              "{}: index tensor must have the same number of dimensions as the input tensor; index {}, input {}", op,
              shape_str(index.shape()), shape_str(x.shape()));
  Tensor iv = at_least_1d(index), xv = at_least_1d(x);
  for (int64_t k = 0; k < iv.dim(); ++k) {
    EMBER_CHECK(k == d || iv.size(k) <= xv.size(k),
                "{}: expected index {} to be no larger than input {} apart from dimension {}", op,
                shape_str(index.shape()), shape_str(x.shape()), d);
    if (src)
      EMBER_CHECK(iv.size(k) <= at_least_1d(*src).size(k), "{}: expected index {} to be no larger than src {}", op,
                  shape_str(index.shape()), shape_str(src->shape()));
  }
  read_positions(index, xv.size(d), false, op, d);
}

// out = clone(x), then visit(out_data, offset, value) for each element of index
// along dim d, in order: the walk scatter_add and scatter_reduce share.
template <class Visit>
Tensor scatter_walk(const Tensor& x, int64_t d, const Tensor& index, const Tensor& src, const char* op, Visit&& visit) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(x);
  }
  Tensor iv = at_least_1d(index), sv = at_least_1d(src), ov = at_least_1d(out);
  Strides os = ov.strides();
  int64_t step = os[d];
  os[d] = 0;
  dispatch_numeric(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const int64_t* pi = iv.data_ptr<int64_t>();
    const T* ps = sv.data_ptr<T>();
    T* po = ov.data_ptr<T>();
    serial_rows<3>(iv.shape(), {iv.strides(), os, sv.strides()},
                   [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& s) {
                     for (int64_t i = 0; i < n; ++i)
                       visit(po, off[1] + i * s[1] + pi[off[0] + i * s[0]] * step, ps[off[2] + i * s[2]]);
                   });
  });
  return out;
}

// gather(g, d, index) padded with zeros to src's shape: src may be larger than
// the index, and its extra entries were never read.
Tensor src_gradient(const Tensor& g, int64_t d, const Tensor& index, const Shape& src_shape) {
  Tensor gs = gather(g, d, index);
  for (int64_t k = 0; k < gs.dim(); ++k)
    if (gs.size(k) < src_shape[size_t(k)]) {
      Shape pad = gs.shape();
      pad[size_t(k)] = src_shape[size_t(k)] - gs.size(k);
      gs = cat({gs, zeros(pad, gs.dtype())}, k);
    }
  return gs;
}

}  // namespace

// d index_select(x, dim, i) = index_add(zeros like x, dim, i, g)
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_dtype(index, "index_select");
  EMBER_CHECK(index.dim() <= 1, "index_select: expected index to be a vector (0-d or 1-d), got shape {}",
              shape_str(index.shape()));
  int64_t d = wrap_dim(dim, x.dim(), "index_select");
  Tensor xv = at_least_1d(x);
  std::vector<int64_t> pos = read_positions(index, xv.size(d), false, "index_select", d);
  int64_t n = int64_t(pos.size());
  Shape shape = xv.shape();
  shape[d] = n;
  Tensor out = make_tensor(x.dim() == 0 && n == 1 ? Shape{} : shape, x.dtype());
  Tensor ov = at_least_1d(out);
  std::vector<int64_t> a_rows(n), b_rows(n);
  int64_t out_step = ov.strides()[d], x_step = xv.strides()[d];
  for (int64_t k = 0; k < n; ++k) {
    a_rows[k] = k * out_step;
    b_rows[k] = pos[k] * x_step;
  }
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_row_pairs(ov.data_ptr<T>(), a_rows, erase_range(ov.strides(), d, 1), xv.data_ptr<T>(), b_rows,
                  erase_range(xv.strides(), d, 1), erase_range(shape, d, 1), true, [](T& o, T v) { o = v; });
  });
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    SavedVariable si(index, false);
    record("IndexSelectBackward0", {x}, out, [in_shape, d, si](const tensor_list& g) -> tensor_list {
      return {index_add(zeros(in_shape, g[0].dtype()), d, si.unpack(), g[0])};
    });
  }
  return out;
}

// d gather(x, dim, i) = scatter_add(zeros like x, dim, i, g)
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_dtype(index, "gather");
  int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_gather_index("gather", x, d, index, nullptr);
  Tensor out = make_tensor(index.shape(), x.dtype());
  Tensor iv = at_least_1d(index), xv = at_least_1d(x), ov = at_least_1d(out);
  Strides xs = xv.strides();
  int64_t step = xs[d];
  xs[d] = 0;  // the index supplies the position along dim
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const int64_t* pi = iv.data_ptr<int64_t>();
    const T* px = xv.data_ptr<T>();
    T* po = ov.data_ptr<T>();
    strided_rows<3>(iv.shape(), {iv.strides(), xs, ov.strides()},
                    [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& s) {
                      for (int64_t i = 0; i < n; ++i)
                        po[off[2] + i * s[2]] = px[off[1] + i * s[1] + pi[off[0] + i * s[0]] * step];
                    });
  });
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    SavedVariable si(index, false);
    record("GatherBackward0", {x}, out, [in_shape, d, si](const tensor_list& g) -> tensor_list {
      return {scatter_add(zeros(in_shape, g[0].dtype()), d, si.unpack(), g[0])};
    });
  }
  return out;
}

// d scatter_add(x, dim, i, src) = g, gather(g, dim, i) (zero where src extends past the index)
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_dtype(index, "scatter_add");
  EMBER_CHECK(src.defined(), "scatter_add: expected a defined src");
  EMBER_CHECK_TYPE(src.dtype() == x.dtype(), "scatter_add: expected src to have the dtype of x ({}), got {}",
                   dtype_name(x.dtype()), dtype_name(src.dtype()));
  int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  EMBER_CHECK(std::max<int64_t>(src.dim(), 1) == std::max<int64_t>(x.dim(), 1),
              "scatter_add: src must have the same number of dimensions as x; src {}, x {}", shape_str(src.shape()),
              shape_str(x.shape()));
  check_gather_index("scatter_add", x, d, index, &src);
  Tensor out = scatter_walk(x, d, index, src, "scatter_add", [](auto* po, int64_t at, auto v) { po[at] += v; });
  if (any_requires_grad({&x, &src})) {
    SavedVariable si(index, false);
    Shape src_shape = src.shape();
    bool need_src = src.requires_grad();
    record("ScatterAddBackward0", {x, src}, out, [d, si, src_shape, need_src](const tensor_list& g) -> tensor_list {
      if (!need_src) return {g[0], Tensor()};
      return {g[0], src_gradient(g[0], d, si.unpack(), src_shape)};
    });
  }
  return out;
}

// d scatter(x, dim, i, src) = g with 0 where src was written, gather(g, dim, i)
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_dtype(index, "scatter");
  EMBER_CHECK(x.defined() && src.defined(), "scatter: expected defined input and src tensors");
  EMBER_CHECK_TYPE(src.dtype() == x.dtype(), "scatter: expected self.dtype to be equal to src.dtype ({} and {})",
                   dtype_name(x.dtype()), dtype_name(src.dtype()));
  int64_t d = wrap_dim(dim, x.dim(), "scatter");
  EMBER_CHECK(std::max<int64_t>(src.dim(), 1) == std::max<int64_t>(x.dim(), 1),
              "scatter: src must have the same number of dimensions as x; src {}, x {}", shape_str(src.shape()),
              shape_str(x.shape()));
  check_gather_index("scatter", x, d, index, &src);
  Tensor out = scatter_walk(x, d, index, src, "scatter", [](auto* po, int64_t at, auto v) { po[at] = v; });
  if (any_requires_grad({&x, &src})) {
    SavedVariable si(index, false);
    Shape src_shape = src.shape();
    bool need_src = src.requires_grad();
    record("ScatterBackward0", {x, src}, out, [d, si, src_shape, need_src](const tensor_list& g) -> tensor_list {
      Tensor i = si.unpack();
      Tensor gx = scatter(g[0], d, i, zeros(i.shape(), g[0].dtype()));
      return {gx, need_src ? src_gradient(g[0], d, i, src_shape) : Tensor()};
    });
  }
  return out;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value) {
  EMBER_CHECK(x.defined() && index.defined(), "scatter: expected defined input and index tensors");
  return scatter(x, dim, index, full(index.shape(), value, x.dtype()));
}

// Composition: the positions of mask (broadcast to x) in row-major order take
// source's first elements, through index_put (which carries both gradients).
Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source) {
  EMBER_CHECK(x.defined() && mask.defined() && source.defined(), "masked_scatter: expected defined tensors");
  EMBER_CHECK_TYPE(mask.dtype() == kBool, "masked_scatter_: expected BoolTensor for mask, got {}",
                   dtype_name(mask.dtype()));
  EMBER_CHECK_TYPE(source.dtype() == x.dtype(), "masked_scatter: expected self and source to have same dtypes but got "
                   "{} and {}", dtype_name(x.dtype()), dtype_name(source.dtype()));
  EMBER_CHECK(broadcastable_to(mask.shape(), x.shape()), "masked_scatter: expected mask of shape {} to broadcast to {}",
              shape_str(mask.shape()), shape_str(x.shape()));
  Tensor positions = reshape(nonzero(reshape(expand(mask, x.shape()), {-1})), {-1});
  int64_t n = positions.numel();
  EMBER_CHECK(n <= source.numel(), "masked_scatter: Number of elements of source < number of ones in mask ({} < {})",
              source.numel(), n);
  Tensor values = narrow(reshape(source, {-1}), 0, 0, n);
  return reshape(index_put(reshape(x, {-1}), {positions}, values), x.shape());
}

// Composition: x[mask] after broadcasting both (the index op carries the gradient).
Tensor masked_select(const Tensor& x, const Tensor& mask) {
  EMBER_CHECK(x.defined() && mask.defined(), "masked_select: expected defined tensors");
  EMBER_CHECK_TYPE(mask.dtype() == kBool, "masked_select: expected BoolTensor for mask, got {}", dtype_name(mask.dtype()));
  Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
  return index(expand(x, shape), {TensorIndex(expand(mask, shape))});
}

// d index_add(x, dim, i, source) = g, index_select(g, dim, i)
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  check_index_dtype(index, "index_add");
  EMBER_CHECK(index.dim() <= 1, "index_add: expected index to be a vector (0-d or 1-d), got shape {}",
              shape_str(index.shape()));
  EMBER_CHECK(source.defined(), "index_add: expected a defined source");
  EMBER_CHECK_TYPE(source.dtype() == x.dtype(), "index_add: expected source to have the dtype of x ({}), got {}",
                   dtype_name(x.dtype()), dtype_name(source.dtype()));
  int64_t d = wrap_dim(dim, x.dim(), "index_add");
  Tensor xv = at_least_1d(x), sv = at_least_1d(source);
  Shape expected = xv.shape();
  expected[d] = index.numel();
  EMBER_CHECK(sv.shape() == expected,
              "index_add: expected source of shape {} (x's shape {} with dim {} of size {}, the number of indices), "
              "got {}",
              shape_str(expected), shape_str(x.shape()), d, index.numel(), shape_str(source.shape()));
  std::vector<int64_t> pos = read_positions(index, xv.size(d), false, "index_add", d);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(x);
  }
  Tensor ov = at_least_1d(out);
  int64_t n = int64_t(pos.size());
  std::vector<int64_t> a_rows(n), b_rows(n);
  int64_t out_step = ov.strides()[d], source_step = sv.strides()[d];
  for (int64_t k = 0; k < n; ++k) {
    a_rows[k] = pos[k] * out_step;
    b_rows[k] = k * source_step;
  }
  dispatch_numeric(x.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    for_row_pairs(ov.data_ptr<T>(), a_rows, erase_range(ov.strides(), d, 1), sv.data_ptr<T>(), b_rows,
                  erase_range(sv.strides(), d, 1), erase_range(ov.shape(), d, 1), false,
                  [](T& o, T v) { o += v; });
  });
  if (any_requires_grad({&x, &source})) {
    SavedVariable si(index, false);
    bool need_source = source.requires_grad();
    record("IndexAddBackward0", {x, source}, out, [d, si, need_source](const tensor_list& g) -> tensor_list {
      return {g[0], need_source ? index_select(g[0], d, si.unpack()) : Tensor()};
    });
  }
  return out;
}

namespace {
enum class Reduce { Sum, Prod, Mean, Amax, Amin };

Reduce reduce_of(const std::string& reduce, const char* op) {
  if (reduce == "sum") return Reduce::Sum;
  if (reduce == "prod") return Reduce::Prod;
  if (reduce == "mean") return Reduce::Mean;
  if (reduce == "amax") return Reduce::Amax;
  if (reduce == "amin") return Reduce::Amin;
  throw ValueError(fmt::format("{}: reduce argument must be either sum, prod, mean, amax or amin, got {}", op, reduce));
}

// The scatter_reduce kernel: out = x, then out[index] = reduce(out[index], src)
// element by element (the first write replaces it without include_self).
Tensor scatter_reduce_kernel(const Tensor& x, int64_t d, const Tensor& index, const Tensor& src, Reduce r,
                             bool include_self) {
  std::vector<int64_t> count(size_t(x.numel()), include_self ? 1 : 0);
  Tensor out = scatter_walk(x, d, index, src, "scatter_reduce", [&](auto* po, int64_t at, auto v) {
    auto& o = po[at];
    if (count[size_t(at)]++ == 0) {
      o = v;
      return;
    }
    switch (r) {
      case Reduce::Sum:
      case Reduce::Mean: o += v; break;
      case Reduce::Prod: o *= v; break;
      case Reduce::Amax: o = (v > o || v != v) ? v : o; break;
      case Reduce::Amin: o = (v < o || v != v) ? v : o; break;
    }
  });
  if (r == Reduce::Mean) {
    dispatch_numeric(x.dtype(), "scatter_reduce", [&](auto tag) {
      using T = decltype(tag);
      T* po = out.data_ptr<T>();
      for (int64_t k = 0; k < out.numel(); ++k)
        if (count[size_t(k)] > 1) {
          if constexpr (std::is_floating_point_v<T>)
            po[k] /= T(count[size_t(k)]);
          else
            po[k] = T(std::floor(double(po[k]) / double(count[size_t(k)])));
        }
    });
  }
  return out;
}

// PyTorch's scatter_reduce_backward: each input's share of g (ties share the
// extremes evenly); written with differentiable ops, except where two zeros
// of src meet in a product, whose second derivative PyTorch also refuses.
tensor_list scatter_reduce_backward(const Tensor& g, const Tensor& x, int64_t d, const Tensor& index, const Tensor& src,
                                    Reduce r, bool include_self, const Tensor& result) {
  Tensor zero = zeros({}, x.dtype()), one = ones({}, x.dtype());
  Tensor grad_x, grad_src;
  switch (r) {
    case Reduce::Sum:
      grad_x = g;
      grad_src = gather(g, d, index);
      break;
    case Reduce::Mean: {
      Tensor n = scatter_add(include_self ? ones_like(x) : zeros_like(x), d, index, ones(index.shape(), x.dtype()));
      n = masked_fill(n, eq(n, zero), 1);
      grad_x = g / n;
      grad_src = gather(g, d, index) / gather(n, d, index);
      break;
    }
    case Reduce::Prod: {
      Tensor masked_x = masked_fill(x, eq(x, zero), 1);
      grad_x = g * scatter_reduce(masked_x, d, index, src, "prod", include_self) / masked_x;
      Tensor src_zero = eq(src, zero);
      Tensor zeros_there = gather(scatter_add(zeros_like(x), d, index, to_dtype(src_zero, x.dtype())), d, index);
      Tensor single_zero = logical_and(src_zero, eq(zeros_there, one));
      Tensor masked_src_result = scatter_reduce(x, d, index, masked_fill(src, single_zero, 1), "prod", include_self);
      grad_src = where(single_zero, gather(g * masked_src_result, d, index),
                       gather(g * result, d, index) / masked_fill(src, src_zero, 1));
      std::vector<double> counts = zeros_there.to_vector();
      if (grad_src.requires_grad() && std::any_of(counts.begin(), counts.end(), [](double c) { return c > 1; })) {
        Tensor guarded = grad_src.detach();
        record("DelayedError", {grad_src}, guarded, [](const tensor_list&) -> tensor_list {
          throw Error("scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered "
                      "to the same position in self");
        }, Saves::None);
        grad_src = guarded;
      }
      break;
    }
    case Reduce::Amax:
    case Reduce::Amin: {
      Tensor value = gather(result, d, index);
      Tensor x_is = eq(x, result), src_is = eq(src, value);
      Tensor shares = scatter_add(to_dtype(x_is, x.dtype()), d, index, to_dtype(src_is, x.dtype()));
      Tensor spread = g / shares;
      grad_x = where(x_is, spread, zero);
      grad_src = where(src_is, gather(spread, d, index), zero);
      break;
    }
  }
  if (!include_self) grad_x = masked_fill(grad_x, ne(scatter_add(zeros_like(x), d, index, ones(index.shape(), x.dtype())), zero), 0);
  return {grad_x, grad_src};
}
}  // namespace

Tensor scatter_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self) {
  Reduce r = reduce_of(reduce, "scatter_reduce");
  check_index_dtype(index, "scatter_reduce");
  EMBER_CHECK(src.defined(), "scatter_reduce: expected a defined src");
  EMBER_CHECK_TYPE(src.dtype() == x.dtype(), "scatter_reduce: expected self.dtype to be equal to src.dtype, got {} and {}",
                   dtype_name(x.dtype()), dtype_name(src.dtype()));
  int64_t d = wrap_dim(dim, x.dim(), "scatter_reduce");
  EMBER_CHECK(std::max<int64_t>(src.dim(), 1) == std::max<int64_t>(x.dim(), 1),
              "scatter_reduce: src must have the same number of dimensions as x; src {}, x {}",
              shape_str(src.shape()), shape_str(x.shape()));
  check_gather_index("scatter_reduce", x, d, index, &src);
  EMBER_CHECK(!any_requires_grad({&src}) || src.shape() == index.shape(),
              "scatter_reduce: the gradient of src needs src's shape {} to equal index's shape {}",
              shape_str(src.shape()), shape_str(index.shape()));
  Tensor out = scatter_reduce_kernel(x, d, index, src, r, include_self);
  if (any_requires_grad({&x, &src})) {
    SavedVariable sx(x, false), si(index, false), ss(src, false), so(out, true);
    record("ScatterReduceBackward0", {x, src}, out, [=](const tensor_list& g) -> tensor_list {
      return scatter_reduce_backward(g[0], sx.unpack(), d, si.unpack(), ss.unpack(), r, include_self, so.unpack());
    });
  }
  return out;
}

// index_reduce is scatter_reduce with the index repeated over source's other dims.
Tensor index_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self) {
  EMBER_CHECK(reduce != "sum", "index_reduce: reduce argument must be either prod, mean, amax or amin, got {}",
              reduce);
  reduce_of(reduce, "index_reduce");
  check_index_dtype(index, "index_reduce");
  EMBER_CHECK(index.dim() <= 1, "index_reduce: Index is supposed to be a vector, got shape {}",
              shape_str(index.shape()));
  EMBER_CHECK(source.defined(), "index_reduce: expected a defined source");
  int64_t d = wrap_dim(dim, x.dim(), "index_reduce");
  Shape expected = at_least_1d(x).shape();
  expected[d] = index.numel();
  EMBER_CHECK(at_least_1d(source).shape() == expected,
              "index_reduce: expected source of shape {} (x's shape {} with dim {} of size {}), got {}",
              shape_str(expected), shape_str(x.shape()), d, index.numel(), shape_str(source.shape()));
  Shape along(source.dim(), 1);
  if (source.dim() > 0) along[d] = index.numel();
  Tensor spread = contiguous(expand(reshape(index, along), source.shape()));
  return scatter_reduce(x, dim, spread, source, reduce, include_self);
}

}  // namespace ember
