"""ember.optim: PyTorch's optimizers with its signatures and defaults. The
updates run in C++ (ember._C._optim), one fused loop per parameter; this
module only turns PyTorch-style arguments (an iterable of tensors or a list
of dicts) into parameter groups and offers ``param_groups`` as dicts whose
writes (``group['lr'] = 0.01``) go to the C++ options."""

from collections.abc import MutableMapping

from .. import _C
from .._grad_mode import enable_grad
from . import lr_scheduler

_core = _C._optim

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS",
           "lr_scheduler", "save", "load"]

_FLAGS = ("nesterov", "maximize", "amsgrad", "centered", "decoupled_weight_decay")
_INTS = ("max_iter", "max_eval", "history_size")


def _to_options(values):
    """Options as C++ takes them: numbers and flags as floats, betas split in two."""
    out = {}
    for key, value in values.items():
        if key == "betas":
            beta1, beta2 = value
            out["beta1"], out["beta2"] = float(beta1), float(beta2)
        elif key == "line_search_fn":  # LBFGS: C++ holds it as a flag
            if value not in (None, "strong_wolfe"):
                raise RuntimeError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, got {value!r}")
            out[key] = float(value is not None)
        elif key != "params":
            out[key] = float(value)
    return out


class _ParamGroup(MutableMapping):
    """One parameter group as a dict; reads and writes go to the C++ options."""

    def __init__(self, optimizer, index):
        self._opt, self._i = optimizer, index

    def _keys(self):
        keys = list(self._opt._group_keys(self._i))
        if "beta1" in keys:
            at = keys.index("beta1")
            keys[at : at + 2] = ["betas"]
        try:
            self._opt._get_option(self._i, "initial_lr")
            keys.append("initial_lr")
        except KeyError:
            pass
        return ["params"] + keys

    def __getitem__(self, key):
        if key == "params":
            return list(self._opt._group_params(self._i))
        if key == "betas":
            return (self._opt._get_option(self._i, "beta1"), self._opt._get_option(self._i, "beta2"))
        value = self._opt._get_option(self._i, key)
        if key == "line_search_fn":
            return "strong_wolfe" if value else None
        return bool(value) if key in _FLAGS else int(value) if key in _INTS else value

    def __setitem__(self, key, value):
        if key == "params":
            raise KeyError("ember.optim: a group's params cannot be replaced; use add_param_group")
        for k, v in _to_options({key: value}).items():
            self._opt._set_option(self._i, k, v)

    def __delitem__(self, key):
        raise KeyError(f"ember.optim: option '{key}' cannot be removed")

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def __repr__(self):
        return repr(dict(self))


class Optimizer:
    """What every ember optimizer adds on the Python side of its C++ class."""

    def _init(self, core, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        groups = []
        for group in params:
            p = group["params"]
            groups.append(([p] if isinstance(p, _C.Tensor) else list(p), _to_options(group)))
        core.__init__(self, groups, _to_options(defaults))
        self.defaults = dict(defaults)

    @property
    def param_groups(self):
        return [_ParamGroup(self, i) for i in range(self._num_groups())]

    def add_param_group(self, param_group):
        p = param_group["params"]
        self._add_param_group([p] if isinstance(p, _C.Tensor) else list(p), _to_options(param_group))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step()
        return loss

    def state_dict(self):
        """PyTorch's layout: {'state': {index: {name: tensor}}, 'param_groups': [...]}."""
        import json

        tensors, metadata = self._state_dict()
        state = {}
        for name, tensor in tensors.items():
            _, index, buffer = name.split(".", 2)
            state.setdefault(int(index), {})[buffer] = tensor
        groups = json.loads(metadata["param_groups"])
        for g in groups:
            if "beta1" in g:
                g["betas"] = (g.pop("beta1"), g.pop("beta2"))
        return {"state": state, "param_groups": groups, "optimizer": metadata["optimizer"]}

    def load_state_dict(self, state_dict):
        import json

        tensors = {
            f"state.{index}.{name}": t for index, buffers in state_dict["state"].items() for name, t in buffers.items()
        }
        groups = []
        for g in state_dict["param_groups"]:
            g = dict(g)
            if "betas" in g:
                g["beta1"], g["beta2"] = g.pop("betas")
            groups.append(g)
        metadata = {"optimizer": state_dict.get("optimizer", self._name), "param_groups": json.dumps(groups)}
        self._load_state_dict(tensors, metadata)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join(lines + [")"])


class SGD(Optimizer, _core.SGD):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize)
        self._init(_core.SGD, params, defaults)


class Adam(Optimizer, _core.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        self._init(_core.Adam, params, defaults)


class AdamW(Optimizer, _core.AdamW):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        self._init(_core.AdamW, params, defaults)


class Adagrad(Optimizer, _core.Adagrad):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        self._init(_core.Adagrad, params, defaults)


class RMSprop(Optimizer, _core.RMSprop):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        maximize=maximize)
        self._init(_core.RMSprop, params, defaults)


def _no_capturable_or_differentiable(name, capturable, differentiable):
    # ember updates parameters in fused C++ loops: there is no graph to capture or differentiate through.
    if capturable or differentiable:
        raise ValueError(f"{name}: capturable=True and differentiable=True are not supported by ember")


class Adadelta(Optimizer, _core.Adadelta):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _no_capturable_or_differentiable("Adadelta", capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._init(_core.Adadelta, params, defaults)


class Adamax(Optimizer, _core.Adamax):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _no_capturable_or_differentiable("Adamax", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._init(_core.Adamax, params, defaults)


class NAdam(Optimizer, _core.NAdam):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _no_capturable_or_differentiable("NAdam", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._init(_core.NAdam, params, defaults)


class RAdam(Optimizer, _core.RAdam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _no_capturable_or_differentiable("RAdam", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._init(_core.RAdam, params, defaults)


class LBFGS(Optimizer, _core.LBFGS):
    """L-BFGS; ``step(closure)`` calls the closure several times (one parameter group only)."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        self._init(_core.LBFGS, params, defaults)

    def step(self, closure):
        from .._tensor import tensor

        def evaluate():
            loss = closure()
            return loss if isinstance(loss, _C.Tensor) else tensor(float(loss))

        return self._step_closure(evaluate)


def save(optimizer, path):
    """Writes the optimizer's state (options and per-parameter tensors) to a safetensors file, atomically."""
    import os

    optimizer._save(os.fspath(path))


def load(optimizer, path):
    """Restores an optimizer's state from a file written by :func:`save`."""
    import os

    optimizer._load(os.fspath(path))


EarlyStopping = _core.EarlyStopping
