"""Anomaly detection: while on, every node remembers the traceback of the
forward call that made it (printed as a warning when its backward fails),
and backward checks every gradient a node returns for NaN (unless
``check_nan=False``), raising an error naming the node (ember::AnomalyMode)."""

import functools
import warnings

from .. import _C

is_anomaly_enabled = _C.is_anomaly_enabled
is_anomaly_check_nan_enabled = _C.is_anomaly_check_nan_enabled


class detect_anomaly:
    """Turns anomaly detection on for a block (``with``) or around each call (decorator)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            stacklevel=2,
        )

    def __enter__(self):
        self._prev = _C.is_anomaly_enabled()
        self._prev_check_nan = _C.is_anomaly_check_nan_enabled()
        _C._set_detect_anomaly(True, self.check_nan)

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_detect_anomaly(self._prev, self._prev_check_nan)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection to ``mode`` now; as a context manager, restores it on exit."""

    def __init__(self, mode, check_nan=True):
        self._prev = _C.is_anomaly_enabled()
        self._prev_check_nan = _C.is_anomaly_check_nan_enabled()
        _C._set_detect_anomaly(bool(mode), bool(check_nan))

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_detect_anomaly(self._prev, self._prev_check_nan)
