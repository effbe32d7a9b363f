"""Grad-mode switches as PyTorch spells them: ``no_grad``, ``enable_grad`` and
``set_grad_enabled`` work as context managers and as decorators, and set the
C++ thread-local grad mode (ember::GradMode) through the binding."""

import functools

from . import _C


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
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


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

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


is_grad_enabled = _C.is_grad_enabled
