"""torch.autograd.Variable, kept for old code as PyTorch keeps it: calling it
returns an alias of the data with no history, every tensor is an instance of
it, and ``Variable._execution_engine.queue_callback`` queues a function to run
when the current backward pass ends."""

import warnings

from .. import _C
from .._C import Tensor


class _ImperativeEngine:
    """The engine as PyTorch's Variable exposes it."""

    def queue_callback(self, callback):
        _C._queue_callback(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    _execution_engine = _ImperativeEngine()

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
        if data is None:
            data = _C.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
