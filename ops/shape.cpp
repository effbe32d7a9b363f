// Shape ops. Views (reshape/view when the strides allow, squeeze, unsqueeze,
// permute, transpose, expand, narrow, select, slice, split) share storage via
// make_view; flip, cat and stack copy. Every backward rule is written with
// differentiable ops; a window (narrow/select/slice) scatters back through the
// internal op put_window, whose own backward takes the window again.
#include "ops/shape.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/reduce.h"

namespace ember {
namespace {

// Resolves a -1 in `shape` against `numel` and checks the element count.
Shape infer_size(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  std::optional<size_t> infer;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(!infer, "{}: only one dimension can be inferred, got shape {}", op, shape_str(shape));
      infer = i;
      continue;
    }
    EMBER_CHECK(shape[i] >= 0, "{}: invalid shape dimension {} in shape {}", op, shape[i], shape_str(shape));
    EMBER_CHECK(!__builtin_mul_overflow(known, shape[i], &known), "{}: shape {} has more elements than int64 can count",
                op, shape_str(shape));
  }
  if (infer) {
    EMBER_CHECK(known != 0,
                "{}: cannot reshape tensor of 0 elements into shape {} because the unspecified dimension size -1 can "
                "be any value and is ambiguous",
                op, shape_str(shape));
    EMBER_CHECK(numel % known == 0, "{}: shape '{}' is invalid for input of size {}", op, shape_str(shape), numel);
    out[*infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "{}: shape '{}' is invalid for input of size {}", op, shape_str(shape), numel);
  }
  return out;
}

// Strides that show a tensor of (old_shape, old_strides) as new_shape without
// copying, or nothing when a new dim would span two non-mergeable old dims
// (PyTorch's computeStride).
std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& new_shape) {
  if (old_shape.empty()) return Strides(new_shape.size(), 1);
  int64_t numel = numel_of(old_shape);
  if (numel == 0 && old_shape == new_shape) return old_strides;
  int64_t ndim = int64_t(new_shape.size());
  Strides strides(ndim);
  if (numel == 0) {
    for (int64_t d = ndim - 1; d >= 0; --d)
      strides[d] = d == ndim - 1 ? 1 : std::max<int64_t>(new_shape[d + 1], 1) * strides[d + 1];
    return strides;
  }
  int64_t view_d = ndim - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = int64_t(old_shape.size()) - 1; td >= 0; --td) {
    tensor_numel *= old_shape[td];
    // End of a chunk of old dims that are contiguous with one another.
    if (td == 0 || (old_shape[td - 1] != 1 && old_strides[td - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk_base_stride = old_strides[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

// One dim's window: `length` entries from `start` every `step`; `drop`
// removes the dim (select) instead of keeping it.
struct Window {
  int64_t dim, start, length, step;
  bool drop;
};

Tensor window_view(const Tensor& x, const Window& w) {
  Shape shape = x.shape();
  Strides strides = x.strides();
  int64_t offset = x.storage_offset() + w.start * strides[w.dim];
  if (w.drop) {
    shape.erase(shape.begin() + w.dim);
    strides.erase(strides.begin() + w.dim);
  } else {
    shape[w.dim] = w.length;
    strides[w.dim] *= w.step;
  }
  return make_view(x, shape, strides, offset);
}

Tensor take_window(const Tensor& x, const Window& w);

// A zero tensor of `shape` holding g in the window w; d put_window(g) = take_window(gg).
Tensor put_window(const Tensor& g, const Shape& shape, const Window& w) {
  Tensor out = zeros(shape, g.dtype());
  if (numel_of(g.shape()) > 0) {
    Tensor dst = window_view(out, w);
    copy_(dst, g);
  }
  if (any_requires_grad({&g}))
    record(w.drop ? "SelectBackwardBackward0" : "SliceBackwardBackward0", {g}, out,
           [w](const tensor_list& gg) -> tensor_list { return {take_window(gg[0], w)}; }, Saves::None);
  return out;
}

// d take_window(x) = put_window(g) into zeros of x's shape
Tensor take_window(const Tensor& x, const Window& w) {
  Tensor out = window_view(x, w);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape shape = x.shape();
    record(w.drop ? "SelectBackward0" : "SliceBackward0", {x}, out,
           [w, shape](const tensor_list& g) -> tensor_list { return {put_window(g[0], shape, w)}; }, Saves::None);
  }
  return out;
}

// An aliasing view with another geometry; d = reshape(g, x.shape)
Tensor alias_view(const Tensor& x, const Shape& shape, const Strides& strides, const char* name) {
  Tensor out = make_view(x, shape, strides, x.storage_offset());
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    record(name, {x}, out, [in_shape](const tensor_list& g) -> tensor_list { return {reshape(g[0], in_shape)}; },
           Saves::None);
  }
  return out;
}

// Copies src (converted to out's dtype) into the window w of `out`: the kernel behind cat and stack.
void copy_into(const Tensor& out, const Window& w, const Tensor& src) {
  if (numel_of(src.shape()) == 0) return;
  Tensor dst = window_view(out, w);
  copy_(dst, src);
}

// The pieces of split/chunk: views of x along dim d, all outputs of one node.
// `unsafe` (unsafe_split, unsafe_chunk): the pieces share x's memory but are
// not views to autograd (each its own version counter), so they may be
// modified in place, as in PyTorch.
// d split(x) = cat(g_i) along d (zeros for pieces that got no gradient)
tensor_list split_views(const Tensor& x, const std::vector<int64_t>& sizes, int64_t d, const char* name,
                        bool unsafe = false) {
  tensor_list out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(window_view(x, {d, start, s, 1, false}));
    if (unsafe) {
      std::shared_ptr<Storage> shared = x.storage();
      out.back().impl()->storage = Storage::wrap(shared->data(), shared->nbytes(), [shared] {});
    } else {
      as_view(x, out.back(), CreationMeta::MultiOutputNode);
    }
    start += s;
  }
  if (any_requires_grad({&x}))
    record_multi(name, {x}, out, [d](const tensor_list& g) -> tensor_list { return {cat(g, d)}; }, Saves::None);
  return out;
}

tensor_list split_with_sizes(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim, bool unsafe) {
  EMBER_CHECK_INDEX(x.dim() > 0, "split: expected a tensor with at least 1 dimension, got a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes: expected split_sizes to have only non-negative entries, got {}",
                shape_str(split_sizes));
    total += s;
  }
  EMBER_CHECK(total == x.size(d),
              "split_with_sizes: expected split_sizes to sum exactly to {} (input tensor's size at dimension {}), "
              "but got split_sizes={}",
              x.size(d), dim, shape_str(split_sizes));
  return split_views(x, split_sizes, d, unsafe ? "UnsafeSplitWithSizesBackward0" : "SplitWithSizesBackward0",
                     unsafe);
}

tensor_list split_every(const Tensor& x, int64_t split_size, int64_t dim, bool unsafe) {
  EMBER_CHECK_INDEX(x.dim() > 0, "split: expected a tensor with at least 1 dimension, got a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "split");
  int64_t size = x.size(d);
  EMBER_CHECK(split_size >= 0, "split: expected split_size to be non-negative, got {}", split_size);
  EMBER_CHECK(split_size > 0 || size == 0,
              "split: split_size can only be 0 if dimension size is 0, but got dimension size of {}", size);
  int64_t chunks = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes(chunks, split_size);
  sizes.back() = size - split_size * (chunks - 1);
  return split_views(x, sizes, d, unsafe ? "UnsafeSplitBackward0" : "SplitBackward0", unsafe);
}

tensor_list chunk_of(const Tensor& x, int64_t chunks, int64_t dim, bool unsafe) {
  EMBER_CHECK_INDEX(x.dim() > 0, "chunk: expected at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk: expected chunks to be greater than 0, got {}", chunks);
  int64_t d = wrap_dim(dim, x.dim(), "chunk");
  int64_t size = x.size(d);
  if (size == 0)  // as PyTorch
    return split_views(x, std::vector<int64_t>(chunks, 0), d, unsafe ? "UnsafeSplitBackward0" : "SplitBackward0",
                       unsafe);
  return split_every(x, (size + chunks - 1) / chunks, d, unsafe);
}

// The diagonal of dims d1 and d2 (offset above the main one when positive) as
// one last dim: x's storage with stride stride(d1) + stride(d2).
Tensor diagonal_view(const Tensor& x, int64_t offset, int64_t d1, int64_t d2) {
  int64_t n = offset >= 0 ? std::min(x.size(d1), x.size(d2) - offset) : std::min(x.size(d1) + offset, x.size(d2));
  n = std::max<int64_t>(n, 0);
  int64_t start = x.storage_offset();
  if (n > 0) start += offset >= 0 ? offset * x.stride(d2) : -offset * x.stride(d1);
  Shape shape;
  Strides strides;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != d1 && d != d2) {
      shape.push_back(x.size(d));
      strides.push_back(x.stride(d));
    }
  shape.push_back(n);
  strides.push_back(x.stride(d1) + x.stride(d2));
  return make_view(x, shape, strides, start);
}

// Zeros of `shape` holding g on the diagonal; d = diagonal(gg)
Tensor diagonal_backward(const Tensor& g, const Shape& shape, int64_t offset, int64_t d1, int64_t d2) {
  Tensor out = zeros(shape, g.dtype());
  if (g.numel() > 0) {
    Tensor dst = diagonal_view(out, offset, d1, d2);
    copy_(dst, g);
  }
  if (any_requires_grad({&g}))
    record("DiagonalBackwardBackward0", {g}, out, [offset, d1, d2](const tensor_list& gg) -> tensor_list {
      return {diagonal(gg[0], offset, d1, d2)};
    }, Saves::None);
  return out;
}

// The row-major index into x of each element of the view (shape, strides,
// offset) over x's storage; -1 where the view reads memory outside x.
std::vector<int64_t> positions_in(const Tensor& x, const Shape& shape, const Strides& strides, int64_t offset) {
  std::vector<int64_t> index_of;  // storage offset - x's offset -> x's row-major index
  int64_t extent = 0;
  for (int64_t d = 0; d < x.dim(); ++d) extent += (x.size(d) - 1) * x.stride(d);
  index_of.assign(size_t(x.numel() > 0 ? extent + 1 : 0), -1);
  std::vector<int64_t> idx(x.dim(), 0);
  for (int64_t j = 0; j < x.numel(); ++j) {
    int64_t off = 0;
    for (int64_t d = 0; d < x.dim(); ++d) off += idx[d] * x.stride(d);
    index_of[size_t(off)] = j;
    for (int64_t d = x.dim() - 1; d >= 0 && ++idx[d] == x.size(d); --d) idx[d] = 0;
  }
  int64_t n = numel_of(shape);
  std::vector<int64_t> out(size_t(n), -1);
  std::vector<int64_t> at(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = offset - x.storage_offset();
    for (size_t d = 0; d < shape.size(); ++d) off += at[d] * strides[d];
    if (off >= 0 && off < int64_t(index_of.size())) out[size_t(k)] = index_of[size_t(off)];
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0 && ++at[d] == shape[d]; --d) at[d] = 0;
  }
  return out;
}

Tensor long_tensor(const std::vector<int64_t>& values) {
  Tensor t = make_tensor({int64_t(values.size())}, kInt64);
  std::copy(values.begin(), values.end(), t.data_ptr<int64_t>());
  return t;
}

// An in-place view op: self takes the geometry of make(self), and, when the
// op is recorded, its history; the view's creation meta is kept (PyTorch).
Tensor& in_place_view(Tensor& self, const std::function<Tensor(const Tensor&)>& make) {
  check_writable(self);
  const bool recording = GradMode::is_enabled() && self.requires_grad();
  if (recording) check_inplace(self);
  Tensor v = make(self);
  TensorImpl& s = *self.impl();
  TensorImpl& vi = *v.impl();
  s.shape = vi.shape;
  s.strides = vi.strides;
  s.offset = vi.offset;
  // A new geometry is a new version (PyTorch): self's other views regenerate their grad_fn, and so does
  // self when the op is not recorded (its old grad_fn no longer fits).
  s.storage->bump_version();
  if (!recording) return self;
  const bool was_view = self.is_view();
  CreationMeta meta = was_view ? s.autograd->view->creation_meta : CreationMeta::Default;
  s.autograd = std::move(vi.autograd);
  if (!s.autograd) return self;
  if (was_view && s.autograd->view) {
    s.autograd->view->creation_meta = meta;
    s.autograd->view->attr_version = s.storage->version();  // the grad_fn just recorded is current
  } else {
    s.autograd->view.reset();
  }
  return self;
}

}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  Shape target = infer_size(shape, x.numel(), "view");
  auto strides = view_strides(x.shape(), x.strides(), target);
  EMBER_CHECK_STATE(strides.has_value(),
                    "view: view size is not compatible with input tensor's size and stride (at least one dimension "
                    "spans across two contiguous subspaces). Use .reshape(...) instead. (input shape {}, strides {}, "
                    "requested shape {})",
                    shape_str(x.shape()), shape_str(x.strides()), shape_str(target));
  return alias_view(x, target, *strides, "ViewBackward0");
}

// A view when the strides allow one, otherwise a differentiable contiguous copy first.
Tensor view_as(const Tensor& x, const Tensor& other) { return view(x, other.shape()); }

Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape target = infer_size(shape, x.numel(), "reshape");
  if (auto strides = view_strides(x.shape(), x.strides(), target))
    return alias_view(x, target, *strides, "ViewBackward0");
  return view(contiguous(x), target);
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  int64_t start = wrap_dim(start_dim, x.dim(), "flatten"), end = wrap_dim(end_dim, x.dim(), "flatten");
  EMBER_CHECK(start <= end, "flatten: start_dim cannot come after end_dim (got start_dim={}, end_dim={})", start_dim,
              end_dim);
  if (start == end) return x;
  Shape shape(x.shape().begin(), x.shape().begin() + start);
  int64_t n = 1;
  for (int64_t d = start; d <= end; ++d) n *= x.size(d);
  shape.push_back(n);
  shape.insert(shape.end(), x.shape().begin() + end + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes) {
  int64_t d = wrap_dim(dim, x.dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  EMBER_CHECK(x.dim() > 0, "unflatten: cannot unflatten a 0-d tensor");
  Shape inner;
  try {
    inner = infer_size(sizes, x.size(d), "unflatten");
  } catch (const ValueError&) {
    throw ValueError(fmt::format("unflatten: provided sizes {} don't multiply up to the size of dim {} ({}) in the "
                                 "input tensor",
                                 shape_str(sizes), dim, x.size(d)));
  }
  Shape shape(x.shape().begin(), x.shape().begin() + d);
  shape.insert(shape.end(), inner.begin(), inner.end());
  shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
  return view(x, shape);
}

Tensor squeeze(const Tensor& x) {
  Shape shape;
  Strides strides;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (x.size(d) != 1) {
      shape.push_back(x.size(d));
      strides.push_back(x.stride(d));
    }
  return alias_view(x, shape, strides, "SqueezeBackward0");
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  int64_t d = wrap_dim(dim, x.dim(), "squeeze");
  Shape shape = x.shape();
  Strides strides = x.strides();
  if (x.dim() > 0 && shape[d] == 1) {
    shape.erase(shape.begin() + d);
    strides.erase(strides.begin() + d);
  }
  return alias_view(x, shape, strides, "SqueezeBackward1");
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  int64_t d = wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  Strides strides = x.strides();
  int64_t stride = d >= x.dim() ? 1 : shape[d] * strides[d];
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return alias_view(x, shape, strides, "UnsqueezeBackward0");
}

namespace {

// d permute(x, p) = permute(g, p⁻¹), recorded under `name`: transpose and t
// are permutes that PyTorch names after themselves.
Tensor permute_named(const Tensor& x, const std::vector<int64_t>& dims, const char* name) {
  int64_t n = x.dim();
  EMBER_CHECK(int64_t(dims.size()) == n,
              "permute: number of dims don't match in permute: the tensor has {} dimensions but {} were given ({})",
              n, dims.size(), shape_str(dims));
  std::vector<int64_t> inverse(n, -1);
  Shape shape(n);
  Strides strides(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n, "permute");
    EMBER_CHECK(inverse[d] < 0, "permute: duplicate dims are not allowed, got {}", shape_str(dims));
    inverse[d] = i;
    shape[i] = x.size(d);
    strides[i] = x.stride(d);
  }
  Tensor out = make_view(x, shape, strides, x.storage_offset());
  as_view(x, out);
  if (any_requires_grad({&x}))
    record(name, {x}, out,
           [inverse](const tensor_list& g) -> tensor_list { return {permute(g[0], inverse)}; }, Saves::None);
  return out;
}

// Swaps two dims; 0-dim tensors accept dims 0 and -1.
Tensor transpose_named(const Tensor& x, int64_t dim0, int64_t dim1, const char* name) {
  if (x.dim() == 0) {
    wrap_dim(dim0, 0, "transpose");
    wrap_dim(dim1, 0, "transpose");
    return alias_view(x, x.shape(), x.strides(), name);
  }
  std::vector<int64_t> dims(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) dims[i] = i;
  std::swap(dims[wrap_dim(dim0, x.dim(), "transpose")], dims[wrap_dim(dim1, x.dim(), "transpose")]);
  return permute_named(x, dims, name);
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) { return permute_named(x, dims, "PermuteBackward0"); }

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  return transpose_named(x, dim0, dim1, "TransposeBackward0");
}

Tensor t(const Tensor& x) {
  EMBER_CHECK(x.dim() <= 2, "t: expects a tensor with <= 2 dimensions, but self is {}D", x.dim());
  return transpose_named(x, 0, x.dim() < 2 ? 0 : 1, "TBackward0");
}

// d expand(x) = sum of g over the expanded dims
Tensor expand(const Tensor& x, const Shape& shape) {
  int64_t n = int64_t(shape.size()), lead = n - x.dim();
  EMBER_CHECK(lead >= 0,
              "expand: the number of sizes provided ({}) must be greater or equal to the number of dimensions in the "
              "tensor ({})",
              n, x.dim());
  Shape out_shape(n);
  Strides strides(n);
  for (int64_t i = 0; i < n; ++i) {
    if (i < lead) {
      EMBER_CHECK(shape[i] >= 0, "expand: -1 not allowed in leading, non-existing dimension {} (target sizes {})", i,
                  shape_str(shape));
      out_shape[i] = shape[i];
      strides[i] = 0;
      continue;
    }
    int64_t have = x.size(i - lead), want = shape[i] == -1 ? have : shape[i];
    EMBER_CHECK(want >= 0, "expand: invalid size {} at dimension {} (target sizes {})", shape[i], i, shape_str(shape));
    EMBER_CHECK(have == want || have == 1,
                "expand: the expanded size of the tensor ({}) must match the existing size ({}) at non-singleton "
                "dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                want, have, i, shape_str(shape), shape_str(x.shape()));
    out_shape[i] = want;
    strides[i] = have == want ? x.stride(i - lead) : 0;
  }
  numel_of(out_shape, "expand");
  Tensor out = make_view(x, out_shape, strides, x.storage_offset());
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape in_shape = x.shape();
    record("ExpandBackward0", {x}, out,
           [in_shape](const tensor_list& g) -> tensor_list { return {sum_to(g[0], in_shape)}; }, Saves::None);
  }
  return out;
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK_INDEX(x.dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "narrow");
  int64_t size = x.size(d);
  EMBER_CHECK(length >= 0, "narrow: length must be non-negative, got {}", length);
  EMBER_CHECK_INDEX(start >= -size && start <= size,
                    "narrow: start out of range (expected to be in range of [{}, {}], but got {})", -size, size, start);
  if (start < 0) start += size;
  EMBER_CHECK(start + length <= size, "narrow: start ({}) + length ({}) exceeds dimension size ({})", start, length,
              size);
  return take_window(x, {d, start, length, 1, false});
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(x.dim() > 0, "select: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "select");
  int64_t size = x.size(d);
  EMBER_CHECK_INDEX(index >= -size && index < size,
                    "select: index {} out of range for tensor of size {} at dimension {}", index,
                    shape_str(x.shape()), dim);
  if (index < 0) index += size;
  return take_window(x, {d, index, 1, 1, true});
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  EMBER_CHECK_INDEX(x.dim() > 0, "slice: cannot be applied to a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "slice");
  EMBER_CHECK(step > 0, "slice: step must be greater than zero, got {}", step);
  int64_t size = x.size(d);
  // Python's clamping: negative bounds count from the end, then clip to [0, size].
  auto clamp_bound = [size](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t b = *v < 0 ? *v + size : *v;
    return std::min(std::max<int64_t>(b, 0), size);
  };
  int64_t lo = clamp_bound(start, 0), hi = clamp_bound(stop, size);
  int64_t length = hi > lo ? (hi - lo + step - 1) / step : 0;
  return take_window(x, {d, length > 0 ? lo : 0, length, step, false});
}

tensor_list split(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim) {
  return split_with_sizes(x, split_sizes, dim, false);
}

tensor_list split(const Tensor& x, int64_t split_size, int64_t dim) { return split_every(x, split_size, dim, false); }

tensor_list chunk(const Tensor& x, int64_t chunks, int64_t dim) { return chunk_of(x, chunks, dim, false); }

tensor_list unsafe_split(const Tensor& x, int64_t split_size, int64_t dim) {
  return split_every(x, split_size, dim, true);
}

tensor_list unsafe_split_with_sizes(const Tensor& x, const std::vector<int64_t>& split_sizes, int64_t dim) {
  return split_with_sizes(x, split_sizes, dim, true);
}

tensor_list unsafe_chunk(const Tensor& x, int64_t chunks, int64_t dim) { return chunk_of(x, chunks, dim, true); }

// d diagonal(x) = zeros like x with g on the diagonal
Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) {
  EMBER_CHECK_INDEX(x.dim() >= 2, "diagonal: expected a tensor with at least 2 dimensions, got {}", x.dim());
  int64_t d1 = wrap_dim(dim1, x.dim(), "diagonal"), d2 = wrap_dim(dim2, x.dim(), "diagonal");
  EMBER_CHECK(d1 != d2, "diagonal: diagonal dimensions cannot be identical {}, {}", dim1, dim2);
  Tensor out = diagonal_view(x, offset, d1, d2);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    Shape shape = x.shape();
    record("DiagonalBackward0", {x}, out, [shape, offset, d1, d2](const tensor_list& g) -> tensor_list {
      return {diagonal_backward(g[0], shape, offset, d1, d2)};
    }, Saves::None);
  }
  return out;
}

// x tiled repeats[i] times along dim i: expand of an interleaved view, then a
// copy, so the gradient is theirs (g summed over the copies).
Tensor repeat(const Tensor& x, const Shape& repeats) {
  int64_t n = int64_t(repeats.size());
  EMBER_CHECK(n >= x.dim(),
              "repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor "
              "(repeats {}, tensor shape {})",
              shape_str(repeats), shape_str(x.shape()));
  for (int64_t r : repeats)
    EMBER_CHECK(r >= 0, "repeat: Trying to create tensor with negative dimension {}: {}", r, shape_str(repeats));
  Shape padded(size_t(n - x.dim()), 1);
  padded.insert(padded.end(), x.shape().begin(), x.shape().end());
  Shape interleaved, expanded, result;
  for (int64_t i = 0; i < n; ++i) {
    interleaved.insert(interleaved.end(), {1, padded[i]});
    expanded.insert(expanded.end(), {repeats[i], padded[i]});
    result.push_back(repeats[i] * padded[i]);
  }
  return reshape(contiguous(expand(reshape(x, interleaved), expanded)), result);
}

// d as_strided(x) = g added at the positions of x each element reads
Tensor as_strided(const Tensor& x, const Shape& size, const Strides& stride, std::optional<int64_t> storage_offset) {
  EMBER_CHECK(size.size() == stride.size(), "as_strided: mismatch in length of strides and shape ({} and {})",
              shape_str(size), shape_str(stride));
  int64_t offset = storage_offset.value_or(x.storage_offset());
  EMBER_CHECK(offset >= 0, "as_strided: Tensor: invalid storage offset {}", offset);
  int64_t needed = offset + 1;
  for (size_t d = 0; d < size.size(); ++d) {
    EMBER_CHECK(size[d] >= 0, "as_strided: Trying to create tensor with negative dimension {}: {}", size[d],
                shape_str(size));
    EMBER_CHECK(stride[d] >= 0, "as_strided: negative strides are not supported, got {}", shape_str(stride));
    if (size[d] == 0) needed = 0;
    if (needed > 0) needed += (size[d] - 1) * stride[d];
  }
  int64_t available = int64_t(x.storage()->nbytes() / element_size(x.dtype()));
  EMBER_CHECK(needed <= available,
              "as_strided: setStorage: sizes {}, strides {}, storage offset {}, and itemsize {} requiring a storage "
              "size of {} are out of bounds for storage of size {}",
              shape_str(size), shape_str(stride), offset, element_size(x.dtype()),
              needed * int64_t(element_size(x.dtype())), available * int64_t(element_size(x.dtype())));
  Tensor out = make_view(x, size, stride, offset);
  as_view(x, out);
  if (any_requires_grad({&x})) {
    std::vector<int64_t> pos = positions_in(x, size, stride, offset), picked, kept;
    for (size_t k = 0; k < pos.size(); ++k)
      if (pos[k] >= 0) {
        picked.push_back(int64_t(k));
        kept.push_back(pos[k]);
      }
    Tensor picked_t = long_tensor(picked), kept_t = long_tensor(kept);
    Shape shape = x.shape();
    record("AsStridedBackward0", {x}, out, [picked_t, kept_t, shape](const tensor_list& g) -> tensor_list {
      Tensor flat = index_select(reshape(g[0], {-1}), 0, picked_t);
      return {reshape(index_add(zeros({numel_of(shape)}, g[0].dtype()), 0, kept_t, flat), shape)};
    }, Saves::None);
  }
  return out;
}

Tensor& transpose_(Tensor& x, int64_t dim0, int64_t dim1) {
  return in_place_view(x, [=](const Tensor& s) { return transpose_named(s, dim0, dim1, "TransposeBackward1"); });
}

Tensor& t_(Tensor& x) {
  EMBER_CHECK(x.dim() <= 2, "t_: expects a tensor with <= 2 dimensions, but self is {}D", x.dim());
  return in_place_view(x, [](const Tensor& s) { return t(s); });
}

Tensor& squeeze_(Tensor& x) {
  return in_place_view(x, [](const Tensor& s) { return squeeze(s); });
}

Tensor& squeeze_(Tensor& x, int64_t dim) {
  return in_place_view(x, [=](const Tensor& s) { return squeeze(s, dim); });
}

Tensor& unsqueeze_(Tensor& x, int64_t dim) {
  return in_place_view(x, [=](const Tensor& s) { return unsqueeze(s, dim); });
}

Tensor& as_strided_(Tensor& x, const Shape& size, const Strides& stride, std::optional<int64_t> storage_offset) {
  return in_place_view(x, [&](const Tensor& s) { return as_strided(s, size, stride, storage_offset); });
}

Tensor& resize_(Tensor& x, const Shape& size) {
  // Inference mode runs no autograd, so nothing there refuses (as in PyTorch).
  EMBER_CHECK_STATE(!x.requires_grad() || InferenceMode::is_enabled(), "cannot resize variables that require grad");
  for (int64_t s : size)
    EMBER_CHECK(s >= 0, "resize_: Trying to create tensor with negative dimension {}: {}", s, shape_str(size));
  if (size == x.shape()) return x;
  TensorImpl& impl = *x.impl();
  size_t item = element_size(x.dtype());
  size_t needed = size_t(x.storage_offset() + numel_of(size)) * item;
  if (needed > impl.storage->nbytes()) {
    // A larger buffer keeping the old bytes and the version count.
    std::shared_ptr<Storage> grown = Storage::allocate(needed);
    std::memcpy(grown->data(), impl.storage->data(), impl.storage->nbytes());
    for (uint32_t v = impl.storage->version(); v > 0; --v) grown->bump_version();
    impl.storage = grown;
  }
  impl.shape = size;
  impl.strides = contiguous_strides(size);
  impl.storage->bump_version();
  return x;
}

Tensor& resize_as_(Tensor& x, const Tensor& other) { return resize_(x, other.shape()); }

// d unbind(x)_i = g_i stacked back along dim (zeros for outputs that got no gradient)
tensor_list unbind(const Tensor& x, int64_t dim) {
  EMBER_CHECK_INDEX(x.dim() > 0, "unbind: dimension specified as 0 but tensor has no dimensions");
  int64_t d = wrap_dim(dim, x.dim(), "unbind");
  tensor_list out;
  for (int64_t i = 0; i < x.size(d); ++i) {
    out.push_back(window_view(x, {d, i, 1, 1, true}));
    as_view(x, out.back(), CreationMeta::MultiOutputNode);
  }
  if (any_requires_grad({&x}))
    record_multi("UnbindBackward0", {x}, out, [d](const tensor_list& g) -> tensor_list { return {stack(g, d)}; },
                 Saves::None);
  return out;
}

// d flip(x) = flip(g)
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  std::vector<bool> flipped(std::max<int64_t>(x.dim(), 1), false);
  for (int64_t dim : dims) {
    int64_t d = wrap_dim(dim, x.dim(), "flip");
    EMBER_CHECK(!flipped[d], "flip: dim {} appears multiple times in the list of dims {}", d, shape_str(dims));
    flipped[d] = true;
  }
  // Copy through a reversed-stride view (internal only: no negative stride escapes).
  Strides strides = x.strides();
  int64_t offset = x.storage_offset();
  if (x.numel() > 0)
    for (int64_t d = 0; d < x.dim(); ++d)
      if (flipped[d]) {
        offset += (x.size(d) - 1) * strides[d];
        strides[d] = -strides[d];
      }
  Tensor out;
  {
    NoGradGuard no_grad;
    out = clone(make_view(x, x.shape(), strides, offset));
  }
  if (any_requires_grad({&x}))
    record("FlipBackward0", {x}, out, [dims](const tensor_list& g) -> tensor_list { return {flip(g[0], dims)}; },
           Saves::None);
  return out;
}

// d cat(x_i) = narrow(g, dim, offset_i, size_i)
Tensor cat(const tensor_list& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of Tensors");
  // As PyTorch, 1-d empty tensors are skipped whatever the other shapes.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; };
  const Tensor* ref = nullptr;
  Dtype dtype = tensors[0].dtype();
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "cat: tensor {} in the list is undefined", i);
    EMBER_CHECK(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position {}) cannot be concatenated", i);
    dtype = promote_types(dtype, tensors[i].dtype());
    if (!ref && !skipped(tensors[i])) ref = &tensors[i];
  }
  if (!ref) return zeros({0}, dtype);
  int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape shape = ref->shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    EMBER_CHECK(t.dim() == ref->dim(), "cat: tensors must have same number of dimensions: got {} and {}", ref->dim(),
                t.dim());
    for (int64_t k = 0; k < t.dim(); ++k)
      EMBER_CHECK(k == d || t.size(k) == ref->size(k),
                  "cat: sizes of tensors must match except in dimension {}. Expected size {} but got size {} for "
                  "tensor number {} in the list.",
                  d, ref->size(k), t.size(k), i);
    shape[d] += t.size(d);
  }
  Tensor out = make_tensor(shape, dtype);
  std::vector<int64_t> offsets, sizes;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    int64_t len = skipped(t) ? 0 : t.size(d);
    if (len > 0) copy_into(out, {d, offset, len, 1, false}, t);
    offsets.push_back(offset);
    sizes.push_back(skipped(t) ? -1 : len);
    offset += len;
  }
  if (any_requires_grad(tensors))
    record("CatBackward0", tensors, out, [d, offsets, sizes](const tensor_list& g) -> tensor_list {
      tensor_list grads;
      for (size_t i = 0; i < sizes.size(); ++i)
        grads.push_back(sizes[i] < 0 ? Tensor() : narrow(g[0], d, offsets[i], sizes[i]));
      return grads;
    }, Saves::None);
  return out;
}

// d stack(x_i) = select(g, dim, i)
Tensor stack(const tensor_list& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack: expected a non-empty list of Tensors");
  const Shape& shape0 = tensors[0].shape();
  Dtype dtype = tensors[0].dtype();
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "stack: tensor {} in the list is undefined", i);
    EMBER_CHECK(tensors[i].shape() == shape0,
                "stack: expected each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
                shape_str(shape0), shape_str(tensors[i].shape()), i);
    dtype = promote_types(dtype, tensors[i].dtype());
  }
  int64_t d = wrap_dim(dim, int64_t(shape0.size()) + 1, "stack");
  Shape shape = shape0;
  shape.insert(shape.begin() + d, int64_t(tensors.size()));
  Tensor out = make_tensor(shape, dtype);
  for (size_t i = 0; i < tensors.size(); ++i) copy_into(out, {d, int64_t(i), 1, 1, true}, tensors[i]);
  if (any_requires_grad(tensors)) {
    size_t n = tensors.size();
    record("StackBackward0", tensors, out, [d, n](const tensor_list& g) -> tensor_list {
      tensor_list grads;
      for (size_t i = 0; i < n; ++i) grads.push_back(select(g[0], d, int64_t(i)));
      return grads;
    }, Saves::None);
  }
  return out;
}

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

}  // namespace ember
