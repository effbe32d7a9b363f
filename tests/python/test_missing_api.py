"""all/any, var_mean/std_mean, advanced indexing (several index tensors, get
and set, index_put with accumulate), pow's gradients at zero, the int64
overflow error of ember.tensor, and the CPU device, each against PyTorch:
values, gradients (and ember's gradcheck in float64), errors.

Tolerances: float64 values and gradients agree with PyTorch to rounding
(rtol 1e-12: both compute the same formulas, reductions may sum in another
order); gradcheck keeps its defaults.
"""

import pickle

import numpy as np
import pytest
import torch

import ember

RTOL = 1e-12


def pair(shape, seed, kind="float"):
    """The same float64 values as an ember and a torch tensor."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if kind == "sparse":  # zeros where all/any have something to find
        a = np.where(rng.random(shape) < 0.4, 0.0, a)
    return ember.tensor(a, dtype=ember.float64), torch.tensor(a, dtype=torch.float64)


def leaf_pair(shape, seed):
    e, t = pair(shape, seed)
    return e.requires_grad_(), t.requires_grad_()


def assert_same(e, t, rtol=RTOL):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-14)


def backward_both(e_out, t_out, seed=7):
    """Backpropagates the same random weighting of each output through both libraries."""
    rng = np.random.default_rng(seed)
    e_loss, t_loss = 0, 0
    for e, t in zip(e_out, t_out):
        w = rng.standard_normal(tuple(t.shape))
        e_loss = e_loss + (e * ember.tensor(w, dtype=ember.float64)).sum()
        t_loss = t_loss + (t * torch.tensor(w, dtype=torch.float64)).sum()
    e_loss.backward()
    t_loss.backward()


def expect_error(fn, error, fragment):
    with pytest.raises(error) as info:
        fn()
    assert fragment in str(info.value), str(info.value)


# ---------------------------------------------------------------- all / any

ALL_ANY_CASES = [
    ((3, 4), {}),
    ((3, 4), {"dim": 1}),
    ((3, 4), {"dim": 0, "keepdim": True}),
    ((2, 3, 4), {"dim": (0, 2)}),
    ((2, 3, 4), {"dim": [-1, 0], "keepdim": True}),
    ((2, 3, 4), {"dim": ()}),
    ((2, 3, 4), {"keepdim": True}),
    ((0, 3), {"dim": 0}),
    ((0, 3), {}),
    ((), {"dim": 0}),
]


@pytest.mark.parametrize("op", ["all", "any"])
@pytest.mark.parametrize("shape,kwargs", ALL_ANY_CASES)
def test_all_any_match_torch(op, shape, kwargs):
    e, t = pair(shape, 1, "sparse")
    for ex, tx in [(e, t), (e != 0, t != 0), (e.long(), t.long()), (e.transpose(0, -1) if e.ndim else e,
                                                                      t.transpose(0, -1) if t.ndim else t)]:
        assert_same(getattr(ember, op)(ex, **kwargs), getattr(torch, op)(tx, **kwargs))
        assert_same(getattr(ex, op)(**kwargs), getattr(tx, op)(**kwargs))


def test_all_any_count_nan_as_true_and_take_no_gradient():
    e = ember.tensor([float("nan"), 1.0], requires_grad=True)
    assert ember.all(e).item() is True and e.all().dtype == ember.bool
    assert not e.any().requires_grad
    assert ember.tensor([0.0, 0.0]).any().item() is False


def test_all_any_errors_match_torch():
    x = ember.zeros(2, 3)
    expect_error(lambda: x.all(dim=2), IndexError, "out of range")
    expect_error(lambda: x.any(dim=(0, 0)), ValueError, "dim 0 appears multiple times")
    with pytest.raises(RuntimeError):  # PyTorch raises RuntimeError for both
        torch.zeros(2, 3).all(dim=(0, 0))


# ---------------------------------------------------------------- var_mean / std_mean

VAR_MEAN_CASES = [
    ((), {}),
    ((1,), {}),
    ((3, 4), {"dim": 1}),
    ((3, 4), {"dim": (0, 1), "keepdim": True}),
    ((2, 3, 4), {"dim": [0, 2], "unbiased": False}),
    ((2, 3, 4), {"dim": 1, "correction": 0, "keepdim": True}),
    ((2, 3, 4), {"dim": -1, "correction": 2}),
    ((5,), {"unbiased": True}),
]


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
@pytest.mark.parametrize("shape,kwargs", VAR_MEAN_CASES)
def test_var_mean_std_mean_match_torch(op, shape, kwargs):
    e, t = leaf_pair(shape, 2)
    e_out, t_out = getattr(ember, op)(e, **kwargs), getattr(torch, op)(t, **kwargs)
    assert isinstance(e_out, tuple) and len(e_out) == 2
    for a, b in zip(e_out, t_out):
        assert_same(a, b)
    if all(np.isfinite(b.detach().numpy()).all() for b in t_out):
        backward_both(e_out, t_out)
        assert_same(e.grad, t.grad, rtol=1e-10)
        e2 = e.detach().requires_grad_()
        assert ember.autograd.gradcheck(lambda x: getattr(ember, op)(x, **kwargs), (e2,))
        assert ember.autograd.gradgradcheck(lambda x: getattr(ember, op)(x, **kwargs), (e2,))
    # One node with two outputs, as PyTorch's (a node hook sees both gradients).
    assert e_out[0].grad_fn is e_out[1].grad_fn
    assert e_out[0].grad_fn.name() == t_out[0].grad_fn.name()


def test_var_mean_takes_unbiased_positionally():
    e, t = pair((6,), 3)
    for a, b in zip(ember.var_mean(e, False), torch.var_mean(t, False)):
        assert_same(a, b)
    for a, b in zip(ember.std_mean(e, True), torch.std_mean(t, True)):
        assert_same(a, b)


def test_var_mean_rejects_integer_tensors():
    expect_error(lambda: ember.var_mean(ember.tensor([1, 2])), TypeError, "var_mean: expected a floating point tensor")
    expect_error(lambda: ember.std_mean(ember.tensor([1, 2])), TypeError, "std_mean: expected a floating point tensor")


# ---------------------------------------------------------------- advanced indexing

def idx(values):
    return ember.tensor(values, dtype=ember.int64), torch.tensor(values, dtype=torch.int64)


def mask(values):
    return ember.tensor(values, dtype=ember.bool), torch.tensor(values, dtype=torch.bool)


def sl(*args):
    return slice(*args), slice(*args)


# Each key builds (ember key, torch key) for x of shape (2, 3, 4, 5).
KEYS = {
    "two adjacent": lambda: (idx([0, 1, 1]), idx([2, 0, 1])),
    "adjacent after a slice": lambda: (sl(None), idx([0, 2]), idx([1, 3])),
    "separated by a slice": lambda: (idx([1, 0]), sl(None), idx([3, 0])),
    "separated, broadcast 2-d": lambda: (idx([[0], [1]]), sl(1, 3), idx([0, 2, 3]), sl(None)),
    "three, broadcast": lambda: (idx([[1], [0]]), idx([0, 2]), idx([[3, 1]])),
    "int between (selected first)": lambda: (idx([0, 1]), (1, 1), idx([2, 3])),
    "None between": lambda: (idx([0, 1]), (None, None), idx([1, 2])),
    "ellipsis between": lambda: (idx([0, 1]), (Ellipsis, Ellipsis), idx([2, 1])),
    "trailing after ellipsis": lambda: ((Ellipsis, Ellipsis), idx([0, 3]), idx([2, 1])),
    "negative positions": lambda: (idx([-1, 0]), sl(None), idx([-2, -3])),
    "repeated positions": lambda: (idx([1, 1, 0]), idx([2, 2, 2])),
    "mask then index": lambda: (mask([[True, False, True], [False, True, True]]), idx([0, 3, 1, 2])),
    "index then mask": lambda: (idx([1]), sl(None), mask([True, False, True, False]), sl(None)),
    "0-d int tensor and index": lambda: (idx(1), sl(None), idx([0, 3])),
    "0-d tensors only": lambda: (idx(1), idx(2)),
    "True and index": lambda: ((True, True), idx([0, 1])),
    "empty index": lambda: (idx(np.zeros((0,), dtype=np.int64)), idx(np.zeros((0,), dtype=np.int64))),
    "list indices": lambda: (([0, 1], [0, 1]), sl(None), ([1, 2], [1, 2])),
    "range": lambda: ((range(2), range(2)),),
    "range and index": lambda: ((range(1, -1, -1), range(1, -1, -1)), idx([0, 2])),
}


def split_key(key):
    return tuple(k[0] for k in key), tuple(k[1] for k in key)


@pytest.mark.parametrize("name", list(KEYS))
def test_getitem_with_several_index_tensors_matches_torch(name):
    e, t = leaf_pair((2, 3, 4, 5), 4)
    ek, tk = split_key(KEYS[name]())
    e_out, t_out = e[ek], t[tk]
    assert_same(e_out, t_out)
    if t_out.numel():
        backward_both([e_out], [t_out])
        assert_same(e.grad, t.grad)
    x = e.detach()[:, :, :, :3].requires_grad_()  # a non-contiguous base, for gradcheck's size
    tx = t.detach()[:, :, :, :3]
    if tx[tk].numel():
        assert ember.autograd.gradcheck(lambda a: a[ek], (x,))
        assert ember.autograd.gradgradcheck(lambda a: a[ek], (x,))


@pytest.mark.parametrize("name", list(KEYS))
def test_setitem_with_several_index_tensors_matches_torch(name):
    ek, tk = split_key(KEYS[name]())
    t_region = torch.zeros(2, 3, 4, 5)[tk]
    rng = np.random.default_rng(5)
    v = rng.standard_normal(tuple(t_region.shape))
    # A value with a broadcast dim, when the region has dims to broadcast over.
    vb = v[..., :1] if v.ndim else v
    for value in (v, vb):
        e, t = leaf_pair((2, 3, 4, 5), 6)
        ev = ember.tensor(value, dtype=ember.float64, requires_grad=True)
        tv = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        e_out, t_out = e * 1, t * 1
        if name != "repeated positions":  # with repeats, which write wins is unspecified
            e_out[ek] = ev
            t_out[tk] = tv
            assert_same(e_out, t_out)
            backward_both([e_out], [t_out])
            assert_same(e.grad, t.grad)
            assert_same(ev.grad, tv.grad)

        def put(a, b):
            out = a.clone()
            out[ek] = b
            return out

        a = e.detach().requires_grad_()
        b = ember.tensor(value, dtype=ember.float64, requires_grad=True)
        if name != "repeated positions":
            assert ember.autograd.gradcheck(put, (a, b))


def test_setitem_takes_tensors_and_numbers():
    e = ember.zeros(3, 4, dtype=ember.int64)
    t = torch.zeros(3, 4, dtype=torch.int64)
    e[ember.tensor([0, 2]), ember.tensor([1, 3])] = 7
    t[torch.tensor([0, 2]), torch.tensor([1, 3])] = 7
    e[[1, 1], [0, 2]] = ember.tensor([4, 5])
    t[[1, 1], [0, 2]] = torch.tensor([4, 5])
    e[ember.tensor([2]), :, None] = 1.5  # a number is converted to the tensor's dtype
    t[torch.tensor([2]), :, None] = 1.5
    assert_same(e, t)


INDEX_PUT_CASES = {
    "one index": lambda: (idx([0, 2, 4]),),
    "two adjacent": lambda: (idx([0, 1, 1]), idx([2, 0, 2])),
    "broadcast": lambda: (idx([[0], [3]]), idx([1, 2])),
    "repeated, 0-d with index": lambda: (idx(2), idx([1, 1, 0])),
    "mask": lambda: (mask([[True, False, True], [False, False, True], [True, True, False],
                           [False, True, False], [True, True, True]]),),
}


@pytest.mark.parametrize("name", list(INDEX_PUT_CASES))
@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(name, accumulate):
    ek, tk = split_key(INDEX_PUT_CASES[name]())
    t_region = torch.zeros(5, 3)[tk]
    value = np.random.default_rng(8).standard_normal(tuple(t_region.shape))
    repeats = name.startswith("repeated")
    e, t = leaf_pair((5, 3), 9)
    ev = ember.tensor(value, dtype=ember.float64, requires_grad=True)
    tv = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    if accumulate or not repeats:
        e_out, t_out = ember.index_put(e, ek, ev, accumulate), torch.index_put(t, tk, tv, accumulate)
        assert_same(e_out, t_out)
        backward_both([e_out], [t_out])
        assert_same(e.grad, t.grad)
        assert_same(ev.grad, tv.grad)
        e2, t2 = e.detach().clone(), t.detach().clone()
        r = e2.index_put_(ek, ev.detach(), accumulate=accumulate)
        t2.index_put_(tk, tv.detach(), accumulate=accumulate)
        assert r is e2
        assert_same(e2, t2)
        a, b = e.detach().requires_grad_(), ev.detach().requires_grad_()
        assert ember.autograd.gradcheck(lambda x, v: ember.index_put(x, ek, v, accumulate), (a, b))
        assert ember.autograd.gradgradcheck(lambda x, v: x.index_put(ek, v, accumulate), (a, b))


def test_index_put_accumulate_sums_repeated_positions():
    x = ember.zeros(5, dtype=ember.float64)
    x.index_put_((ember.tensor([0, 0, 2, 0]),), ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64),
                 accumulate=True)
    assert x.tolist() == [7.0, 0.0, 3.0, 0.0, 0.0]
    x.index_put_([ember.tensor([4, 4])], ember.tensor(0.5, dtype=ember.float64), True)
    assert x.tolist() == [7.0, 0.0, 3.0, 0.0, 1.0]


def test_index_put_in_place_is_differentiable_and_bumps_the_version():
    e, t = leaf_pair((4, 3), 10)
    ev, tv = leaf_pair((2,), 11)
    e_out, t_out = e * 2, t * 2
    version = e_out._version
    e_out.index_put_((ember.tensor([0, 3]), ember.tensor([2, 2])), ev, accumulate=True)
    t_out.index_put_((torch.tensor([0, 3]), torch.tensor([2, 2])), tv, accumulate=True)
    assert e_out._version > version
    assert e_out.grad_fn is not None
    assert_same(e_out, t_out)
    backward_both([e_out], [t_out])
    assert_same(e.grad, t.grad)
    assert_same(ev.grad, tv.grad)


def test_indexing_errors_match_torch():
    x = ember.zeros(2, 3, 4)
    tx = torch.zeros(2, 3, 4)
    cases = [
        (lambda lib, a: a[lib.tensor([0, 1]), lib.tensor([0, 1, 2])], IndexError,
         "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"),
        (lambda lib, a: a[lib.tensor([0, 5]), lib.tensor([0, 1])], IndexError,
         "index 5 is out of bounds for dimension 0 with size 2"),
        (lambda lib, a: a[:, lib.tensor([0, 1]), lib.tensor([4, 1])], IndexError,
         "index 4 is out of bounds for dimension"),
        (lambda lib, a: a[lib.tensor([True, False]), lib.tensor([True, False, True, True])], IndexError,
         "The shape of the mask [4] at index 0 does not match the shape of the indexed tensor [2, 3, 4] at index 1"),
        (lambda lib, a: a[False, lib.tensor([0, 1])], IndexError,
         "shape mismatch: indexing tensors could not be broadcast together with shapes [0], [2]"),
        (lambda lib, a: a.index_put_((lib.tensor([0]),) * 4, lib.tensor(1.0)), IndexError,
         "too many indices for tensor of dimension 3 (got 4)"),
        (lambda lib, a: a.index_put_((lib.tensor([0.0]),), lib.tensor(1.0)), IndexError,
         "tensors used as indices must be"),
        (lambda lib, a: a.index_put_((lib.tensor([0, 1]),), lib.tensor([1.0, 2.0, 3.0])), RuntimeError,
         "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 3, 4]"),
        (lambda lib, a: a.index_put_((lib.tensor([0]),), lib.tensor([1.0], dtype=lib.float64)), RuntimeError,
         "Index put requires the source and destination dtypes match"),
    ]
    for fn, error, fragment in cases:
        for lib, a in ((ember, x), (torch, tx)):
            with pytest.raises(error) as info:
                fn(lib, a)
            assert fragment.lower() in str(info.value).lower(), (lib.__name__, str(info.value))


# ---------------------------------------------------------------- pow gradients

def pow_grads(lib, base, exponent, scalar_base=None):
    e = lib.tensor(exponent, dtype=lib.float64, requires_grad=True)
    if scalar_base is not None:
        y = scalar_base ** e
        y.backward(lib.ones_like(y))
        return y, None, e.grad
    b = lib.tensor(base, dtype=lib.float64, requires_grad=True)
    y = b.pow(e)
    y.backward(lib.ones_like(y))
    return y, b.grad, e.grad


POW_CASES = [
    ([0.0, 0.0, 0.0, 0.0, 2.0, 0.0], [-1.0, 0.0, 2.0, 0.5, 0.0, -2.5]),
    ([-1.0, 1.0, 3.0, 0.0], [0.5, 0.0, -1.0, 1.0]),
    ([0.0, 0.0], [0.0, 0.0]),
]


@pytest.mark.parametrize("base,exponent", POW_CASES)
def test_pow_tensor_exponent_gradients_match_torch_at_zero(base, exponent):
    for a, b in zip(pow_grads(ember, base, exponent), pow_grads(torch, base, exponent)):
        np.testing.assert_array_equal(np.isnan(a.detach().numpy()), np.isnan(b.detach().numpy()))
        assert_same(a, b)


@pytest.mark.parametrize("scalar", [0, 0.0, 2, 0.5, -2.0])
def test_scalar_pow_tensor_gradients_match_torch(scalar):
    exponent = [-1.0, 0.0, 2.0, -0.5, 3.0]
    e_y, _, e_g = pow_grads(ember, None, exponent, scalar)
    t_y, _, t_g = pow_grads(torch, None, exponent, scalar)
    assert_same(e_y, t_y)
    assert_same(e_g, t_g)
    # d/db 0**b at b = -1 is -inf, as PyTorch's pow_backward_exponent gives.
    if scalar == 0:
        assert e_g[0].item() == -np.inf and e_g[2].item() == 0.0
    assert ember.pow(scalar, ember.tensor(exponent, dtype=ember.float64, requires_grad=True)).grad_fn.name() == \
        "PowBackward2"


def test_pow_gradients_pass_gradcheck_away_from_zero():
    b = ember.tensor([0.5, 1.5, 2.0], dtype=ember.float64, requires_grad=True)
    e = ember.tensor([-1.0, 0.5, 3.0], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, y: x.pow(y), (b, e))
    assert ember.autograd.gradgradcheck(lambda x, y: x.pow(y), (b, e))
    assert ember.autograd.gradcheck(lambda y: ember.pow(2.5, y), (e,))
    assert ember.autograd.gradcheck(lambda y: 3 ** y, (e,))
    assert ember.autograd.gradcheck(lambda x: x.pow(ember.zeros(3, dtype=ember.float64)), (b,))


# ---------------------------------------------------------------- int64 overflow

@pytest.mark.parametrize("data", [2 ** 63, -(2 ** 63) - 1, 2 ** 64, [1, 2 ** 63], [[1, 2], [3, 2 ** 63]], (2 ** 70,)])
def test_tensor_of_an_int_beyond_int64_raises_torchs_overflow_error(data):
    with pytest.raises(ValueError, match="Overflow when unpacking long long") as e_info:
        ember.tensor(data)
    assert isinstance(e_info.value, RuntimeError) and isinstance(e_info.value, ember._C.ValueError)
    with pytest.raises((ValueError, RuntimeError), match="Overflow when unpacking long long"):
        torch.tensor(data)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        ember.tensor(data, dtype=ember.int64)


@pytest.mark.parametrize("data,dtype", [([1.5, 2 ** 63], None), ([2 ** 63, 0.5], None), (2 ** 64, "float64"),
                                        ([2 ** 63], "float32"), (-(2 ** 63), None), ([2 ** 63 - 1], None)])
def test_tensor_of_large_ints_that_fit_the_dtype_matches_torch(data, dtype):
    e = ember.tensor(data, dtype=getattr(ember, dtype) if dtype else None)
    t = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_array_equal(e.numpy(), t.numpy())


# ---------------------------------------------------------------- devices

def test_device_object_matches_torch():
    for spec in ("cpu", "cpu:0", "cpu:3"):
        e, t = ember.device(spec), torch.device(spec)
        assert (repr(e), str(e), e.type, e.index) == (repr(t), str(t), t.type, t.index)
    e, t = ember.device("cpu", 1), torch.device("cpu", 1)
    assert (repr(e), str(e), e.index) == (repr(t), str(t), t.index)
    assert ember.device("cpu") == ember.device(ember.device("cpu"))
    assert ember.device("cpu") != ember.device("cpu:0")
    assert (ember.device("cpu") == "cpu") is (torch.device("cpu") == "cpu") is False
    assert hash(ember.device("cpu")) == hash(ember.device("cpu"))
    assert pickle.loads(pickle.dumps(ember.device("cpu:2"))) == ember.device("cpu:2")


def test_tensors_live_on_the_cpu():
    x = ember.ones(2, 3)
    assert x.device == ember.device("cpu") and str(x.device) == "cpu"
    assert repr(x.device) == repr(torch.ones(1).device)
    assert x.to("cpu") is x and x.cpu() is x and x.to(ember.device("cpu")) is x
    assert x.to("cpu", ember.float64).dtype == ember.float64
    assert x.to(device="cpu:0", dtype=ember.int64).dtype == ember.int64
    assert x.to("cpu", non_blocking=True) is x
    c = x.to("cpu", copy=True)
    assert c is not x and c.tolist() == x.tolist()
    y = ember.ones(2, requires_grad=True)
    y.to("cpu", ember.float64).sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


CREATORS = [
    ("tensor", lambda lib, d: lib.tensor([1.0, 2.0], device=d)),
    ("zeros", lambda lib, d: lib.zeros(2, 3, device=d)),
    ("ones", lambda lib, d: lib.ones((2,), device=d)),
    ("empty", lambda lib, d: lib.empty(2, device=d)),
    ("full", lambda lib, d: lib.full((2,), 3.0, device=d)),
    ("arange", lambda lib, d: lib.arange(5, device=d)),
    ("eye", lambda lib, d: lib.eye(3, device=d)),
    ("rand", lambda lib, d: lib.rand(2, device=d)),
    ("randn", lambda lib, d: lib.randn(2, device=d)),
    ("randint", lambda lib, d: lib.randint(0, 5, (3,), device=d)),
    ("randperm", lambda lib, d: lib.randperm(4, device=d)),
    ("zeros_like", lambda lib, d: lib.zeros_like(lib.ones(2), device=d)),
    ("ones_like", lambda lib, d: lib.ones_like(lib.ones(2), device=d)),
    ("empty_like", lambda lib, d: lib.empty_like(lib.ones(2), device=d)),
    ("full_like", lambda lib, d: lib.full_like(lib.ones(2), 2.0, device=d)),
    ("rand_like", lambda lib, d: lib.rand_like(lib.ones(2), device=d)),
    ("randn_like", lambda lib, d: lib.randn_like(lib.ones(2), device=d)),
]


@pytest.mark.parametrize("name,make", CREATORS, ids=[c[0] for c in CREATORS])
def test_creation_functions_take_the_cpu_device_and_refuse_others(name, make):
    for spec in ("cpu", "cpu:0", None):
        e = make(ember, ember.device(spec) if spec == "cpu:0" else spec)
        t = make(torch, torch.device(spec) if spec == "cpu:0" else spec)
        assert tuple(e.shape) == tuple(t.shape) and str(e.device) == str(t.device) == "cpu"
    expect_error(lambda: make(ember, "cuda"), ValueError,
                 "ember runs on the CPU only: expected device 'cpu' or 'cpu:<index>', got 'cuda'")
    expect_error(lambda: make(ember, 3.5), TypeError, "expected device to be a str ('cpu') or an ember.device")


def test_devices_other_than_the_cpu_are_refused_clearly():
    x = ember.ones(2)
    for fn in (lambda: ember.device("cuda"), lambda: ember.device("cuda:0"), lambda: x.to("cuda"),
               lambda: x.to("mps", ember.float64)):
        expect_error(fn, ValueError, "ember runs on the CPU only")
    expect_error(lambda: ember.device("cpu:x"), ValueError, "with a non-negative integer index, got 'cpu:x'")
    expect_error(lambda: ember.device("cpu:0", 1), ValueError, "must not include an index")
    expect_error(lambda: x.to(7), TypeError, "to: expected device to be a str ('cpu') or an ember.device, got int")
    model = ember.nn.Linear(2, 2)
    assert model.to(ember.device("cpu")) is model and model.to("cpu") is model
    expect_error(lambda: model.to("cuda"), ValueError, "Module.to: ember runs on the CPU only")
