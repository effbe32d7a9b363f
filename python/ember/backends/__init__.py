"""ember.backends: torch.backends' availability flags; ember runs on the CPU only."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
