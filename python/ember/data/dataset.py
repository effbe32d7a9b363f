"""Map-style datasets: the Python base class, and Python faces of the C++
datasets that the C++ DataLoader batches (each keeps it as ``_cpp_dataset``)."""

import os

from .._C import _data
from . import transforms as _transforms


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    # Only C++ datasets have one; the DataLoader uses it when present.
    _cpp_dataset = None


class TensorDataset(Dataset):
    """Rows of tensors with the same first dimension: ``TensorDataset(images, labels)[i]``
    is ``(images[i], labels[i])``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        sizes = [t.shape[0] if t.ndim > 0 else None for t in tensors]
        if None in sizes or any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors, first dimensions {sizes}")
        self.tensors = tensors
        if len(tensors) <= 2:
            self._cpp_dataset = _data.TensorDataset(*tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def _split_transform(transform):
    """(C++ transform or None, Python callable or None): C++ transforms (and
    Compose lists made only of them) run inside the C++ dataset, on whole
    batches; anything else runs in Python, per sample."""
    if transform is None or isinstance(transform, _data.Transform):
        return transform, None
    if isinstance(transform, _transforms.Compose) and all(
        isinstance(t, _data.Transform) for t in transform.transforms
    ):
        return _data.Compose(transform.transforms), None
    return None, transform


class MNIST(Dataset):
    """MNIST from its IDX files (raw or gzip) in ``root``: ``dataset[i]`` is
    ``(image, label)``, a float32 (1, 28, 28) image in [0, 1] and an int.
    Nothing is downloaded."""

    _cpp_class = _data.MNIST

    def __init__(self, root=None, train=True, transform=None):
        self.root = None if root is None else os.fspath(root)
        self.train = train
        self.transform = transform
        cpp_transform, self._python_transform = _split_transform(transform)
        dataset = self._cpp_class(self.root, train, cpp_transform)
        self._dataset = dataset
        if self._python_transform is None:
            self._cpp_dataset = dataset

    @property
    def data(self):
        """Every image, untransformed: float32 (N, 1, 28, 28) in [0, 1]."""
        return self._dataset.images

    @property
    def targets(self):
        """Every label: int64 (N)."""
        return self._dataset.targets

    def __getitem__(self, index):
        image, target = self._dataset[index]
        if self._python_transform is not None:
            image = self._python_transform(image)
        return image, int(target.item())

    def __len__(self):
        return len(self._dataset)

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Split: {split}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST; ``root=None`` is where Debian's
    dataset-fashion-mnist package installs it, /usr/share/datasets/fashion-mnist."""

    _cpp_class = _data.FashionMNIST
    classes = list(_data.FashionMNIST.classes)
