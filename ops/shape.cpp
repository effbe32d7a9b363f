// Shape ops that view the whole tensor with another geometry (reshape/view when
// the strides allow, flatten, squeeze, unsqueeze, permute, transpose, expand,
// their in-place twins, resize_) share storage via make_view; flip, repeat and
// contiguous copy. Every backward rule is written with differentiable ops.
// Windows (narrow, select, slice, diagonal, as_strided) are in
// ops/shape_window.cpp; split, unbind, cat and stack in ops/shape_join.cpp.
#include "ops/shape.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
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

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

}  // namespace ember
