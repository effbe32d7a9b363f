"""Autograd behaviour from Python, each checked against PyTorch doing the same:
accumulation, retain_graph, second derivatives, hooks, retain_grad, grad modes,
in-place version checks, autograd.grad/backward, graph inspection, custom
Functions and gradcheck catching a wrong backward."""

import numpy as np
import pytest
import torch

import ember
from ember.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def leaf(lib, values, dtype="float64"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


X = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]


def assert_close(e, t, rtol=1e-12):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-14)


def test_gradients_accumulate_across_backward_calls():
    for lib in (ember, torch):
        x = leaf(lib, X)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        if lib is ember:
            e = x.grad
        else:
            t = x.grad
    assert_close(e, t)
    np.testing.assert_allclose(e.numpy(), 4 * np.array(X))


def test_second_backward_without_retain_graph_raises():
    x = leaf(ember, X)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_create_graph_gives_second_derivatives_like_torch():
    grads = {}
    for lib in (ember, torch):
        x = leaf(lib, X)
        y = (x.sin() * x**3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        grads[lib] = (g, gg)
    assert_close(grads[ember][0], grads[torch][0])
    assert_close(grads[ember][1], grads[torch][1], rtol=1e-10)


def test_backward_with_create_graph_records_the_gradient():
    x = leaf(ember, X)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad.sum()
    x.grad = None
    g.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array(X))


def test_hooks_replace_gradients_and_can_be_removed():
    x = leaf(ember, X)
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    observer = x.register_hook(lambda g: seen.append(g.clone()))  # returning None keeps the gradient
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 20.0))
    np.testing.assert_allclose(seen[0].numpy(), np.full((2, 3), 20.0))
    handle.remove()
    observer.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))
    assert len(seen) == 1


def test_hook_on_intermediate_tensor_changes_what_flows_back():
    for lib in (ember, torch):
        x = leaf(lib, X)
        h = x * x
        h.register_hook(lambda g: g * 3)
        h.sum().backward()
        if lib is ember:
            e = x.grad
        else:
            t = x.grad
    assert_close(e, t)


def test_retain_grad_keeps_intermediate_gradients():
    x = leaf(ember, X)
    h = x.exp()
    h.retain_grad()
    k = x * 2
    assert h.retains_grad and not k.retains_grad
    (h * k).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * np.array(X))
    assert k.grad is None


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = leaf(ember, X)
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        with ember.enable_grad():
            z = x * 2
    assert ember.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @ember.no_grad()
    def double(t):
        return t * 2

    @ember.no_grad
    def triple(t):
        return t * 3

    assert not double(x).requires_grad and not triple(x).requires_grad
    ember.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_inplace_change_of_saved_tensor_raises_version_error():
    x = leaf(ember, X)
    y = x.exp()  # exp saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf(ember, X)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.mul_(2)


def test_version_counter_and_identity_of_inplace_results():
    x = ember.zeros(3)
    v = x._version
    assert x.add_(1) is x
    y = x
    x += 1
    assert x is y and x._version == v + 2


def test_autograd_grad_with_grad_outputs_and_allow_unused():
    results = {}
    for lib in (ember, torch):
        x, w, unused = leaf(lib, X), leaf(lib, [1.0, 2.0, 3.0]), leaf(lib, [1.0])
        y = x * w
        go = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64)
        gx, gw, gu = lib.autograd.grad([y], [x, w, unused], grad_outputs=[go], allow_unused=True)
        results[lib] = (gx, gw)
        assert gu is None
        assert x.grad is None  # grad() never touches .grad
    for e, t in zip(results[ember], results[torch]):
        assert_close(e, t)
    x = leaf(ember, X)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ember.autograd.grad((x * 2).sum(), [x, leaf(ember, [1.0])])


def test_autograd_backward_with_several_roots():
    results = {}
    for lib in (ember, torch):
        x = leaf(lib, X)
        a, b = x.sin(), (x * x).sum()
        lib.autograd.backward([a, b], [lib.ones_like(a), None])
        results[lib] = x.grad
    assert_close(results[ember], results[torch])


def test_grad_fn_and_next_functions_describe_the_graph():
    x, w = leaf(ember, X), leaf(ember, X)
    y = x * w + 1
    assert y.grad_fn.name() == "AddBackward0"
    assert not y.is_leaf and x.is_leaf
    mul, _ = y.grad_fn.next_functions[0]
    assert mul.name() == "MulBackward0"
    (acc_x, nr_x), (acc_w, nr_w) = mul.next_functions
    assert acc_x.name() == "AccumulateGrad" and acc_x.variable is x and acc_w.variable is w
    assert nr_x == 0 and nr_w == 0
    c = ember.tensor([1.0]) * x  # a constant input has no edge
    assert c.grad_fn.next_functions[0] == (None, 0)
    assert "MulBackward0" in repr(mul)


def test_tensor_identity_is_stable():
    x = leaf(ember, X)
    (x * 2).sum().backward()
    assert x.grad is x.grad
    y = x.detach()
    assert y is not x and not y.requires_grad and y.data_ptr() == x.data_ptr()


def test_requires_grad_flags():
    x = ember.tensor(X)
    assert not x.requires_grad and x.is_leaf
    x.requires_grad = True
    assert x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    y = leaf(ember, X) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_grad_can_be_assigned_and_cleared():
    x = leaf(ember, X)
    x.grad = ember.ones(2, 3, dtype=ember.float64)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 4.0))
    x.grad = None
    assert x.grad is None
    with pytest.raises(ValueError, match="assign a gradient of size .\[3\]. to a tensor of size .\[2, 3\]."):
        x.grad = ember.ones(3, dtype=ember.float64)


def test_detect_anomaly_names_the_op_producing_nan():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() * 0).sum()  # d sqrt(0) = inf, times 0 = nan
    with ember.autograd.detect_anomaly():
        assert ember.autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="returned nan values"):
            y.backward(retain_graph=True)
    assert not ember.autograd.is_anomaly_enabled()
    ember.autograd.set_detect_anomaly(True)
    assert ember.autograd.is_anomaly_enabled()
    ember.autograd.set_detect_anomaly(False)
    y.backward()  # without anomaly mode the NaN passes silently, as in PyTorch
    assert np.isnan(x.grad.numpy()[0])


# ---- custom Functions ----


def make_cube(lib, correct=True):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * x * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            factor = 3 if correct else 2
            return grad * factor * x * x * ctx.scale, None

    return Cube


def test_custom_function_matches_torch_including_second_order():
    results = {}
    for lib in (ember, torch):
        x = leaf(lib, X)
        y = make_cube(lib).apply(x, 2.0)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
        results[lib] = (y, g, x.grad)
    for e, t in zip(results[ember], results[torch]):
        assert_close(e, t)
    assert results[ember][0].grad_fn.name() == "CubeBackward"


def test_gradcheck_accepts_a_correct_function_and_catches_a_wrong_backward():
    x = leaf(ember, X)
    good, bad = make_cube(ember), make_cube(ember, correct=False)
    assert gradcheck(lambda t: good.apply(t, 2.0), (x,))
    assert gradgradcheck(lambda t: good.apply(t, 2.0), (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(lambda t: bad.apply(t, 2.0), (x,))
    assert gradcheck(lambda t: bad.apply(t, 2.0), (x,), raise_exception=False) is False
    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_passes_non_tensor_inputs_through_and_accepts_tuples():
    x, y = leaf(ember, X), leaf(ember, [1.0, 2.0, 3.0])
    assert gradcheck(lambda a, k, b: (a * b * k, (a + b).sum()), (x, 3.0, y), fast_mode=True)
    assert gradcheck(lambda a: a.tanh(), x, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradcheck_warns_on_float32_inputs_and_still_checks_them():
    x = ember.tensor(X, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        assert gradcheck(lambda t: t.sum(), (x,), eps=1e-3, atol=0.1)


def test_function_ctx_needs_input_grad_and_non_differentiable_outputs():
    seen = {}

    class SortedArg(Function):
        @staticmethod
        def forward(ctx, x, y, flag):
            seen["needs"] = ctx.needs_input_grad
            index = x.argmax(dim=1)
            ctx.mark_non_differentiable(index)
            return x * 2 + y, index

        @staticmethod
        def backward(ctx, grad, grad_index):
            return grad * 2, None, None

    x, y = leaf(ember, X), ember.tensor(X, dtype=ember.float64)
    out, index = SortedArg.apply(x, y, True)
    assert seen["needs"] == (True, False, False)
    assert out.requires_grad and not index.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))


def test_function_backward_returning_wrong_shape_is_reported():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    x = leaf(ember, X)
    with pytest.raises(ValueError, match="shape"):
        Wrong.apply(x).sum().backward()


def test_exception_in_python_backward_propagates():
    class Boom(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            raise KeyError("boom")

    x = leaf(ember, X)
    with pytest.raises(KeyError, match="boom"):
        Boom.apply(x).sum().backward()
