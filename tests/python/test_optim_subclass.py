"""Optimizers written the PyTorch way (subclassing ember.optim.Optimizer):
the same class body run on ember and on torch.optim.Optimizer must give the
same param_groups, state, state_dict, updates, scheduler-driven lrs and
errors. The checks follow the public-API cases of PyTorch's
test/optim/test_optim.py and torch/testing/_internal/common_optimizers.py
(empty and non-iterable params, non-leaf tensors, duplicate parameters
across groups, required options, add_param_group, zero_grad, state_dict
round trips)."""

import numpy as np
import pytest
import torch
from torch.optim.optimizer import required as torch_required

import ember
import ember.optim as eoptim


def make_class(lib, base):
    class HeavyBall(base):
        """SGD with momentum, as one writes it in a tutorial."""

        def __init__(self, params, lr=0.1, momentum=0.0, nesterov=False, note=None):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, note=note))

        @lib.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with lib.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    d = p.grad
                    if group["momentum"] != 0:
                        if "momentum_buffer" not in state:
                            state["momentum_buffer"] = d.clone()
                        else:
                            state["momentum_buffer"].mul_(group["momentum"]).add_(d)
                        d = d + group["momentum"] * state["momentum_buffer"] if group["nesterov"] else \
                            state["momentum_buffer"]
                    state["steps"] = state.get("steps", 0) + 1
                    p.add_(d, alpha=-group["lr"])
            return loss

    return HeavyBall


LIBS = ((ember, eoptim), (torch, torch.optim))


def _params(lib):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal((2, 3)), dtype=lib.float64, requires_grad=True),
            lib.tensor(rng.standard_normal(4), dtype=lib.float64, requires_grad=True)]


def _train(lib, opt, params, steps, sched=None):
    rng = np.random.default_rng(1)
    for _ in range(steps):
        for p in params:
            p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=lib.float64)
        opt.step()
        if sched is not None:
            sched.step()


def test_subclass_updates_and_groups_match_torch():
    out = []
    for lib, mod in LIBS:
        params = _params(lib)
        opt = make_class(lib, mod.Optimizer)([{"params": [params[0]]},
                                              {"params": params[1], "lr": 0.05, "nesterov": True}],
                                             lr=0.2, momentum=0.9)
        assert isinstance(opt.param_groups, list) and all(isinstance(g, (dict,)) or hasattr(g, "keys")
                                                           for g in opt.param_groups)
        _train(lib, opt, params, 20)
        groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        out.append(([p.detach().numpy().copy() for p in params], groups, dict(opt.defaults),
                    [sorted(opt.state[p]) for p in params], [opt.state[p]["steps"] for p in params]))
    (mine, ref) = out
    for a, b in zip(mine[0], ref[0]):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    assert mine[1:] == ref[1:]
    assert type(mine[1][1]["nesterov"]) is bool


def test_param_group_writes_and_new_keys():
    for lib, mod in LIBS:
        p = lib.ones(2, requires_grad=True)
        opt = make_class(lib, mod.Optimizer)([p], lr=0.5)
        group = opt.param_groups[0]
        group["lr"] = 0.25
        group["custom"] = "x"
        assert opt.param_groups[0]["lr"] == 0.25 and opt.param_groups[0]["custom"] == "x"
        assert list(opt.param_groups[0]["params"])[0] is p
        p.grad = lib.ones(2)
        opt.step()
        assert p.tolist() == [0.75, 0.75]


@pytest.mark.parametrize("scheduler", [
    lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    lambda m, o: m.CosineAnnealingLR(o, T_max=7),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=30),
    lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.9)]),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2),
], ids=["StepLR", "CosineAnnealingLR", "CyclicLR", "OneCycleLR", "ChainedScheduler", "WarmRestarts"])
def test_schedulers_drive_a_subclass_as_in_torch(scheduler):
    seqs = []
    for lib, mod in LIBS:
        params = _params(lib)
        opt = make_class(lib, mod.Optimizer)([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}],
                                             lr=0.2, momentum=0.9)
        sched = scheduler(mod.lr_scheduler, opt)
        seq = []
        for _ in range(25):
            _train(lib, opt, params, 1)
            sched.step()
            seq.append([g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups]
                       + list(sched.get_last_lr()))
        seqs.append((seq, [p.detach().numpy().copy() for p in params]))
    np.testing.assert_allclose(seqs[0][0], seqs[1][0], rtol=1e-12)
    for a, b in zip(seqs[0][1], seqs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_state_dict_round_trip_matches_torch_layout():
    dicts = []
    for lib, mod in LIBS:
        params = _params(lib)
        cls = make_class(lib, mod.Optimizer)
        opt = cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}], lr=0.2, momentum=0.9)
        _train(lib, opt, params, 3)
        sd = opt.state_dict()
        dicts.append(sd)
        # Loaded into a fresh optimizer: the groups' options and the state come back.
        other = [p.detach().clone().requires_grad_() for p in params]
        opt2 = cls([{"params": [other[0]]}, {"params": [other[1]]}], lr=1.0)
        opt2.load_state_dict(sd)
        assert [g["lr"] for g in opt2.param_groups] == [0.2, 0.05]
        assert [g["momentum"] for g in opt2.param_groups] == [0.9, 0.9]
        for a, b in zip(params, other):
            assert opt2.state[b]["steps"] == opt.state[a]["steps"] == 3
            np.testing.assert_array_equal(opt2.state[b]["momentum_buffer"].numpy(),
                                          opt.state[a]["momentum_buffer"].numpy())
    mine, ref = dicts
    assert mine["param_groups"] == ref["param_groups"]
    assert sorted(mine["state"]) == sorted(ref["state"])
    for i in ref["state"]:
        assert sorted(mine["state"][i]) == sorted(ref["state"][i])
        np.testing.assert_allclose(mine["state"][i]["momentum_buffer"].numpy(),
                                   ref["state"][i]["momentum_buffer"].numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        make_class(ember, eoptim.Optimizer)([ember.ones(1, requires_grad=True)]).load_state_dict(mine)
    with pytest.raises(ValueError, match="doesn't match the size"):
        two = [ember.ones(1, requires_grad=True), ember.ones(1, requires_grad=True)]
        make_class(ember, eoptim.Optimizer)([{"params": [ember.ones(1, requires_grad=True)]},
                                             {"params": two}]).load_state_dict(mine)


def test_zero_grad_and_add_param_group():
    for lib, mod in LIBS:
        a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
        opt = make_class(lib, mod.Optimizer)([a], lr=0.5)
        opt.add_param_group({"params": b, "lr": 0.1})
        assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
        assert opt.param_groups[1]["momentum"] == 0.0
        a.grad, b.grad = lib.ones(2), lib.ones(3)
        opt.zero_grad(set_to_none=False)
        assert a.grad.tolist() == [0.0, 0.0]
        opt.zero_grad()
        assert a.grad is None and b.grad is None
        with pytest.raises(ValueError, match="more than one parameter group"):
            opt.add_param_group({"params": [a]})


@pytest.mark.parametrize("make, error, message", [
    (lambda lib, cls: cls(lib.ones(2, requires_grad=True)), TypeError, "iterable of Tensors or dicts"),
    (lambda lib, cls: cls([]), ValueError, "empty parameter list"),
    (lambda lib, cls: cls([lib.ones(2, requires_grad=True) * 2]), ValueError, "non-leaf Tensor"),
    (lambda lib, cls: cls([1.0]), TypeError, "can only optimize Tensors"),
    (lambda lib, cls: cls([{"params": {lib.ones(1, requires_grad=True)}}]), TypeError, "ordered collections"),
    (lambda lib, cls: cls([{"params": [p := lib.ones(1, requires_grad=True)]}, {"params": [p]}]), ValueError,
     "more than one parameter group"),
    (lambda lib, cls: cls([lib.ones(1, requires_grad=True)], lr=-1.0), ValueError, "Invalid learning rate"),
])
def test_bad_params_raise_as_in_torch(make, error, message):
    for lib, mod in LIBS:
        with pytest.raises(error, match=message):
            make(lib, make_class(lib, mod.Optimizer))


def test_required_option_and_base_step():
    for lib, mod, required in ((ember, eoptim, eoptim.required), (torch, torch.optim, torch_required)):
        class NeedsLr(mod.Optimizer):
            def __init__(self, params, lr=required):
                super().__init__(params, dict(lr=lr))

        with pytest.raises(ValueError, match="required optimization parameter lr"):
            NeedsLr([lib.ones(1, requires_grad=True)])
        opt = NeedsLr([{"params": [lib.ones(1, requires_grad=True)], "lr": 0.1}])
        assert opt.param_groups[0]["lr"] == 0.1
        with pytest.raises(NotImplementedError):
            mod.Optimizer.step(opt)


def test_builtin_optimizers_are_optimizers():
    p = [ember.zeros(1, requires_grad=True)]
    for name in ("SGD", "Adam", "Adadelta", "LBFGS"):
        assert isinstance(getattr(eoptim, name)(p), eoptim.Optimizer)
