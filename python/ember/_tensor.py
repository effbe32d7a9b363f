"""The Python side of ember.Tensor: what is Pythonic by nature (Size, iteration,
NumPy's __array__, tolist, deepcopy) and tensor creation from Python data.
Everything else on Tensor is bound in C++ (python/src/tensor.cpp, ops.cpp)."""

import warnings

import numpy as np

from . import _C
from ._C import Tensor


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed as ``ember.Size([2, 3])``."""

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


def _shape(self):
    return Size(self._shape)


_size_of_dim = Tensor.size  # the C++ size(dim), which checks the range


def _size(self, dim=None):
    return Size(self._shape) if dim is None else _size_of_dim(self, dim)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self._shape[0]))


def _tolist(self):
    return self.detach().numpy().tolist()


def _array(self, dtype=None, copy=None):
    a = self.numpy()
    if dtype is not None and a.dtype != dtype:
        return a.astype(dtype)
    return a.copy() if copy else a


def _format(self, spec):
    if self.ndim == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def _deepcopy(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    copy = self.detach().clone()
    copy.requires_grad_(self.requires_grad)
    if self.grad is not None:
        copy.grad = self.grad.detach().clone()
    memo[id(self)] = copy
    return copy


def _rebuild_tensor(array, requires_grad, cls=Tensor):
    t = _C.from_numpy(array.copy()).requires_grad_(requires_grad)
    return t if cls is Tensor else cls(t, requires_grad)


def _reduce_ex(self, protocol):
    # Pickled as its values (a NumPy copy), requires_grad and its class (nn.Parameter
    # stays one), for every protocol; no history.
    return (_rebuild_tensor, (self.detach().numpy().copy(), self.requires_grad, type(self)))


Tensor.shape = property(_shape, doc="The tensor's sizes as an ember.Size.")
Tensor.size = _size
Tensor.__iter__ = _iter
Tensor.tolist = _tolist
Tensor.__array__ = _array
# NumPy defers to Tensor's reflected operators (array + tensor -> tensor), as for torch.
Tensor.__array_priority__ = 1000
Tensor.__format__ = _format
Tensor.__deepcopy__ = _deepcopy
Tensor.__reduce_ex__ = _reduce_ex
# `del t.grad` clears it, as in PyTorch (pybind11 properties have no deleter).
_grad = Tensor.grad


def _get_grad(self):
    # PyTorch's warning: a non-leaf's .grad stays None unless it retains its gradient.
    if not self.is_leaf and not self.retains_grad:
        warnings.warn(
            "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't "
            "be populated during autograd.backward(). If you indeed want the .grad field to be populated for a "
            "non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
            "mistake, make sure you access the leaf Tensor instead.",
            UserWarning,
            stacklevel=2,
        )
    return _grad.fget(self)


Tensor.grad = property(_get_grad, _grad.fset, lambda self: _grad.fset(self, None), _grad.__doc__)


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
    return False


Tensor.volatile = property(_volatile, doc="Removed in PyTorch 0.4: always False, with a warning.")


def _infer_dtype(data, array):
    kind = array.dtype.kind
    if kind == "b":
        return _C.bool
    if kind in "iu":
        return _C.int64
    if kind == "f":
        # NumPy float64 data keeps its precision; Python floats default to float32.
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        return _C.float64 if from_numpy and array.dtype == np.float64 else _C.float32
    raise TypeError(f"tensor: expected numbers, bools or tensors, got data of NumPy dtype {array.dtype}")


def _detach_elements(data):
    if isinstance(data, Tensor):
        return data.detach()
    if isinstance(data, (list, tuple)):
        return [_detach_elements(d) for d in data]
    return data


def tensor(data, dtype=None, requires_grad=False, *, device=None):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, NumPy arrays, tensors).

    Without ``dtype``: bools give bool, ints give int64, Python floats give float32
    and float64 NumPy arrays give float64, as torch.tensor does. ``device`` is
    None, 'cpu' or an ember.device. An int outside int64 raises PyTorch's
    "Overflow when unpacking long long"."""
    if isinstance(data, Tensor):
        data = data.detach()
    elif isinstance(data, (int, list, tuple)) and dtype in (None, _C.int64):
        _C._check_int64_range(data, dtype is not None)
    try:
        array = np.asarray(data)
    except RuntimeError:
        # A list holding tensors that require grad: torch.tensor takes their values.
        array = np.asarray(_detach_elements(data))
    if dtype is None:
        dtype = _infer_dtype(data, array)
    out = _C.empty(array.shape, dtype=dtype, device=device)
    np.copyto(out.numpy(), array, casting="unsafe")
    if requires_grad:
        out.requires_grad_(True)
    return out


def is_tensor(obj):
    """True if ``obj`` is an ember.Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input``."""
    return input.numel()


def from_dlpack(ext_tensor):
    """A tensor sharing the memory of ``ext_tensor`` (any object with ``__dlpack__``, or a capsule)."""
    if hasattr(ext_tensor, "__dlpack__"):
        try:
            capsule = ext_tensor.__dlpack__(max_version=(1, 0))
        except TypeError:  # producers older than DLPack 1.0 take no max_version
            capsule = ext_tensor.__dlpack__()
    else:
        capsule = ext_tensor
    return _C._from_dlpack(capsule)


class _LegacyTensorMeta(type):
    """isinstance(t, ember.FloatTensor) holds for every float32 tensor, as in PyTorch."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class 'ember.{cls.__name__}'>"


def _new_legacy(dtype, args):
    """torch.FloatTensor(2, 3) (uninitialised), FloatTensor(size), FloatTensor([1, 2]) (from data)."""
    if not args:
        return _C.empty(0, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0].to(dtype)
    if len(args) == 1 and not isinstance(args[0], (int, Size)) and not isinstance(args[0], np.integer):
        return tensor(args[0], dtype=dtype)
    return _C.empty(*args, dtype=dtype)


def _legacy_type(name, dtype):
    return _LegacyTensorMeta(name, (), {
        "__new__": lambda cls, *args: _new_legacy(cls.dtype, args),
        "dtype": dtype,
        "__module__": "ember",
        "__doc__": f"The legacy constructor of {dtype} tensors: {name}(2, 3) or {name}([1, 2]).",
    })


FloatTensor = _legacy_type("FloatTensor", _C.float32)
DoubleTensor = _legacy_type("DoubleTensor", _C.float64)
LongTensor = _legacy_type("LongTensor", _C.int64)
BoolTensor = _legacy_type("BoolTensor", _C.bool)
_LEGACY_TYPES = {t.dtype: t for t in (FloatTensor, DoubleTensor, LongTensor, BoolTensor)}


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument the type name ('ember.FloatTensor'); otherwise the tensor
    converted to a dtype, a legacy type or its name (self when it already has it)."""
    if dtype is None:
        return f"ember.{_LEGACY_TYPES[self.dtype].__name__}"
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        matches = [t for t in _LEGACY_TYPES.values() if t.__name__ == name]
        if not matches:
            raise ValueError(f"type: invalid type: '{dtype}'")
        dtype = matches[0].dtype
    elif isinstance(dtype, _LegacyTensorMeta):
        dtype = dtype.dtype
    return self if self.dtype == dtype else self.to(dtype)


def _new(self, *args):
    """The legacy Tensor.new: a tensor of self's dtype, from sizes (uninitialised) or data."""
    return _new_legacy(self.dtype, args)


def _new_tensor(self, data, dtype=None, requires_grad=False, device=None):
    return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad, device=device)


Tensor.type = _type
Tensor.new = _new
Tensor.new_tensor = _new_tensor
