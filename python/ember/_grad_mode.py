"""Grad-mode switches as PyTorch spells them: ``no_grad``, ``enable_grad`` and
``set_grad_enabled`` work as context managers and as decorators, and set the
C++ thread-local grad mode (ember::GradMode) through the binding."""

import functools
import inspect
import sys
import warnings

from . import _C


def _wrap_generator(ctx_factory, func):
    """``func`` a generator function: the mode is set around each resumption
    of the generator, not around creating it (PyTorch's _wrap_generator)."""

    @functools.wraps(func)
    def generator_context(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with ctx_factory():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with ctx_factory():
                        gen.close()
                    raise
                except BaseException:
                    with ctx_factory():
                        response = gen.throw(*sys.exc_info())
                else:
                    with ctx_factory():
                        response = gen.send(request)
        except StopIteration as e:
            return e.value

    return generator_context


def _decorate(ctx_factory, func):
    """Wraps ``func`` (a function, generator function or, deprecated, a class)
    so that ``ctx_factory()``'s mode holds while it runs."""
    if inspect.isclass(func):
        warnings.warn(
            "Decorating classes is deprecated and will be disabled in future versions. You should only decorate "
            "functions or methods. To preserve the current behavior of class decoration, you can directly "
            "decorate the `__init__` method and nothing else.",
            FutureWarning,
            stacklevel=3,
        )
        func.__init__ = _decorate(ctx_factory, func.__init__)
        return func
    if inspect.isgeneratorfunction(func):
        return _wrap_generator(ctx_factory, func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with ctx_factory():
            return func(*args, **kwargs)

    return wrapper


class _GradModeContext:
    """Base: a context manager that sets grad mode on entry and restores it on exit;
    used as a decorator (with or without parentheses), it does so around each call."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_grad_enabled(self._prev)

    def __call__(self, func):
        return _decorate(self.__class__, func)


class no_grad(_GradModeContext):
    """Ops inside record no history: ``with ember.no_grad():`` or ``@ember.no_grad()``."""

    _mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a ``no_grad`` region."""

    _mode = True


class set_grad_enabled:
    """Sets grad mode to ``mode`` now (as a call), for a block (as a context
    manager) or around each call of a function (as a decorator)."""

    def __init__(self, mode):
        self._prev = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_grad_enabled(self._prev)

    def __call__(self, func):
        _C._set_grad_enabled(self._prev)  # as a decorator it must not change the mode now
        mode = self._mode
        return _decorate(lambda: set_grad_enabled(mode), func)


is_grad_enabled = _C.is_grad_enabled


class inference_mode:
    """PyTorch's inference mode: nothing is recorded, and tensors made inside are
    inference tensors (autograd refuses to save them, and they may not be modified
    in place outside inference mode). A context manager or a decorator, with or
    without ``mode``."""

    def __new__(cls, mode=True):
        if callable(mode):  # @inference_mode without parentheses (or mode=func)
            return _decorate(cls, mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (_C.is_inference_mode_enabled(), _C.is_grad_enabled())
        _C._set_inference_mode(self.mode)
        _C._set_grad_enabled(not self.mode)

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_inference_mode(self._prev[0])
        _C._set_grad_enabled(self._prev[1])

    def __call__(self, func):
        mode = self.mode
        return _decorate(lambda: inference_mode(mode), func)

    def clone(self):
        return self.__class__(self.mode)


is_inference_mode_enabled = _C.is_inference_mode_enabled


def is_inference(tensor):
    """Whether ``tensor`` was made in inference mode."""
    return tensor.is_inference()
