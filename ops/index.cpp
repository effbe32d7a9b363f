// Indexing: Python's x[...] (basic indices as views, then any number of int64
// index tensors and bool masks, broadcast together, as one gather) and its
// assignment twin index_put_ (with accumulate); masked_fill, nonzero and
// one_hot complete it. The gather/scatter pairs are in ops/index_scatter.cpp.
#include "ops/index.h"

#include <algorithm>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index_internal.h"
#include "ops/loops.h"
#include "ops/shape.h"

namespace ember {
namespace index_internal {

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

}  // namespace index_internal

using namespace index_internal;

namespace {

Tensor long_tensor(const std::vector<int64_t>& values) {
  Tensor t = make_tensor({int64_t(values.size())}, kInt64);
  if (!values.empty()) std::memcpy(t.data_ptr<int64_t>(), values.data(), values.size() * sizeof(int64_t));
  return t;
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
