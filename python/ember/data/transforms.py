"""Image transforms (torchvision.transforms' names): each takes one image
(C, H, W) or a whole batch (N, C, H, W) of float tensors; on a batch, every
image draws its own random parameters, from ``generator`` (or the default
generator, seeded by ``ember.manual_seed``). All but Compose and ToTensor run in C++."""

import numpy as np

from .._C._data import ColorJitter, Normalize, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, Transform


class Compose:
    """Applies ``transforms`` in turn. Made only of C++ transforms, it runs
    inside a C++ dataset on whole batches; other callables run in Python."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        body = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({body}\n)"


class ToTensor:
    """A NumPy image (H, W, C) or (H, W), or a batch (N, H, W, C), to a float32
    tensor (C, H, W) / (N, C, H, W); uint8 values are scaled to [0, 1]."""

    def __call__(self, pic):
        a = np.asarray(pic)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim == 3:
            a = a.transpose(2, 0, 1)
        elif a.ndim == 4:
            a = a.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"ToTensor: expected an image (H, W), (H, W, C) or a batch (N, H, W, C), got shape {a.shape}")
        out = np.ascontiguousarray(a, dtype=np.float32)
        if a.dtype == np.uint8:
            out /= 255.0
        from .. import from_numpy

        return from_numpy(out)

    def __repr__(self):
        return "ToTensor()"


__all__ = [
    "ColorJitter",
    "Compose",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "ToTensor",
    "Transform",
]
