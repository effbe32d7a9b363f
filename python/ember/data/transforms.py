"""Image transforms (torchvision.transforms' names). ``ToTensor`` turns an
image (a uint8 NumPy array (H, W) or (H, W, C), or a PIL image if Pillow is
installed) into a float32 tensor (C, H, W) in [0, 1], as torchvision's does;
the others take float tensors, one image (C, H, W) or a whole batch
(N, C, H, W), and on a batch every image draws its own random parameters from
``generator`` (or the default generator, seeded by ``ember.manual_seed``).
All but Compose, ToTensor and Lambda run in C++.

Inside a ``Compose``, a tensor transform met before ``ToTensor`` (torchvision's
``Compose([RandomCrop(28, padding=4), ToTensor()])``, where RandomCrop works on
the PIL image) gets the image as a tensor and hands it back as a uint8 array,
so crops, flips and nearest rotations give exactly what they give on a PIL
image; an interpolating Resize rounds to uint8 as PIL does, but without
PIL's antialiasing filter."""

import numpy as np

from .._C import _data
from .._C._data import Transform


def _is_pil_image(pic):
    # Pillow is optional: an image can only be a PIL image if Pillow is already imported.
    import sys

    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(pic, image.Image)


def to_tensor(pic):
    """torchvision.transforms.functional.to_tensor: a NumPy array (H, W) or
    (H, W, C), or a PIL image, to a tensor (C, H, W). uint8 values become
    float32 divided by 255; other dtypes keep their values (float32, float64,
    int64 and bool keep their dtype; other integer types become int64, the
    integer dtype ember has)."""
    from .. import from_numpy

    if not (_is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        a = pic
    else:
        # torchvision's modes: 32-bit int, 16-bit int and float images keep their values.
        mode_types = {"I": np.int32, "I;16": np.int16, "F": np.float32}
        a = np.array(pic, mode_types.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            a = 255 * a
        a = a.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    if a.ndim == 2:
        a = a[:, :, None]
    a = a.transpose(2, 0, 1)
    if a.dtype == np.uint8:
        out = np.ascontiguousarray(a, dtype=np.float32)
        out /= np.float32(255)  # float32 division, as torchvision's img.float().div(255)
        return from_numpy(out)
    if a.dtype.kind in "iu" and a.dtype != np.int64:
        a = a.astype(np.int64)
    elif a.dtype == np.float16:
        a = a.astype(np.float32)
    elif a.dtype.kind not in "fb" and a.dtype != np.int64:
        raise TypeError(f"ToTensor: cannot convert an array of dtype {a.dtype} to a tensor")
    return from_numpy(np.ascontiguousarray(a))


def _image_of(x):
    """A tensor (C, H, W) in [0, 1] back to the uint8 array (H, W) or (H, W, C) it stands for."""
    a = np.rint(np.clip(x.numpy(), 0.0, 1.0) * 255.0).astype(np.uint8).transpose(1, 2, 0)
    return a[:, :, 0] if a.shape[2] == 1 else a


def _apply(t, x):
    """t(x), where a tensor transform given a uint8 image works on it as torchvision's does on a PIL image."""
    if isinstance(t, Transform) and (isinstance(x, np.ndarray) or _is_pil_image(x)):
        if isinstance(x, np.ndarray) and x.dtype != np.uint8:
            raise TypeError(f"{type(t).__name__}: expected a tensor or a uint8 image, got an array of dtype {x.dtype}")
        return _image_of(t(to_tensor(x)))
    return t(x)


class Compose:
    """Applies ``transforms`` in turn. A dataset runs a Compose made only of
    C++ transforms (optionally after a leading ToTensor) inside C++, on whole
    batches when a DataLoader asks for one; other callables run in Python."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = _apply(t, x)
        return x

    def __repr__(self):
        body = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """torchvision's ToTensor: a uint8 image (H, W) or (H, W, C) as a NumPy array
    or PIL image to a float32 tensor (C, H, W) in [0, 1] (see ``to_tensor``).
    A tensor is refused with a TypeError, as torchvision refuses it."""

    def __call__(self, pic):
        return to_tensor(pic)

    def __repr__(self):
        return "ToTensor()"


class Lambda:
    """Applies a user function: ``Lambda(lambda x: x.repeat(3, 1, 1))``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


def _pair(size, name):
    if isinstance(size, int):
        return (size, size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return (size[0], size[0])
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return tuple(size)
    raise ValueError(f"{name}: please provide only two dimensions (h, w) for size, got {size!r}")


def _values(v):
    return list(v) if isinstance(v, (tuple, list)) else [v]


# The C++ transforms, with torchvision's attributes and reprs.


class Normalize(_data.Normalize):
    """(x - mean[c]) / std[c] per channel (one value, or one per channel)."""

    def __init__(self, mean, std, inplace=False):
        super().__init__([float(m) for m in _values(mean)], [float(s) for s in _values(std)])
        self.mean, self.std, self.inplace = mean, std, inplace

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class RandomHorizontalFlip(_data.RandomHorizontalFlip):
    """Mirrors each image left-right with probability p."""

    def __init__(self, p=0.5, generator=None):
        super().__init__(p, generator)
        self.p = p

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomCrop(_data.RandomCrop):
    """A random ``size`` window of the image zero-padded by ``padding`` on every side."""

    def __init__(self, size, padding=None, generator=None):
        super().__init__(size, 0 if padding is None else padding, generator)
        self.size, self.padding = _pair(size, "RandomCrop"), padding

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop(_data.RandomResizedCrop):
    """A random window of ``scale`` of the area and aspect ratio in ``ratio``, resized to ``size`` bilinearly."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), generator=None):
        super().__init__(size, tuple(scale), tuple(ratio), generator)
        self.size, self.scale, self.ratio = _pair(size, "RandomResizedCrop"), tuple(scale), tuple(ratio)

    def __repr__(self):
        scale = tuple(round(s, 4) for s in self.scale)
        ratio = tuple(round(r, 4) for r in self.ratio)
        return (f"{type(self).__name__}(size={self.size}, scale={scale}, ratio={ratio}, "
                "interpolation=bilinear, antialias=False)")


class ColorJitter(_data.ColorJitter):
    """Random brightness and contrast factors per image (images in [0, 1])."""

    def __init__(self, brightness=0.0, contrast=0.0, generator=None):
        super().__init__(brightness, contrast, generator)
        self.brightness, self.contrast = brightness, contrast

    def __repr__(self):
        return f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast})"


def _interpolation_name(interpolation):
    return str(getattr(interpolation, "value", interpolation))


class Resize(_data.Resize):
    """torchvision's Resize on tensors: ``size`` an int (the smaller edge, the other
    keeping the aspect ratio) or (h, w); ``interpolation`` "bilinear" (antialiased
    when shrinking unless ``antialias=False``, as torchvision's default) or "nearest"."""

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias=True):
        if not isinstance(size, (int, tuple, list)) or isinstance(size, bool):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        super().__init__(size, _interpolation_name(interpolation), max_size, True if antialias is None else antialias)
        self.size = size if isinstance(size, int) else list(size)
        self.interpolation, self.max_size, self.antialias = _interpolation_name(interpolation), max_size, antialias

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(_data.CenterCrop):
    """The centred ``size`` window (zero-padded when larger than the image)."""

    def __init__(self, size):
        super().__init__(size)
        self.size = _pair(size, "CenterCrop")

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomRotation(_data.RandomRotation):
    """Rotates by an angle drawn uniformly from ``degrees`` (a number d: (-d, d)),
    counter-clockwise, nearest neighbour, ``fill`` outside; ``rotate(x, angle)`` for a fixed angle."""

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0, generator=None):
        super().__init__(degrees, _interpolation_name(interpolation), expand, center, fill, generator)
        if isinstance(degrees, (tuple, list)):
            self.degrees = [float(d) for d in degrees]
        else:
            self.degrees = [float(-degrees), float(degrees)]
        self.interpolation, self.expand, self.center, self.fill = (
            _interpolation_name(interpolation), expand, center, fill)

    def __repr__(self):
        text = f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation}, expand={self.expand}"
        if self.center is not None:
            text += f", center={self.center}"
        return text + f", fill={self.fill})"


__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "Resize",
    "ToTensor",
    "Transform",
    "to_tensor",
]
