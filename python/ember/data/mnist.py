"""MNIST and Fashion-MNIST, with torchvision's constructor and what its
datasets hand a transform: the raw 28x28 uint8 image, here as a NumPy array
(torchvision hands a PIL image), so ``Compose([ToTensor(), Normalize(...)])``
gives (1, 28, 28) tensors. Without a transform a sample is the float32
(1, 28, 28) tensor in [0, 1] that ToTensor would make of it (torchvision
returns the PIL image). Transforms that run in C++ (ember's tensor transforms,
optionally after a leading ToTensor) are applied there, to whole batches when
a DataLoader asks for one, with the same results as per sample."""

import os

import numpy as np

from .._C import _data
from . import transforms as _transforms
from .dataset import Dataset


def _split_transform(transform):
    """(C++ transform or None, Python callable or None). ToTensor on the raw
    image gives exactly the float image the C++ dataset holds (uint8 / 255 in
    float32), so a leading ToTensor is dropped and what follows may run in C++."""
    if transform is None or isinstance(transform, _transforms.ToTensor):
        return None, None
    if isinstance(transform, _data.Transform):
        return transform, None
    if isinstance(transform, _transforms.Compose) and type(transform) is _transforms.Compose:
        steps = transform.transforms
        if steps and isinstance(steps[0], _transforms.ToTensor):
            steps = steps[1:]
        if all(isinstance(t, _data.Transform) for t in steps):
            return (_data.Compose(steps) if steps else None), None
    return None, transform


def _stems(train):
    prefix = "train" if train else "t10k"
    return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]


def _has_files(folder, train):
    return all(any(os.path.isfile(os.path.join(folder, s + ext)) for ext in ("", ".gz")) for s in _stems(train))


class MNIST(Dataset):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``:
    the IDX files (raw or gzip) in ``root/MNIST/raw`` (torchvision's layout) or
    in ``root`` itself; ``dataset[i]`` is ``(image, label)`` with an int label.
    ember downloads nothing: ``download=True`` is accepted when the files are
    already there, and a missing file is a RuntimeError saying how to get it."""

    _cpp_class = _data.MNIST
    _default_root = _data.MNIST_ROOT
    _how_to_get = (
        "ember cannot download data sets: put the MNIST files (train-images-idx3-ubyte.gz, ...) "
        "in one of those folders (Debian has no MNIST package)"
    )
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        if not isinstance(train, bool):
            raise TypeError(f"{type(self).__name__}: expected train to be a bool, got {train!r}")
        self.root = None if root is None else os.fspath(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        folder = self._find_folder(download)
        cpp_transform, self._python_transform = _split_transform(transform)
        self._dataset = self._cpp_class(folder, train, cpp_transform)
        self._raw = None
        if self._python_transform is None and target_transform is None:
            self._cpp_dataset = self._dataset

    def _find_folder(self, download):
        name = type(self).__name__
        if self.root is None:
            candidates = [self._default_root]
        else:
            candidates = [os.path.join(self.root, name, "raw"), self.root]
        for folder in candidates:
            if _has_files(folder, self.train):
                return folder
        stems = " and ".join(f"'{s}[.gz]'" for s in _stems(self.train))
        where = " or ".join(f"'{c}'" for c in candidates)
        asked = " (download=True was given, but)" if download else ""
        raise RuntimeError(f"{name}: dataset not found: no {stems} in {where};{asked} {self._how_to_get}")

    @property
    def data(self):
        """Every image, untransformed: float32 (N, 1, 28, 28) in [0, 1]
        (torchvision's is uint8 (N, 28, 28); ember has no uint8 dtype)."""
        return self._dataset.images

    @property
    def targets(self):
        """Every label: int64 (N)."""
        return self._dataset.targets

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _raw_images(self):
        # The uint8 images the files hold: round(x * 255) of uint8 / 255 is exact.
        if self._raw is None:
            self._raw = np.rint(self._dataset.images.numpy()[:, 0] * 255.0).astype(np.uint8)
            self._labels = self._dataset.targets.tolist()
        return self._raw

    def __getitem__(self, index):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {n} samples")
        if self._python_transform is None:
            image, target = self._dataset[index]
            target = int(target.item())
        else:
            image = self._python_transform(self._raw_images()[index])
            target = self._labels[index]
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(self._dataset)

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines.append(f"Split: {'Train' if self.train else 'Test'}")
        if self.transform is not None:
            lines.append("StandardTransform")
            lines += [f"Transform: {line}" if i == 0 else f"           {line}"
                      for i, line in enumerate(repr(self.transform).splitlines())]
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in lines])


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST; ``root=None`` is where Debian's
    dataset-fashion-mnist package installs it, /usr/share/datasets/fashion-mnist."""

    _cpp_class = _data.FashionMNIST
    _default_root = _data.FASHION_MNIST_ROOT
    _how_to_get = (
        "ember cannot download data sets: install Debian's dataset-fashion-mnist package "
        "(apt-get install dataset-fashion-mnist, or scripts/install-deps), which puts the files in "
        "/usr/share/datasets/fashion-mnist (root=None), or copy them into one of those folders"
    )
    classes = list(_data.FashionMNIST.classes)
