"""MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts,
CyclicLR and ChainedScheduler against torch.optim.lr_scheduler: lr (and
cycled momentum) over 120 steps on two param groups, fractional epochs,
resuming with last_epoch, state dicts, and PyTorch's errors."""

import math

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim

SCHEDULERS = {
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97 if e % 3 else 1.01),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(o, [lambda e: 0.95, lambda e: 1.0 - 0.001 * e]),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=17),
    "ConstantLR-default": lambda m, o: m.ConstantLR(o),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=40, power=2.5),
    "PolynomialLR-default": lambda m, o: m.PolynomialLR(o),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7, eta_min=0.001),
    "CosineAnnealingWarmRestarts-T_mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=6,
                                                    step_size_down=11, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.05, step_size_up=5, mode="exp_range",
                                                  gamma=0.98, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, cycle_momentum=False),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                                 scale_mode="iterations"),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=4),
                                                         m.ExponentialLR(o, gamma=0.95)]),
    "ChainedScheduler-3": lambda m, o: m.ChainedScheduler([m.LinearLR(o, start_factor=0.2, total_iters=10),
                                                           m.PolynomialLR(o, total_iters=60),
                                                           m.MultiplicativeLR(o, lambda e: 0.99)], optimizer=o),
    "SequentialLR-with-warm-restarts": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=3), m.CosineAnnealingWarmRestarts(o, T_0=6, T_mult=3)],
        milestones=[8]),
}


def _optimizers(lib, opt_mod, kind):
    a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "adam":
        return opt_mod.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return opt_mod.SGD(groups, lr=0.1, momentum=0.9)


def _key(kind):
    return (lambda g: g["betas"][0]) if kind == "adam" else (lambda g: g["momentum"])


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(name, kind):
    seqs = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        opt = _optimizers(lib, opt_mod, kind)
        sched = SCHEDULERS[name](opt_mod.lr_scheduler, opt)
        seq = [list(sched.get_last_lr()) + [_key(kind)(g) for g in opt.param_groups]]
        for _ in range(120):
            opt.step()
            sched.step()
            seq.append(list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
                       + [_key(kind)(g) for g in opt.param_groups])
        seqs.append(seq)
    for step, (mine, ref) in enumerate(zip(*seqs)):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(T_mult):
    # PyTorch's documented use: scheduler.step(epoch + i / iters) inside the batch loop, and jumps back and forth.
    epochs = [e + i / 7 for e in range(20) for i in range(7)] + [3.5, 0.0, 41.25, 12.0, 100.9]
    seqs = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        opt = _optimizers(lib, opt_mod, "sgd")
        sched = opt_mod.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult, eta_min=0.002)
        seq = []
        for e in epochs:
            sched.step(e)
            seq.append([sched.last_epoch, sched.T_cur, sched.T_i] + list(sched.get_last_lr()))
        for _ in range(10):
            sched.step()
            seq.append([sched.last_epoch, sched.T_cur, sched.T_i] + list(sched.get_last_lr()))
        seqs.append(seq)
    for mine, ref in zip(*seqs):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


RESUMABLE = {
    "MultiplicativeLR": lambda m, o, e: m.MultiplicativeLR(o, lambda k: 0.97, last_epoch=e),
    "ConstantLR": lambda m, o, e: m.ConstantLR(o, factor=0.25, total_iters=17, last_epoch=e),
    "PolynomialLR": lambda m, o, e: m.PolynomialLR(o, total_iters=30, power=2.0, last_epoch=e),
    "CosineAnnealingWarmRestarts": lambda m, o, e: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, last_epoch=e),
    "CyclicLR": lambda m, o, e: m.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="triangular2", last_epoch=e),
}


@pytest.mark.parametrize("name", list(RESUMABLE))
def test_built_with_last_epoch_matches_torch(name):
    seqs = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        opt = _optimizers(lib, opt_mod, "sgd")
        first = RESUMABLE[name](opt_mod.lr_scheduler, opt, -1)
        for _ in range(12):
            opt.step()
            first.step()
        sched = RESUMABLE[name](opt_mod.lr_scheduler, opt, 12)
        seq = [[sched.last_epoch] + list(sched.get_last_lr())]
        for _ in range(30):
            opt.step()
            sched.step()
            seq.append([sched.last_epoch] + [g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups])
        seqs.append(seq)
    for mine, ref in zip(*seqs):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR",
                                  "ChainedScheduler"])
def test_state_dict_restores_the_schedule(name):
    make = {**{k: (lambda k: lambda m, o: RESUMABLE[k](m, o, -1))(k) for k in RESUMABLE},
            "ChainedScheduler": SCHEDULERS["ChainedScheduler"]}[name]
    opt = _optimizers(ember, eoptim, "sgd")
    sched = make(eoptim.lr_scheduler, opt)
    for _ in range(9):
        sched.step()
    state, opt_state = sched.state_dict(), opt.state_dict()
    expected = []
    for _ in range(15):
        sched.step()
        expected.append(list(sched.get_last_lr()))
    opt2 = _optimizers(ember, eoptim, "sgd")
    sched2 = make(eoptim.lr_scheduler, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    got = []
    for _ in range(15):
        sched2.step()
        got.append(list(sched2.get_last_lr()))
    assert got == expected


@pytest.mark.parametrize("make, error, message", [
    (lambda m, o: m.ConstantLR(o, factor=1.5), ValueError, "factor expected to be between 0 and 1"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError, "positive integer T_0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=0), ValueError, "T_mult >= 1"),
    (lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="square"), ValueError, "mode is invalid and scale_fn is None"),
    (lambda m, o: m.CyclicLR(o, [0.01, 0.02, 0.03], 0.1), ValueError, "base_lr"),
    (lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0]), ValueError, "(?i)expected 2 lr_lambdas"),
    (lambda m, o: m.ChainedScheduler([]), ValueError, "at least one scheduler"),
])
def test_bad_arguments_raise_as_in_torch(make, error, message):
    with pytest.raises(error, match=message):
        make(eoptim.lr_scheduler, _optimizers(ember, eoptim, "sgd"))
    with pytest.raises(error):
        make(torch.optim.lr_scheduler, _optimizers(torch, torch.optim, "sgd"))


def test_warm_restarts_rejects_a_negative_epoch_and_cyclic_needs_momentum():
    opt = _optimizers(ember, eoptim, "sgd")
    with pytest.raises(ValueError, match="non-negative epoch"):
        eoptim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3).step(-1.0)
    rms = eoptim.Adagrad([ember.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        eoptim.lr_scheduler.CyclicLR(rms, 0.01, 0.1)
    with pytest.raises(ValueError, match="momentum or beta1"):
        torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([torch.zeros(1, requires_grad=True)]), 0.01, 0.1)
    assert math.isclose(eoptim.lr_scheduler.CyclicLR(rms, 0.01, 0.1, cycle_momentum=False).get_last_lr()[0], 0.01)
