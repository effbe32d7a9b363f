"""Module hooks, ported from PyTorch's test/nn/test_module_hooks.py (TestModuleHooks,
TestModuleGlobalHooks, TestModuleHookNN; the deprecated non-full register_backward_hook
and the state_dict / registration hooks are left out), with its assertions: forward
pre-hooks, forward hooks (with_kwargs, prepend, always_call), full backward pre-hooks
and backward hooks, per module and global, for C++ layers and Python subclasses, for
calls with any number of arguments and for calls made by a C++ Sequential."""

import math
import warnings
from functools import partial

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.modules import module as hooks


def values(t):
    return t.detach().numpy()


def assert_close(a, b, atol=1e-6):
    np.testing.assert_allclose(values(a), values(b), rtol=0, atol=atol)


@pytest.fixture(autouse=True)
def no_global_hooks():
    yield
    for d in (hooks._global_forward_pre_hooks, hooks._global_forward_hooks, hooks._global_backward_pre_hooks,
              hooks._global_backward_hooks):
        d.clear()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq1 = nn.Sequential(*[nn.Linear(10, 10) for _ in range(2)])
        self.seq2 = nn.Sequential(*[nn.Linear(10, 10) for _ in range(2)])

    def forward(self, x):
        return self.seq2(self.seq1(x))


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net1 = Net()
        self.net2 = Net()

    def forward(self, x):
        return self.net2(self.net1(x))


def forward_hook(fired, expected_module, hook_id, module, inp, out):
    fired.append(hook_id)
    assert module is expected_module
    assert len(inp) == 1


def forward_pre_hook(fired, expected_module, hook_id, module, inp):
    fired.append(hook_id)
    assert module is expected_module
    assert len(inp) == 1


def full_backward_hook(fired, expected_module, hook_id, module, grad_input, grad_output):
    fired.append(hook_id)
    assert module is expected_module
    assert len(grad_input) == 1
    assert len(grad_output) == 1


def full_backward_pre_hook(fired, expected_module, hook_id, module, grad_output):
    fired.append(hook_id)
    assert module is expected_module
    assert len(grad_output) == 1


class KwargModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net1 = Net()
        self.net2 = Net()

    def forward(self, x, bias=None):
        if bias is not None:
            x = x + bias
        return x

    def internal_forward_hook(self, module, args, kwargs, out):
        return out + kwargs["bias"]


def kwarg_forward_pre_hook(fired, expected_module, hook_id, module, args, kwargs):
    fired.append(hook_id)
    assert module is expected_module
    assert len(args) == 1
    kwargs["bias"] = 2 * kwargs["bias"]
    return args, kwargs


def kwarg_forward_hook(fired, expected_module, hook_id, module, args, kwargs, out):
    fired.append(hook_id)
    assert module is expected_module
    assert len(args) == 1
    return out + kwargs["bias"]


# ---- TestModuleHooks ----

def test_forward_hooks_run_in_registration_order_with_prepend():
    fired = []
    model = ToyModel()
    x = ember.randn(10, 10)
    hook = partial(forward_hook, fired, model.net1.seq2)
    model.net1.seq2.register_forward_hook(partial(hook, 0))
    model.net1.seq2.register_forward_hook(partial(hook, 1), prepend=True)
    model.net1.seq2.register_forward_hook(partial(hook, 2))
    model.net1.seq2.register_forward_hook(partial(hook, 3))
    model.net1.seq2.register_forward_hook(partial(hook, 4), prepend=True)
    expected = [4, 1, 0, 2, 3]
    assert fired == []
    out = model(x)
    assert fired == expected
    out.sum().backward()
    assert fired == expected
    model(x).sum().backward()
    assert fired == expected + expected


def test_forward_pre_hooks_run_in_registration_order_with_prepend():
    fired = []
    model = ToyModel()
    x = ember.randn(10, 10)
    hook = partial(forward_pre_hook, fired, model.net2.seq1)
    model.net2.seq1.register_forward_pre_hook(partial(hook, 0), prepend=True)
    model.net2.seq1.register_forward_pre_hook(partial(hook, 1))
    model.net2.seq1.register_forward_pre_hook(partial(hook, 2))
    model.net2.seq1.register_forward_pre_hook(partial(hook, 3))
    model.net2.seq1.register_forward_pre_hook(partial(hook, 4), prepend=True)
    expected = [4, 0, 1, 2, 3]
    assert fired == []
    out = model(x)
    assert fired == expected
    out.sum().backward()
    assert fired == expected
    model(x).sum().backward()
    assert fired == expected + expected


def test_full_backward_hooks_run_in_backward_in_order():
    fired = []
    model = ToyModel()
    x = ember.randn(10, 10)
    hook = partial(full_backward_hook, fired, model.net1)
    model.net1.register_full_backward_hook(partial(hook, 0))
    model.net1.register_full_backward_hook(partial(hook, 1))
    model.net1.register_full_backward_hook(partial(hook, 2))
    model.net1.register_full_backward_hook(partial(hook, 3), prepend=True)
    model.net1.register_full_backward_hook(partial(hook, 4), prepend=True)
    expected = [4, 3, 0, 1, 2]
    assert fired == []
    out = model(x)
    assert fired == []
    out.sum().backward()
    assert fired == expected
    model(x).sum().backward()
    assert fired == expected + expected


def test_full_backward_pre_hooks_run_in_order_and_may_replace_grad_output():
    fired = []
    model = ToyModel()
    x = ember.randn(10, 10)
    hook = partial(full_backward_pre_hook, fired, model.net1)
    model.net1.register_full_backward_pre_hook(partial(hook, 0), prepend=True)
    model.net1.register_full_backward_pre_hook(partial(hook, 1), prepend=True)
    model.net1.register_full_backward_pre_hook(partial(hook, 2))
    model.net1.register_full_backward_pre_hook(partial(hook, 3))
    model.net1.register_full_backward_pre_hook(partial(hook, 4))
    expected = [1, 0, 2, 3, 4]
    assert fired == []
    out = model(x)
    assert fired == []
    out.sum().backward()
    assert fired == expected
    model(x).sum().backward()
    assert fired == expected + expected

    a = ember.ones(2, requires_grad=True)
    model = nn.Linear(2, 2)
    model.register_full_backward_pre_hook(lambda _module, grad_output: (grad_output[0] * 0,))
    model(a).sum().backward()
    assert_close(a.grad, ember.zeros_like(a))


def test_mixed_hooks_run_forward_then_backward():
    fired = []
    model = ToyModel()
    x = ember.randn(10, 10)
    model.register_forward_pre_hook(partial(forward_pre_hook, fired, model, 0))
    model.register_forward_hook(partial(forward_hook, fired, model, 1))
    model.register_full_backward_pre_hook(partial(full_backward_pre_hook, fired, model, 2))
    model.register_full_backward_hook(partial(full_backward_hook, fired, model, 3))
    assert fired == []
    out = model(x)
    assert fired == [0, 1]
    out.sum().backward()
    assert fired == [0, 1, 2, 3]
    model(x).sum().backward()
    assert fired == [0, 1, 2, 3, 0, 1, 2, 3]


def test_kwarg_hooks_see_and_replace_kwargs():
    fired = []
    x = ember.ones(10, 10)
    bias = ember.ones(10, 10)
    model = KwargModel()
    model.register_forward_pre_hook(partial(kwarg_forward_pre_hook, fired, model, 0), with_kwargs=True)
    assert fired == []
    out = model(x, bias=bias)
    assert fired == [0]
    assert_close(out, x + 2 * bias, atol=1e-5)

    fired = []
    model = KwargModel()
    model.register_forward_hook(partial(kwarg_forward_hook, fired, model, 1), with_kwargs=True)
    model.register_forward_pre_hook(partial(kwarg_forward_pre_hook, fired, model, 0), with_kwargs=True)
    out = model(x, bias=bias)
    assert fired == [0, 1]
    assert_close(out, x + 4 * bias, atol=1e-5)

    model = KwargModel()
    model.register_forward_hook(model.internal_forward_hook, with_kwargs=True)
    assert_close(model(x, bias=bias), x + 2 * bias, atol=1e-5)


def test_removed_kwarg_hooks_leave_the_kwargs_dicts():
    fired = []
    x = ember.ones(10, 10)
    bias = ember.ones(10, 10)
    model = KwargModel()
    forward_handle = model.register_forward_hook(partial(kwarg_forward_hook, fired, model, 1), with_kwargs=True)
    pre_handle = model.register_forward_pre_hook(partial(kwarg_forward_pre_hook, fired, model, 0), with_kwargs=True)
    out = model(x, bias=bias)
    assert fired == [0, 1]
    assert_close(out, x + 4 * bias, atol=1e-5)

    forward_handle.remove()
    out = model(x, bias=bias)
    assert fired == [0, 1, 0]
    assert_close(out, x + 2 * bias, atol=1e-5)
    assert forward_handle.id not in model._forward_hooks_with_kwargs

    pre_handle.remove()
    out = model(x, bias=bias)
    assert fired == [0, 1, 0]
    assert_close(out, x + bias, atol=1e-5)
    assert pre_handle.id not in model._forward_pre_hooks_with_kwargs


def test_backward_hooks_warn_for_an_output_neither_tensor_nor_tuple():
    counter = {"forward": 0, "backward": 0}

    def fw_pre_hook(module, _inputs):
        counter["forward"] += 1

    def fw_hook(module, _inputs, _outputs):
        counter["forward"] += 1

    def bw_hook(module, _inputs, _outputs=None):
        counter["backward"] += 1

    class TestModule(nn.Module):
        def forward(self, d):
            return {"x": nn.functional.softmax(d["x"], dim=0)}

    x = ember.ones(2, requires_grad=True)
    model = TestModule()
    model.register_forward_pre_hook(fw_pre_hook)
    model.register_forward_hook(fw_hook)
    model.register_full_backward_pre_hook(bw_hook)
    model.register_full_backward_hook(bw_hook)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model({"x": x})["x"].sum().backward()
    assert counter == {"forward": 2, "backward": 0}
    assert len(w) == 1
    assert "should be a Tensor or a tuple of Tensors" in str(w[0].message)


# ---- always_call (PyTorch 2.13's behaviour, checked against torch) ----

def test_always_call_forward_hooks_run_when_forward_raises():
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    m = Failing()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append(("plain", out)))
    with pytest.raises(ValueError, match="forward failed"):
        m(ember.ones(2))
    assert seen == [("always", None)]
    seen.clear()
    m.forward = lambda x: x
    m(ember.ones(2))
    assert [kind for kind, _ in seen] == ["always", "plain"]


def test_a_failing_always_call_hook_warns_and_forward_error_is_raised():
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    def bad_hook(mod, args, out):
        raise KeyError("hook failed")

    m = Failing()
    m.register_forward_hook(bad_hook, always_call=True)
    with warnings.catch_warnings(record=True) as w, pytest.raises(ValueError, match="forward failed"):
        warnings.simplefilter("always")
        m(ember.ones(2))
    assert any("always_call=True" in str(x.message) and "hook failed" in str(x.message) for x in w)


# ---- hooks for every call, whatever the arguments ----

def test_hooks_run_for_two_argument_calls_of_a_cpp_loss():
    loss = nn.MSELoss()
    seen = []
    loss.register_forward_pre_hook(lambda m, args: seen.append(("pre", len(args))))
    loss.register_forward_hook(lambda m, args, out: seen.append(("post", len(args), out.item())))
    x, y = ember.ones(3), ember.zeros(3)
    assert loss(x, y).item() == 1.0
    assert seen == [("pre", 2), ("post", 2, 1.0)]


def test_global_hooks_run_for_layers_called_by_a_cpp_sequential():
    seen = []
    handle = hooks.register_module_forward_hook(lambda m, args, out: seen.append(type(m).__name__))
    nn.Sequential(nn.Linear(2, 2), nn.ReLU())(ember.ones(1, 2))
    assert seen == ["Linear", "ReLU", "Sequential"]
    handle.remove()
    nn.Sequential(nn.Linear(2, 2))(ember.ones(1, 2))
    assert len(seen) == 3


def test_a_python_module_may_return_a_non_tensor_through_hooks():
    class Pair(nn.Module):
        def forward(self, x):
            return x, x * 2

    m = Pair()
    m.register_forward_hook(lambda mod, args, out: (out[1], out[0]))
    a, b = m(ember.ones(2))
    assert a.tolist() == [2.0, 2.0] and b.tolist() == [1.0, 1.0]


# ---- TestModuleGlobalHooks ----

def test_module_global_hooks():
    module = nn.Sigmoid
    module_1, module_2, module_3 = module(), module(), module()
    input = ember.ones(5, 5, requires_grad=True)
    counter = {"forwards": 0, "backwards": 0}

    def fw_hook(inc, h_module, input, output):
        assert isinstance(input, tuple)
        assert isinstance(output, ember.Tensor)
        assert isinstance(h_module, module)
        assert_close(input[0], ember.ones(5, 5))
        assert_close(output, ember.full((5, 5), 1 / (1 + 1 / math.e)))
        counter["forwards"] += inc

    def bw_hook(inc, h_module, grad_input, grad_output):
        assert isinstance(grad_input, tuple)
        assert isinstance(grad_output, tuple)
        assert isinstance(h_module, module)
        assert_close(grad_output[0], ember.ones(5, 5) * 2)
        counter["backwards"] += inc

    test_fwd = hooks.register_module_forward_hook(lambda *args: fw_hook(1, *args))
    module_1(input)
    module_2(input)
    module_3(input)
    assert counter == {"forwards": 3, "backwards": 0}

    test_bwd = hooks.register_module_full_backward_hook(lambda *args: bw_hook(1, *args))
    output_1 = module_1(input)
    output_2 = module_2(input)
    output_3 = module_3(input)
    assert counter == {"forwards": 6, "backwards": 0}
    output_1.backward(ember.ones(5, 5) * 2, retain_graph=True)
    output_2.backward(ember.ones(5, 5) * 2, retain_graph=False)
    output_3.backward(ember.ones(5, 5) * 2, retain_graph=False)
    assert counter == {"forwards": 6, "backwards": 3}
    output_1.backward(ember.ones(5, 5) * 2, retain_graph=True)
    assert counter == {"forwards": 6, "backwards": 4}

    test2_fwd = hooks.register_module_forward_hook(lambda *args: fw_hook(2, *args))
    module_1(input)
    module_2(input)
    module_3(input)
    assert counter == {"forwards": 15, "backwards": 4}

    test2_bwd = hooks.register_module_full_backward_hook(lambda *args: bw_hook(2, *args))
    module_1(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 18, "backwards": 7}
    test2_bwd.remove()
    module_2(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 21, "backwards": 8}
    test2_fwd.remove()
    module_3(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 22, "backwards": 9}
    test_fwd.remove()
    test_bwd.remove()


def test_module_global_hook_invalid_outputs():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)

    def bw_fail1(self, grad_input, grad_output):
        return grad_input[:-1]

    def bw_fail2(self, grad_input, grad_output):
        return grad_input + (ember.randn(2, 2),)

    with hooks.register_module_full_backward_hook(bw_fail1):
        with pytest.raises(RuntimeError, match="got 0, but expected 1"):
            module(input).sum().backward()
    with hooks.register_module_full_backward_hook(bw_fail2):
        with pytest.raises(RuntimeError, match="got 2, but expected 1"):
            module(input).sum().backward()


def test_module_backward_global_hook_writeable():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)
    sig_x = ember.sigmoid(input)

    def bw_hook(module, grad_input, grad_output):
        for grad in grad_input + grad_output:
            assert isinstance(grad, ember.Tensor)
        return tuple(gi * 2 for gi in grad_input)

    hooks.register_module_full_backward_hook(bw_hook)
    module(input).backward(ember.ones(5, 5))
    assert_close(input.grad, sig_x * (1 - sig_x) * 2)


def test_module_global_forward_preforward_hook_writeable():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)
    sig_x = ember.sigmoid(input)
    hooks.register_module_forward_pre_hook(lambda m, input: nn.functional.relu(input[0]))
    hooks.register_module_forward_hook(lambda m, input, output: -output)
    output = module(input)
    assert_close(output, -ember.sigmoid(nn.functional.relu(input)))
    output.backward(ember.ones(5, 5) * 2, retain_graph=True)
    mask = (input > 0).float()
    assert_close(input.grad, -sig_x * (1 - sig_x) * 2 * mask)


def test_module_forward_preforward_hook_removable():
    module = nn.Sigmoid()

    def removable_hook(m, input):
        handle.remove()
        return input

    def removable_hook_2(m, input):
        handle_2.remove()
        return input

    handle = module.register_forward_pre_hook(removable_hook)
    handle_2 = module.register_forward_pre_hook(removable_hook_2)
    assert len(handle.hooks_dict_ref()) == 2
    assert len(handle_2.hooks_dict_ref()) == 2
    input = ember.randn(2, 2)
    assert_close(module(input), ember.sigmoid(input))
    assert handle.id not in handle.hooks_dict_ref()
    assert handle_2.id not in handle.hooks_dict_ref()
    assert len(handle.hooks_dict_ref()) == 0
    assert len(handle_2.hooks_dict_ref()) == 0


def test_module_forward_forward_hook_removable():
    module = nn.Sigmoid()

    def removable_hook(m, input, output):
        handle.remove()
        return output

    def removable_hook_2(m, input, output):
        handle_2.remove()
        return output

    handle = module.register_forward_hook(removable_hook)
    handle_2 = module.register_forward_hook(removable_hook_2)
    assert len(handle.hooks_dict_ref()) == 2
    assert len(handle_2.hooks_dict_ref()) == 2
    input = ember.randn(2, 2)
    assert_close(module(input), ember.sigmoid(input))
    assert handle.id not in handle.hooks_dict_ref()
    assert handle_2.id not in handle.hooks_dict_ref()
    assert len(handle.hooks_dict_ref()) == 0
    assert len(handle_2.hooks_dict_ref()) == 0


def test_global_and_local_hooks_order():
    module = nn.Sigmoid()
    called = dict.fromkeys(["global_pre", "local_pre", "global_fw", "local_fw", "global_bw", "local_bw"], False)

    def make(name, must_follow=None, must_precede=None):
        def hook(m, *args):
            if must_follow:
                assert called[must_follow]
            if must_precede:
                assert not called[must_precede]
            called[name] = True
            return args[0]
        return hook

    input = ember.randn(5, 5, requires_grad=True)
    hooks.register_module_forward_pre_hook(make("global_pre", must_precede="local_pre"))
    module.register_forward_pre_hook(make("local_pre", must_follow="global_pre"))
    hooks.register_module_forward_hook(lambda m, i, o: make("global_fw", must_precede="local_fw")(m, o))
    module.register_forward_hook(lambda m, i, o: make("local_fw", must_follow="global_fw")(m, o))
    hooks.register_module_full_backward_hook(make("global_bw", must_precede="local_bw"))
    module.register_full_backward_hook(make("local_bw", must_follow="global_bw"))
    output = module(input)
    assert called["local_fw"] and called["local_pre"] and called["global_fw"] and called["global_pre"]
    output.backward(ember.ones(5, 5), retain_graph=True)
    assert called["local_bw"] and called["global_bw"]


# ---- TestModuleHookNN ----

@pytest.mark.parametrize("backward_register_fn", ["register_full_backward_hook", "register_full_backward_pre_hook"])
def test_hooks(backward_register_fn):
    module = nn.Sigmoid()
    input = ember.ones(5, 5, requires_grad=True)
    counter = {"forwards": 0, "backwards": 0}

    def fw_hook(inc, h_module, input, output):
        assert isinstance(input, tuple)
        assert isinstance(output, ember.Tensor)
        assert h_module is module
        assert_close(input[0], ember.ones(5, 5))
        assert_close(output, ember.full((5, 5), 1 / (1 + 1 / math.e)))
        counter["forwards"] += inc

    def bw_hook(inc, h_module, grad_input, grad_output):
        assert isinstance(grad_input, tuple)
        assert isinstance(grad_output, tuple)
        assert h_module is module
        assert_close(grad_output[0], ember.ones(5, 5) * 2)
        counter["backwards"] += inc

    def bw_pre_hook(inc, h_module, grad_output):
        assert isinstance(grad_output, tuple)
        assert h_module is module
        assert_close(grad_output[0], ember.ones(5, 5) * 2)
        counter["backwards"] += inc

    test_fwd = module.register_forward_hook(lambda *args: fw_hook(1, *args))
    module(input)
    module(input)
    assert counter == {"forwards": 2, "backwards": 0}

    bw_hook_fn = bw_pre_hook if backward_register_fn == "register_full_backward_pre_hook" else bw_hook
    test_bwd = getattr(module, backward_register_fn)(lambda *args: bw_hook_fn(1, *args))
    output = module(input)
    assert counter == {"forwards": 3, "backwards": 0}
    output.backward(ember.ones(5, 5) * 2, retain_graph=True)
    assert counter == {"forwards": 3, "backwards": 1}
    output.backward(ember.ones(5, 5) * 2, retain_graph=True)
    assert counter == {"forwards": 3, "backwards": 2}

    test2_fwd = module.register_forward_hook(lambda *args: fw_hook(2, *args))
    module(input)
    assert counter == {"forwards": 6, "backwards": 2}
    test2_bwd = getattr(module, backward_register_fn)(lambda *args: bw_hook_fn(2, *args))
    module(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 9, "backwards": 5}
    test2_bwd.remove()
    module(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 12, "backwards": 6}
    test2_fwd.remove()
    module(input).backward(ember.ones(5, 5) * 2)
    assert counter == {"forwards": 13, "backwards": 7}
    test_fwd.remove()
    test_bwd.remove()


def test_hook_cpp():
    bn = nn.BatchNorm1d(5)

    def hook(module, grad_inputs, grad_outputs):
        assert len(grad_inputs) == 1
        assert len(grad_outputs) == 1
        assert module is bn

    bn.register_full_backward_hook(hook)
    bn(ember.randn(5, 5, requires_grad=True)).sum().backward()


def test_backward_hooks_interaction():
    module = nn.Sigmoid()
    cnt = {"backward_cnt": 0}

    def bw_pre_hook(m, grad_output):
        cnt["backward_cnt"] += 1
        return (grad_output[0] * 0.5,)

    def bw_hook(m, grad_in, grad_output):
        assert_close(ember.full_like(grad_output[0], 0.5), grad_output[0])
        cnt["backward_cnt"] += 1
        return grad_output

    module.register_full_backward_pre_hook(bw_pre_hook)
    module.register_full_backward_hook(bw_hook)
    module(ember.ones(1, 2, requires_grad=True)).sum().backward()
    assert cnt["backward_cnt"] == 2


def test_hook_invalid_outputs():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)

    def bw_fail1(self, grad_input, grad_output):
        return grad_input[:-1]

    def bw_fail2(self, grad_input, grad_output):
        return grad_input + (ember.randn(2, 2),)

    with module.register_full_backward_hook(bw_fail1):
        with pytest.raises(RuntimeError, match="got 0, but expected 1"):
            module(input).sum().backward()
    with module.register_full_backward_hook(bw_fail2):
        with pytest.raises(RuntimeError, match="got 2, but expected 1"):
            module(input).sum().backward()

    def bw_pre_fail1(self, grad_output):
        return ()

    def bw_pre_fail2(self, grad_output):
        return grad_output + (ember.randn(2, 2),)

    with module.register_full_backward_pre_hook(bw_pre_fail1):
        with pytest.raises(RuntimeError, match="got 0, but expected 1"):
            module(input).sum().backward()
    with module.register_full_backward_pre_hook(bw_pre_fail2):
        with pytest.raises(RuntimeError, match="got 2, but expected 1"):
            module(input).sum().backward()


def test_hook_requires_grad():
    class MyModule(nn.Module):
        def forward(self, arg1, arg2, arg3):
            assert arg1.requires_grad
            assert not arg2.requires_grad
            assert arg3.requires_grad
            return arg1.sum() + arg2.sum() + arg3.sum()

    inp = ember.rand(2, requires_grad=True)
    mod = MyModule()
    mod(inp, inp.detach(), inp)
    mod.register_full_backward_hook(lambda mod, gI, gO: None)
    mod(inp, inp.detach(), inp)


def test_hook_no_requires_grad():
    mod = nn.Linear(2, 3)
    inp = ember.rand(1, 2)
    return_val = "None"
    hook_called = [0]

    def hook(mod, grad_input, grad_output):
        hook_called[0] += 1
        for gI in grad_input:
            assert gI is None
        for gO in grad_output:
            assert tuple(gO.size()) == (1, 3)
        if return_val == "grad_input":
            return grad_input
        if return_val == "invalid":
            return inp
        return None

    mod.register_full_backward_hook(hook)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod(inp).sum().backward()
        assert hook_called[0] == 1
        return_val = "grad_input"
        mod(inp).sum().backward()
        assert hook_called[0] == 2
        return_val = "invalid"
        with pytest.raises(RuntimeError, match="where no input requires gradient"):
            mod(inp).sum().backward()


def test_hook_last_arg_requires_grad():
    mod = nn.L1Loss()
    inp = ember.rand(1, requires_grad=True)
    mod.register_full_backward_hook(lambda m, gI, gO: None)
    mod(inp.detach(), inp)


def test_hook_extra_input():
    class MyModule(nn.Module):
        def forward(self, non_tensor, tensor):
            return tensor.clone(), non_tensor

    inp = ember.rand(2, requires_grad=True)
    mod = MyModule()
    seen = []

    def hook(mod, grad_input, grad_output):
        assert grad_input[0] is None
        assert isinstance(grad_input[1], ember.Tensor)
        assert isinstance(grad_output[0], ember.Tensor)
        assert grad_output[1] is None
        seen.append(True)

    mod.register_full_backward_hook(hook)
    out, _ = mod(True, inp)
    out.sum().backward()
    assert seen == [True]


def test_hook_inplace():
    class MyModule(nn.Module):
        def forward(self, inp, do_inplace):
            self.inp = inp
            if do_inplace:
                inp += 1
            return inp.clone()

    hook_called = [0]

    def hook(mod, grad_input, grad_output):
        hook_called[0] += 1

    def hook_pre(mod, grad_output):
        hook_called[0] += 1

    # PyTorch 2.13 names the Function (BackwardHookFunction) where the ported test's older PyTorch named its node.
    inp = ember.rand(10, requires_grad=True)
    mod = MyModule()
    for hook_fn, register_fn in [(hook, mod.register_full_backward_hook),
                                 (hook_pre, mod.register_full_backward_pre_hook)]:
        hook_called[0] = 0
        with register_fn(hook_fn):
            mod(inp, False).sum().backward()
            assert hook_called[0] == 1
            with pytest.raises(RuntimeError, match="Output 0 of BackwardHookFunction is a view and is being "
                                                   "modified inplace."):
                mod(inp.clone(), True)
            local_inp = inp.clone()
            out = mod(local_inp, False)
            local_inp[0] *= 1
            with pytest.raises(RuntimeError, match="Output 0 of BackwardHookFunction is a view and its base "
                                                   "or another view"):
                mod.inp + 2
            out = mod(inp, False)
            with pytest.raises(RuntimeError, match="Output 0 of BackwardHookFunction is a view and is being modified "
                                                   "inplace."):
                out += 1


def test_hook_backward_size():
    class MyModule(nn.Module):
        def forward(self, arg1, arg2):
            tmp = arg1.sum() * arg2
            tmp = tmp + arg2.sum() * arg1.sum()
            tmp = tmp.sum().view(1)
            return tmp.expand(8).contiguous()

    module = MyModule()
    inp1 = ember.randn(5, 5, requires_grad=True)
    inp2 = ember.randn(10, 10, requires_grad=True)
    seen = []

    def bw_hook(module, grad_input, grad_output):
        assert len(grad_input) == 2
        assert tuple(grad_input[0].size()) == (5, 5)
        assert tuple(grad_input[1].size()) == (10, 10)
        assert len(grad_output) == 1
        assert tuple(grad_output[0].size()) == (8,)
        seen.append(True)

    with module.register_full_backward_hook(bw_hook):
        module(inp1, inp2).sum().backward()
    assert seen == [True]


def test_hook_backward_writeable():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)
    sig_x = nn.functional.sigmoid(input)

    def bw_hook(module, grad_input, grad_output):
        for grad in grad_input + grad_output:
            assert isinstance(grad, ember.Tensor)
        return tuple(gi * 2 for gi in grad_input)

    module.register_full_backward_hook(bw_hook)
    module(input).backward(ember.ones(5, 5))
    assert_close(input.grad, sig_x * (1 - sig_x) * 2)


def test_hook_forward_preforward_writable():
    module = nn.Sigmoid()
    input = ember.randn(5, 5, requires_grad=True)
    sig_x = nn.functional.sigmoid(input)
    module.register_forward_pre_hook(lambda m, input: nn.functional.relu(input[0]))
    module.register_forward_hook(lambda m, input, output: -output)
    output = module(input)
    assert_close(output, -nn.functional.sigmoid(nn.functional.relu(input)))
    output.backward(ember.ones(5, 5) * 2, retain_graph=True)
    mask = (input > 0).float()
    assert_close(input.grad, -sig_x * (1 - sig_x) * 2 * mask)
