"""Anomaly detection: while on, backward checks every gradient a node returns
for NaN and raises an error naming the node (ember::AnomalyMode)."""

import functools

from .. import _C

is_anomaly_enabled = _C.is_anomaly_enabled


class detect_anomaly:
    """Turns anomaly detection on for a block (``with``) or around each call (decorator)."""

    def __enter__(self):
        self._prev = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(True)

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_detect_anomaly(self._prev)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection to ``mode`` now; as a context manager, restores it on exit."""

    def __init__(self, mode):
        self._prev = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(bool(mode))

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        _C._set_detect_anomaly(self._prev)
