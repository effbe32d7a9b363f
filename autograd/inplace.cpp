// Views and in-place ops on the tape: view bookkeeping, PyTorch's checks and
// messages for in-place ops on views, the CopySlices node that rebases a
// base's history after one of its views was modified in place, and the
// AsStridedBackward0 node a view's grad_fn is regenerated as.
#include "autograd/inplace.h"

#include <cctype>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/index.h"
#include "ops/shape.h"

namespace ember {
namespace {

// "SplitBackward0" -> "Split", "FBackward" -> "F": how PyTorch 2.13's view errors name a node.
std::string short_name(const std::string& name) {
  size_t end = name.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(name[end - 1]))) --end;
  const std::string suffix = "Backward";
  if (end >= suffix.size() && name.compare(end - suffix.size(), suffix.size(), suffix) == 0)
    return name.substr(0, end - suffix.size());
  return name;
}

// PyTorch's handle_view_on_rebase: views that may not be modified in place
// (made under no_grad, by a multi-output op or by a custom Function) refuse
// it, whether modified directly or through their base (`indirect`).
void handle_view_on_rebase(const TensorImpl& view, bool indirect) {
  const AutogradMeta& m = *view.autograd;
  CreationMeta cm = m.view->creation_meta;
  if (cm == CreationMeta::Default) return;
  std::string modified = indirect ? "its base or another view of its base has been" : "is being";
  const std::shared_ptr<Node>& fn = m.grad_fn;
  std::string msg;
  if (cm == CreationMeta::NoGradMode || cm == CreationMeta::InferenceMode || !fn) {
    const bool inference = cm == CreationMeta::InferenceMode;
    std::string prefix = fn ? fmt::format("Output {} of {} is a view of a view which was created in", m.output_nr,
                                          short_name(fn->name()))
                            : std::string("A view was created in");
    msg = fmt::format("{} {} mode and {} modified inplace {}.", prefix, inference ? "inference" : "no_grad", modified,
                      inference ? "in normal mode" : "with grad mode enabled");
  } else {
    msg = fmt::format("Output {} of {} is a view and {} modified inplace.", m.output_nr, short_name(fn->name()),
                      modified);
  }
  switch (cm) {
    case CreationMeta::MultiOutputNode:
      msg += " This view is the output of a function that returns multiple views. Such functions do not allow the "
             "output views to be modified inplace. You should replace the inplace operation by an out-of-place one.";
      break;
    case CreationMeta::NoGradMode:
    case CreationMeta::InferenceMode:
      msg += fmt::format(
          " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
          "moving both the view and the inplace either both inside the {} block (if you don't want the inplace to be "
          "tracked) or both outside (if you want the inplace to be tracked).",
          cm == CreationMeta::InferenceMode ? "inference_mode" : "no_grad");
      break;
    case CreationMeta::InCustomFunction:
      msg += " This view was created inside a custom Function (or because an input was returned as-is) and the "
             "autograd logic to handle view+inplace would override the custom backward associated with the custom "
             "Function, leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning the "
             "output of the custom Function.";
      break;
    case CreationMeta::Default: break;
  }
  throw Error(msg);
}

// For each element of `view` in row-major order, its row-major index in
// `base` (whose storage it shares): how gradients move between the two.
Tensor view_positions(const Tensor& base, const Tensor& view) {
  int64_t base_offset = base.storage_offset();
  // Storage offset (relative to the base's) -> the base's row-major index.
  std::vector<int64_t> index_of;
  if (!base.is_contiguous()) {
    int64_t extent = 1;
    for (int64_t d = 0; d < base.dim(); ++d) extent += (base.size(d) - 1) * base.stride(d);
    index_of.assign(size_t(base.numel() > 0 ? extent : 0), -1);
    std::vector<int64_t> idx(base.dim(), 0);
    for (int64_t j = 0; j < base.numel(); ++j) {
      int64_t off = 0;
      for (int64_t d = 0; d < base.dim(); ++d) off += idx[d] * base.stride(d);
      index_of[size_t(off)] = j;
      for (int64_t d = base.dim() - 1; d >= 0 && ++idx[d] == base.size(d); --d) idx[d] = 0;
    }
  }
  Tensor out = make_tensor({view.numel()}, kInt64);
  int64_t* p = out.data_ptr<int64_t>();
  std::vector<int64_t> idx(view.dim(), 0);
  for (int64_t k = 0; k < view.numel(); ++k) {
    int64_t off = view.storage_offset() - base_offset;
    for (int64_t d = 0; d < view.dim(); ++d) off += idx[d] * view.stride(d);
    p[k] = index_of.empty() ? off : index_of[size_t(off)];
    EMBER_ASSERT(p[k] >= 0 && p[k] < base.numel());
    for (int64_t d = view.dim() - 1; d >= 0 && ++idx[d] == view.size(d); --d) idx[d] = 0;
  }
  return out;
}

// The grad_fn of a view regenerated from its base's: the gradient of the view
// scattered into zeros of the base's shape.
// d base = index_add(zeros(base), positions, g)
class AsStridedBackward : public Node {
 public:
  AsStridedBackward(const Tensor& base, const Tensor& view)
      : Node("AsStridedBackward0"), positions_(view_positions(base, view)), base_shape_(base.shape()) {
    add_next_edge(gradient_edge(base));
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
    Tensor flat = zeros({numel_of(base_shape_)}, g.dtype());
    return {reshape(index_add(flat, 0, positions_, reshape(g, {-1})), base_shape_)};
  }

 private:
  Tensor positions_;
  Shape base_shape_;
};

// The base after one of its views was modified in place: its old value
// outside the view (edge 0), the in-place op's result inside it (edge 1).
// d base_old = g with the view's positions zeroed; d result = g[view]
class CopySlices : public Node {
 public:
  CopySlices(const Tensor& base, const Tensor& view, const Edge& result)
      : Node("CopySlices"), positions_(view_positions(base, view)), view_shape_(view.shape()) {
    add_next_edge(gradient_edge(base));
    add_next_edge(result);
    mask_ = zeros(base.shape(), kBool);
    bool* m = mask_.data_ptr<bool>();
    const int64_t* p = positions_.data_ptr<int64_t>();
    for (int64_t k = 0; k < positions_.numel(); ++k) m[p[k]] = true;
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
    Tensor grad_base = needs_input_grad(0) ? masked_fill(g, mask_, 0) : Tensor();
    Tensor grad_result =
        needs_input_grad(1) ? reshape(index_select(reshape(g, {-1}), 0, positions_), view_shape_) : Tensor();
    return {grad_base, grad_result};
  }

 private:
  Tensor positions_, mask_;
  Shape view_shape_;
};

// The view's grad_fn becomes one AsStridedBackward0 from its base's current history.
void set_view_grad_fn_from_base(const std::shared_ptr<TensorImpl>& v) {
  AutogradMeta& m = *v->autograd;
  std::shared_ptr<Node> old = m.grad_fn;
  Tensor view(v);
  auto fn = std::make_shared<AsStridedBackward>(Tensor(m.view->base), view);
  fn->add_output(view);
  move_retained_grad(v, old.get(), fn.get(), 0);
}

// PyTorch's "Float"/"Long" names, as its casting error prints them.
const char* scalar_type_name(Dtype d) {
  switch (d) {
    case kFloat32: return "Float";
    case kFloat64: return "Double";
    case kInt64: return "Long";
    default: return "Bool";
  }
}

// A result written into an existing tensor keeps that tensor's dtype: one
// that can only be cast down a kind (float to integer, integer to bool) is an
// error (PyTorch's RuntimeError).
void check_castable(Dtype result, Dtype out) {
  bool narrowing = (is_floating(result) && !is_floating(out)) || (result == kInt64 && out == kBool);
  EMBER_CHECK_STATE(!narrowing, "result type {} can't be cast to the desired output type {}", scalar_type_name(result),
                   scalar_type_name(out));
}

// An in-place op also keeps self's shape.
void check_result(const Tensor& self, const Tensor& result, const char* op) {
  EMBER_CHECK(result.shape() == self.shape(), "{}: output with shape {} doesn't match the broadcast shape {}", op,
              shape_str(self.shape()), shape_str(result.shape()));
  check_castable(result.dtype(), self.dtype());
}

void check_no_internal_overlap(const Tensor& self) {
  for (int64_t d = 0; d < self.dim(); ++d)
    EMBER_CHECK_STATE(self.stride(d) != 0 || self.size(d) <= 1,
                      "unsupported operation: more than one element of the written-to tensor refers to a single "
                      "memory location. Please clone() the tensor before performing the operation.");
}

}  // namespace

void as_view(const Tensor& base, const Tensor& view, CreationMeta meta) {
  if (base.is_inference()) return;  // a view of an inference tensor is a plain inference tensor
  if (!GradMode::is_enabled()) meta = CreationMeta::NoGradMode;
  if (InferenceMode::is_enabled()) meta = CreationMeta::InferenceMode;
  std::shared_ptr<TensorImpl> root = base.impl_ptr();
  if (const AutogradMeta* bm = base.impl()->autograd.get(); bm && bm->view) {
    root = bm->view->base;
    if (meta == CreationMeta::Default) meta = bm->view->creation_meta;
  }
  view.impl()->meta().view = std::make_unique<ViewInfo>(ViewInfo{std::move(root), meta, view._version()});
}

const std::shared_ptr<Node>& view_grad_fn(const std::shared_ptr<TensorImpl>& v) {
  AutogradMeta& m = *v->autograd;
  if (!m.grad_fn && !Tensor(m.view->base).requires_grad()) return m.grad_fn;
  if (m.view->attr_version == v->storage->version()) return m.grad_fn;
  handle_view_on_rebase(*v, /*indirect=*/true);
  set_view_grad_fn_from_base(v);
  return m.grad_fn;
}

void check_inplace(const Tensor& self) {
  const AutogradMeta* m = self.impl()->autograd.get();
  if (m && m->view) {
    handle_view_on_rebase(*self.impl(), /*indirect=*/false);
    EMBER_CHECK_STATE(!(self.requires_grad() && Tensor(m->view->base).is_leaf()),
                      "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  EMBER_CHECK_STATE(!(self.requires_grad() && self.is_leaf()),
                    "a leaf Variable that requires grad is being used in an in-place operation.");
}

void rebase_history(const Tensor& self, const Edge& edge) {
  AutogradMeta& m = self.impl()->meta();
  if (m.view) {
    Tensor base(m.view->base);
    std::shared_ptr<Node> old = base.grad_fn();
    auto copy_slices = std::make_shared<CopySlices>(base, self, edge);
    copy_slices->add_output(base);
    move_retained_grad(base.impl_ptr(), old.get(), copy_slices.get(), 0);
    set_view_grad_fn_from_base(self.impl_ptr());
    return;
  }
  std::shared_ptr<Node> old = m.grad_fn;
  m.grad_fn = edge.fn;
  m.output_nr = edge.input_nr;
  m.requires_grad = false;
  move_retained_grad(self.impl_ptr(), old.get(), edge.fn.get(), edge.input_nr);
}

namespace {
thread_local MutationHook mutation_hook;
}  // namespace

MutationHook set_mutation_hook(MutationHook hook) {
  std::swap(hook, mutation_hook);
  return hook;
}

void check_writable(const Tensor& self) {
  EMBER_CHECK_STATE(!(self.is_inference() && !InferenceMode::is_enabled()),
                    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to "
                    "get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
                    "more details.");
  if (mutation_hook) mutation_hook(self);
}

Tensor& apply_in_place(Tensor& self, const char* op, bool other_requires_grad,
                       const std::function<Tensor(const Tensor&)>& compute) {
  EMBER_CHECK(self.defined(), "{}: expected a defined tensor", op);
  check_writable(self);
  check_no_internal_overlap(self);
  bool track = GradMode::is_enabled() && (self.requires_grad() || other_requires_grad);
  if (!track) {
    Tensor result;
    {
      NoGradGuard no_grad;
      result = compute(self);
    }
    check_result(self, result, op);
    copy_(self, result);
    return self;
  }
  check_inplace(self);
  // Backward of `compute` must not see the overwritten values: it works on a clone.
  Tensor result = compute(clone(self));
  check_result(self, result, op);
  Tensor converted = to_dtype(result, self.dtype());
  {
    NoGradGuard no_grad;
    copy_(self, converted);
  }
  if (converted.requires_grad()) rebase_history(self, gradient_edge(converted));
  return self;
}

void check_out_allowed(const char* op, const Tensor& out, bool inputs_require_grad) {
  EMBER_CHECK_STATE(!(GradMode::is_enabled() && (inputs_require_grad || out.requires_grad())),
                    "{}(): functions with out=... arguments don't support automatic differentiation, but one of the "
                    "arguments requires grad.",
                    op);
}

Tensor& write_out(const char* op, Tensor& out, const Tensor& result) {
  EMBER_CHECK(out.defined(), "{}: expected a defined tensor as out", op);
  check_writable(out);
  check_castable(result.dtype(), out.dtype());
  if (out.shape() != result.shape()) {
    if (out.numel() != 0)
      warn(fmt::format("An output with one or more elements was resized since it had shape {}, which does not match "
                       "the required output shape {}. This behavior is deprecated, and in a future PyTorch release "
                       "outputs will not be resized unless they have zero elements. You can explicitly reuse an out "
                       "tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                       shape_str(out.shape()), shape_str(result.shape())));
    resize_(out, result.shape());
  }
  NoGradGuard no_grad;
  return copy_(out, result);
}

}  // namespace ember
