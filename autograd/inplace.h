// Views and in-place ops on the tape, as PyTorch defines them. A view records
// its root base; an in-place op on a view rebases the base's history onto a
// CopySlices node (the base's old value outside the view, the op's result
// inside it), and every view of that base regenerates its grad_fn (one
// AsStridedBackward0 from the base) the next time it is used.
#pragma once

#include <functional>

#include "autograd/node.h"

namespace ember {

/// Called before every in-place write with the tensor about to change: refuses
/// a write into an inference tensor outside inference mode (PyTorch's
/// message), then runs this thread's mutation hook, if any.
void check_writable(const Tensor& self);

/// Sees every tensor just before an in-place op writes into it, on the thread
/// that set it: how Python's allow_mutation_on_saved_tensors keeps a copy of
/// a saved tensor before it changes (PyTorch intercepts the write with a
/// dispatch mode). Returns the previous hook; an empty one turns it off.
using MutationHook = std::function<void(const Tensor& about_to_change)>;
MutationHook set_mutation_hook(MutationHook hook);

/// Marks `view` (the result of a view op on `base`) as a view of base's root.
/// `meta` is how it was made; under no_grad it becomes NoGradMode, and a view
/// of a view made under no_grad or by a custom Function inherits that.
void as_view(const Tensor& base, const Tensor& view, CreationMeta meta = CreationMeta::Default);

/// Overwrites `self` with `compute(self)` (its old value, shape and dtype
/// kept) as an in-place op named `op`. With autograd involved (`self` or an
/// operand requires grad) `self` takes over the result's history, through
/// CopySlices when `self` is a view; refused where PyTorch refuses (leaves and
/// views of leaves that require grad, views that may not be modified).
Tensor& apply_in_place(Tensor& self, const char* op, bool other_requires_grad,
                       const std::function<Tensor(const Tensor&)>& compute);
/// apply_in_place through a handle held as const: an op's `inplace` option
/// (F::elu(x, ELUFuncOptions().inplace(true))) writes into its input, whose
/// history every handle shares. Returns the input.
inline Tensor apply_in_place(const Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& compute) {
  Tensor handle = self;
  return apply_in_place(handle, op, false, compute);
}

/// PyTorch's out= convention. check_out_allowed: before op runs, refuses when
/// autograd would be involved (grad mode on and an input or `out` requires
/// grad: out= variants are not differentiable). write_out: writes the result
/// into `out`, resizing it to the result's shape (with PyTorch's deprecation
/// warning if it was not empty), keeping its dtype; returns `out`.
void check_out_allowed(const char* op, const Tensor& out, bool inputs_require_grad);
Tensor& write_out(const char* op, Tensor& out, const Tensor& result);

/// PyTorch's check_inplace: throws if `self` may not be modified in place
/// while recording (call only when the op will be recorded).
void check_inplace(const Tensor& self);

/// Gives `self`, just modified in place, the history `edge` (an output of the
/// node that computed its new value); for a view, the base's history is rebased.
void rebase_history(const Tensor& self, const Edge& edge);

/// The grad_fn of a view, regenerated from its base's if the base or another
/// of its views was modified in place since it was last set.
const std::shared_ptr<Node>& view_grad_fn(const std::shared_ptr<TensorImpl>& view);

}  // namespace ember
