"""gradcheck / gradgradcheck with PyTorch's signatures, running the C++
checkers (ember::autograd::gradcheck) on a Python function. Non-tensor
inputs are passed through to the function unchanged."""

import contextlib

from .. import _C
from .._C import Tensor


class GradcheckError(RuntimeError):
    """Raised when analytical and numerical derivatives disagree; the message
    names the output and input and prints both Jacobians."""


def _tensor_inputs(func, inputs):
    """``func`` as a function of the tensor inputs only, and those tensors."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    positions = [i for i, a in enumerate(inputs) if isinstance(a, Tensor)]

    def tensor_func(*tensors):
        args = list(inputs)
        for i, t in zip(positions, tensors):
            args[i] = t
        return func(*args)

    return tensor_func, [inputs[i] for i in positions]


@contextlib.contextmanager
def _raise_gradcheck_error():
    try:
        yield
    except RuntimeError as e:
        # The C++ checker reports a mismatch as ember::Error("Gradcheck failed: ...").
        if type(e) is RuntimeError and str(e).startswith("Gradcheck failed"):
            raise GradcheckError(str(e)) from None
        raise


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=False,
              nondet_tol=0.0):
    """Checks the gradients of ``func(*inputs)`` against central finite differences
    for every float64 input that requires grad; returns True or raises GradcheckError
    (returns False when ``raise_exception`` is False)."""
    fn, tensors = _tensor_inputs(func, inputs)
    with _raise_gradcheck_error():
        return _C._gradcheck(fn, tensors, eps, atol, rtol, raise_exception, fast_mode, nondet_tol)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  fast_mode=False, nondet_tol=0.0):
    """Checks second derivatives: gradcheck of the map (inputs, grad_outputs) ->
    d func / d inputs · grad_outputs; ``grad_outputs`` default to seeded random tensors."""
    fn, tensors = _tensor_inputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = []
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    with _raise_gradcheck_error():
        return _C._gradgradcheck(fn, tensors, list(grad_outputs), eps, atol, rtol, raise_exception, fast_mode,
                                 nondet_tol)
