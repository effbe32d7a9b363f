"""ember.utils: PyTorch's torch.utils module path (ember.utils.data)."""

from . import data
