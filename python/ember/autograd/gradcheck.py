"""gradcheck / gradgradcheck with PyTorch's signatures and semantics, running
the C++ checkers (ember::autograd::gradcheck) on a Python function. Non-tensor
inputs are passed through to the function unchanged. ember has no forward-mode
AD: check_forward_ad / check_fwd_over_rev raise NotImplementedError."""

import warnings

from .. import _C
from .._C import Tensor

GradcheckError = _C.GradcheckError


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _tensor_inputs(func, inputs):
    """``func`` as a function of the inputs with None in place of each non-tensor
    argument (so the C++ side counts inputs as PyTorch does), and that list."""
    inputs = _as_tuple(inputs)

    def tensor_func(*tensors):
        return func(*(t if isinstance(a, Tensor) else a for a, t in zip(inputs, tensors)))

    return tensor_func, [a if isinstance(a, Tensor) else None for a in inputs]


def _options(**kwargs):
    options = _C._GradcheckOptions()
    for name, value in kwargs.items():
        setattr(options, name, value)
    return options


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """Checks the gradients of ``func(*inputs)`` against central finite differences
    for every input that requires grad, output by output; returns True or raises
    GradcheckError (returns False when ``raise_exception`` is False)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError("gradcheck: ember has no forward-mode AD, so check_forward_ad=True is not supported")
    fn, tensors = _tensor_inputs(func, inputs)
    options = _options(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                       check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                       check_batched_grad=check_batched_grad, fast_mode=fast_mode, masked=bool(masked))
    return _C._gradcheck(fn, tensors, options)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False, masked=False):
    """Checks second derivatives: gradcheck of the map (inputs, grad_outputs) ->
    the vjp of every output of ``func`` that requires grad; ``grad_outputs``
    default to seeded random tensors in [-1, 1)."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError(
            "gradgradcheck: ember has no forward-mode AD, so check_fwd_over_rev=True is not supported")
    fn, tensors = _tensor_inputs(func, inputs)
    grad_outputs = [] if grad_outputs is None else list(_as_tuple(grad_outputs))
    options = _options(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                       check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                       check_batched_grad=check_batched_grad, fast_mode=fast_mode, masked=bool(masked),
                       gen_non_contig_grad_outputs=gen_non_contig_grad_outputs)
    return _C._gradgradcheck(fn, tensors, grad_outputs, options)


def _warn_private(name):
    warnings.warn(
        f"`{name}` was part of PyTorch's private API and not meant to be exposed. We are deprecating it and it will "
        "be removed in a future version of PyTorch. If you have a specific use for this or feature request for this "
        "to be a stable API, please file us an issue at https://github.com/pytorch/pytorch/issues/new",
        FutureWarning, stacklevel=3)


def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Deprecated in PyTorch: for each tensor of ``target`` (default ``inputs``) that
    requires grad, the Jacobian of the first output of ``fn(inputs)`` (fn takes the
    tuple) by central differences, shaped (target.numel(), output.numel())."""
    _warn_private("get_numerical_jacobian")
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_numerical_jacobian no longer supports values of "
                         "grad_out != 1.0.")
    inputs = _as_tuple(inputs)
    targets = inputs if target is None else _as_tuple(target)
    fn_of_tensors, tensors = _tensor_inputs(lambda *args: fn(args), inputs)
    return tuple(_C._get_numerical_jacobian(fn_of_tensors, tensors, [t for t in targets if isinstance(t, Tensor)],
                                            eps))


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Deprecated in PyTorch: (jacobians, reentrant, correct_grad_sizes,
    correct_grad_types) of ``output`` with respect to each input that requires
    grad, by backward (twice, to judge reentrancy within ``nondet_tol``)."""
    _warn_private("get_analytical_jacobian")
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_analytical_jacobian no longer supports values of "
                         "grad_out != 1.0.")
    return _C._get_analytical_jacobian([t for t in _as_tuple(inputs) if isinstance(t, Tensor)], output, nondet_tol)
