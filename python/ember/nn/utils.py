"""ember.nn.utils: gradient clipping as torch.nn.utils (computed in C++ by
ember::optim::clip_grad_norm_ / clip_grad_value_)."""

from .. import _C

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _params(parameters):
    return [parameters] if isinstance(parameters, _C.Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients so their joint norm is at most max_norm; returns the total norm (a 0-d tensor)."""
    params = _params(parameters)
    total = _C._optim.clip_grad_norm_(params, float(max_norm), float(norm_type), error_if_nonfinite)
    grads = [p.grad for p in params if p.grad is not None]
    dtype = grads[0].dtype if grads else _C.dtype.float32
    return _C.full([], total, dtype=dtype)


def clip_grad_value_(parameters, clip_value):
    """Clamps every gradient element into [-clip_value, clip_value] in place."""
    _C._optim.clip_grad_value_(_params(parameters), float(clip_value))
