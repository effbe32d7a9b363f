"""Module hooks, as torch.nn.Module's: forward pre-hooks, forward hooks and
full backward (pre-)hooks, per module and for every module (the global
``register_module_*`` functions, reached as ``ember.nn.modules.module``).

The hooks live in ordered dicts on the module, as in PyTorch, and
``Module.__call__`` runs them around ``forward`` whatever the arguments. A
module with hooks (and every module while a global hook exists) also routes the
C++ ``call()`` of C++ callers (``Sequential``) through ``__call__``, so the
hooks run however the module is called. Without hooks ``__call__`` is one flag
test away from ``forward``."""

import collections
import itertools
import types
import warnings
import weakref

from .. import _C
from .._C import Tensor
from .._grad_mode import is_grad_enabled
from ..autograd.function import Function

_nn = _C._nn
_EMPTY = types.MappingProxyType({})

_global_forward_pre_hooks = collections.OrderedDict()
_global_forward_hooks = collections.OrderedDict()
_global_forward_hooks_with_kwargs = collections.OrderedDict()
_global_forward_hooks_always_called = collections.OrderedDict()
_global_backward_pre_hooks = collections.OrderedDict()
_global_backward_hooks = collections.OrderedDict()
# Whether a global hook may exist: set on registration, cleared by the first call that finds none.
_global_hooked = False

# The per-module dicts; a module without hooks reads these class-level empty ones.
_MODULE_DICTS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks", "_forward_hooks_with_kwargs",
                 "_forward_hooks_always_called", "_backward_pre_hooks", "_backward_hooks")


class RemovableHandle:
    """What every register_*hook returns: ``remove()`` unregisters the hook; also a context manager."""

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        extra = [] if extra_dict is None else extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self):
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _own_dicts(module):
    """The module's hook dicts, created on its first hook; from then on C++ callers go through __call__."""
    state = module.__dict__
    if "_forward_hooks" not in state:
        for name in _MODULE_DICTS:
            state[name] = collections.OrderedDict()
    state["_hooked"] = True
    module._route_calls_through_python(True)
    return state


def _register(hooks, hook, prepend, extra=None):
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
    """``hook(module, args) -> None or new args`` (with_kwargs: ``hook(module, args, kwargs) -> None or
    (new_args, new_kwargs)``) runs before forward."""
    state = _own_dicts(self)
    handle = _register(state["_forward_pre_hooks"], hook, prepend, state["_forward_pre_hooks_with_kwargs"])
    if with_kwargs:
        state["_forward_pre_hooks_with_kwargs"][handle.id] = True
    return handle


def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
    """``hook(module, args, output) -> None or new output`` (with_kwargs: ``hook(module, args, kwargs,
    output)``) runs after forward; with always_call also when forward raised."""
    state = _own_dicts(self)
    handle = _register(state["_forward_hooks"], hook, prepend,
                       [state["_forward_hooks_with_kwargs"], state["_forward_hooks_always_called"]])
    if with_kwargs:
        state["_forward_hooks_with_kwargs"][handle.id] = True
    if always_call:
        state["_forward_hooks_always_called"][handle.id] = True
    return handle


def register_full_backward_pre_hook(self, hook, prepend=False):
    """``hook(module, grad_output) -> None or new grad_output`` runs when the gradients of the
    module's outputs are computed, before they flow into the module."""
    return _register(_own_dicts(self)["_backward_pre_hooks"], hook, prepend)


def register_full_backward_hook(self, hook, prepend=False):
    """``hook(module, grad_input, grad_output) -> None or new grad_input`` runs when the gradients
    of the module's inputs are computed."""
    return _register(_own_dicts(self)["_backward_hooks"], hook, prepend)


def _global(hooks, hook, extra=None):
    global _global_hooked
    _global_hooked = True
    _nn._route_all_calls_through_python(True)
    return _register(hooks, hook, False, extra)


def register_module_forward_pre_hook(hook):
    """A forward pre-hook for every module, run before the module's own."""
    return _global(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook for every module, run before the module's own."""
    handle = _global(_global_forward_hooks, hook,
                     [_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called])
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook):
    """A full backward pre-hook for every module, run before the module's own."""
    return _global(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """A full backward hook for every module, run before the module's own."""
    return _global(_global_backward_hooks, hook)


def _any_global_hook():
    return (_global_forward_pre_hooks or _global_forward_hooks or _global_backward_pre_hooks
            or _global_backward_hooks)


class _HookedFlag:
    """Module._hooked of a Python object not marked yet: whether C++ code registered hooks on the
    module (cached in the object; registrations from either language mark it)."""

    def __get__(self, module, owner=None):
        if module is None:
            return self
        hooked = module.__dict__["_hooked"] = module._has_cpp_hooks()
        return hooked


def call(self, *args, **kwargs):
    """Module.__call__: forward, with the hooks around it when there are any."""
    if self._hooked or _global_hooked:
        return _call_with_hooks(self, args, kwargs)
    return self.forward(*args, **kwargs)


def _call_with_hooks(module, args, kwargs):
    global _global_hooked
    cpp_hooks = module._has_cpp_hooks()
    local = module.__dict__.get("_hooked", False)
    if local and not (cpp_hooks or module._forward_pre_hooks or module._forward_hooks or module._backward_pre_hooks
                      or module._backward_hooks):
        local = module.__dict__["_hooked"] = False
        module._route_calls_through_python(False)
    if not _any_global_hook():
        if _global_hooked:
            _global_hooked = False
            _nn._route_all_calls_through_python(False)
        if not local:
            return module.forward(*args, **kwargs)

    result = None
    always_called_done = set()
    try:
        backward_hooks = [*_global_backward_hooks.values(), *module._backward_hooks.values()]
        backward_pre_hooks = [*_global_backward_pre_hooks.values(), *module._backward_pre_hooks.values()]
        for hook_id, hook in (*_global_forward_pre_hooks.items(), *module._forward_pre_hooks.items()):
            if hook_id in module._forward_pre_hooks_with_kwargs:
                replaced = hook(module, args, kwargs)
                if replaced is not None:
                    if not (isinstance(replaced, tuple) and len(replaced) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {replaced}.")
                    args, kwargs = replaced
            else:
                replaced = hook(module, args)
                if replaced is not None:
                    args = replaced if isinstance(replaced, tuple) else (replaced,)

        backward_hook = None
        if backward_hooks or backward_pre_hooks:
            backward_hook = BackwardHook(module, backward_hooks, backward_pre_hooks)
            args = backward_hook.setup_input_hook(args)

        if cpp_hooks and len(args) == 1 and not kwargs and isinstance(args[0], Tensor):
            result = module._call_cpp_hooks(args[0])
        else:
            result = module.forward(*args, **kwargs)
        for hook_id, hook in (*_global_forward_hooks.items(), *module._forward_hooks.items()):
            if hook_id in module._forward_hooks_always_called or hook_id in _global_forward_hooks_always_called:
                always_called_done.add(hook_id)
            if hook_id in module._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                replaced = hook(module, args, kwargs, result)
            else:
                replaced = hook(module, args, result)
            if replaced is not None:
                result = replaced

        if backward_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of "
                              f"Tensors but received {type(result)}", stacklevel=3)
            result = backward_hook.setup_output_hook(result)
        return result
    except Exception:
        # The always_call forward hooks that forward's error kept from running; their own errors become warnings.
        result = _run_always_called(_global_forward_hooks, _global_forward_hooks_always_called, always_called_done,
                                    lambda hook_id, hook, out: hook(module, args, out), "global module forward hook",
                                    result)
        result = _run_always_called(module._forward_hooks, module._forward_hooks_always_called, always_called_done,
                                    lambda hook_id, hook, out: hook(module, args, kwargs, out)
                                    if hook_id in module._forward_hooks_with_kwargs else hook(module, args, out),
                                    "module forward hook", result)
        raise


def _run_always_called(hooks, always_called, done, call, label, result):
    """Runs the always_call hooks of ``hooks`` not in ``done`` after forward raised, each
    given the latest result (``call(hook_id, hook, result)``) and its replacement kept;
    a hook's own error becomes a warning, in PyTorch's words."""
    for hook_id, hook in hooks.items():
        if hook_id in always_called and hook_id not in done:
            try:
                replaced = call(hook_id, hook, result)
                if replaced is not None:
                    result = replaced
            except Exception as e:
                warnings.warn(f"{label} with ``always_call=True`` raised an exception that was silenced as another "
                              f"error was raised in forward: {e}", stacklevel=4)
    return result


class BackwardHookFunction(Function):
    """The identity, applied to a hooked module's input and output tensors: its graph node is
    where the gradients of the module's inputs and outputs are caught."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[arg for arg in args if not arg.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *args):
        return args


class BackwardHook:
    """One module call's full backward hooks, as PyTorch's torch.utils.hooks.BackwardHook: the
    output node catches grad_output (the pre-hooks may replace it), the input node grad_input,
    and then the hooks see both (and may replace grad_input). Non-tensor arguments and outputs
    appear as None."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_index = self.output_index = None

    @staticmethod
    def _with_none(index, values, size):
        out = [None] * size
        for i, value in zip(index, values):
            out[i] = value
        return tuple(out)

    def _through_identity(self, args, on_node):
        """args with their tensors passed through BackwardHookFunction (on_node gets its node), and
        the tensors' positions; args unchanged and None when nothing needs a gradient."""
        index = [i for i, arg in enumerate(args) if isinstance(arg, Tensor)]
        tensors = [args[i] for i in index]
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return args, None
        outs = BackwardHookFunction.apply(*tensors)
        on_node(next(t.grad_fn for t in outs if t.grad_fn is not None))
        replaced = list(args)
        for i, t in zip(index, outs):
            replaced[i] = t
        return (tuple(replaced) if type(args) is tuple else type(args)(*replaced)), index

    def setup_input_hook(self, args):
        def on_node(node):
            def hook(grad_inputs, _):
                if self.grad_outputs is None:
                    # The gradient reached the inputs without passing through the outputs (double backward).
                    return None
                grads = self._with_none(self.input_index, grad_inputs, self.n_inputs)
                for user_hook in self.hooks:
                    out = user_hook(self.module, grads, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(grads):
                        raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                           f"got {len(out)}, but expected {len(grads)}")
                    grads = out
                self.grad_outputs = None
                return tuple(grads[i] for i in self.input_index)

            node.register_hook(hook)

        args, self.input_index = self._through_identity(args, on_node)
        self.n_inputs = len(args)
        return args

    def setup_output_hook(self, result):
        def on_node(node):
            def hook(_, grad_outputs):
                self.grad_outputs = self._with_none(self.output_index, grad_outputs, self.n_outputs)
                for pre_hook in self.pre_hooks:
                    out = pre_hook(self.module, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(self.grad_outputs):
                        raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                           f"got {len(out)}, but expected {len(self.grad_outputs)}")
                    self.grad_outputs = out
                grads = self.grad_outputs
                if self.input_index is None:
                    # No input needs a gradient: the hooks run now, with None for every grad_input.
                    warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                                  "outputs since no inputs require gradients.", stacklevel=5)
                    grad_inputs = (None,) * self.n_inputs
                    for user_hook in self.hooks:
                        out = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if out is not None and not (isinstance(out, tuple) and all(g is None for g in out)):
                            raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                               "always return None or None for all gradients.")
                    self.grad_outputs = None
                return tuple(grads[i] for i in self.output_index)

            node.register_hook(hook)

        is_tuple = isinstance(result, tuple)
        outputs, self.output_index = self._through_identity(result if is_tuple else (result,), on_node)
        self.n_outputs = len(outputs)
        return outputs if is_tuple else outputs[0]


def install(module_class):
    """Gives ember.nn.Module PyTorch's __call__ and hook registration."""
    module_class.__call__ = call
    module_class._hooked = _HookedFlag()
    for name in _MODULE_DICTS:
        setattr(module_class, name, _EMPTY)
    module_class.register_forward_pre_hook = register_forward_pre_hook
    module_class.register_forward_hook = register_forward_hook
    module_class.register_full_backward_pre_hook = register_full_backward_pre_hook
    module_class.register_full_backward_hook = register_full_backward_hook
