"""ember.optim: PyTorch's optimizers with its signatures and defaults. The
updates run in C++ (ember._C._optim), one fused loop per parameter; this
module only turns PyTorch-style arguments (an iterable of tensors or a list
of dicts) into parameter groups and offers ``param_groups`` as dicts whose
writes (``group['lr'] = 0.01``) go to the C++ options."""

from collections import defaultdict
from collections.abc import MutableMapping

from .. import _C
from .._grad_mode import enable_grad
from . import lr_scheduler

_core = _C._optim

__all__ = ["Optimizer", "required", "SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS",
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


class _PythonParamGroup(_ParamGroup):
    """A group of a Python-defined optimizer: numbers (and betas) live in C++, where
    schedulers change them; anything else (None, strings, new keys) in a Python dict."""

    def __init__(self, optimizer, index):
        super().__init__(optimizer._cxx, index)
        self._extras, self._types = optimizer._extras[index], optimizer._types

    def _keys(self):
        return super()._keys() + [k for k in self._extras if k not in ("params",)]

    def __getitem__(self, key):
        if key in self._extras:
            return self._extras[key]
        value = super().__getitem__(key)
        kind = self._types.get(key)
        return kind(value) if kind in (bool, int) and key != "params" else value

    def __setitem__(self, key, value):
        keys = self._opt._group_keys(self._i)
        in_cxx = key in keys or key == "initial_lr" or (key == "betas" and "beta1" in keys)
        if in_cxx and _numeric({key: value}) is not None:
            self._extras.pop(key, None)
            super().__setitem__(key, value)
        else:
            self._extras[key] = value


def _numeric(values):
    """The C++ form of options that are numbers (bools and ints too) or a pair of betas; None if one is not."""
    out = {}
    for key, value in values.items():
        if key == "betas" and isinstance(value, (tuple, list)) and len(value) == 2 and \
                all(isinstance(v, (int, float)) for v in value):
            out["beta1"], out["beta2"] = float(value[0]), float(value[1])
        elif isinstance(value, (bool, int, float)):
            out[key] = float(value)
        else:
            return None
    return out


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()
"""Default of an option a parameter group must set (PyTorch's torch.optim.optimizer.required)."""


class Optimizer:
    """Base class of all optimizers. Subclass it the PyTorch way::

        class MyOpt(ember.optim.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            @ember.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-group["lr"])

    ``param_groups`` are dicts ('params' plus the defaults), ``state`` a
    defaultdict keyed by parameter; numeric options live in C++ so that the
    schedulers of ember.optim.lr_scheduler drive such optimizers too."""

    def __init__(self, params, defaults):
        if isinstance(params, _C.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self._extras, self._types = [], {}
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        numeric_defaults = _numeric({k: v for k, v in self.defaults.items() if _numeric({k: v}) is not None})
        self._remember_types(self.defaults)
        specs = []
        for group in groups:
            params, numeric, extras = self._prepare_group(group, specs)
            specs.append((params, numeric))
            self._extras.append(extras)
        self._cxx = _core.PythonOptimizer(specs, numeric_defaults, type(self).__name__)

    def _remember_types(self, values):
        for k, v in values.items():
            if isinstance(v, (bool, int)) and k not in self._types:
                self._types[k] = bool if isinstance(v, bool) else int

    def _prepare_group(self, param_group, existing):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, _C.Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, _C.Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for ps, _ in existing for p in ps}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._remember_types(group)
        numeric, extras = {}, {}
        for key, value in group.items():
            if key == "params":
                continue
            converted = _numeric({key: value})
            if converted is None:
                extras[key] = value
            else:
                numeric.update(converted)
        return params, numeric, extras

    @property
    def param_groups(self):
        if "_cxx" in self.__dict__:
            return [_PythonParamGroup(self, i) for i in range(self._cxx._num_groups())]
        return [_ParamGroup(self, i) for i in range(self._num_groups())]

    def add_param_group(self, param_group):
        existing = [(g["params"], None) for g in self.param_groups]
        params, numeric, extras = self._prepare_group(param_group, existing)
        self._cxx._add_group(params, numeric)
        self._extras.append(extras)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError(f"{type(self).__name__} must implement step(closure=None)")

    def state_dict(self):
        """PyTorch's layout: {'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}."""
        index, groups, start = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = list(range(start, start + len(group["params"])))
            for i, p in zip(packed["params"], group["params"]):
                index[id(p)] = i
            start += len(group["params"])
            groups.append(packed)
        state = {index[id(p)]: dict(v) for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups, saved = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        by_index = {i: p for g, s in zip(groups, saved) for i, p in zip(s["params"], g["params"])}
        self.state = defaultdict(dict)
        for i, values in state_dict["state"].items():
            if i in by_index:
                p = by_index[i]
                self.state[p] = {k: v.clone() if isinstance(v, _C.Tensor) else v for k, v in values.items()}
        for group, values in zip(groups, saved):
            for key, value in values.items():
                if key != "params":
                    group[key] = value

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join(lines + [")"])


class _Builtin(Optimizer):
    """What every built-in optimizer adds on the Python side of its C++ class (options and state live in C++)."""

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
        extra = {}  # LBFGS's flat-vector state ("lbfgs.<name>"), kept apart from the per-parameter state
        for name, tensor in tensors.items():
            if name.startswith("lbfgs."):
                extra[name[len("lbfgs."):]] = tensor
                continue
            _, index, buffer = name.split(".", 2)
            state.setdefault(int(index), {})[buffer] = tensor
        groups = json.loads(metadata["param_groups"])
        for g in groups:
            if "beta1" in g:
                g["betas"] = (g.pop("beta1"), g.pop("beta2"))
        out = {"state": state, "param_groups": groups, "optimizer": metadata["optimizer"]}
        if extra:
            out["lbfgs"] = extra
        return out

    def load_state_dict(self, state_dict):
        import json

        tensors = {
            f"state.{index}.{name}": t for index, buffers in state_dict["state"].items() for name, t in buffers.items()
        }
        tensors.update({f"lbfgs.{name}": t for name, t in state_dict.get("lbfgs", {}).items()})
        groups = []
        for g in state_dict["param_groups"]:
            g = dict(g)
            if "betas" in g:
                g["beta1"], g["beta2"] = g.pop("betas")
            groups.append(g)
        metadata = {"optimizer": state_dict.get("optimizer", self._name), "param_groups": json.dumps(groups)}
        self._load_state_dict(tensors, metadata)

    def zero_grad(self, set_to_none=True):
        _core.Optimizer.zero_grad(self, set_to_none)


class SGD(_Builtin, _core.SGD):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize)
        self._init(_core.SGD, params, defaults)


class Adam(_Builtin, _core.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        self._init(_core.Adam, params, defaults)


class AdamW(_Builtin, _core.AdamW):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        self._init(_core.AdamW, params, defaults)


class Adagrad(_Builtin, _core.Adagrad):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        self._init(_core.Adagrad, params, defaults)


class RMSprop(_Builtin, _core.RMSprop):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        maximize=maximize)
        self._init(_core.RMSprop, params, defaults)


def _no_capturable_or_differentiable(name, capturable, differentiable):
    # ember updates parameters in fused C++ loops: there is no graph to capture or differentiate through.
    if capturable or differentiable:
        raise ValueError(f"{name}: capturable=True and differentiable=True are not supported by ember")


class Adadelta(_Builtin, _core.Adadelta):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _no_capturable_or_differentiable("Adadelta", capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._init(_core.Adadelta, params, defaults)


class Adamax(_Builtin, _core.Adamax):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _no_capturable_or_differentiable("Adamax", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._init(_core.Adamax, params, defaults)


class NAdam(_Builtin, _core.NAdam):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _no_capturable_or_differentiable("NAdam", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._init(_core.NAdam, params, defaults)


class RAdam(_Builtin, _core.RAdam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _no_capturable_or_differentiable("RAdam", capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._init(_core.RAdam, params, defaults)


class LBFGS(_Builtin, _core.LBFGS):
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
