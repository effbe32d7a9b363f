"""The graph as PyTorch's torch.autograd.graph exposes it: the Node base
class of every grad_fn, GradientEdge (a differentiation point that outlives
the tensor it came from), and saved-tensor hooks (what backward keeps, and
how it gets it back), and allow_mutation_on_saved_tensors."""

import contextlib
import weakref
from collections import defaultdict
from typing import NamedTuple

from .. import _C
from .._C import Tensor

Node = _C.Node


class GradientEdge(NamedTuple):
    """A point of the graph gradients flow into: a node and one of its inputs."""

    node: Node
    output_nr: int


def get_gradient_edge(tensor):
    """The edge a gradient for ``tensor`` travels: its grad_fn and output slot,
    or, for a leaf that requires grad, its gradient accumulator."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require gradients"
        )
    node = tensor.grad_fn
    if node is None:
        node = _C._grad_accumulator(tensor)
    return GradientEdge(node, tensor.output_nr)


def increment_version(tensor):
    """Bumps the version counter of ``tensor`` (or of each tensor of an
    iterable), as an in-place op would."""
    tensors = (tensor,) if isinstance(tensor, Tensor) else tensor
    for t in tensors:
        _C._increment_version(t)


class saved_tensors_hooks:
    """Inside this block, every tensor an op saves for backward is stored as
    ``pack_hook(tensor)``; backward gets it back as ``unpack_hook(packed)``."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _C._push_saved_tensors_default_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args):
        _C._pop_saved_tensors_default_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU (ember's only device): a copy each."""

    def __init__(self, pin_memory=False, device_type="cpu"):
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.detach().clone())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Inside this block, entering saved_tensors_hooks raises ``error_message``."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self._prev = _C._saved_tensors_hooks_get_disabled_error_message()
        _C._saved_tensors_hooks_disable(self.error_message)

    def __exit__(self, *args):
        if self._prev is None:
            _C._saved_tensors_hooks_enable()
        else:
            _C._saved_tensors_hooks_disable(self._prev)


# ---------------------------------------------------------------- allow_mutation_on_saved_tensors
# PyTorch's design (torch/autograd/graph.py): saved tensors are packed as
# handles; just before an in-place op writes into a tensor that backward still
# needs (same memory, same version), that tensor is cloned and backward gets
# the clone. ember calls the clone step from C++ before every in-place write
# (PyTorch uses a dispatch mode).

_allow_mutation_on_saved_tensors_enabled = False


def _get_tid(tensor):
    return (id(tensor), tensor.data_ptr(), tensor._version)


def _get_sid(tensor):
    return (tensor.data_ptr(), tensor._version)


class _Handle:
    pass


class _AllowMutationOnSavedContext:
    """What the context tracks: the saved originals and their clones (both
    keyed weakly by the handle the graph holds, so they go with the graph),
    the handle of each saved tensor, and which tensors share memory and version."""

    def __init__(self):
        self.cloned = weakref.WeakKeyDictionary()
        self.original = weakref.WeakKeyDictionary()
        self.tid_to_weakhandle = weakref.WeakValueDictionary()
        self.sid_to_tid = defaultdict(set)

    def clear(self):
        self.cloned.clear()
        self.original.clear()
        self.tid_to_weakhandle.clear()
        self.sid_to_tid.clear()


class _swap_with_cloned(saved_tensors_hooks):
    def __init__(self, ctx):
        def pack_hook(tensor):
            tid, sid = _get_tid(tensor), _get_sid(tensor)
            ctx.sid_to_tid[sid].add(tid)
            # The same tensor at the same version may be saved many times: one handle.
            handle = ctx.tid_to_weakhandle.get(tid)
            if handle is None:
                handle = _Handle()
                ctx.tid_to_weakhandle[tid] = handle
                ctx.original[handle] = tensor
            return handle

        def unpack_hook(handle):
            error_msg = ("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context in which the "
                         "graph was originally recorded.")
            assert _allow_mutation_on_saved_tensors_enabled, error_msg
            if handle in ctx.cloned:
                return ctx.cloned[handle]
            assert handle in ctx.original, error_msg
            return ctx.original[handle]

        super().__init__(pack_hook, unpack_hook)


def _clone_before_mutation(ctx):
    def maybe_clone(tensor):
        for tid in ctx.sid_to_tid.get(_get_sid(tensor), ()):
            handle = ctx.tid_to_weakhandle.get(tid)
            # Saved once, but already freed by a backward: nothing to keep.
            if handle is None or handle in ctx.cloned:
                continue
            ctx.cloned[handle] = ctx.original[handle].clone()
            del ctx.original[handle]

    return maybe_clone


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    """Inside this block, tensors saved for backward may be modified in place:
    each is cloned just before its first in-place change (PyTorch's context
    manager of the same name; yields the tracking context)."""
    global _allow_mutation_on_saved_tensors_enabled
    ctx = _AllowMutationOnSavedContext()
    with _swap_with_cloned(ctx):
        hook_set = False
        try:
            if _allow_mutation_on_saved_tensors_enabled:
                raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
            _allow_mutation_on_saved_tensors_enabled = True
            _C._set_mutation_hook(_clone_before_mutation(ctx))
            hook_set = True
            yield ctx
        finally:
            if hook_set:
                _C._set_mutation_hook(None)
                _allow_mutation_on_saved_tensors_enabled = False
            ctx.clear()
