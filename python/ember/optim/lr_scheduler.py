"""ember.optim.lr_scheduler: PyTorch's schedulers, computed in C++ with
PyTorch's formulas. Only argument forms C++ does not take (a float where a
per-group list is allowed) are converted here. All but SequentialLR and
ReduceLROnPlateau take ``last_epoch`` to resume, as in PyTorch."""

from .. import _C

_core = _C._optim

LRScheduler = _core.LRScheduler
StepLR = _core.StepLR
MultiStepLR = _core.MultiStepLR
ExponentialLR = _core.ExponentialLR
CosineAnnealingLR = _core.CosineAnnealingLR
LinearLR = _core.LinearLR
LambdaLR = _core.LambdaLR
SequentialLR = _core.SequentialLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "LambdaLR",
           "OneCycleLR", "SequentialLR", "ReduceLROnPlateau"]


def _as_list(value):
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else [float(value)]


class OneCycleLR(_core.OneCycleLR):
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        super().__init__(optimizer, _as_list(max_lr), total_steps, epochs, steps_per_epoch, pct_start,
                         anneal_strategy, cycle_momentum, base_momentum, max_momentum, div_factor, final_div_factor,
                         three_phase, last_epoch)


class ReduceLROnPlateau(_core.ReduceLROnPlateau):
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        super().__init__(optimizer, mode, factor, patience, threshold, threshold_mode, cooldown, _as_list(min_lr), eps)
