// Joins and splits along one dim: split and chunk (and their unsafe twins) and
// unbind give views of x's pieces, all outputs of one node; cat and stack copy
// their inputs into one tensor. Each backward is the other direction.
#include "ops/shape.h"

#include <algorithm>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape_internal.h"

namespace ember {

using namespace shape_internal;

namespace {

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

}  // namespace

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

Tensor tile(const Tensor& x, const Shape& reps) {
  EMBER_CHECK(x.defined(), "tile: expected a defined input tensor");
  Shape padded = reps;
  if (int64_t(padded.size()) < x.dim()) padded.insert(padded.begin(), size_t(x.dim()) - padded.size(), 1);
  return repeat(x, padded);
}

tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing) {
  EMBER_CHECK(!tensors.empty(), "torch.meshgrid: Expected at least one tensor");
  EMBER_CHECK(indexing == "ij" || indexing == "xy",
              "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {}", indexing);
  for (size_t k = 0; k < tensors.size(); ++k) {
    EMBER_CHECK(tensors[k].defined() && tensors[k].dim() <= 1,
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {}-d (tensor {})",
                tensors[k].defined() ? tensors[k].dim() : 0, k);
    EMBER_CHECK(tensors[k].dtype() == tensors[0].dtype(),
                "torch.meshgrid: Expected all tensors in the tensor list to have the same dtype, got {} and {}",
                dtype_name(tensors[0].dtype()), dtype_name(tensors[k].dtype()));
  }
  // "xy" is "ij" over the inputs with the first two swapped, the outputs swapped back.
  bool swap = indexing == "xy" && tensors.size() >= 2;
  tensor_list in = tensors;
  if (swap) std::swap(in[0], in[1]);
  Shape grid;
  for (const Tensor& t : in) grid.push_back(t.numel());
  tensor_list out;
  for (size_t k = 0; k < in.size(); ++k) {
    Shape shape(in.size(), 1);
    shape[k] = grid[k];
    out.push_back(expand(reshape(in[k], shape), grid));
  }
  if (swap) std::swap(out[0], out[1]);
  return out;
}

Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  EMBER_CHECK(x.defined(), "roll: expected a defined input tensor");
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1, "roll: `shifts` required to be of size 1 when `dims` is not given, got {}",
                shifts.size());
    return reshape(roll(reshape(x, {-1}), shifts, {0}), x.shape());
  }
  EMBER_CHECK(shifts.size() == dims.size(), "roll: shifts and dimensions must align. shifts: {}, dims:{}",
              shifts.size(), dims.size());
  Tensor out = x;
  for (size_t k = 0; k < dims.size(); ++k) {
    int64_t d = wrap_dim(dims[k], x.dim(), "roll"), n = x.size(d);
    if (n == 0) continue;
    int64_t s = ((shifts[k] % n) + n) % n;
    if (s == 0) continue;
    // The last s entries come first.
    out = cat({narrow(out, d, n - s, s), narrow(out, d, 0, n - s)}, d);
  }
  return out.is_same(x) ? clone(x) : out;
}

Tensor movedim(const Tensor& x, const std::vector<int64_t>& source, const std::vector<int64_t>& destination) {
  EMBER_CHECK(x.defined(), "movedim: expected a defined input tensor");
  EMBER_CHECK(source.size() == destination.size(),
              "movedim: Invalid source or destination dims: source ({} dims) should contain the same number of dims as "
              "destination ({} dims)", source.size(), destination.size());
  int64_t n = x.dim();
  std::vector<int64_t> perm(size_t(n), -1), used(size_t(n), 0);
  for (size_t k = 0; k < source.size(); ++k) {
    int64_t s = wrap_dim(source[k], n, "movedim"), d = wrap_dim(destination[k], n, "movedim");
    EMBER_CHECK(perm[size_t(d)] == -1 && !used[size_t(s)], "movedim: repeated dim in `source` or `destination`");
    perm[size_t(d)] = s;
    used[size_t(s)] = 1;
  }
  int64_t next = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (perm[size_t(d)] != -1) continue;
    while (used[size_t(next)]) ++next;
    perm[size_t(d)] = next++;
  }
  return permute(x, perm);
}

Tensor hstack(const tensor_list& tensors) {
  EMBER_CHECK(!tensors.empty(), "hstack expects a non-empty TensorList");
  return cat(tensors, tensors[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const tensor_list& tensors) {
  EMBER_CHECK(!tensors.empty(), "vstack expects a non-empty TensorList");
  tensor_list rows;
  for (const Tensor& t : tensors) rows.push_back(t.dim() >= 2 ? t : reshape(t, {1, -1}));
  return cat(rows, 0);
}

// Compositions: a 1-d x is placed on the diagonal through a mask; a 2-d x reads diagonal().
Tensor diag(const Tensor& x, int64_t k) {
  EMBER_CHECK(x.defined() && (x.dim() == 1 || x.dim() == 2), "diag(): Supports 1D or 2D tensors. Got {}D",
              x.defined() ? x.dim() : 0);
  if (x.dim() == 2) return contiguous(diagonal(x, k, 0, 1));
  int64_t n = x.size(0) + (k >= 0 ? k : -k);
  Shape row_shape{1, n};
  Tensor i = reshape(arange(n), {n, 1}), j = reshape(arange(n), row_shape);
  Tensor on = eq(j - i, scalar_tensor(k, kInt64));
  // On the diagonal, entry (r, c) is x[r] (k >= 0) or x[c] (k < 0): x padded to n entries, as a column or a row.
  Shape pad{std::abs(k)};
  Tensor padded = cat({x, zeros(pad, x.dtype())}, 0);
  Tensor column = k >= 0 ? reshape(padded, {n, 1}) : reshape(padded, {1, n});
  return where(on, expand(column, {n, n}), zeros({}, x.dtype()));
}

Tensor repeat_interleave(const Tensor& x, int64_t repeats, std::optional<int64_t> dim) {
  EMBER_CHECK(x.defined(), "repeat_interleave: expected a defined input tensor");
  EMBER_CHECK(repeats >= 0, "repeat_interleave: repeats can not be negative, got {}", repeats);
  Tensor v = dim ? x : reshape(x, {-1});
  int64_t d = dim ? wrap_dim(*dim, x.dim(), "repeat_interleave") : 0;
  if (v.dim() == 0) v = reshape(v, {1});
  int64_t n = v.size(d);
  // Element i lands at positions i*repeats .. i*repeats+repeats-1: an expand of a new dim after d, then a merge.
  Tensor u = unsqueeze(v, d + 1);
  Shape big = u.shape();
  big[size_t(d + 1)] = repeats;
  Shape out_shape = v.shape();
  out_shape[size_t(d)] = n * repeats;
  return reshape(expand(u, big), out_shape);
}

}  // namespace ember
