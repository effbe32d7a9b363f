"""ember: a define-by-run reverse-mode autodiff engine in C++ with PyTorch's
Python API (``torch.`` -> ``ember.``). Tensors, ops and autograd come from the
extension ember._C; this package adds what is Pythonic by nature."""

from . import _C
from ._C import (
    Generator,
    Tensor,
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    arange,
    arctan2,
    argmax,
    argmin,
    argsort,
    as_strided,
    atan2,
    bernoulli,
    blas_core_name,
    bmm,
    cat,
    chunk,
    clamp,
    clone,
    cos,
    default_generator,
    device,
    diagonal,
    div,
    dtype,
    empty,
    empty_like,
    eq,
    exp,
    eye,
    flatten,
    flip,
    from_numpy,
    full,
    full_like,
    gather,
    ge,
    get_num_threads,
    gt,
    index_add,
    index_put,
    index_reduce,
    index_select,
    initial_seed,
    is_grad_enabled,
    is_warn_always_enabled,
    isclose,
    isfinite,
    isin,
    le,
    log,
    logical_and,
    logical_not,
    logical_or,
    logsumexp,
    lt,
    manual_seed,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    median,
    min,
    minimum,
    mm,
    mul,
    nanmedian,
    narrow,
    ne,
    neg,
    nonzero,
    ones,
    ones_like,
    permute,
    pow,
    prod,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    reciprocal,
    relu,
    relu_,
    reshape,
    rsqrt,
    scatter_add,
    scatter_reduce,
    select,
    set_num_threads,
    set_warn_always,
    sigmoid,
    sign,
    signbit,
    sin,
    split,
    split_with_sizes,
    sqrt,
    squeeze,
    stack,
    std,
    std_mean,
    sub,
    sum,
    swapaxes,
    swapdims,
    t,
    tanh,
    trace,
    transpose,
    unflatten,
    unsafe_chunk,
    unsafe_split,
    unsafe_split_with_sizes,
    unsqueeze,
    var,
    var_mean,
    where,
    zeros,
    zeros_like,
)
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
from . import autograd, nn
from ._C import load_file, save_file
from ._safe_open import safe_open
from . import optim
from . import data


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

# Last, because they shadow builtins inside this module.
float32 = dtype.float32
float64 = dtype.float64
int64 = dtype.int64
bool = dtype.bool
float = float32
double = float64
long = int64

__version__ = "0.1.0"
