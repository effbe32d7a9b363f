"""ember: a define-by-run reverse-mode autodiff engine in C++ with PyTorch's
Python API (``torch.`` -> ``ember.``). Tensors, ops and autograd come from the
extension ember._C; this package adds what is Pythonic by nature."""

from . import _C

# Classes of ember._C that live elsewhere in the package (ember.autograd's node,
# context and handle types) or would shadow Python's builtin exceptions here.
_NOT_TOP_LEVEL = {"AccumulateGrad", "FunctionCtx", "GradcheckError", "IndexError", "Node", "RemovableHandle",
                  "TypeError", "ValueError"}

# Every public function, class, dtype and object the extension binds is ember's
# (ember.add, ember.Tensor, ember.float32, ...): adding a binding adds the name.
globals().update({_name: getattr(_C, _name) for _name in dir(_C)
                  if not _name.startswith("_") and _name not in _NOT_TOP_LEVEL})
del _NOT_TOP_LEVEL

from ._grad_mode import enable_grad, inference_mode, is_inference, is_inference_mode_enabled, no_grad, set_grad_enabled
from ._tensor import (
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    LongTensor,
    Size,
    from_dlpack,
    is_tensor,
    numel,
    tensor,
)
from . import autograd, linalg, nn
from ._safe_open import safe_open
from ._serialization import load, save
from . import accelerator, backends, cuda
from . import optim
from . import data
from . import utils


def _dtype_repr(self):
    return f"ember.{self.name}"


# PyTorch's dtype objects print as torch.float32 and answer is_floating_point.
dtype.__repr__ = _dtype_repr
dtype.__str__ = _dtype_repr
dtype.is_floating_point = property(lambda self: self.name in ("float32", "float64"))
dtype.itemsize = property(lambda self: 1 if self.name == "bool" else 4 if self.name == "float32" else 8)

for _cls in (Tensor, Size, dtype, device, Generator):
    _cls.__module__ = "ember"
del _cls

# Last, because they shadow builtins inside this module (float32, float64,
# int64 and bool come from the extension).
float = float32
double = float64
long = int64

# As PyTorch's, the default generator starts from a seed drawn from the OS, so
# unseeded runs differ and manual_seed makes them repeat (C++ programs keep
# libtorch's fixed default seed).
import os as _os

manual_seed(int.from_bytes(_os.urandom(8), "little") >> 1)
del _os

__version__ = "0.1.0"
