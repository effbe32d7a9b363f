"""The graph as PyTorch's torch.autograd.graph exposes it: the Node base
class of every grad_fn, GradientEdge (a differentiation point that outlives
the tensor it came from), and saved-tensor hooks (what backward keeps, and
how it gets it back)."""

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
