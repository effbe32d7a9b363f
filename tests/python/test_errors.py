"""Bad input raises the Python exception PyTorch users expect (C++ ValueError,
TypeError and IndexError map to Python's; other ember errors to RuntimeError),
with a message that names the op and the offending values."""

import numpy as np
import pytest

import ember

X = ember.zeros(2, 3)

ERROR_CASES = [
    # (description, call, exception, message fragment)
    ("broadcast mismatch", lambda: X + ember.zeros(4), ValueError, "cannot be broadcast"),
    ("mm inner sizes", lambda: ember.mm(X, ember.zeros(4, 5)), ValueError, "[2, 3] and [4, 5]"),
    ("bmm batch sizes", lambda: ember.bmm(ember.zeros(2, 3, 4), ember.zeros(3, 4, 5)), ValueError, "bmm"),
    ("cat sizes", lambda: ember.cat([X, ember.zeros(2, 4)]), ValueError, "Expected size 3 but got size 4"),
    ("reshape numel", lambda: X.reshape(4, 2), ValueError, "invalid for input of size 6"),
    ("view of non-viewable strides", lambda: X.t().view(6), RuntimeError, "reshape"),
    ("item of many elements", lambda: X.item(), ValueError, "6 elements"),
    ("backward shape", lambda: ember.ones(2, requires_grad=True).exp().backward(ember.ones(3)), ValueError, "shape"),
    ("sum dim out of range", lambda: X.sum(dim=5), IndexError, "dimension out of range"),
    ("size dim out of range", lambda: X.size(-3), IndexError, "dimension out of range"),
    ("transpose dim out of range", lambda: X.transpose(0, 2), IndexError, "dimension out of range"),
    ("index out of bounds", lambda: X[2], IndexError, "out of bounds"),
    ("too many indices", lambda: X[0, 0, 0], IndexError, "too many indices"),
    ("gather index out of bounds", lambda: X.gather(1, ember.tensor([[5]])), IndexError, "out of bounds"),
    ("float index tensor", lambda: ember.index_select(X, 0, ember.tensor([0.0])), TypeError, "expected index to be int64"),
    ("int mask", lambda: X.masked_fill(ember.tensor([1, 0, 1]), 0.0), TypeError, "bool"),
    ("float key", lambda: X[1.5], TypeError, "got float"),
    ("mean of int", lambda: ember.tensor([1, 2]).mean(), TypeError, "floating point"),
    ("rand int dtype", lambda: ember.rand(2, dtype=ember.int64), TypeError, "floating point"),
    ("from_numpy int32", lambda: ember.from_numpy(np.zeros(2, dtype=np.int32)), TypeError, "int32"),
    ("from_numpy of a list", lambda: ember.from_numpy([1.0, 2.0]), TypeError, "ndarray"),
    ("from_numpy negative strides", lambda: ember.from_numpy(np.arange(3.0)[::-1]), ValueError, "negative"),
    ("tensor of strings", lambda: ember.tensor(["a"]), TypeError, "tensor"),
    ("dtype given as a string", lambda: ember.zeros(2, dtype="float32"), TypeError, "dtype"),
    ("requires_grad on int", lambda: ember.tensor([1, 2]).requires_grad_(), RuntimeError,
     "only Tensors of floating point dtype can require gradients"),
    ("requires_grad=True for int creation", lambda: ember.zeros(2, dtype=ember.int64, requires_grad=True),
     RuntimeError, "floating point"),
    ("backward of non-scalar", lambda: ember.ones(2, requires_grad=True).exp().backward(), RuntimeError,
     "only for scalar outputs"),
    ("backward without grad", lambda: ember.ones(2).sum().backward(), RuntimeError, "does not require grad"),
    ("hook without grad", lambda: ember.ones(2).register_hook(lambda g: g), RuntimeError, "doesn't require gradient"),
    ("bad hook return", lambda: _backward_with_hook(lambda g: "not a tensor"), TypeError,
     "hook returned: expected a Tensor or None, got str"),
]


def _backward_with_hook(hook):
    x = ember.ones(2, requires_grad=True)
    x.register_hook(hook)
    x.sum().backward()


@pytest.mark.parametrize("call,exception,fragment", [pytest.param(*c[1:], id=c[0]) for c in ERROR_CASES])
def test_bad_input_raises_with_message(call, exception, fragment):
    with pytest.raises(exception) as info:
        call()
    assert fragment in str(info.value)


def test_ember_errors_are_not_silently_swallowed_by_operators():
    # A Python object that is neither a tensor nor a number: Python's own TypeError.
    with pytest.raises(TypeError):
        X + "a"
    assert (X == None) is False  # noqa: E711 (falls back to identity, as torch does)
