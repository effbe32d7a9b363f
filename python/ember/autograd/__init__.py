"""ember.autograd: reverse-mode differentiation from Python. ``backward`` and
``grad`` run the C++ engine; ``Function`` defines custom ops; ``gradcheck`` and
``gradgradcheck`` compare analytical and numerical derivatives."""

from .. import _C
from .._C import Tensor
from .._grad_mode import enable_grad, no_grad, set_grad_enabled
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from . import graph
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .variable import Variable

__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck", "GradcheckError",
    "no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
    "once_differentiable", "Variable", "is_multithreading_enabled", "set_multithreading_enabled",
]


def _as_list(tensors, what):
    if tensors is None:
        return []
    if isinstance(tensors, Tensor):
        return [tensors]
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected a Tensor or a sequence of Tensors, got {type(t).__name__} at {i}")
    return tensors


def _as_inputs(inputs, what):
    """Inputs of grad/backward: tensors or graph.GradientEdges."""
    if inputs is None:
        return []
    if isinstance(inputs, (Tensor, graph.GradientEdge)):
        return [inputs]
    inputs = list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, (Tensor, graph.GradientEdge)):
            raise TypeError(f"{what}: expected a Tensor or a GradientEdge as input {i}, got {type(t).__name__}")
    return inputs


def _as_roots(tensors, what):
    """Roots of backward: tensors, or graph.GradientEdges (points of the graph)."""
    if isinstance(tensors, graph.GradientEdge) or (
            isinstance(tensors, (list, tuple)) and any(isinstance(t, graph.GradientEdge) for t in tensors)):
        return _as_inputs(tensors, what)
    return _as_list(tensors, what)


def _check_grad_shapes(outputs, grads):
    """PyTorch's _make_grads check, worded with ember.Size as PyTorch's is with torch.Size."""
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is not None and isinstance(out, Tensor) and g.shape != out.shape:
            raise _C.ValueError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of "
                f"{out.shape}."
            )


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulates d(tensors)/d(leaf) · grad_tensors into every leaf's ``.grad``
    (with ``inputs``, only into theirs).

    ``grad_tensors`` may be omitted (or hold None) for one-element tensors."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    if inputs is not None and not isinstance(inputs, (Tensor, graph.GradientEdge)) and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    tensors, grad_tensors = _as_roots(tensors, "backward"), _as_list(grad_tensors, "backward")
    _check_grad_shapes(tensors, grad_tensors)
    _C._backward(
        tensors,
        grad_tensors,
        retain_graph,
        create_graph,
        _as_inputs(inputs, "backward"),
    )


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns d(outputs)/d(inputs) · grad_outputs as a tuple (one entry per input),
    without touching any ``.grad``; with ``allow_unused`` an unused input gets None
    (zeros with ``materialize_grads``)."""
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not supported by ember")
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs, grad_outputs = _as_list(outputs, "grad"), _as_list(grad_outputs, "grad")
    _check_grad_shapes(outputs, grad_outputs)
    return _C._grad(
        outputs,
        _as_inputs(inputs, "grad"),
        grad_outputs,
        retain_graph,
        create_graph,
        allow_unused,
        materialize_grads,
    )


_multithreading_enabled = True


def is_multithreading_enabled():
    """Whether backward may run on several threads (PyTorch's flag; ember's
    engine runs each backward on the calling thread either way)."""
    return _multithreading_enabled


class set_multithreading_enabled:
    """Sets the multithreading flag now; as a context manager, restores it on exit."""

    def __init__(self, mode):
        global _multithreading_enabled
        self._prev = _multithreading_enabled
        _multithreading_enabled = bool(mode)

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        global _multithreading_enabled
        _multithreading_enabled = self._prev


# PyTorch's torch.autograd imports torch, so programs can reach it as torch.autograd.torch.
import ember as torch  # noqa: E402
