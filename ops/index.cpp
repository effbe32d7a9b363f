// Indexing: Python's x[...] (basic indices as views, then any number of int64
// index tensors and bool masks, broadcast together, as one gather), its
// assignment twin index_put_ (with accumulate), and
// the gather/scatter pairs whose backward rules use each other: index_select
// <-> index_add, gather <-> scatter_add. masked_fill, nonzero and one_hot
// complete it.
#include "ops/index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {
namespace {

// A 0-d tensor seen as shape [1], so kernels always have a dim to index.
Tensor at_least_1d(const Tensor& t) { return t.dim() > 0 ? t : make_view(t, {1}, {1}, t.storage_offset()); }

Tensor long_tensor(const std::vector<int64_t>& values) {
  Tensor t = make_tensor({int64_t(values.size())}, kInt64);
  if (!values.empty()) std::memcpy(t.data_ptr<int64_t>(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

template <class V>
V erase_range(V v, int64_t start, int64_t count) {
  v.erase(v.begin() + start, v.begin() + start + count);
  return v;
}

void check_index_dtype(const Tensor& index, const char* op) {
  EMBER_CHECK(index.defined(), "{}: expected a defined index tensor", op);
  EMBER_CHECK_TYPE(index.dtype() == kInt64, "{}: expected index to be int64, got {}", op, dtype_name(index.dtype()));
}

// The values of an int64 index, each checked against `size`; `wrap` lets
// negative values count from the end, as Python indexing does.
std::vector<int64_t> read_positions(const Tensor& index, int64_t size, bool wrap, const char* op, int64_t dim) {
  Tensor c = contiguous_data(index);
  const int64_t* p = c.data_ptr<int64_t>();
  std::vector<int64_t> out(p, p + c.numel());
  for (int64_t& v : out) {
    EMBER_CHECK_INDEX(v < size && v >= (wrap ? -size : 0), "{}: index {} is out of bounds for dimension {} with size {}",
                      op, v, dim, size);
    if (v < 0) v += size;
  }
  return out;
}

// Row-major positions of the nonzero elements. Branch-free: with a random
// mask, a branch per element would mispredict half the time.
std::vector<int64_t> true_positions(const Tensor& x) {
  Tensor c = contiguous_data(x);
  int64_t n = c.numel(), count = 0;
  std::vector<int64_t> out(n);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) {
      out[count] = i;
      count += p[i] != T(0);
    }
  });
  out.resize(count);
  return out;
}

// Element offsets of a tensor of `shape`/`strides`, in row-major order.
std::vector<int64_t> element_offsets(const Shape& shape, const Strides& strides) {
  int64_t n = numel_of(shape);
  std::vector<int64_t> offs(n);
  std::vector<int64_t> coord(shape.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    offs[i] = off;
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      off += strides[d];
      if (++coord[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  return offs;
}

// Pairs row k of `a` (starting at a_rows[k]) with row k of `b`; a row is every
// element of the dims left over by the indexing (rest_shape, with each
// tensor's strides), and f(a_elem, b_elem) runs on each pair. `a` is written:
// rows may run in parallel only when no two a_rows coincide.
template <class T, class U, class F>
void for_row_pairs(T* a, const std::vector<int64_t>& a_rows, const Strides& a_rest, U* b,
                   const std::vector<int64_t>& b_rows, const Strides& b_rest, const Shape& rest_shape,
                   bool parallel, F f) {
  // Coalesce the rest dims both tensors walk as one, then loop the last with its strides.
  Shape dims;
  Strides sa, sb;
  for (size_t d = 0; d < rest_shape.size(); ++d) {
    if (rest_shape[d] == 1) continue;
    if (!dims.empty() && sa.back() == a_rest[d] * rest_shape[d] && sb.back() == b_rest[d] * rest_shape[d]) {
      dims.back() *= rest_shape[d];
      sa.back() = a_rest[d];
      sb.back() = b_rest[d];
    } else {
      dims.push_back(rest_shape[d]);
      sa.push_back(a_rest[d]);
      sb.push_back(b_rest[d]);
    }
  }
  int64_t len = 1, ia = 0, ib = 0;
  if (!dims.empty()) {
    len = dims.back();
    ia = sa.back();
    ib = sb.back();
    dims.pop_back();
    sa.pop_back();
    sb.pop_back();
  }
  std::vector<int64_t> ao = element_offsets(dims, sa), bo = element_offsets(dims, sb);
  int64_t n = int64_t(a_rows.size()), m = int64_t(ao.size());
  parallel_for(n, parallel && n * m * len >= kParallelGrain, [&](int64_t k) {
    for (int64_t r = 0; r < m; ++r) {
      T* ra = a + a_rows[k] + ao[r];
      U* rb = b + b_rows[k] + bo[r];
      if (ia == 1 && ib == 1) {
        for (int64_t i = 0; i < len; ++i) f(ra[i], rb[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) f(ra[i * ia], rb[i * ib]);
      }
    }
  });
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

// x after its basic indices (integers, slices, None, Ellipsis) as `view`, and
// its advanced indices: one int64 position list per indexed dim of view
// (`dims`, ascending), all broadcast to `index_shape`; a k-dim bool mask counts
// as k such indices (the coordinates of its true elements). In the result the
// index dims replace the indexed ones, where the first of them stood when they
// are adjacent, in front otherwise (PyTorch's advanced-indexing rule).
struct Parsed {
  Tensor view;
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> positions;  // per indexed dim, row-major over index_shape, wrapped
  Shape index_shape;

  bool advanced() const { return !dims.empty(); }
  bool adjacent() const { return dims.back() - dims.front() + 1 == int64_t(dims.size()); }
  int64_t first() const { return adjacent() ? dims.front() : 0; }
  // view with the indexed dims moved to first(), first() + 1, ... (a view, no copy).
  Tensor moved() const {
    if (adjacent()) return view;
    std::vector<int64_t> order = dims;
    for (int64_t d = 0; d < view.dim(); ++d)
      if (std::find(dims.begin(), dims.end(), d) == dims.end()) order.push_back(d);
    return permute(view, order);
  }
  // The shape of x[indices]: view's other dims, with index_shape inserted at first().
  Shape result_shape() const {
    if (!advanced()) return view.shape();
    Shape s;
    for (int64_t d = 0; d < view.dim(); ++d)
      if (std::find(dims.begin(), dims.end(), d) == dims.end()) s.push_back(view.size(d));
    s.insert(s.begin() + first(), index_shape.begin(), index_shape.end());
    return s;
  }
};

// NumPy broadcasting of the index tensors' shapes, or PyTorch's IndexError.
Shape broadcast_index_shapes(const std::vector<Tensor>& tensors, const char* op) {
  Shape out;
  bool ok = true;
  for (const Tensor& t : tensors) {
    const Shape& s = t.shape();
    Shape merged(std::max(out.size(), s.size()), 1);
    for (size_t i = 0; i < merged.size(); ++i) {
      int64_t a = i < out.size() ? out[out.size() - 1 - i] : 1, b = i < s.size() ? s[s.size() - 1 - i] : 1;
      ok = ok && (a == b || a == 1 || b == 1);
      merged[merged.size() - 1 - i] = a == 1 ? b : a;
    }
    out = merged;
  }
  if (!ok) {
    std::vector<std::string> shapes;
    for (const Tensor& t : tensors) shapes.push_back(shape_str(t.shape()));
    throw IndexError(fmt::format("{}: shape mismatch: indexing tensors could not be broadcast together with shapes {}",
                                 op, fmt::join(shapes, ", ")));
  }
  return out;
}

// `zero_dim_selects`: a 0-d int64 tensor acts as an integer (Python's x[t]);
// otherwise it is an advanced index like any other (index_put_'s tuple).
Parsed parse_indices(const Tensor& x, const std::vector<TensorIndex>& indices, const char* op,
                     bool zero_dim_selects = true) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& ix : indices) {
    if (ix.kind == Kind::Integer || ix.kind == Kind::Slice) ++consumed;
    if (ix.kind == Kind::Ellipsis) ++ellipses;
    if (ix.kind != Kind::Tensor) continue;
    EMBER_CHECK(ix.tensor != nullptr, "{}: an index tensor is undefined", op);
    Tensor t(ix.tensor);
    EMBER_CHECK_INDEX(t.dtype() == kInt64 || t.dtype() == kBool,
                      "{}: tensors used as indices must be int64 or bool tensors, got {}", op, dtype_name(t.dtype()));
    consumed += t.dtype() == kBool ? t.dim() : 1;
  }
  EMBER_CHECK_INDEX(ellipses <= 1, "{}: an index can only have a single ellipsis ('...')", op);
  EMBER_CHECK_INDEX(consumed <= x.dim(), "{}: too many indices for tensor of dimension {} (got {})", op, x.dim(),
                    consumed);

  // Each advanced index as an int64 tensor, with the view dim it indexes, x's
  // dim (for messages) and that dim's size.
  struct Advanced {
    Tensor positions;
    int64_t dim, xdim, size;
  };
  std::vector<Advanced> advanced;
  Tensor r = x;
  int64_t cur = 0, xdim = 0;  // position in r, and in x for messages
  auto select_int = [&](int64_t i) {
    int64_t size = r.size(cur);
    EMBER_CHECK_INDEX(i >= -size && i < size, "{}: index {} is out of bounds for dimension {} with size {}", op, i,
                      xdim, size);
    r = select(r, cur, i);
    ++xdim;
  };
  for (const TensorIndex& ix : indices) {
    switch (ix.kind) {
      case Kind::Integer:
        select_int(ix.integer);
        break;
      case Kind::Slice: {
        int64_t step = ix.slice.step.value_or(1);
        EMBER_CHECK(step != 0, "{}: slice step cannot be zero", op);
        EMBER_CHECK(step > 0, "{}: step must be greater than zero, got {}", op, step);
        r = slice(r, cur, ix.slice.start, ix.slice.stop, step);
        ++cur;
        ++xdim;
        break;
      }
      case Kind::None:
        r = unsqueeze(r, cur);
        ++cur;
        break;
      case Kind::Ellipsis:
        cur += x.dim() - consumed;
        xdim += x.dim() - consumed;
        break;
      case Kind::Tensor: {
        Tensor t(ix.tensor);
        if (t.dtype() == kInt64 && t.dim() == 0 && zero_dim_selects) {
          select_int(t.item<int64_t>());
        } else if (t.dtype() == kInt64) {
          advanced.push_back({t, cur, xdim, r.size(cur)});
          ++cur;
          ++xdim;
        } else if (t.dim() == 0) {  // x[True] adds a dim of size 1 indexed by [0], x[False] one indexed by []
          r = unsqueeze(r, cur);
          advanced.push_back({long_tensor(t.item<bool>() ? std::vector<int64_t>{0} : std::vector<int64_t>{}), cur,
                              xdim, 1});
          ++cur;
        } else {
          for (int64_t j = 0; j < t.dim(); ++j)
            EMBER_CHECK_INDEX(t.size(j) == r.size(cur + j),
                              "{}: the shape of the mask {} at index {} does not match the shape of the indexed "
                              "tensor {} at index {}",
                              op, shape_str(t.shape()), j, shape_str(x.shape()), xdim + j);
          // One index per mask dim: the coordinates of the true elements along it.
          std::vector<int64_t> hits = true_positions(t);
          for (int64_t j = 0; j < t.dim(); ++j) {
            int64_t inner = numel_of(Shape(t.shape().begin() + j + 1, t.shape().end()));
            std::vector<int64_t> coord(hits.size());
            for (size_t k = 0; k < hits.size(); ++k) coord[k] = hits[k] / inner % t.size(j);
            advanced.push_back({long_tensor(coord), cur + j, xdim + j, r.size(cur + j)});
          }
          cur += t.dim();
          xdim += t.dim();
        }
        break;
      }
    }
  }
  Parsed p;
  p.view = r;
  if (advanced.empty()) return p;
  std::vector<Tensor> tensors;
  for (const Advanced& a : advanced) tensors.push_back(a.positions);
  p.index_shape = broadcast_index_shapes(tensors, op);
  for (const Advanced& a : advanced) {
    p.dims.push_back(a.dim);
    p.positions.push_back(read_positions(expand(a.positions, p.index_shape), a.size, true, op, a.xdim));
  }
  return p;
}

// Writes value (broadcast, converted) into x[indices] in place, adding to what
// is there with `accumulate` (repeated positions then sum); no autograd.
void write_indexed(const Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value, bool accumulate,
                   bool zero_dim_selects) {
  check_writable(x);
  NoGradGuard no_grad;
  Parsed p = parse_indices(x, indices, "index_put_", zero_dim_selects);
  Shape rshape = p.result_shape();
  EMBER_CHECK(broadcastable_to(value.shape(), rshape),
              "index_put_: shape mismatch: value tensor of shape {} cannot be broadcast to indexing result of shape {}",
              shape_str(value.shape()), shape_str(rshape));
  if (!p.advanced()) {
    Tensor dst = p.view;
    copy_(dst, accumulate ? add(dst, value) : value);
    return;
  }
  // Rows of the destination: the indexed dims' positions dotted with their strides.
  Tensor dst = p.moved();
  const int64_t at = p.first(), m = int64_t(p.dims.size()), n = numel_of(p.index_shape);
  std::vector<int64_t> a_rows(n, 0), b_rows(n);
  for (int64_t j = 0; j < m; ++j) {
    const int64_t stride = dst.stride(at + j);
    for (int64_t k = 0; k < n; ++k) a_rows[k] += p.positions[j][k] * stride;
  }
  // The value broadcast and seen as pre + [n] + post (a copy only when the
  // index dims do not merge, or when it overlaps the destination).
  Shape v_shape = erase_range(rshape, at, int64_t(p.index_shape.size()));
  v_shape.insert(v_shape.begin() + at, n);
  Tensor v = reshape(expand(to_dtype(value, x.dtype()), rshape), v_shape);
  if (v.is_alias_of(x)) v = clone(v);
  const Strides& v_strides = v.strides();
  for (int64_t k = 0; k < n; ++k) b_rows[k] = k * v_strides[at];
  Shape rest = erase_range(dst.shape(), at, m);
  Strides dst_rest = erase_range(dst.strides(), at, m), v_rest = erase_range(v_strides, at, 1);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      if (accumulate) {
        for_row_pairs(dst.data_ptr<T>(), a_rows, dst_rest, v.data_ptr<T>(), b_rows, v_rest, rest, false,
                      [](T& a, T b) { a = a || b; });
        return;
      }
    } else if (accumulate) {
      for_row_pairs(dst.data_ptr<T>(), a_rows, dst_rest, v.data_ptr<T>(), b_rows, v_rest, rest, false,
                    [](T& a, T b) { a += b; });
      return;
    }
    for_row_pairs(dst.data_ptr<T>(), a_rows, dst_rest, v.data_ptr<T>(), b_rows, v_rest, rest, false,
                  [](T& a, T b) { a = b; });
  });
  x.storage()->bump_version();
}

// x[indices] with the parser's `zero_dim_selects`: permute, flatten and
// index_select, so its gradient is theirs (g added at the picked positions).
Tensor gather_indexed(const Tensor& x, const std::vector<TensorIndex>& indices, bool zero_dim_selects) {
  Parsed p = parse_indices(x, indices, "index", zero_dim_selects);
  if (!p.advanced()) return p.view;
  // The indexed dims, next to each other, flattened into one: index it with
  // the row-major position within them.
  Tensor moved = p.moved();
  const int64_t at = p.first(), m = int64_t(p.dims.size()), n = numel_of(p.index_shape);
  std::vector<int64_t> linear(n, 0);
  for (int64_t j = 0; j < m; ++j) {
    const int64_t size = moved.size(at + j);
    for (int64_t k = 0; k < n; ++k) linear[k] = linear[k] * size + p.positions[j][k];
  }
  Tensor r = m == 1 ? moved : flatten(moved, at, at + m - 1);
  Tensor out = index_select(r, at, long_tensor(linear));
  Shape shape = p.result_shape();
  return out.shape() == shape ? out : reshape(out, shape);
}

// Out-of-place x[indices] = value (or += with `accumulate`).
// d x = g with the written positions zeroed (g itself with accumulate); d value = g[indices]
Tensor put_indexed(const Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value, bool accumulate,
                   bool zero_dim_selects) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(x);
  }
  write_indexed(out, indices, value, accumulate, zero_dim_selects);
  if (any_requires_grad({&x, &value})) {
    bool need_x = x.requires_grad(), need_value = value.requires_grad();
    record("IndexPutBackward0", {x, value}, out,
           [indices, accumulate, zero_dim_selects, need_x, need_value](const tensor_list& g) -> tensor_list {
             Tensor grad_x;
             if (need_x)
               grad_x = accumulate ? g[0]
                                   : put_indexed(g[0], indices, zeros({}, g[0].dtype()), false, zero_dim_selects);
             return {grad_x, need_value ? gather_indexed(g[0], indices, zero_dim_selects) : Tensor()};
           });
  }
  return out;
}

std::vector<TensorIndex> as_indices(const tensor_list& tensors, const char* op) {
  std::vector<TensorIndex> out;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(t.defined(), "{}: expected every index to be a defined tensor", op);
    out.emplace_back(t);
  }
  return out;
}

// index_put's own checks (Python's x[...] = v converts the value instead).
void check_put_values(const Tensor& x, const Tensor& values, const char* op) {
  EMBER_CHECK(x.defined() && values.defined(), "{}: expected defined tensors", op);
  EMBER_CHECK_TYPE(values.dtype() == x.dtype(),
                   "{}: Index put requires the source and destination dtypes match, got {} for the destination and {} "
                   "for the source.",
                   op, dtype_name(x.dtype()), dtype_name(values.dtype()));
}

}  // namespace

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices) { return gather_indexed(x, indices, true); }

Tensor& index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value) {
  EMBER_CHECK(x.defined() && value.defined(), "index_put_: expected defined tensors");
  if (!any_requires_grad({&x, &value})) {
    write_indexed(x, indices, value, false, true);
    return x;
  }
  return apply_in_place(x, "index_put_", value.requires_grad(),
                        [&](const Tensor& s) { return put_indexed(s, indices, value, false, true); });
}

Tensor index_put(const Tensor& x, const tensor_list& indices, const Tensor& values, bool accumulate) {
  check_put_values(x, values, "index_put");
  return put_indexed(x, as_indices(indices, "index_put"), values, accumulate, false);
}

Tensor& index_put_(Tensor& x, const tensor_list& indices, const Tensor& values, bool accumulate) {
  check_put_values(x, values, "index_put_");
  std::vector<TensorIndex> ix = as_indices(indices, "index_put_");
  if (!any_requires_grad({&x, &values})) {
    write_indexed(x, ix, values, accumulate, false);
    return x;
  }
  return apply_in_place(x, "index_put_", values.requires_grad(),
                        [&](const Tensor& s) { return put_indexed(s, ix, values, accumulate, false); });
}

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
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(x);
  }
  Tensor iv = at_least_1d(index), sv = at_least_1d(src), ov = at_least_1d(out);
  Strides os = ov.strides();
  int64_t step = os[d];
  os[d] = 0;
  dispatch_numeric(x.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const int64_t* pi = iv.data_ptr<int64_t>();
    const T* ps = sv.data_ptr<T>();
    T* po = ov.data_ptr<T>();
    serial_rows<3>(iv.shape(), {iv.strides(), os, sv.strides()},
                   [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& s) {
                     for (int64_t i = 0; i < n; ++i)
                       po[off[1] + i * s[1] + pi[off[0] + i * s[0]] * step] += ps[off[2] + i * s[2]];
                   });
  });
  if (any_requires_grad({&x, &src})) {
    SavedVariable si(index, false);
    Shape src_shape = src.shape();
    bool need_src = src.requires_grad();
    record("ScatterAddBackward0", {x, src}, out, [d, si, src_shape, need_src](const tensor_list& g) -> tensor_list {
      if (!need_src) return {g[0], Tensor()};
      Tensor gs = gather(g[0], d, si.unpack());
      // src may be larger than the index: its extra entries were never read.
      for (int64_t k = 0; k < gs.dim(); ++k)
        if (gs.size(k) < src_shape[k]) {
          Shape pad = gs.shape();
          pad[k] = src_shape[k] - gs.size(k);
          gs = cat({gs, zeros(pad, gs.dtype())}, k);
        }
      return {g[0], gs};
    });
  }
  return out;
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
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(x);
  }
  Tensor iv = at_least_1d(index), sv = at_least_1d(src), ov = at_least_1d(out);
  Strides os = ov.strides();
  int64_t step = os[d];
  os[d] = 0;
  std::vector<int64_t> count(size_t(out.numel()), include_self ? 1 : 0);
  dispatch_numeric(x.dtype(), "scatter_reduce", [&](auto tag) {
    using T = decltype(tag);
    const int64_t* pi = iv.data_ptr<int64_t>();
    const T* ps = sv.data_ptr<T>();
    T* po = ov.data_ptr<T>();
    serial_rows<3>(iv.shape(), {iv.strides(), os, sv.strides()},
                   [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& s) {
                     for (int64_t i = 0; i < n; ++i) {
                       int64_t at = off[1] + i * s[1] + pi[off[0] + i * s[0]] * step;
                       T v = ps[off[2] + i * s[2]];
                       T& o = po[at];
                       if (count[size_t(at)]++ == 0) {
                         o = v;
                         continue;
                       }
                       switch (r) {
                         case Reduce::Sum:
                         case Reduce::Mean: o += v; break;
                         case Reduce::Prod: o *= v; break;
                         case Reduce::Amax: o = (v > o || v != v) ? v : o; break;
                         case Reduce::Amin: o = (v < o || v != v) ? v : o; break;
                       }
                     }
                   });
    if (r == Reduce::Mean)
      for (int64_t k = 0; k < out.numel(); ++k)
        if (count[size_t(k)] > 1) {
          if constexpr (std::is_floating_point_v<T>)
            po[k] /= T(count[size_t(k)]);
          else
            po[k] = T(std::floor(double(po[k]) / double(count[size_t(k)])));
        }
  });
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

// d masked_fill(x, mask, v) = masked_fill(g, mask, 0)
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  EMBER_CHECK(mask.defined(), "masked_fill: expected a defined mask");
  EMBER_CHECK_TYPE(mask.dtype() == kBool, "masked_fill: expected mask to be a bool tensor, got {}",
                   dtype_name(mask.dtype()));
  Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  Tensor out = make_tensor(shape, x.dtype());
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T v;
    if constexpr (std::is_same_v<T, bool>)
      v = value.to_double() != 0;
    else if constexpr (std::is_integral_v<T>)
      v = value.to_int();
    else
      v = T(value.to_double());
    map_binary<T, T, bool>(out.data_ptr<T>(), shape, x, mask, [v](T a, bool m) { return m ? v : a; });
  });
  if (any_requires_grad({&x})) {
    SavedVariable sm(mask, false);
    record("MaskedFillBackward0", {x}, out,
           [sm](const tensor_list& g) -> tensor_list { return {masked_fill(g[0], sm.unpack(), 0)}; });
  }
  return out;
}

Tensor nonzero(const Tensor& x) {
  std::vector<int64_t> hits = true_positions(x);
  int64_t nd = x.dim();
  Tensor out = make_tensor({int64_t(hits.size()), nd}, kInt64);
  int64_t* po = out.data_ptr<int64_t>();
  for (size_t k = 0; k < hits.size(); ++k) {
    int64_t rem = hits[k];
    for (int64_t j = nd - 1; j >= 0; --j) {
      po[int64_t(k) * nd + j] = rem % x.size(j);
      rem /= x.size(j);
    }
  }
  return out;
}

// out[..., c] = (tensor[...] == c), int64; not differentiable (integer in and out).
Tensor one_hot(const Tensor& tensor, int64_t num_classes) {
  EMBER_CHECK(tensor.defined(), "one_hot: expected a defined tensor");
  EMBER_CHECK_TYPE(tensor.dtype() == kInt64, "one_hot: expected an int64 (index) tensor, got {}",
                   dtype_name(tensor.dtype()));
  Shape shape = tensor.shape();
  Tensor t = contiguous_data(tensor);
  const int64_t n = t.numel();
  const int64_t* pt = t.data_ptr<int64_t>();
  if (n == 0) {
    EMBER_CHECK(num_classes > 0, "one_hot: can not infer the number of classes from an empty tensor, got num_classes={}",
                num_classes);
  } else {
    const auto [lo, hi] = std::minmax_element(pt, pt + n);
    EMBER_CHECK(*lo >= 0, "one_hot: expected non-negative class values, got {}", *lo);
    if (num_classes == -1) num_classes = *hi + 1;
    EMBER_CHECK(num_classes > *hi, "one_hot: expected class values smaller than num_classes={}, got {}", num_classes,
                *hi);
  }
  shape.push_back(num_classes);
  Tensor out = make_tensor(shape, kInt64);
  int64_t* po = out.data_ptr<int64_t>();
  std::fill(po, po + n * num_classes, int64_t(0));
  for (int64_t i = 0; i < n; ++i) po[i * num_classes + pt[i]] = 1;
  return out;
}

}  // namespace ember
