"""What the ported PyTorch autograd tests need from PyTorch's own test harness,
written against whichever library runs them: `torch` below is ember by default
and PyTorch itself when AUTOGRAD_PORT_BACKEND=torch (the one switch; the suite
runs both, see test_autograd_port_under_torch.py). TestCase.assertEqual follows
torch.testing._internal.common_utils: same shape, same dtype unless
exact_dtype=False, closeness with PyTorch's default per-dtype tolerances,
NaNs equal."""

import importlib
import math
import os
import unittest

import numpy as np
import pytest

BACKEND = os.environ.get("AUTOGRAD_PORT_BACKEND", "ember")
if BACKEND not in ("ember", "torch"):
    raise ValueError(f"AUTOGRAD_PORT_BACKEND must be 'ember' or 'torch', got {BACKEND!r}")
torch = importlib.import_module(BACKEND)
IS_EMBER = BACKEND == "ember"

Function = torch.autograd.Function
gradcheck = torch.autograd.gradcheck
gradgradcheck = torch.autograd.gradgradcheck
detect_anomaly = torch.autograd.detect_anomaly
inf = math.inf
nan = math.nan


def ember_xfail(reason):
    """A known ember failure: must fail under ember (strict) and pass under PyTorch."""
    return pytest.mark.xfail(IS_EMBER, reason=reason, strict=True)


# PyTorch's default (rtol, atol) per dtype name (torch.testing._comparison).
_TOLERANCES = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _as_array(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


class TestCase(unittest.TestCase):
    """unittest.TestCase with PyTorch's tensor-aware assertEqual."""

    def assertEqual(self, x, y, msg=None, *, atol=None, rtol=None, exact_dtype=True, **kwargs):  # noqa: N802
        if "prec" in kwargs:
            atol, rtol = kwargs.pop("prec"), 0
        if kwargs:
            raise TypeError(f"assertEqual: unexpected keyword arguments {sorted(kwargs)}")
        if x is None or y is None:
            return super().assertEqual(x, y, msg)
        x_t, y_t = isinstance(x, torch.Tensor), isinstance(y, torch.Tensor)
        if x_t or y_t:
            return self._assert_tensor_equal(x, y, msg, atol, rtol, exact_dtype and x_t and y_t)
        if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            self.assertEqual(len(x), len(y), msg)
            for a, b in zip(x, y):
                self.assertEqual(a, b, msg, atol=atol, rtol=rtol, exact_dtype=exact_dtype)
            return None
        if isinstance(x, (int, float, bool)) and isinstance(y, (int, float, bool)) and not (
            isinstance(x, bool) and isinstance(y, bool)
        ):
            r, a = _TOLERANCES["float64"] if rtol is None and atol is None else (rtol or 0, atol or 0)
            if math.isnan(x) and math.isnan(y):
                return None
            if abs(x - y) <= a + r * abs(y) or x == y:
                return None
            raise self.failureException(msg or f"{x} != {y} (atol={a}, rtol={r})")
        return super().assertEqual(x, y, msg)

    def _assert_tensor_equal(self, x, y, msg, atol, rtol, exact_dtype):
        a, b = _as_array(x), _as_array(y)
        if a.shape != b.shape:
            # A number compared with a tensor stands for every element, as a 0-d tensor broadcast.
            if a.ndim == 0 and not isinstance(x, torch.Tensor):
                a = np.broadcast_to(a, b.shape)
            elif b.ndim == 0 and not isinstance(y, torch.Tensor):
                b = np.broadcast_to(b, a.shape)
            else:
                raise self.failureException(msg or f"shapes differ: {a.shape} vs {b.shape}")
        if exact_dtype:
            dx, dy = _dtype_name(x), _dtype_name(y)
            if dx != dy:
                raise self.failureException(msg or f"dtypes differ: {dx} vs {dy}")
        if rtol is None and atol is None:
            names = [_dtype_name(t) for t in (x, y) if isinstance(t, torch.Tensor)]
            rtol, atol = max((_TOLERANCES.get(n, (0.0, 0.0)) for n in names), default=(0.0, 0.0))
        rtol, atol = rtol or 0.0, atol or 0.0
        if a.dtype == bool or b.dtype == bool:
            ok = np.array_equal(a, b)
        else:
            ok = np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        if not ok:
            raise self.failureException(msg or f"tensors differ (rtol={rtol}, atol={atol}):\n{a}\nvs\n{b}")
        return None

    def assertNotEqual(self, x, y, msg=None, *, atol=None, rtol=None, exact_dtype=True):  # noqa: N802
        try:
            self.assertEqual(x, y, msg, atol=atol, rtol=rtol, exact_dtype=exact_dtype)
        except self.failureException:
            return
        raise self.failureException(msg or f"{x} == {y}")


def make_tensor(*shape, dtype, low=None, high=None, requires_grad=False, device="cpu"):
    """torch.testing.make_tensor for floating dtypes: uniform in [low, high) (default [-9, 9))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    low = -9.0 if low is None else low
    high = 9.0 if high is None else high
    t = torch.rand(*shape, dtype=dtype) * (high - low) + low
    return t.requires_grad_(requires_grad)
