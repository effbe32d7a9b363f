"""ember.optim.lr_scheduler: PyTorch's schedulers, computed in C++ with
PyTorch's formulas. Only argument forms C++ does not take (a float where a
per-group list is allowed) are converted here. All but SequentialLR and
ReduceLROnPlateau take ``last_epoch`` to resume, as in PyTorch."""

from .. import _C

_core = _C._optim



def _engine(optimizer):
    """The C++ optimizer a scheduler drives: the optimizer itself, or the one behind a Python-defined optimizer."""
    return getattr(optimizer, "__dict__", {}).get("_cxx", optimizer)


def _on_optimizer(core):
    """`core` taking any ember optimizer (built-in or subclassed in Python), keeping it as `.optimizer`."""

    class Scheduler(core):
        def __init__(self, optimizer, *args, **kwargs):
            super().__init__(_engine(optimizer), *args, **kwargs)
            self.optimizer = optimizer

    Scheduler.__name__ = Scheduler.__qualname__ = core.__name__
    return Scheduler


LRScheduler = _core.LRScheduler
StepLR = _on_optimizer(_core.StepLR)
MultiStepLR = _on_optimizer(_core.MultiStepLR)
ExponentialLR = _on_optimizer(_core.ExponentialLR)
CosineAnnealingLR = _on_optimizer(_core.CosineAnnealingLR)
LinearLR = _on_optimizer(_core.LinearLR)
LambdaLR = _on_optimizer(_core.LambdaLR)
SequentialLR = _on_optimizer(_core.SequentialLR)
MultiplicativeLR = _on_optimizer(_core.MultiplicativeLR)
ConstantLR = _on_optimizer(_core.ConstantLR)
PolynomialLR = _on_optimizer(_core.PolynomialLR)

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "LambdaLR",
           "OneCycleLR", "SequentialLR", "ReduceLROnPlateau", "MultiplicativeLR", "ConstantLR", "PolynomialLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "ChainedScheduler"]


def _as_list(value):
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else [float(value)]


class OneCycleLR(_on_optimizer(_core.OneCycleLR)):
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        super().__init__(optimizer, _as_list(max_lr), total_steps, epochs, steps_per_epoch, pct_start,
                         anneal_strategy, cycle_momentum, base_momentum, max_momentum, div_factor, final_div_factor,
                         three_phase, last_epoch)


class ReduceLROnPlateau(_on_optimizer(_core.ReduceLROnPlateau)):
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        super().__init__(optimizer, mode, factor, patience, threshold, threshold_mode, cooldown, _as_list(min_lr), eps)


class CosineAnnealingWarmRestarts(_on_optimizer(_core.CosineAnnealingWarmRestarts)):
    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        # PyTorch's checks: integers only (a float T_0 is a ValueError there, not a TypeError).
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected float or int eta_min, but got {eta_min} of type "
                             f"{type(eta_min)}")
        super().__init__(optimizer, T_0, T_mult, float(eta_min), last_epoch)


class CyclicLR(_on_optimizer(_core.CyclicLR)):
    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        super().__init__(optimizer, _as_list(base_lr), _as_list(max_lr), float(step_size_up),
                         None if step_size_down is None else float(step_size_down), mode, gamma, scale_fn,
                         scale_mode, cycle_momentum, _as_list(base_momentum), _as_list(max_momentum), last_epoch)


class ChainedScheduler(_core.ChainedScheduler):
    def __init__(self, schedulers, optimizer=None):
        # `optimizer` is PyTorch's optional argument; C++ checks that all schedulers share one.
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError("ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires "
                                 "additional kwargs to be specified when calling `step`, but got one at index "
                                 f"{i} in the given schedulers sequence.")
        super().__init__(schedulers)
