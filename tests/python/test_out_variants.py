"""PyTorch's out= keyword on ember's elementwise functions and
allow_mutation_on_saved_tensors, each against PyTorch: the result is written
into (and returned as) the given tensor, which is resized with PyTorch's
warning when its shape differs and keeps its dtype; autograd refuses out= as
PyTorch does. Values are float64 and must agree to rounding."""

import warnings

import numpy as np
import pytest
import torch

import ember

UNARY = ["neg", "exp", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "reciprocal", "sign"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2"]
COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]


def pair(shape, seed, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return ember.tensor(a, dtype=ember.float64), torch.tensor(a, dtype=torch.float64)


def same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op", UNARY)
def test_unary_out_writes_and_returns_the_given_tensor(op):
    e, t = pair((3, 4), 1, positive=True)
    e_out, t_out = ember.zeros(3, 4, dtype=ember.float64), torch.zeros(3, 4, dtype=torch.float64)
    version = e_out._version
    assert getattr(ember, op)(e, out=e_out) is e_out
    getattr(torch, op)(t, out=t_out)
    same(e_out, t_out)
    assert e_out._version > version


@pytest.mark.parametrize("op", BINARY + COMPARE)
def test_binary_out_matches_torch_with_broadcasting(op):
    (a, ta), (b, tb) = pair((3, 4), 2), pair((4,), 3)
    dtype_e, dtype_t = (ember.bool, torch.bool) if op in COMPARE else (ember.float64, torch.float64)
    e_out, t_out = ember.empty(3, 4, dtype=dtype_e), torch.empty(3, 4, dtype=dtype_t)
    getattr(ember, op)(a, b, out=e_out)
    getattr(torch, op)(ta, tb, out=t_out)
    same(e_out, t_out)


def test_out_keeps_keywords_and_scalars():
    e, t = pair((2, 3), 4)
    e_out, t_out = ember.empty(2, 3, dtype=ember.float64), torch.empty(2, 3, dtype=torch.float64)
    ember.add(e, 2.0, alpha=3, out=e_out)
    torch.add(t, 2.0, alpha=3, out=t_out)
    same(e_out, t_out)
    ember.clamp(e, min=-0.5, max=0.5, out=e_out)
    torch.clamp(t, min=-0.5, max=0.5, out=t_out)
    same(e_out, t_out)


def test_out_of_another_shape_is_resized_with_pytorchs_warning():
    e, t = pair((2, 3), 5)
    e_out, t_out = ember.zeros(5, dtype=ember.float64), torch.zeros(5, dtype=torch.float64)
    with warnings.catch_warnings(record=True) as e_warn:
        warnings.simplefilter("always")
        ember.exp(e, out=e_out)
    with warnings.catch_warnings(record=True) as t_warn:
        warnings.simplefilter("always")
        torch.exp(t, out=t_out)
    same(e_out, t_out)
    # PyTorch's message, without the " (Triggered internally at <file>)" it appends.
    assert [str(w.message) for w in e_warn] == [str(w.message).split(" (Triggered internally")[0] for w in t_warn]
    # An empty out is resized silently.
    e_empty = ember.empty(0, dtype=ember.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.exp(e, out=e_empty)
    assert tuple(e_empty.shape) == (2, 3)


def test_out_keeps_its_dtype_and_refuses_a_narrowing_cast():
    e = ember.tensor([0.5, 1.5], dtype=ember.float64)
    e_out = ember.zeros(2, dtype=ember.float32)
    ember.mul(e, 2.0, out=e_out)
    assert e_out.dtype == ember.float32 and e_out.tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired output type Long"):
        ember.mul(e, 2.0, out=ember.zeros(2, dtype=ember.int64))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        ember.exp(e, out=[0.0, 0.0])


def test_relu_and_isfinite_take_no_out_as_in_pytorch():
    for op in ("relu", "isfinite"):
        with pytest.raises(TypeError):
            getattr(torch, op)(torch.ones(2), out=torch.empty(2))
        with pytest.raises(TypeError):
            getattr(ember, op)(ember.ones(2), out=ember.empty(2))


def test_out_is_refused_when_autograd_is_involved():
    a = ember.ones(2, requires_grad=True)
    out = ember.zeros(2)
    with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=\.\.\. arguments don't support automatic"):
        ember.mul(a, a, out=out)
    with pytest.raises(RuntimeError, match="out="):
        ember.mul(ember.ones(2), 2.0, out=ember.zeros(2, requires_grad=True))
    # An input given by keyword counts too.
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=\.\.\. arguments"):
        ember.add(ember.ones(2), other=a, out=out)
    with ember.no_grad():
        ember.mul(a, a, out=out)
    assert out.tolist() == [1.0, 1.0]


def test_allow_mutation_on_saved_tensors_gives_backward_the_values_it_saved():
    # d/da sum((a b)²) with b = 2a modified in place after being saved: 8a in PyTorch's semantics.
    for lib in (ember, torch):
        a = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        with lib.autograd.graph.allow_mutation_on_saved_tensors():
            b = a * 2.0
            out = (b * b).sum()
            b.mul_(100.0)
            b.zero_()
            out.backward()
        assert a.grad.tolist() == [8.0, -16.0, 24.0]
