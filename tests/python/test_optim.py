"""ember.optim against torch.optim (float64): 50 steps of every optimizer and
option combination on identical parameters and gradients, param groups,
every scheduler's lr sequence (also resumed with last_epoch), clipping,
resumable state, bad options, updates over tensors large enough to be split
across threads, and the README's example."""

import itertools
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim

RTOL = 1e-12


def _grads(steps, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]


def _run(name, kwargs, steps=50, groups=None):
    shapes = [(3, 4), (5,)]
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s) for s in shapes]
    grads = _grads(steps, shapes)
    results = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        params = [lib.tensor(a.copy(), dtype=lib.float64, requires_grad=True) for a in init]
        spec = params if groups is None else [dict(g, params=[params[i]]) for i, g in enumerate(groups)]
        opt = getattr(opt_mod, name)(spec, **kwargs)
        for g in grads:
            for p, gi in zip(params, g):
                p.grad = lib.tensor(gi, dtype=lib.float64)
            opt.step()
        results.append([p.detach().numpy().copy() for p in params])
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t, rtol=RTOL, atol=1e-14)


def _combos(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


CASES = (
    [("SGD", c) for c in _combos(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.2], weight_decay=[0, 0.01],
                                  maximize=[False, True])]
    + [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=wd)) for wd in (0, 0.01)]
    + [(n, c) for n in ("Adam", "AdamW") for c in _combos(lr=[0.01], betas=[(0.9, 0.999), (0.3, 0.9)],
                                                              weight_decay=[0, 0.05], amsgrad=[False, True],
                                                              maximize=[False, True])]
    + [("Adagrad", c) for c in _combos(lr=[0.1], lr_decay=[0, 0.01], weight_decay=[0, 0.01],
                                        initial_accumulator_value=[0, 0.1], maximize=[False, True])]
    + [("RMSprop", c) for c in _combos(lr=[0.01], alpha=[0.99, 0.8], weight_decay=[0, 0.01], momentum=[0, 0.5],
                                        centered=[False, True], maximize=[False, True])]
)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch_for_50_steps(name, kwargs):
    _run(name, kwargs)


def test_defaults_match_torch():
    p = [ember.zeros(1, requires_grad=True)]
    tp = [torch.zeros(1, requires_grad=True)]
    for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop"):
        mine = dict(getattr(eoptim, name)(p).param_groups[0])
        ref = getattr(torch.optim, name)(tp).param_groups[0]
        for key, value in mine.items():
            if key != "params":
                assert ref[key] == value, (name, key)


def test_param_groups_have_their_own_options_and_lr_is_writable():
    _run("SGD", dict(lr=0.1, momentum=0.9), groups=[dict(lr=0.01), dict(weight_decay=0.1, nesterov=True)])
    _run("Adam", dict(lr=0.1), groups=[dict(betas=(0.5, 0.9)), dict(amsgrad=True)])
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    opt = eoptim.SGD([a], lr=0.5)
    opt.add_param_group({"params": [b], "lr": 1.0})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 1.0]
    opt.param_groups[0]["lr"] = 0.25
    a.grad, b.grad = ember.ones(2), ember.ones(2)
    opt.step()
    assert a.tolist() == [0.75, 0.75] and b.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_step_closure_returns_the_loss():
    w = ember.tensor([2.0], requires_grad=True)
    opt = eoptim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    assert w.item() == 1.0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: eoptim.SGD(p, lr=-0.1), "invalid learning rate"),
        (lambda p: eoptim.SGD(p, lr=0.1, momentum=-0.5), "momentum"),
        (lambda p: eoptim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda p: eoptim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), "zero dampening"),
        (lambda p: eoptim.Adam(p, betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda p: eoptim.Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
        (lambda p: eoptim.AdamW(p, eps=-1e-8), "epsilon"),
        (lambda p: eoptim.Adagrad(p, lr_decay=-1), "lr_decay"),
        (lambda p: eoptim.RMSprop(p, alpha=-0.1), "alpha"),
        (lambda p: eoptim.SGD([], lr=0.1), "empty parameter list"),
    ],
)
def test_bad_options_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make([ember.zeros(2, requires_grad=True)])


SCHEDULERS = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=30, eta_min=0.01),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95**e + 0.01 * (e % 3)),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=101),
    "OneCycleLR-3phase-linear": lambda m, o: m.OneCycleLR(o, max_lr=0.8, epochs=10, steps_per_epoch=11,
                                                          anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=10), m.ExponentialLR(o, gamma=0.9),
            m.CosineAnnealingLR(o, T_max=20)], milestones=[10, 40]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name):
    seqs = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = opt_mod.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
        sched = SCHEDULERS[name](opt_mod.lr_scheduler, opt)
        seq = [list(sched.get_last_lr())]
        for _ in range(100):
            opt.step()
            sched.step()
            seq.append([g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups])
        seqs.append(seq)
    for mine, ref in zip(*seqs):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


def test_reduce_lr_on_plateau_matches_torch():
    losses = [1.0, 0.9, 0.9, 0.95, 0.91, 0.89, 0.89, 0.89, 0.89, 0.5] + [0.5] * 30 + list(np.linspace(0.5, 0.1, 60))
    for kwargs in (dict(patience=2, cooldown=1, factor=0.5), dict(mode="max", threshold_mode="abs", threshold=0.01,
                                                                 patience=0, min_lr=[0.01, 0.001])):
        seqs = []
        for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
            opt = opt_mod.Adam([{"params": [lib.zeros(1, requires_grad=True)]},
                                {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.1}], lr=1.0)
            sched = opt_mod.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            seq = []
            for loss in losses:
                sched.step(loss)
                seq.append(list(sched.get_last_lr()))
            seqs.append(seq)
        np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-15)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((4, 5)), rng.standard_normal(7)]
    out = []
    for lib, utils in ((ember, ember.nn.utils), (torch, torch.nn.utils)):
        params = [lib.zeros(g.shape, dtype=lib.float64, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g, dtype=lib.float64)
        total = utils.clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
        out.append((total.item(), [p.grad.numpy().copy() for p in params]))
    assert out[0][0] == pytest.approx(out[1][0], rel=1e-13)
    for e, t in zip(out[0][1], out[1][1]):
        np.testing.assert_allclose(e, t, rtol=1e-13)


def test_clip_grad_value_and_nonfinite_norm():
    p = ember.zeros(3, requires_grad=True)
    p.grad = ember.tensor([-2.0, 0.5, 3.0])
    ember.nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
    p.grad = ember.tensor([float("nan"), 1.0, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        ember.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                          ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
                                          ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
                                          ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True))])
def test_state_dict_resume_equals_uninterrupted_run(tmp_path, name, kwargs):
    grads = _grads(20, [(6,)], seed=5)

    def run(p, opt, gs):
        for (g,) in gs:
            p.grad = ember.tensor(g, dtype=ember.float32)
            opt.step()

    p_full = ember.tensor(np.linspace(-1, 1, 6), dtype=ember.float32, requires_grad=True)
    run(p_full, getattr(eoptim, name)([p_full], **kwargs), grads)

    p = ember.tensor(np.linspace(-1, 1, 6), dtype=ember.float32, requires_grad=True)
    opt = getattr(eoptim, name)([p], **kwargs)
    run(p, opt, grads[:10])
    eoptim.save(opt, tmp_path / "opt.safetensors")
    state = opt.state_dict()
    for restore in ("file", "dict"):
        q = ember.tensor(p.detach().numpy().copy(), requires_grad=True)
        resumed = getattr(eoptim, name)([q], lr=123.0)
        if restore == "file":
            eoptim.load(resumed, tmp_path / "opt.safetensors")
        else:
            resumed.load_state_dict(state)
        run(q, resumed, grads[10:])
        assert q.detach().numpy().tobytes() == p_full.detach().numpy().tobytes(), restore


def test_early_stopping():
    stop = eoptim.EarlyStopping(patience=2, min_delta=0.05, mode="min")
    assert [stop.step(v) for v in (1.0, 0.97, 0.9, 0.89, 0.88)] == [False, False, False, False, True]
    assert stop.best == 0.9


def test_nn_utils_needs_no_explicit_import():
    code = "import ember; print(ember.nn.utils.clip_grad_norm_.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert out.stdout.strip() == "clip_grad_norm_"


def test_adagrad_state_exists_at_construction_as_in_torch():
    states = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        a, b = lib.zeros(3, dtype=lib.float64, requires_grad=True), lib.zeros(2, dtype=lib.float64, requires_grad=True)
        opt = opt_mod.Adagrad([a, b], initial_accumulator_value=0.25)
        states.append(opt.state_dict()["state"])
    mine, ref = states
    assert sorted(mine) == sorted(ref) == [0, 1]
    for i in ref:
        assert sorted(mine[i]) == sorted(ref[i]) == ["step", "sum"]
        assert mine[i]["step"].item() == ref[i]["step"].item() == 0
        np.testing.assert_array_equal(mine[i]["sum"].numpy(), ref[i]["sum"].numpy())


RESUMABLE = {
    "StepLR": lambda m, o, e: m.StepLR(o, step_size=7, gamma=0.5, last_epoch=e),
    "MultiStepLR": lambda m, o, e: m.MultiStepLR(o, milestones=[10, 13, 30], gamma=0.3, last_epoch=e),
    "ExponentialLR": lambda m, o, e: m.ExponentialLR(o, gamma=0.97, last_epoch=e),
    "CosineAnnealingLR": lambda m, o, e: m.CosineAnnealingLR(o, T_max=30, eta_min=0.01, last_epoch=e),
    "LinearLR": lambda m, o, e: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20, last_epoch=e),
    "LambdaLR": lambda m, o, e: m.LambdaLR(o, lambda k: 0.95**k + 0.01 * (k % 3), last_epoch=e),
    "OneCycleLR": lambda m, o, e: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=101, last_epoch=e),
}


@pytest.mark.parametrize("name", list(RESUMABLE))
def test_scheduler_built_with_last_epoch_matches_torch(name):
    # A first scheduler runs 12 steps (and records initial_lr); a second one is
    # then built on the same optimizer with last_epoch=12, as when resuming.
    seqs = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = opt_mod.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
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


def test_resuming_a_scheduler_needs_initial_lr():
    opt = eoptim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        eoptim.lr_scheduler.StepLR(opt, step_size=3, last_epoch=4)
    opt.param_groups[0]["initial_lr"] = 0.2
    sched = eoptim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (e + 1), last_epoch=4)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [0.2 / 6]


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                                          ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
                                          ("AdamW", dict(lr=0.01)), ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
                                          ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True))])
def test_large_tensors_updated_across_threads_match_torch(name, kwargs):
    # 200_003 elements: well above ember's parallel grain, and not a multiple of any chunk size.
    rng = np.random.default_rng(7)
    init = rng.standard_normal(200_003)
    grads = [rng.standard_normal(200_003) for _ in range(3)]
    threads = ember.get_num_threads()
    ember.set_num_threads(2)
    try:
        out = []
        for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
            p = lib.tensor(init.copy(), dtype=lib.float64, requires_grad=True)
            opt = getattr(opt_mod, name)([p], **kwargs)
            for g in grads:
                p.grad = lib.tensor(g, dtype=lib.float64)
                opt.step()
            out.append(p.detach().numpy().copy())
    finally:
        ember.set_num_threads(threads)
    np.testing.assert_allclose(out[0], out[1], rtol=RTOL, atol=1e-14)


def test_readme_optim_example_runs():
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "optim_example.py"
    out = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, env=os.environ, check=True)
    loss, lr = out.stdout.split()[1].rstrip(","), out.stdout.split()[3]
    assert float(loss) < 1e-5 and float(lr) == 0.0125


def test_optimizer_file_metadata_reads_with_safe_open_as_with_safetensors(tmp_path):
    import safetensors

    p = ember.zeros(3, requires_grad=True)
    opt = eoptim.Adam([p], lr=0.01)
    p.grad = ember.ones(3)
    opt.step()
    path = tmp_path / "opt.safetensors"
    eoptim.save(opt, path)
    with ember.safe_open(path) as mine, safetensors.safe_open(path, framework="pt") as ref:
        assert mine.metadata() == ref.metadata()
        assert mine.metadata()["optimizer"] == "Adam"
        assert mine.keys() == sorted(ref.keys())
        for name in ref.keys():
            np.testing.assert_array_equal(mine.get_tensor(name).numpy(), ref.get_tensor(name).numpy())
    ember.save_file({"x": ember.ones(1)}, tmp_path / "plain.safetensors")
    assert ember.safe_open(tmp_path / "plain.safetensors").metadata() is None
