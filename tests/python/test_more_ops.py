"""The ops added for the ported PyTorch autograd tests, against PyTorch: one
table of differentiable ops (values and gradients in float64 against torch,
ember's gradcheck and gradgradcheck), then the non-differentiable and in-place
ones, the legacy tensor types and the error messages.

Tolerances: float64 agrees with PyTorch to rounding (rtol 1e-10 leaves room for
a different order of multiplication in prod and of summation in the backward
rules)."""

import numpy as np
import pytest
import torch

import ember

RTOL, ATOL = 1e-10, 1e-12


def both(a):
    """The same float64 data as an ember and a torch leaf that require grad."""
    return (ember.tensor(a, dtype=ember.float64, requires_grad=True),
            torch.tensor(a, dtype=torch.float64, requires_grad=True))


def idx(lib, values):
    return lib.tensor(values, dtype=lib.int64)


rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
WITH_ZERO = np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 1.25]])
TWO_ZEROS = np.array([[0.0, 0.0, -2.0], [0.5, 0.0, 1.25]])
SQUARE = rng.standard_normal((4, 4))

# name -> (fn(lib, *inputs), inputs, whether gradgradcheck applies)
OPS = {
    "prod_all": (lambda lib, x: x.prod(), [A], True),
    "prod_dim": (lambda lib, x: x.prod(1), [A], True),
    "prod_keepdim": (lambda lib, x: lib.prod(x, 0, keepdim=True), [A], True),
    "prod_one_zero_all": (lambda lib, x: x.prod(), [WITH_ZERO], False),
    "prod_one_zero_dim": (lambda lib, x: x.prod(1), [WITH_ZERO], False),
    "prod_two_zeros_dim": (lambda lib, x: x.prod(0), [TWO_ZEROS], False),
    "prod_two_zeros_all": (lambda lib, x: x.prod(), [TWO_ZEROS], False),
    "diagonal": (lambda lib, x: x.diagonal(), [SQUARE], True),
    "diagonal_offset": (lambda lib, x: x.diagonal(1), [A], True),
    "diagonal_negative_offset_dims": (lambda lib, x: lib.diagonal(x.reshape(3, 2, 2), -1, 2, 0), [A], True),
    "trace": (lambda lib, x: lib.trace(x), [A], True),
    "repeat": (lambda lib, x: x.repeat(2, 1, 3), [A], True),
    "atan2": (lambda lib, y, x: lib.atan2(y, x), [A, B], True),
    "median_all": (lambda lib, x: x.median(), [A], False),
    "median_dim": (lambda lib, x: x.median(1)[0], [A], False),
    "median_dim0_keepdim": (lambda lib, x: lib.median(x, 0, keepdim=True).values, [A], False),
    "nanmedian_dim": (lambda lib, x: lib.nanmedian(x, 1).values, [A], False),
    "split_with_sizes": (lambda lib, x: x.split_with_sizes([1, 3], 1), [A], True),
    "unsafe_split": (lambda lib, x: x.unsafe_split(2, 0), [A], True),
    "unsafe_chunk": (lambda lib, x: x.unsafe_chunk(2, 1), [A], True),
    "as_strided": (lambda lib, x: x.as_strided((2, 2), (1, 2), 1), [A], True),
    "threshold": (lambda lib, x: lib.nn.functional.threshold(x, 0.1, -1.0), [A], True),
    "scatter_reduce_sum": (lambda lib, x, s: lib.scatter_reduce(x, 0, idx(lib, [[0, 1, 0, 2], [2, 2, 1, 0]]), s, "sum"),
                           [A, B[:2]], True),
    "scatter_reduce_prod": (lambda lib, x, s: x.scatter_reduce(1, idx(lib, [[0, 0], [1, 1], [3, 0]]), s, "prod"),
                            [A, B[:, :2]], True),
    "scatter_reduce_mean_no_self": (
        lambda lib, x, s: x.scatter_reduce(0, idx(lib, [[0, 1, 0, 2], [0, 2, 1, 0]]), s, "mean", include_self=False),
        [A, B[:2]], True),
    "scatter_reduce_amax": (lambda lib, x, s: x.scatter_reduce(0, idx(lib, [[0, 1, 0, 2], [0, 2, 1, 0]]), s, "amax"),
                            [A, B[:2]], False),
    "index_reduce_amin": (lambda lib, x, s: x.index_reduce(0, idx(lib, [2, 0]), s, "amin"), [A, B[:2]], False),
    "index_reduce_prod_no_self": (
        lambda lib, x, s: lib.index_reduce(x, 1, idx(lib, [0, 3, 0]), s, "prod", include_self=False),
        [A, B[:, :3]], True),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_values_and_gradients_match_torch(name):
    fn, inputs, _ = OPS[name]
    pairs = [both(a) for a in inputs]
    e_out, t_out = fn(ember, *[p[0] for p in pairs]), fn(torch, *[p[1] for p in pairs])
    e_out = list(e_out) if isinstance(e_out, (tuple, list)) else [e_out]
    t_out = list(t_out) if isinstance(t_out, (tuple, list)) else [t_out]
    assert len(e_out) == len(t_out)
    e_loss, t_loss = 0, 0
    for k, (e, t) in enumerate(zip(e_out, t_out)):
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL)
        w = np.random.default_rng(k).standard_normal(tuple(t.shape))
        e_loss = e_loss + (e * ember.tensor(w, dtype=ember.float64)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    e_loss.backward()
    t_loss.backward()
    for e, t in pairs:
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    fn, inputs, gradgrad = OPS[name]
    leaves = [both(a)[0] for a in inputs]
    assert ember.autograd.gradcheck(lambda *xs: fn(ember, *xs), leaves)
    if gradgrad:
        assert ember.autograd.gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


def test_allclose_and_isclose_match_torch():
    a = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 0.0])
    for b in (a + 1e-9, a + 1e-3, a[::-1].copy()):
        for kw in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
            ea, eb, ta, tb = ember.tensor(a), ember.tensor(b), torch.tensor(a), torch.tensor(b)
            assert ember.allclose(ea, eb, **kw) == torch.allclose(ta, tb, **kw)
            assert ea.allclose(eb, **kw) == ta.allclose(tb, **kw)
            np.testing.assert_array_equal(ember.isclose(ea, eb, **kw).numpy(), torch.isclose(ta, tb, **kw).numpy())
    assert isinstance(ember.allclose(ember.ones(2), ember.ones(2)), bool)
    with pytest.raises(RuntimeError, match="did not match"):
        ember.allclose(ember.ones(2), ember.ones(2, dtype=ember.float64))


def test_atan2_gradient_at_the_origin_is_zero():
    y, x = ember.zeros(1, requires_grad=True), ember.zeros(1, requires_grad=True)
    ember.atan2(y, x).backward()
    assert y.grad.item() == 0 and x.grad.item() == 0


def test_argsort_isin_signbit_match_torch():
    a = np.array([[3.0, 1.0, np.nan, 1.0, -2.0], [0.0, 5.0, 5.0, -1.0, 2.0]])
    e, t = ember.tensor(a), torch.tensor(a)
    for kw in ({}, {"dim": 0}, {"descending": True}, {"dim": 1, "stable": True}):
        np.testing.assert_array_equal(e.argsort(**kw).numpy(), t.argsort(**kw).numpy())
    assert not ember.tensor(a, requires_grad=True).argsort().requires_grad
    test = torch.tensor([1.0, 5.0])
    np.testing.assert_array_equal(ember.isin(e, ember.tensor([1.0, 5.0])).numpy(), torch.isin(t, test).numpy())
    np.testing.assert_array_equal(ember.isin(e, ember.tensor([1.0, 5.0]), invert=True).numpy(),
                                  torch.isin(t, test, invert=True).numpy())
    z = np.array([-0.0, 0.0, -1.0, 2.0])
    np.testing.assert_array_equal(ember.signbit(ember.tensor(z)).numpy(), torch.signbit(torch.tensor(z)).numpy())


def test_median_and_nanmedian_with_nans_and_ties_match_torch():
    a = np.array([[1.0, np.nan, 3.0, 2.0], [4.0, 4.0, 1.0, 4.0], [np.nan, np.nan, np.nan, np.nan]])
    e, t = ember.tensor(a), torch.tensor(a)
    for f in ("median", "nanmedian"):
        np.testing.assert_array_equal(getattr(ember, f)(e).numpy(), getattr(torch, f)(t).numpy())
        ev, ei = getattr(e, f)(1)
        tv, ti = getattr(t, f)(1)
        np.testing.assert_array_equal(ev.numpy(), tv.numpy())
        # Which NaN nanmedian picks in an all-NaN row is PyTorch's implementation detail.
        rows = 3 if f == "median" else 2
        np.testing.assert_array_equal(ei.numpy()[:rows], ti.numpy()[:rows])
    # The global median's gradient is shared by the elements equal to it.
    x = ember.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0], requires_grad=True)
    x.median().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 0, 1 / 3, 0, 1 / 3])


def test_unsafe_split_pieces_may_be_modified_in_place_but_split_pieces_not():
    a = ember.randn(3, 3, requires_grad=True)
    s1, s2, _ = (a + a).unsafe_split(1)
    s1.mul_(s2)
    s1.sum().backward()
    assert a.grad is not None
    for f in (lambda t: t.split(1), lambda t: t.split_with_sizes((1, 1, 1)), lambda t: t.chunk(3)):
        s1, s2, _ = f(a + a)
        with pytest.raises(RuntimeError, match="returns multiple views"):
            s1.mul_(s2)


def test_relu_and_threshold_in_place_match_torch():
    for name in ("relu_", "F.relu", "nn.ReLU", "F.threshold"):
        outs = []
        for lib in (ember, torch):
            x = lib.tensor(A, dtype=lib.float64, requires_grad=True)
            y = x * 2
            if name == "relu_":
                z = y.relu_()
            elif name == "F.relu":
                z = lib.nn.functional.relu(y, inplace=True)
            elif name == "nn.ReLU":
                z = lib.nn.ReLU(inplace=True)(y)
            else:
                z = lib.nn.functional.threshold(y, 0.5, 0.25, True)
            assert z is y
            (z * z).sum().backward()
            outs.append((z.detach().numpy(), x.grad.numpy()))
        for e, t in zip(*outs):
            np.testing.assert_allclose(e, t, rtol=RTOL)
    assert repr(ember.nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.rand(3, requires_grad=True).relu_()


def test_in_place_view_ops_match_torch():
    ops = [
        lambda t: t.transpose_(0, 1), lambda t: t.t_(), lambda t: t.swapdims_(0, 1), lambda t: t.swapaxes_(1, 0),
        lambda t: t.unsqueeze_(1), lambda t: t.squeeze_(), lambda t: t.as_strided_((2, 2), (1, 3), 1),
    ]
    for op in ops:
        outs = []
        for lib in (ember, torch):
            x = lib.tensor(A[:1, :3].repeat(2, 0), dtype=lib.float64, requires_grad=True)
            y = x * 1.0
            z = op(y)
            assert z is y
            w = lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))
            (y * w).sum().backward()
            outs.append((tuple(y.shape), y.stride(), y.detach().numpy(), x.grad.numpy()))
        assert outs[0][:2] == outs[1][:2]
        np.testing.assert_allclose(outs[0][2], outs[1][2])
        np.testing.assert_allclose(outs[0][3], outs[1][3])


def test_resize_bumps_the_version_and_refuses_tensors_that_require_grad():
    x = ember.rand(1)
    x.resize_((1, 2))
    assert x.shape == (1, 2) and x._version == 1
    x.resize_as_(ember.zeros(3))
    assert x.shape == (3,) and x._version == 2
    x.resize_(3)
    assert x._version == 2
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ember.rand(2, requires_grad=True).resize_(4)


def test_bernoulli():
    p = ember.tensor([0.0, 1.0, 0.0, 1.0], dtype=ember.float64)
    np.testing.assert_array_equal(ember.bernoulli(p).numpy(), [0, 1, 0, 1])
    assert p.bernoulli().dtype == ember.float64
    m = ember.BoolTensor(50, 50).bernoulli_()
    assert m.dtype == ember.bool and 0 < int(m.sum()) < 2500
    assert int(ember.zeros(10).bernoulli_(1.0).sum()) == 10
    with pytest.raises(ValueError, match="expected p in"):
        ember.zeros(2).bernoulli_(1.5)


def test_legacy_types_new_and_type():
    assert ember.FloatTensor(2, 3).shape == (2, 3) and ember.FloatTensor(2, 3).dtype == ember.float32
    np.testing.assert_array_equal(ember.DoubleTensor([1, 2]).numpy(), [1.0, 2.0])
    assert ember.LongTensor([1, 2]).dtype == ember.int64 and ember.BoolTensor([True]).dtype == ember.bool
    x = ember.randn(2, 2)
    assert isinstance(x, ember.FloatTensor) and not isinstance(x, ember.DoubleTensor)
    assert x.type() == "ember.FloatTensor" and x.double().type() == "ember.DoubleTensor"
    assert x.type(ember.DoubleTensor).dtype == ember.float64 and x.type(ember.float32) is x
    assert x.type("torch.LongTensor").dtype == ember.int64
    assert x.new(3, 1).shape == (3, 1) and x.new(x.size()).shape == (2, 2) and x.new().shape == (0,)
    assert x.new([1, 2]).dtype == ember.float32
    assert x.new_tensor([1, 2]).dtype == ember.float32 and x.new_tensor([1], dtype=ember.int64).dtype == ember.int64


def test_scatter_reduce_prod_with_two_zeros_refuses_double_backward():
    x = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    src = ember.tensor([0.0, 0.0], dtype=ember.float64, requires_grad=True)
    i = ember.tensor([0, 0])
    for fn in (ember.scatter_reduce, ember.index_reduce):
        assert ember.autograd.gradcheck(fn, (x, 0, i, src, "prod"))
        with pytest.raises(RuntimeError, match="Double backward is unsupported for"):
            ember.autograd.gradgradcheck(fn, (x, 0, i, src, "prod"))


@pytest.mark.parametrize("call, error, match", [
    (lambda: ember.ones(2, 3).diagonal(0, 1, 1), ValueError, "diagonal dimensions cannot be identical"),
    (lambda: ember.trace(ember.ones(2, 2, 2)), ValueError, "expected a matrix"),
    (lambda: ember.ones(2, 3).repeat(2), ValueError, "can not be smaller than number of dimensions"),
    (lambda: ember.ones(4).as_strided((3,), (2,)), ValueError, "out of bounds for storage"),
    (lambda: ember.ones(2).scatter_reduce(0, ember.tensor([0]), ember.ones(1), "max"), ValueError,
     "reduce argument must be either sum, prod, mean, amax or amin"),
    (lambda: ember.ones(3).split_with_sizes([1, 1]), ValueError, "expected split_sizes to sum exactly to 3"),
    (lambda: ember.ones(3).t_().t_().unsqueeze_(0).unsqueeze_(0).t_(), ValueError, "expects a tensor with <= 2"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
