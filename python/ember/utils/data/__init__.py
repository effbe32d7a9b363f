"""torch.utils.data's module path: the same objects as ember.data (datasets,
samplers, DataLoader, default_collate, random_split), so
``from ember.utils.data import DataLoader`` works as in PyTorch."""

from ... import data as _data

# ember.data also holds torchvision's part (datasets of images, transforms), which torch.utils.data has not.
_TORCHVISION = {"FashionMNIST", "MNIST", "transforms"}

__all__ = [_name for _name in _data.__all__ if _name not in _TORCHVISION]
globals().update({_name: getattr(_data, _name) for _name in __all__})
