"""ember.nn's Module protocol, the part that is Pythonic by nature: attribute
assignment registers Parameters, Modules and buffers in the C++ registry,
attribute lookup finds them there, ``__call__`` runs hooks and forward, and
Parameter is a Tensor subclass. The hooks are in _hooks.py; the layers,
traversals, state_dict and repr are C++ (nn/, bound in python/src/module.cpp
and layers.cpp as ember._C._nn)."""

import collections

from .. import _C
from .._C import Tensor
from . import _hooks
from . import _hooks as module  # noqa: F401  (PyTorch's ember.nn.modules.module.register_module_*_hook)

_nn = _C._nn
Module = _nn.Module


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as one of its attributes."""

    # No slots of its own: the same layout as Tensor, so C++ may hand a registered
    # tensor back as a Parameter by switching its __class__.
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        super().__init__(_C.empty(0) if data is None else data, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            copy = Parameter(self.detach().clone(), self.requires_grad)
            if self.grad is not None:
                copy.grad = self.grad.detach().clone()
            memo[id(self)] = copy
        return memo[id(self)]


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it did not find and the keys it did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _is_property(cls, name):
    return isinstance(getattr(cls, name, None), property)


def _type_name(value):
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}" if cls.__module__ != "builtins" else cls.__qualname__


def _setattr(self, name, value):
    # C++ layers expose their members (weight, running_mean, training) as properties.
    if _is_property(type(self), name):
        # A C++ layer's parameter takes only a Parameter, as PyTorch's would (not a plain tensor).
        if value is not None and not isinstance(value, Parameter) and self._kind(name) == "parameter":
            raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                            "(ember.nn.Parameter or None expected)")
        object.__setattr__(self, name, value)
        return
    d = getattr(self, "__dict__", None)
    if isinstance(value, Parameter):
        if d is not None:
            d.pop(name, None)
        if self._kind(name) in ("buffer", "module"):
            self._unregister(name)
        self._set_parameter(name, value)
        return
    if isinstance(value, Module):
        if d is not None:
            d.pop(name, None)
        if self._kind(name) in ("parameter", "buffer"):
            self._unregister(name)
        self._set_module(name, value)
        return
    kind = self._kind(name)
    if kind == "parameter":
        if value is not None:
            raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                            "(ember.nn.Parameter or None expected)")
        self._set_parameter(name, None)
    elif kind == "buffer":
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' (ember.Tensor or None expected)")
        self._replace_buffer(name, value)
        if value is not None:
            return
    elif kind == "module":
        if value is not None:
            raise TypeError(f"cannot assign '{_type_name(value)}' as child module '{name}' "
                            "(ember.nn.Module or None expected)")
        self._unregister(name)
    object.__setattr__(self, name, value)


def _getattr(self, name):
    # Reached only when ordinary lookup fails: the registered parameters, buffers and submodules.
    if name.startswith("__"):
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
    return self._get_registered(name)


def _delattr(self, name):
    d = getattr(self, "__dict__", None)
    found = d is not None and name in d
    if found:
        del d[name]
    if not self._unregister(name) and not found:
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


_cpp_load_state_dict = Module.load_state_dict


def _load_state_dict(self, state_dict, strict=True, assign=False):
    """Copies the tensors of ``state_dict`` into the registered ones; returns (missing_keys, unexpected_keys)."""
    if assign:
        raise ValueError("load_state_dict: assign=True is not supported; the tensors are copied in place")
    return _cpp_load_state_dict(self, state_dict, strict)


def _get_submodule(self, target):
    """The submodule at the dotted path ``target`` ("" is the module itself)."""
    module = self
    for item in target.split(".") if target else []:
        module = getattr(module, item)
        if not isinstance(module, Module):
            raise AttributeError(f"`{item}` is not an nn.Module")
    return module


Module.__setattr__ = _setattr
Module.__getattr__ = _getattr
Module.__delattr__ = _delattr
_hooks.install(Module)
Module.load_state_dict = _load_state_dict
Module.get_submodule = _get_submodule
_nn._set_python_classes(Parameter, _IncompatibleKeys)

# Every class bound in ember._C._nn (Module, Linear, Conv2d, Sequential, ...) is
# ember.nn's: adding a binding adds the name.
__all__ = ["Parameter"] + [_name for _name in dir(_nn)
                           if not _name.startswith("_") and isinstance(getattr(_nn, _name), type)]
globals().update({_name: getattr(_nn, _name) for _name in __all__[1:]})

for _cls in [Parameter] + [v for v in list(globals().values()) if isinstance(v, type) and issubclass(v, Module)]:
    _cls.__module__ = "ember.nn"
del _cls
