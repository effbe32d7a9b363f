"""Custom differentiable ops in PyTorch's shape::

    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    y = Cube.apply(x)

forward runs without recording; the C++ record_function then gives its outputs
one graph node whose backward calls the class's ``backward`` with the same ctx.
"""

from .. import _C
from .._C import FunctionCtx, Tensor
from .._grad_mode import no_grad


class Function:
    """Base class of custom ops: subclass with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)``, and call ``apply(*args)``."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        inputs = [a if isinstance(a, Tensor) else None for a in args]
        recording = _C.is_grad_enabled()
        ctx.needs_input_grad = [recording and t is not None and t.requires_grad for t in inputs]
        with no_grad():
            result = cls.forward(ctx, *args)
        outputs = result if isinstance(result, tuple) else (result,)
        _C._record_function(cls.__name__, ctx, inputs, [o for o in outputs if isinstance(o, Tensor)], cls.backward)
        return result
