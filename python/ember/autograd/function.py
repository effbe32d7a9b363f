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

forward runs without recording (or, PyTorch's newer style, ``forward(*args)``
plus ``setup_context(ctx, inputs, output)``); the C++ record_function then
gives its outputs one graph node whose backward calls the class's
``backward`` with the same ctx, and returns the outputs as the caller sees
them (an input returned as-is becomes a view of it).
"""

import functools
import inspect
import warnings

from .. import _C
from .._C import FunctionCtx, Tensor
from .._grad_mode import enable_grad, no_grad


class Function:
    """Base class of custom ops: subclass with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)``, and call ``apply(*args)``."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it with "
            "backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        if getattr(cls, "clear_saved_tensors_on_access", False):
            ctx._clear_saved_tensors_on_access = True
        inputs = [a if isinstance(a, Tensor) else None for a in args]
        recording = _C.is_grad_enabled()
        ctx.needs_input_grad = tuple(recording and t is not None and t.requires_grad for t in inputs)
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            if new_style:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, _bound_inputs(cls, args, kwargs), result)
            else:
                result = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        backward = _backward_of(cls)
        recorded = _C._record_function(
            cls.__name__, ctx, inputs, [o if isinstance(o, Tensor) else None for o in outputs], backward
        )
        outputs = tuple(r if isinstance(o, Tensor) else o for o, r in zip(outputs, recorded))
        return outputs if is_tuple else outputs[0]


class InplaceFunction(Function):
    """A Function that may work in place on its inputs, as its ``inplace`` flag says (PyTorch's base class)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


def _backward_of(cls):
    """The user's backward (or vjp); errors at backward time, as PyTorch's, when
    neither or both are defined."""
    has_backward = cls.backward is not Function.backward
    has_vjp = cls.vjp is not Function.vjp
    if has_backward and has_vjp:
        def both(ctx, *grads):
            raise RuntimeError(
                "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should only "
                "implement one of them."
            )
        return both
    if not has_backward and not has_vjp:
        def neither(ctx, *grads):
            raise RuntimeError(
                "You must implement either the backward or vjp method for your custom autograd.Function to use it "
                "with backward mode AD."
            )
        return neither
    return cls.backward if has_backward else cls.vjp


def _bound_inputs(cls, args, kwargs):
    """forward's arguments as setup_context sees them in PyTorch: positional,
    with forward's defaults filled in."""
    signature = cls.__dict__.get("_forward_signature")
    if signature is None:
        signature = inspect.signature(cls.forward)
        cls._forward_signature = signature
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args


def _saved_variables(ctx):
    warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, stacklevel=2)
    return ctx.saved_tensors


FunctionCtx.saved_variables = property(_saved_variables, doc="Deprecated alias of saved_tensors.")


def once_differentiable(fn):
    """Decorates a Function's backward that is not itself differentiable: it runs
    without recording, and differentiating its result raises an error."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _C.is_grad_enabled():
            return outputs
        requires_grad = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if not requires_grad:
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outputs = outputs if is_tuple else (outputs,)
        message = "trying to differentiate twice a function that was marked with @once_differentiable"
        # PyTorch's DelayedError: every result becomes an output of one "Error"
        # node (fresh leaves behind it, so the result has a grad_fn), whose
        # backward raises.
        fresh = [o.detach().requires_grad_() if isinstance(o, Tensor) else None for o in outputs]
        with enable_grad():
            errors = _C._delayed_error(message, fresh)
        wrapped = tuple(e if isinstance(o, Tensor) else o for o, e in zip(outputs, errors))
        return wrapped if is_tuple else wrapped[0]

    return wrapper
