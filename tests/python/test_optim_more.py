"""ember.optim's Adadelta, Adamax, NAdam, RAdam and LBFGS against torch.optim
(float64): many steps over option combinations on identical parameters and
gradients, param groups, PyTorch's defaults, bad options naming the optimizer
and the argument, resumable state, and LBFGS's closure-driven iterations
(fixed step and strong Wolfe) on functions whose loss and gradient both
libraries receive bit for bit."""

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
from test_optim import _combos, _run

NEW = ("Adadelta", "Adamax", "NAdam", "RAdam")

CASES = (
    [("Adadelta", c) for c in _combos(lr=[1.0, 0.3], rho=[0.9, 0.5], weight_decay=[0, 0.05], maximize=[False, True])]
    + [("Adadelta", dict(eps=1e-3, rho=1.0))]
    + [("Adamax", c) for c in _combos(lr=[0.01], betas=[(0.9, 0.999), (0.3, 0.5)], weight_decay=[0, 0.05],
                                       maximize=[False, True])]
    + [("NAdam", c) for c in _combos(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.05],
                                      momentum_decay=[4e-3, 0.1], decoupled_weight_decay=[False, True],
                                      maximize=[False, True])]
    + [("RAdam", c) for c in _combos(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.05],
                                      decoupled_weight_decay=[False, True], maximize=[False, True])]
)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch_for_50_steps(name, kwargs):
    _run(name, kwargs)


def test_radam_rectified_and_unrectified_steps_both_match():
    # With beta2 = 0.999 rho_t stays <= 5 for the first 5 steps (plain momentum) and then rectifies.
    _run("RAdam", dict(lr=0.1), steps=8)
    _run("RAdam", dict(lr=0.1, betas=(0.9, 0.99)), steps=200)


@pytest.mark.parametrize("name", NEW)
def test_param_groups_keep_their_own_options(name):
    groups = {"Adadelta": [dict(rho=0.5), dict(lr=0.2, weight_decay=0.1)],
              "Adamax": [dict(betas=(0.5, 0.9)), dict(lr=0.1, maximize=True)],
              "NAdam": [dict(momentum_decay=0.2), dict(weight_decay=0.1, decoupled_weight_decay=True)],
              "RAdam": [dict(betas=(0.5, 0.9)), dict(weight_decay=0.1, decoupled_weight_decay=True)]}[name]
    _run(name, dict(lr=0.05), groups=groups)


def test_defaults_match_torch():
    p, tp = [ember.zeros(1, requires_grad=True)], [torch.zeros(1, requires_grad=True)]
    for name in NEW + ("LBFGS",):
        mine = dict(getattr(eoptim, name)(p).param_groups[0])
        ref = getattr(torch.optim, name)(tp).param_groups[0]
        for key, value in mine.items():
            if key != "params":
                assert ref[key] == value, (name, key, value, ref[key])
                if isinstance(ref[key], bool) or ref[key] is None or key in ("max_iter", "max_eval", "history_size"):
                    assert type(ref[key]) is type(value), (name, key, value, ref[key])
        extra = set(ref) - set(mine) - {"foreach", "capturable", "differentiable"}
        assert not extra, (name, extra)
    group = eoptim.LBFGS(p, max_iter=9, line_search_fn="strong_wolfe").param_groups[0]
    assert group["max_eval"] == 11 and group["line_search_fn"] == "strong_wolfe"


def test_positional_arguments_follow_torch():
    p = [ember.zeros(1, requires_grad=True)]
    assert eoptim.Adadelta(p, 0.5, 0.8, 1e-5, 0.1).param_groups[0]["rho"] == 0.8
    assert eoptim.NAdam(p, 0.1, (0.8, 0.9), 1e-7, 0.1, 0.01, True).param_groups[0]["decoupled_weight_decay"] is True
    assert eoptim.RAdam(p, 0.1, (0.8, 0.9), 1e-7, 0.1, True).param_groups[0]["decoupled_weight_decay"] is True
    assert eoptim.LBFGS(p, 0.5, 7, None, 1e-5, 1e-8, 4).param_groups[0]["history_size"] == 4


# (constructor, ember's message, whether torch.optim rejects it too: its LBFGS checks only lr).
BAD = [
    (lambda m, p: m.Adadelta(p, lr=-1.0), r"Adadelta: invalid learning rate.*-1", True),
    (lambda m, p: m.Adadelta(p, rho=1.5), r"Adadelta: invalid rho value.*1\.5", True),
    (lambda m, p: m.Adadelta(p, rho=-0.1), r"Adadelta: invalid rho value", True),
    (lambda m, p: m.Adadelta(p, eps=-1e-6), r"Adadelta: invalid epsilon", True),
    (lambda m, p: m.Adadelta(p, weight_decay=-1), r"Adadelta: invalid weight_decay", True),
    (lambda m, p: m.Adamax(p, betas=(1.0, 0.9)), r"Adamax: invalid beta parameter at index 0", True),
    (lambda m, p: m.Adamax(p, betas=(0.9, 1.0)), r"Adamax: invalid beta parameter at index 1", True),
    (lambda m, p: m.NAdam(p, momentum_decay=-0.1), r"NAdam: invalid momentum_decay", True),
    (lambda m, p: m.NAdam(p, lr=-0.1), r"NAdam: invalid learning rate", True),
    (lambda m, p: m.RAdam(p, eps=-1.0), r"RAdam: invalid epsilon", True),
    (lambda m, p: m.RAdam(p, weight_decay=-0.5), r"RAdam: invalid weight_decay", True),
    (lambda m, p: m.LBFGS([{"params": p[:1]}, {"params": p[1:]}]), r"LBFGS doesn't support per-parameter", True),
    (lambda m, p: m.LBFGS(p, lr=-1.0), r"LBFGS: invalid learning rate", True),
    (lambda m, p: m.LBFGS(p, history_size=0), r"LBFGS: invalid history_size", False),
]


@pytest.mark.parametrize("make, message, torch_too", BAD, ids=[m for _, m, _ in BAD])
def test_bad_options_are_rejected_naming_the_optimizer_and_argument(make, message, torch_too):
    with pytest.raises(ValueError, match=message):
        make(eoptim, [ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)])
    if torch_too:
        with pytest.raises(ValueError):
            make(torch.optim, [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)])


def test_lbfgs_rejects_an_unknown_line_search():
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        eoptim.LBFGS([ember.zeros(1, requires_grad=True)], line_search_fn="armijo")


@pytest.mark.parametrize("name, kwargs", [("Adadelta", dict(lr=0.5, weight_decay=0.01)),
                                          ("Adamax", dict(lr=0.01)),
                                          ("NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
                                          ("RAdam", dict(lr=0.01, betas=(0.9, 0.99)))])
def test_state_dict_resume_equals_uninterrupted_run(tmp_path, name, kwargs):
    from test_optim import test_state_dict_resume_equals_uninterrupted_run as resume

    resume(tmp_path, name, kwargs)


def test_state_dict_holds_pytorchs_state_names():
    for name in NEW:
        states = []
        for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
            p = lib.zeros(3, dtype=lib.float64, requires_grad=True)
            opt = getattr(opt_mod, name)([p])
            for _ in range(3):
                p.grad = lib.ones(3, dtype=lib.float64)
                opt.step()
            states.append(opt.state_dict()["state"][0])
        mine, ref = states
        assert sorted(mine) == sorted(ref), name
        for key in ref:
            np.testing.assert_allclose(np.asarray(mine[key].numpy(), dtype=float),
                                       np.asarray(ref[key].numpy(), dtype=float), rtol=1e-15, err_msg=name)


# ---- LBFGS ----

def _rosenbrock(x):
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


def _quadratic(x):
    a = np.arange(1.0, x.size + 1)
    return 0.5 * np.sum(a * x * x) + np.sum(np.sin(x)), a * x + np.cos(x)


def _run_lbfgs(fn, kwargs, steps, x0):
    """Both libraries, closures fed the same NumPy loss and gradient; returns per step the parameters, loss and calls."""
    out = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        # Two parameters: LBFGS treats them as one flat vector, in order.
        half = x0.size // 2
        params = [lib.tensor(x0[:half].copy(), dtype=lib.float64, requires_grad=True),
                  lib.tensor(x0[half:].copy(), dtype=lib.float64, requires_grad=True)]
        opt = opt_mod.LBFGS(params, **kwargs)
        calls = [0]

        def closure():
            calls[0] += 1
            opt.zero_grad()
            x = np.concatenate([p.detach().numpy() for p in params])
            f, g = fn(x)
            params[0].grad = lib.tensor(g[:half].copy(), dtype=lib.float64)
            params[1].grad = lib.tensor(g[half:].copy(), dtype=lib.float64)
            return lib.tensor(f, dtype=lib.float64)

        trace = []
        for _ in range(steps):
            loss = opt.step(closure)
            trace.append((np.concatenate([p.detach().numpy() for p in params]), float(loss), calls[0]))
        out.append(trace)
    return out


LBFGS_CASES = [
    (dict(), 3),
    (dict(lr=0.5, max_iter=7), 6),
    (dict(history_size=3, max_iter=10), 5),
    (dict(line_search_fn="strong_wolfe"), 4),
    (dict(line_search_fn="strong_wolfe", history_size=2, max_iter=6, max_eval=9), 6),
    (dict(tolerance_grad=1e-3, tolerance_change=1e-4), 4),
    (dict(lr=1.5, line_search_fn="strong_wolfe", max_iter=3), 10),
]


@pytest.mark.parametrize("kwargs, steps", LBFGS_CASES, ids=[str(k) for k, _ in LBFGS_CASES])
def test_lbfgs_matches_torch_step_by_step(kwargs, steps):
    # A well-conditioned function: the last-bit differences between ember's and
    # torch's dot products (BLAS summation order) stay at rounding level.
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.3, -0.7])
    mine, ref = _run_lbfgs(_quadratic, kwargs, steps, x0)
    for (x, loss, calls), (tx, tloss, tcalls) in zip(mine, ref):
        assert calls == tcalls
        assert loss == pytest.approx(tloss, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(x, tx, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("max_iter", [1, 2, 3])
def test_lbfgs_first_iterations_on_rosenbrock_match_torch(max_iter, line_search_fn):
    # Rosenbrock's curvature amplifies dot-product rounding differences from the
    # fourth iteration on (a fixed step there is chaotic), so only the first
    # iterations are compared; the test below checks where whole runs end.
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.3, -0.7])
    mine, ref = _run_lbfgs(_rosenbrock, dict(max_iter=max_iter, line_search_fn=line_search_fn), 1, x0)
    (x, loss, calls), (tx, tloss, tcalls) = mine[0], ref[0]
    assert calls == tcalls and loss == tloss
    np.testing.assert_allclose(x, tx, rtol=1e-15, atol=0)


def test_lbfgs_strong_wolfe_reaches_rosenbrocks_minimum_as_torch_does():
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.3, -0.7])
    mine, ref = _run_lbfgs(_rosenbrock, dict(line_search_fn="strong_wolfe"), 4, x0)
    assert [c for _, _, c in mine] == [c for _, _, c in ref]
    np.testing.assert_allclose(mine[-1][0], np.ones(6), atol=1e-4)
    np.testing.assert_allclose(ref[-1][0], np.ones(6), atol=1e-4)


def test_lbfgs_with_autograd_closure_minimizes_least_squares():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((20, 4)), rng.standard_normal(20)
    results = []
    for lib, opt_mod in ((ember, eoptim), (torch, torch.optim)):
        A, y = lib.tensor(a, dtype=lib.float64), lib.tensor(b, dtype=lib.float64)
        w = lib.zeros(4, dtype=lib.float64, requires_grad=True)
        opt = opt_mod.LBFGS([w], line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15)

        def closure():
            opt.zero_grad()
            loss = ((A @ w - y) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        results.append(w.detach().numpy().copy())
    exact = np.linalg.lstsq(a, b, rcond=None)[0]
    # The loss is flat near the minimum: the run stops once it changes by < 1e-15, a few 1e-9 from it.
    np.testing.assert_allclose(results[0], exact, rtol=0, atol=1e-8)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


def test_lbfgs_step_needs_a_closure_and_returns_its_first_loss():
    w = ember.tensor([3.0], requires_grad=True)
    opt = eoptim.LBFGS([w])
    with pytest.raises(TypeError):
        opt.step()

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 9.0
    assert abs(w.item()) < 1e-6


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_resume_equals_uninterrupted_run(tmp_path, line_search_fn):
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.3, -0.7])

    def run(opt, params, steps):
        def closure():
            opt.zero_grad()
            f, g = _quadratic(np.concatenate([p.detach().numpy() for p in params]))
            params[0].grad, params[1].grad = ember.tensor(g[:3].copy()), ember.tensor(g[3:].copy())
            return ember.tensor(f)

        for _ in range(steps):
            opt.step(closure)

    kwargs = dict(max_iter=3, history_size=4, line_search_fn=line_search_fn)
    full = [ember.tensor(x0[:3].copy(), requires_grad=True), ember.tensor(x0[3:].copy(), requires_grad=True)]
    run(eoptim.LBFGS(full, **kwargs), full, 6)
    part = [ember.tensor(x0[:3].copy(), requires_grad=True), ember.tensor(x0[3:].copy(), requires_grad=True)]
    opt = eoptim.LBFGS(part, **kwargs)
    run(opt, part, 3)
    eoptim.save(opt, tmp_path / "lbfgs.safetensors")
    state = opt.state_dict()
    assert sorted(state["lbfgs"])[:3] == ["al", "d", "func_evals"]
    for restore in ("dict", "file"):
        resumed = [p.detach().clone().requires_grad_() for p in part]
        opt2 = eoptim.LBFGS(resumed, **kwargs)
        if restore == "dict":
            opt2.load_state_dict(state)
        else:
            eoptim.load(opt2, tmp_path / "lbfgs.safetensors")
        run(opt2, resumed, 3)
        for a, b in zip(resumed, full):
            assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes(), restore
