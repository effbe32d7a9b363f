"""ember's op table, in the shape of PyTorch's OpInfo
(torch/testing/_internal/opinfo/core.py, common_methods_invocations.py): one
OpInfo per op or variant holds a function ``op(lib, *args, **kwargs)`` run with
lib=ember and lib=torch, a seeded maker of SampleInputs whose tensors are Args
(shape, value kind, memory layout, differentiable or not), the dtypes it runs
in, its tolerances, ErrorInputs with the exception and the message fragment
they must raise, and ``skips``: generic tests a case does not pass, each with
its reason. test_ops.py runs the generic tests over ``op_db``.

Tolerances: float64 agrees with PyTorch to rounding (rtol 1e-10 leaves room for
different summation orders in reductions, BLAS and GEMM-based convolutions);
float32 to 1e-5 relative (a few ulp of accumulated rounding), with an absolute
floor of 1e-6, or 1e-5 for results that are sums of up to a few hundred
products (convolutions, losses, normalizations).
"""

import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

import ember


@dataclass(frozen=True)
class Arg:
    """A tensor argument: its shape, how its values are drawn, its memory layout.

    kind: "float" (normal), "positive" ([0.5, 2]), "nonzero" (|x| in [0.5, 2]),
    "unit" ([0.05, 0.95]), "simplex" (positive, summing to 1 along dim 1),
    "index" (int64 in [0, high)), "mask" (bool). layout: "contiguous",
    "transposed" (all dims reversed), "strided" (every other element of the
    last dim) or "channels_last" (4-d, an NHWC buffer). grad=False: a float
    input that takes no gradient (targets, running statistics).
    """

    shape: tuple
    kind: str = "float"
    layout: str = "contiguous"
    high: int = 0
    grad: bool = True

    @property
    def differentiable(self):
        return self.kind not in ("index", "mask") and self.grad

    def base_shape(self):
        s = tuple(self.shape)
        if self.layout == "transposed":
            return s[::-1]
        if self.layout == "strided":
            return s[:-1] + (2 * s[-1],)
        if self.layout == "channels_last":
            return (s[0], s[2], s[3], s[1])
        return s

    def draw(self, rng):
        shape = self.base_shape()
        if self.kind == "float":
            return rng.standard_normal(shape)
        if self.kind == "positive":
            return rng.uniform(0.5, 2.0, shape)
        if self.kind == "nonzero":
            return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        if self.kind == "unit":
            return rng.uniform(0.05, 0.95, shape)
        if self.kind == "simplex":
            assert self.layout == "contiguous"
            p = rng.uniform(0.1, 1.0, shape)
            return p / p.sum(axis=1, keepdims=True)
        if self.kind == "index":
            return rng.integers(0, self.high, shape)
        if self.kind == "mask":
            return rng.random(shape) < 0.5
        raise ValueError(self.kind)

    def view(self, t):
        """The argument as a view of its base (a tensor or a NumPy array of base_shape())."""
        if self.layout == "transposed":
            return t.permute(*reversed(range(t.ndim))) if hasattr(t, "permute") else t.transpose()
        if self.layout == "strided":
            return t[..., ::2]
        if self.layout == "channels_last":
            return t.permute(0, 3, 1, 2) if hasattr(t, "permute") else t.transpose(0, 3, 1, 2)
        return t


@dataclass
class SampleInput:
    """One call: positional and keyword arguments, tensors among them given as Args."""

    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        return f"SampleInput({self.args}, {self.kwargs})"

    def tensor_args(self):
        """The Args (positional, then keyword), in a fixed order."""
        return [a for a in list(self.args) + list(self.kwargs.values()) if isinstance(a, Arg)]


@dataclass
class ErrorInput:
    """A bad call of the op (ember tensors given as they are) and what it must raise:
    the exception type and a fragment of the message, which also names the op."""

    description: str
    sample: SampleInput
    error_type: type
    match: str


@dataclass
class OpInfo:
    """One op (or variant). ``ref`` is the public function it checks ("add",
    "Tensor.sum", "nn.functional.conv2d"); ``op`` defaults to calling it.
    ``skips`` maps a generic test ("parity", "gradcheck", "gradgradcheck",
    "noncontiguous") to the reason this op does not pass it. ``module`` names the
    layer of ember.nn and torch.nn that computes the op ("ReLU"), built from the
    keyword arguments of its first sample without tensor keywords."""

    name: str
    sample_inputs_func: Callable
    op: Callable = None
    ref: str = None
    error_inputs: list = field(default_factory=list)
    dtypes: tuple = ("float64", "float32")
    rtol64: float = 1e-10
    atol64: float = 1e-12
    rtol32: float = 1e-5
    atol32: float = 1e-6
    skips: dict = field(default_factory=dict)
    module: str = None

    def __post_init__(self):
        self.ref = self.ref or self.name
        if self.op is None:
            self.op = lambda lib, *args, **kwargs: resolve(lib, self.ref)(*args, **kwargs)

    @property
    def seed_key(self):
        return self.name.removeprefix("nn.functional.")

    @property
    def short_ref(self):
        """The name the op's error messages give: "conv2d" for nn.functional.conv2d, "sum" for Tensor.sum."""
        return self.ref.rsplit(".", 1)[-1]

    @cached_property
    def samples(self):
        return self.sample_inputs_func(np.random.default_rng(zlib.crc32(self.seed_key.encode())))

    def tolerance(self, dtype):
        return (self.rtol64, self.atol64) if dtype == "float64" else (self.rtol32, self.atol32)

    def differentiable(self, index):
        return any(a.differentiable for a in self.samples[index].tensor_args())

    def arrays(self, index):
        """The base array behind each Arg of sample ``index``, seeded by the op and the sample."""
        rng = np.random.default_rng(zlib.crc32(f"{self.seed_key}-{index}".encode()))
        return [(a, a.draw(rng)) for a in self.samples[index].tensor_args()]

    def leaves(self, lib, index, dtype):
        """One base tensor per Arg, the same values for ember and torch; the differentiable ones require grad."""
        leaves = []
        for a, array in self.arrays(index):
            base = lib.tensor(array, dtype=dtype) if array.dtype == np.float64 else lib.tensor(array)
            leaves.append(base.requires_grad_(True) if a.differentiable else base)
        return leaves

    def views(self, index, leaves):
        """The arguments of sample ``index`` as views of ``leaves`` in the layouts the sample asks for."""
        return [a.view(t) for a, t in zip(self.samples[index].tensor_args(), leaves)]

    def __call__(self, lib, index, tensors):
        """Runs sample ``index`` with its Args replaced by ``tensors``; dtype names become the library's dtypes."""
        sample, it = self.samples[index], iter(tensors)

        def value(v):
            if isinstance(v, Arg):
                return next(it)
            if isinstance(v, str) and v in ("float32", "float64", "int64"):
                return getattr(lib, v)
            return v

        return self.op(lib, *[value(v) for v in sample.args], **{k: value(v) for k, v in sample.kwargs.items()})


def resolve(lib, ref):
    """The object a dotted name ("nn.functional.conv2d", "Tensor.sum") names in ``lib``."""
    obj = lib
    for part in ref.split("."):
        obj = getattr(obj, part)
    return obj


# ---- torch-namespace ops and Tensor methods: fixed samples ----

def fixed(*samples):
    """Sample inputs given as tuples of positional arguments."""
    return lambda rng: [SampleInput(tuple(s)) for s in samples]


def tensor_op(name, fn, samples, **kwargs):
    return OpInfo(name, fixed(*samples), op=fn, **kwargs)


S = (3, 4)
A = Arg
F, T, ST = A(S), A(S, layout="transposed"), A(S, layout="strided")
FN, TN = A(S, grad=False), A(S, layout="transposed", grad=False)  # inputs of ops with no gradient
X23 = lambda: ember.zeros(2, 3)  # noqa: E731


def unary(name, fn, kind="float", **kwargs):
    return tensor_op(name, fn, [(A(S, kind),), (A(S, kind, layout="transposed"),),
                                (A((2, 3, 4), kind, layout="strided"),)], **kwargs)


def err(description, *args, error_type=ValueError, match, **kwargs):
    return ErrorInput(description, SampleInput(args, kwargs), error_type, match)


def _iadd(x, y):
    x += y
    return x


# A view's gaps hold NaN in the non-contiguous test; an op that reads its whole
# storage needs inputs with the storage it was given.
STORAGE_READER = "reads the storage directly (sizes and strides are its arguments), not the view's elements"

TENSOR_OPS = [
    # ---- elementwise, binary (broadcasting and non-contiguous) ----
    tensor_op("add", lambda m, x, y: m.add(x, y), [(F, F), (F, A((4,))), (A((2, 1, 4)), A((3, 1))), (T, ST)],
              error_inputs=[err("shapes not broadcastable", ember.zeros(2, 3), ember.zeros(2, 4), match="broadcast")]),
    tensor_op("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), [(F, A((4,)))], ref="add"),
    tensor_op("sub", lambda m, x, y: x - y, [(F, F), (A((3, 1)), A((4,))), (T, F)], ref="Tensor.__sub__"),
    tensor_op("sub_fn", lambda m, x, y: m.sub(x, y, alpha=0.5), [(F, A((4,)))], ref="sub"),
    tensor_op("mul", lambda m, x, y: x * y, [(F, F), (F, A((1, 4))), (ST, T)], ref="Tensor.__mul__"),
    tensor_op("mul_fn", lambda m, x, y: m.mul(x, y), [(A((3, 1)), T)], ref="mul"),
    tensor_op("div", lambda m, x, y: x / y,
              [(F, A(S, "nonzero")), (F, A((3, 1), "nonzero")), (T, A(S, "nonzero", "strided"))],
              ref="Tensor.__truediv__"),
    tensor_op("div_fn", lambda m, x, y: m.div(x, y), [(F, A((4,), "nonzero"))], ref="div"),
    tensor_op("pow_tensor", lambda m, x, y: m.pow(x, y), [(A(S, "positive"), F), (A(S, "positive"), A((4,)))],
              ref="pow"),
    tensor_op("pow_int", lambda m, x: x**3, [(F,), (T,)], ref="Tensor.__pow__"),
    tensor_op("pow_frac", lambda m, x: x**2.5, [(A(S, "positive"),)], ref="Tensor.__pow__"),
    tensor_op("rpow", lambda m, x: 2.0**x, [(F,)], ref="Tensor.__rpow__"),
    tensor_op("add_scalar", lambda m, x: x + 2, [(F,)], ref="Tensor.__add__"),
    tensor_op("rsub_scalar", lambda m, x: 2.5 - x, [(F,)], ref="Tensor.__rsub__"),
    tensor_op("mul_scalar", lambda m, x: 3 * x, [(T,)], ref="Tensor.__rmul__"),
    tensor_op("rdiv_scalar", lambda m, x: 3.0 / x, [(A(S, "nonzero"),)], ref="Tensor.__rtruediv__"),
    tensor_op("neg_op", lambda m, x: -x, [(F,)], ref="Tensor.__neg__"),
    tensor_op("maximum", lambda m, x, y: m.maximum(x, y), [(F, F), (F, A((4,))), (T, ST)]),
    tensor_op("minimum", lambda m, x, y: m.minimum(x, y), [(F, F), (A((3, 1)), A((4,)))]),
    tensor_op("atan2", lambda m, y, x: m.atan2(y, x), [(F, A(S, "nonzero")), (T, A((4,), "nonzero"))]),
    tensor_op("arctan2", lambda m, y, x: m.arctan2(y, x), [(F, A(S, "nonzero"))]),
    tensor_op("where", lambda m, c, x, y: m.where(c, x, y), [(A(S, "mask"), F, A((4,))), (A((4,), "mask"), T, F)],
              error_inputs=[err("shapes not broadcastable", ember.zeros(2) > 0, ember.zeros(3), ember.zeros(2),
                                match="broadcast")]),
    tensor_op("where_scalar", lambda m, c, x: m.where(c, x, 0.5), [(A(S, "mask"), F)], ref="where"),
    # ---- comparisons and logic (no gradient) ----
    *[tensor_op(name, lambda m, x, y, name=name: getattr(m, name)(x, y), [(FN, FN), (TN, A((4,), grad=False))])
      for name in ("eq", "ne", "lt", "le", "gt", "ge")],
    tensor_op("isclose", lambda m, x, y: m.isclose(x, x + 1e-6 * y), [(FN, FN)]),
    tensor_op("allclose", lambda m, x, y: m.tensor(m.allclose(x, x + 1e-6 * y)), [(FN, FN)]),
    tensor_op("isfinite", lambda m, x: m.isfinite(m.log(x)), [(A(S, "nonzero", grad=False),)]),
    tensor_op("signbit", lambda m, x: m.signbit(x), [(FN,), (TN,)]),
    tensor_op("logical_and", lambda m, a, b: m.logical_and(a, b), [(A(S, "mask"), A((4,), "mask"))]),
    tensor_op("logical_or", lambda m, a, b: m.logical_or(a, b), [(A(S, "mask"), A(S, "mask", "transposed"))]),
    tensor_op("logical_not", lambda m, a: m.logical_not(a), [(A(S, "mask"),)]),
    tensor_op("all", lambda m, a: m.all(a), [(A(S, "mask"),)]),
    tensor_op("any", lambda m, a: m.any(a), [(A(S, "mask"),)]),
    tensor_op("isin", lambda m, i, j: m.isin(i, j), [(A(S, "index", high=6), A((3,), "index", high=6))]),
    tensor_op("nonzero", lambda m, a: m.nonzero(a), [(A(S, "mask"),), (A(S, "mask", "transposed"),)]),
    tensor_op("argsort", lambda m, x: m.argsort(x, 1), [(FN,), (TN,)]),
    # ---- elementwise, unary ----
    unary("neg", lambda m, x: m.neg(x)),
    unary("exp", lambda m, x: m.exp(x)),
    unary("log", lambda m, x: m.log(x), "positive"),
    unary("sqrt", lambda m, x: m.sqrt(x), "positive"),
    unary("rsqrt", lambda m, x: m.rsqrt(x), "positive"),
    unary("abs", lambda m, x: m.abs(x), "nonzero"),
    unary("sign", lambda m, x: m.sign(x), "nonzero"),
    unary("sin", lambda m, x: m.sin(x)),
    unary("cos", lambda m, x: m.cos(x)),
    unary("tanh", lambda m, x: m.tanh(x)),
    unary("sigmoid", lambda m, x: m.sigmoid(x)),
    unary("relu", lambda m, x: m.relu(x)),
    unary("reciprocal", lambda m, x: m.reciprocal(x), "nonzero"),
    unary("clamp", lambda m, x: m.clamp(x, -0.5, 0.5),
          error_inputs=[err("neither bound", ember.zeros(2), match="min")]),
    tensor_op("clamp_min", lambda m, x: x.clamp(min=-0.3), [(F,)], ref="Tensor.clamp"),
    tensor_op("clamp_max", lambda m, x: x.clamp(max=0.3), [(T,)], ref="Tensor.clamp"),
    # ---- in place, on a non-leaf ----
    tensor_op("add_", lambda m, x, y: (x * 1).add_(y), [(F, A((4,))), (T, F)], ref="Tensor.add_"),
    tensor_op("sub_alpha_", lambda m, x, y: (x * 1).sub_(y, alpha=2), [(F, F)], ref="Tensor.sub_"),
    tensor_op("mul_", lambda m, x, y: (x * 1).mul_(y), [(F, A((3, 1)))], ref="Tensor.mul_"),
    tensor_op("div_", lambda m, x, y: (x * 1).div_(y), [(F, A(S, "nonzero"))], ref="Tensor.div_"),
    tensor_op("mul_scalar_", lambda m, x: (x * 1).mul_(2.5), [(F,)], ref="Tensor.mul_"),
    tensor_op("iadd", lambda m, x, y: _iadd(x * 1, y), [(F, F)], ref="Tensor.__iadd__"),
    tensor_op("clamp_", lambda m, x: (x * 1).clamp_(-0.5, 0.5), [(F,)], ref="Tensor.clamp_"),
    tensor_op("masked_fill_", lambda m, x, k: (x * 1).masked_fill_(k, 0.25), [(F, A(S, "mask"))],
              ref="Tensor.masked_fill_"),
    tensor_op("copy_", lambda m, x, y: (x * 1).copy_(y), [(F, A((4,)))], ref="Tensor.copy_"),
    tensor_op("fill_", lambda m, x: (x * 1).fill_(1.5) * x, [(F,)], ref="Tensor.fill_"),
    tensor_op("zero_", lambda m, x: (x * 1).zero_() + x, [(F,)], ref="Tensor.zero_"),
    tensor_op("relu_", lambda m, x: m.relu_(x * 1), [(F,)]),
    # ---- reductions ----
    tensor_op("sum", lambda m, x: x.sum(), [(F,), (T,)], ref="Tensor.sum"),
    tensor_op("sum_dim", lambda m, x: x.sum(dim=1), [(F,), (ST,)], ref="Tensor.sum",
              error_inputs=[err("dim out of range", X23(), 5, error_type=IndexError, match="dimension out of range")]),
    tensor_op("sum_dims_keepdim", lambda m, x: m.sum(x, (0, 2), keepdim=True),
              [(A((2, 3, 4)),), (A((2, 3, 4), layout="transposed"),)], ref="sum"),
    tensor_op("mean", lambda m, x: x.mean(), [(F,)], ref="Tensor.mean"),
    tensor_op("mean_dim", lambda m, x: x.mean(-1, keepdim=True), [(T,)], ref="Tensor.mean"),
    tensor_op("mean_fn", lambda m, x: m.mean(x, (0, 1)), [(A((2, 3, 4), layout="strided"),)], ref="mean"),
    tensor_op("var", lambda m, x: x.var(), [(F,)], ref="Tensor.var"),
    tensor_op("var_dim", lambda m, x: x.var(dim=1), [(F,), (T,)], ref="Tensor.var"),
    tensor_op("var_biased", lambda m, x: x.var(0, unbiased=False), [(F,)], ref="Tensor.var"),
    tensor_op("var_correction", lambda m, x: m.var(x, dim=(0, 1), correction=0, keepdim=True), [(A((2, 3, 4)),)],
              ref="var"),
    tensor_op("var_mean", lambda m, x: m.var_mean(x, 1), [(F,), (T,)]),
    tensor_op("std", lambda m, x: x.std(), [(F,)], ref="Tensor.std"),
    tensor_op("std_dim", lambda m, x: x.std(dim=0, keepdim=True), [(ST,)], ref="Tensor.std"),
    tensor_op("std_fn", lambda m, x: m.std(x, 1, correction=0), [(T,)], ref="std"),
    tensor_op("std_mean", lambda m, x: m.std_mean(x, (0, 1), keepdim=True), [(A((2, 3, 4)),)]),
    tensor_op("amax", lambda m, x: x.amax(dim=1), [(F,), (T,)], ref="Tensor.amax"),
    tensor_op("amax_fn", lambda m, x: m.amax(x, 0), [(ST,)], ref="amax"),
    tensor_op("amin", lambda m, x: m.amin(x, dim=(0, 1)), [(A((2, 3, 4)),)]),
    tensor_op("max_all", lambda m, x: x.max(), [(F,)], ref="Tensor.max"),
    tensor_op("min_all", lambda m, x: x.min(), [(T,)], ref="Tensor.min"),
    tensor_op("max_dim", lambda m, x: tuple(x.max(dim=1)), [(F,), (T,)], ref="Tensor.max"),
    tensor_op("max_fn", lambda m, x: tuple(m.max(x, 0, keepdim=True)), [(T,)], ref="max"),
    tensor_op("min_dim", lambda m, x: tuple(m.min(x, 0, keepdim=True)), [(F,)], ref="min"),
    tensor_op("max_binary", lambda m, x, y: x.max(y), [(F, A((4,)))], ref="Tensor.max"),
    tensor_op("argmax", lambda m, x: x.argmax(dim=1), [(A(S, grad=False),)], ref="Tensor.argmax"),
    tensor_op("argmax_fn", lambda m, x: m.argmax(x), [(TN,)], ref="argmax"),
    tensor_op("argmin", lambda m, x: x.argmin(), [(A(S, grad=False, layout="transposed"),)], ref="Tensor.argmin"),
    tensor_op("argmin_fn", lambda m, x: m.argmin(x, 0, keepdim=True), [(FN,)], ref="argmin"),
    tensor_op("logsumexp", lambda m, x: x.logsumexp(dim=1), [(F,), (T,)], ref="Tensor.logsumexp"),
    tensor_op("logsumexp_dims", lambda m, x: m.logsumexp(x, (0, 2), keepdim=True), [(A((2, 3, 4)),)],
              ref="logsumexp"),
    tensor_op("prod", lambda m, x: m.prod(x, 1), [(F,), (T,)]),
    # ember's double backward of median is not implemented (test_more_ops.py checks it is refused).
    tensor_op("median", lambda m, x: tuple(m.median(x, 1)), [(F,), (T,)],
              skips={"gradgradcheck": "median's backward is not differentiable in ember (PyTorch's is)"}),
    tensor_op("nanmedian", lambda m, x: tuple(m.nanmedian(x, 0)), [(F,)],
              skips={"gradgradcheck": "nanmedian's backward is not differentiable in ember (PyTorch's is)"}),
    tensor_op("trace", lambda m, x: m.trace(x), [(F,), (T,)]),
    # ---- linear algebra ----
    tensor_op("mm", lambda m, x, y: m.mm(x, y), [(F, A((4, 5))), (T, A((4, 5), layout="transposed"))],
              error_inputs=[err("inner sizes differ", X23(), X23(), match="(n, k) @ (k, m)")]),
    tensor_op("matmul_2d", lambda m, x, y: x @ y, [(F, A((4, 2)))], ref="Tensor.__matmul__"),
    tensor_op("matmul_broadcast", lambda m, x, y: m.matmul(x, y),
              [(A((2, 3, 4)), A((4, 5))), (A((2, 1, 3, 4)), A((3, 4, 2)))], ref="matmul",
              error_inputs=[err("inner sizes differ", X23(), ember.zeros(4), match="inner dimensions differ")]),
    tensor_op("matmul_vector", lambda m, x, y: x @ y, [(A((4,)), A((4, 5))), (F, A((4,))), (A((4,)), A((4,)))],
              ref="Tensor.__matmul__"),
    tensor_op("bmm", lambda m, x, y: m.bmm(x, y),
              [(A((2, 3, 4)), A((2, 4, 5))), (A((2, 3, 4), layout="strided"), A((2, 4, 2)))],
              error_inputs=[err("not 3-d", X23(), X23(), match="(B, n, k) @ (B, k, m)")]),
    # ---- shape ----
    tensor_op("reshape", lambda m, x: x.reshape(4, 3), [(F,), (T,)], ref="Tensor.reshape"),
    tensor_op("reshape_fn", lambda m, x: m.reshape(x, (-1,)), [(ST,)], ref="reshape",
              error_inputs=[err("numel differs", X23(), (4,), match="shape '[4]' is invalid for input of size 6")]),
    tensor_op("view", lambda m, x: x.view(2, 6), [(F,)], ref="Tensor.view",
              skips={"noncontiguous": "a view of a non-contiguous tensor with these sizes is refused, as in PyTorch"}),
    tensor_op("flatten", lambda m, x: x.flatten(1), [(A((2, 3, 4)),), (A((2, 3, 4), layout="transposed"),)],
              ref="Tensor.flatten"),
    tensor_op("flatten_fn", lambda m, x: m.flatten(x, 0, 1), [(A((2, 3, 4), layout="strided"),)], ref="flatten"),
    tensor_op("unflatten", lambda m, x: x.unflatten(1, (2, 2)), [(F,)], ref="Tensor.unflatten"),
    tensor_op("unflatten_fn", lambda m, x: m.unflatten(x, 0, (1, 3)), [(T,)], ref="unflatten"),
    tensor_op("squeeze", lambda m, x: x.squeeze(), [(A((3, 1, 4)),)], ref="Tensor.squeeze"),
    tensor_op("squeeze_dim", lambda m, x: m.squeeze(x, 1), [(A((3, 1, 4)),)], ref="squeeze"),
    tensor_op("unsqueeze", lambda m, x: x.unsqueeze(-1), [(F,), (T,)], ref="Tensor.unsqueeze"),
    tensor_op("unsqueeze_fn", lambda m, x: m.unsqueeze(x, 0), [(ST,)], ref="unsqueeze"),
    tensor_op("permute", lambda m, x: x.permute(2, 0, 1), [(A((2, 3, 4)),)], ref="Tensor.permute"),
    tensor_op("permute_fn", lambda m, x: m.permute(x, (1, 0)), [(ST,)], ref="permute"),
    tensor_op("transpose", lambda m, x: x.transpose(0, 1), [(F,)], ref="Tensor.transpose"),
    tensor_op("transpose_fn", lambda m, x: m.transpose(x, 1, 2), [(A((2, 3, 4)),)], ref="transpose"),
    tensor_op("swapaxes", lambda m, x: m.swapaxes(x, 0, 1), [(T,)]),
    tensor_op("swapdims", lambda m, x: m.swapdims(x, 0, 2), [(A((2, 3, 4)),)]),
    tensor_op("t", lambda m, x: x.t(), [(ST,)], ref="Tensor.t"),
    tensor_op("t_fn", lambda m, x: m.t(x), [(F,)], ref="t"),
    tensor_op("expand", lambda m, x: x.expand(2, 3, 4), [(A((3, 1)),)], ref="Tensor.expand"),
    tensor_op("expand_as", lambda m, x, y: x.expand_as(y), [(A((1, 4)), A(S, grad=False))], ref="Tensor.expand_as"),
    tensor_op("narrow", lambda m, x: x.narrow(1, 1, 2), [(F,), (T,)], ref="Tensor.narrow"),
    tensor_op("narrow_fn", lambda m, x: m.narrow(x, 0, 1, 2), [(ST,)], ref="narrow"),
    tensor_op("select", lambda m, x: x.select(1, 2), [(F,)], ref="Tensor.select"),
    tensor_op("select_fn", lambda m, x: m.select(x, 0, -1), [(T,)], ref="select"),
    tensor_op("diagonal", lambda m, x: m.diagonal(x, 1), [(F,), (T,)]),
    tensor_op("as_strided", lambda m, x: m.as_strided(x, (2, 2), (1, 2), 1), [(F,)],
              skips={"noncontiguous": STORAGE_READER}),
    tensor_op("chunk", lambda m, x: x.chunk(2, dim=1), [(F,)], ref="Tensor.chunk"),
    tensor_op("chunk_fn", lambda m, x: m.chunk(x, 3, 0), [(T,)], ref="chunk"),
    tensor_op("unsafe_chunk", lambda m, x: m.unsafe_chunk(x, 2, 1), [(F,)]),
    tensor_op("split", lambda m, x: x.split(2, 1), [(A((3, 5)),)], ref="Tensor.split"),
    tensor_op("split_sections", lambda m, x: m.split(x, [1, 3], 1), [(T,)], ref="split"),
    tensor_op("split_with_sizes", lambda m, x: m.split_with_sizes(x, [2, 1], 0), [(F,)]),
    tensor_op("unsafe_split", lambda m, x: m.unsafe_split(x, 2, 1), [(ST,)]),
    tensor_op("unsafe_split_with_sizes", lambda m, x: m.unsafe_split_with_sizes(x, [1, 3], 1), [(F,)]),
    tensor_op("unbind", lambda m, x: m.unbind(x, 1), [(F,), (T,)]),
    tensor_op("cat", lambda m, x, y: m.cat([x, y], 0), [(F, A((2, 4)))],
              error_inputs=[err("sizes differ", [X23(), ember.zeros(2, 4)], match="sizes of tensors must match")]),
    tensor_op("cat_dim1", lambda m, x, y: m.cat((x, y), dim=1), [(T, A((3, 2)))], ref="cat"),
    tensor_op("stack", lambda m, x, y: m.stack([x, y], 1), [(F, ST)],
              error_inputs=[err("sizes differ", [ember.zeros(2), ember.zeros(3)], match="equal size")]),
    tensor_op("flip", lambda m, x: x.flip(0, 1), [(F,), (T,)], ref="Tensor.flip"),
    tensor_op("flip_fn", lambda m, x: m.flip(x, (1,)), [(ST,)], ref="flip"),
    tensor_op("contiguous", lambda m, x: x.contiguous(), [(T,)], ref="Tensor.contiguous"),
    tensor_op("clone", lambda m, x: m.clone(x), [(ST,)]),
    tensor_op("to_float64", lambda m, x: x.double() * 2, [(F,)], ref="Tensor.double"),
    # ---- indexing ----
    tensor_op("getitem_slices", lambda m, x: x[1:, ::2], [(F,), (T,)], ref="Tensor.__getitem__"),
    tensor_op("getitem_ellipsis", lambda m, x: x[..., -1], [(A((2, 3, 4)),)], ref="Tensor.__getitem__"),
    tensor_op("getitem_none", lambda m, x: x[None, 1], [(F,)], ref="Tensor.__getitem__"),
    tensor_op("getitem_tensor", lambda m, x, i: x[i], [(F, A((5,), "index", high=3))], ref="Tensor.__getitem__"),
    tensor_op("getitem_tensor_dim1", lambda m, x, i: x[:, i], [(T, A((2, 2), "index", high=4))],
              ref="Tensor.__getitem__"),
    tensor_op("getitem_list", lambda m, x: x[[0, 2, 2]], [(F,)], ref="Tensor.__getitem__"),
    tensor_op("getitem_mask", lambda m, x, k: x[k], [(F, A(S, "mask"))], ref="Tensor.__getitem__"),
    tensor_op("index_select", lambda m, x, i: m.index_select(x, 1, i),
              [(F, A((5,), "index", high=4)), (T, A((2,), "index", high=4))]),
    tensor_op("gather", lambda m, x, i: x.gather(1, i), [(F, A((3, 2), "index", high=4))], ref="Tensor.gather"),
    tensor_op("gather_fn", lambda m, x, i: m.gather(x, 0, i), [(T, A((2, 4), "index", high=3))], ref="gather"),
    tensor_op("scatter_add", lambda m, x, i, s: x.scatter_add(1, i, s),
              [(F, A((3, 2), "index", high=4), A((3, 2)))], ref="Tensor.scatter_add"),
    tensor_op("scatter_add_fn", lambda m, x, i, s: m.scatter_add(x, 0, i, s),
              [(T, A((2, 4), "index", high=3), A((2, 4)))], ref="scatter_add"),
    tensor_op("scatter_reduce", lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, "mean", include_self=False),
              [(F, A((3, 2), "index", high=4), A((3, 2)))]),
    tensor_op("index_add", lambda m, x, i, s: x.index_add(0, i, s), [(F, A((2,), "index", high=3), A((2, 4)))],
              ref="Tensor.index_add"),
    tensor_op("index_add_fn", lambda m, x, i, s: m.index_add(x, 1, i, s),
              [(T, A((3,), "index", high=4), A((3, 3)))], ref="index_add"),
    tensor_op("index_reduce", lambda m, x, i, s: m.index_reduce(x, 0, i, s, "prod"),
              [(F, A((2,), "index", high=3), A((2, 4)))]),
    tensor_op("index_put", lambda m, x, i, v: m.index_put(x, (i,), v, accumulate=True),
              [(F, A((4,), "index", high=3), A((4, 4)))]),
    tensor_op("masked_fill", lambda m, x, k: m.masked_fill(x, k, -1.0), [(F, A(S, "mask")), (T, A((4,), "mask"))]),
    # Unique positions per row along the dim: PyTorch leaves the order of duplicate writes unspecified.
    tensor_op("scatter", lambda m, x, s: x.scatter(1, m.tensor([[0, 2], [1, 3], [3, 0]]), s), [(F, A((3, 2))), (T, A((3, 2), layout="transposed"))],
              ref="Tensor.scatter",
              error_inputs=[err("dtypes differ", X23(), 1, ember.zeros(2, 1, dtype=ember.int64), ember.zeros(2, 1,
                                dtype=ember.float64), error_type=TypeError, match="dtype")]),
    tensor_op("scatter_fn", lambda m, x, s: m.scatter(x, 0, m.tensor([[2, 0, 1, 0]]), s), [(T, A((1, 4)))],
              ref="scatter"),
    tensor_op("scatter_value", lambda m, x: x.scatter(1, m.tensor([[1], [0], [3]]), 1.5), [(F,)], ref="Tensor.scatter"),
    tensor_op("scatter_", lambda m, x, s: (x * 1).scatter_(1, m.tensor([[3, 1], [0, 2], [2, 3]]), s),
              [(F, A((3, 2)))], ref="Tensor.scatter_"),
    tensor_op("masked_scatter", lambda m, x, k, s: m.masked_scatter(x, k, s),
              [(F, A(S, "mask"), A((12,))), (T, A((4,), "mask"), A((3, 5)))],
              error_inputs=[err("mask not bool", X23(), ember.zeros(2, 3), ember.zeros(6), error_type=TypeError,
                                match="mask")]),
    tensor_op("masked_scatter_", lambda m, x, k, s: (x * 1).masked_scatter_(k, s), [(F, A(S, "mask"), A((12,)))],
              ref="Tensor.masked_scatter_"),
    # ---- more unary math ----
    unary("log1p", lambda m, x: m.log1p(x), "unit"),
    tensor_op("log1p_method", lambda m, x: x.log1p(), [(A(S, "positive"),)], ref="Tensor.log1p"),
    unary("expm1", lambda m, x: m.expm1(x)),
    tensor_op("expm1_method", lambda m, x: x.expm1(), [(T,)], ref="Tensor.expm1"),
    unary("log2", lambda m, x: m.log2(x), "positive"),
    unary("log10", lambda m, x: m.log10(x), "positive"),
    unary("tan", lambda m, x: m.tan(x), "unit"),
    unary("square", lambda m, x: m.square(x)),
    unary("floor", lambda m, x: m.floor(x)),
    unary("ceil", lambda m, x: m.ceil(x)),
    unary("round", lambda m, x: m.round(x * 3)),
    unary("trunc", lambda m, x: m.trunc(x * 3)),
    # ---- cumulative ----
    tensor_op("cumsum", lambda m, x: m.cumsum(x, 1), [(F,), (T,), (A((2, 3, 4), layout="strided"),)],
              error_inputs=[err("dim out of range", X23(), 2, error_type=IndexError, match="dimension out of range")]),
    tensor_op("cumsum_method", lambda m, x: x.cumsum(dim=0), [(F,)], ref="Tensor.cumsum"),
    tensor_op("cumsum_int", lambda m, i: m.cumsum(i, 0), [(A(S, "index", high=5),)], ref="cumsum"),
    tensor_op("cumprod", lambda m, x: m.cumprod(x, 1), [(A(S, "nonzero"),), (T,)],
              error_inputs=[err("dim out of range", X23(), -3, error_type=IndexError, match="dimension out of range")]),
    # A zero in each row: the gradient's exact path (the ratio rule would divide by 0).
    tensor_op("cumprod_zero", lambda m, x: m.cumprod(m.cat([x[:, :1], x[:, 1:2] * 0, x[:, 2:]], 1), 1), [(F,)],
              ref="cumprod"),
    tensor_op("cumprod_method", lambda m, x: x.cumprod(0), [(ST,)], ref="Tensor.cumprod"),
    # ---- sorting and searching ----
    tensor_op("sort", lambda m, x: tuple(m.sort(x, 1)), [(F,), (T,)],
              error_inputs=[err("dim out of range", X23(), 3, error_type=IndexError, match="dimension out of range")]),
    tensor_op("sort_descending", lambda m, x: tuple(x.sort(dim=0, descending=True)), [(ST,)], ref="Tensor.sort"),
    tensor_op("topk", lambda m, x: tuple(m.topk(x, 2, dim=1)), [(F,), (T,)],
              error_inputs=[err("k too large", X23(), 4, error_type=IndexError, match="k out of range")]),
    tensor_op("topk_smallest", lambda m, x: tuple(x.topk(3, 0, largest=False)), [(F,)], ref="Tensor.topk"),
    tensor_op("unique", lambda m, i: m.unique(i, return_inverse=True, return_counts=True),
              [(A(S, "index", high=5),), (A(S, "index", "transposed", high=4),)]),
    tensor_op("unique_method", lambda m, x: x.unique(), [(A((6,), "index", high=3),)], ref="Tensor.unique"),
    tensor_op("searchsorted", lambda m, s, v: m.searchsorted(m.sort(s)[0], v), [(A((5,), grad=False), FN)],
              error_inputs=[err("leading dims differ", ember.zeros(2, 3), ember.zeros(3, 3), match="boundaries")]),
    tensor_op("searchsorted_right", lambda m, s, v: m.searchsorted(m.sort(s, 1)[0], m.floor(v), side="right"),
              [(A((3, 6), grad=False), A((3, 4), grad=False))], ref="searchsorted"),
    tensor_op("bucketize", lambda m, v, b: m.bucketize(v, m.sort(b)[0], right=True), [(FN, A((4,), grad=False))],
              error_inputs=[err("2-d boundaries", ember.zeros(3), ember.zeros(2, 2), match="1 dimension")]),
    # ---- norms ----
    tensor_op("norm", lambda m, x: x.norm(), [(F,), (T,)], ref="Tensor.norm"),
    tensor_op("norm_fn", lambda m, x: m.norm(x, 1, dim=1), [(A(S, "nonzero"),)], ref="norm",
              error_inputs=[err("integer input", ember.zeros(2, dtype=ember.int64), error_type=TypeError,
                                match="floating point")]),
    tensor_op("norm_p3_keepdim", lambda m, x: m.norm(x, 3, dim=(0, 2), keepdim=True), [(A((2, 3, 4)),)], ref="norm"),
    tensor_op("norm_inf", lambda m, x: x.norm(float("inf"), dim=0), [(F,)], ref="Tensor.norm"),
    tensor_op("norm_fro_dims", lambda m, x: m.norm(x, "fro", dim=(1, 2)), [(A((2, 3, 4), layout="transposed"),)],
              ref="norm"),
    tensor_op("linalg_vector_norm", lambda m, x: m.linalg.vector_norm(x, 2.5, dim=1), [(F,), (T,)],
              ref="linalg.vector_norm",
              error_inputs=[err("integer input", ember.zeros(2, dtype=ember.int64), error_type=TypeError,
                                match="floating point")]),
    tensor_op("linalg_vector_norm_neg_inf", lambda m, x: m.linalg.vector_norm(x, float("-inf")), [(F,)],
              ref="linalg.vector_norm"),
    tensor_op("linalg_matrix_norm", lambda m, x: m.linalg.matrix_norm(x), [(A((2, 3, 4)),)], ref="linalg.matrix_norm",
              error_inputs=[err("1-d input", ember.zeros(3), match="at least 2 dimensions")]),
    tensor_op("linalg_matrix_norm_1", lambda m, x: m.linalg.matrix_norm(x, 1), [(F,), (T,)],
              ref="linalg.matrix_norm"),
    tensor_op("linalg_matrix_norm_inf", lambda m, x: m.linalg.matrix_norm(x, float("-inf"), keepdim=True),
              [(A((2, 3, 4)),)], ref="linalg.matrix_norm"),
    tensor_op("linalg_norm", lambda m, x: m.linalg.norm(x), [(A((2, 3, 4)),)], ref="linalg.norm",
              error_inputs=[err("three dims", ember.zeros(2, 2, 2), dim=(0, 1, 2), match="length 1 or 2")]),
    tensor_op("linalg_norm_matrix", lambda m, x: m.linalg.norm(x, float("inf")), [(F,)], ref="linalg.norm"),
    tensor_op("cdist", lambda m, a, b: m.cdist(a, b), [(F, A((5, 4))), (A((2, 3, 2)), A((1, 4, 2)))],
              error_inputs=[err("columns differ", X23(), ember.zeros(2, 4), match="same number of columns")]),
    tensor_op("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1.0), [(F, A((2, 4)))], ref="cdist"),
    # ---- products and triangles ----
    tensor_op("addmm", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2.0),
              [(A((3, 5)), F, A((4, 5))), (A((5,)), T, A((4, 5)))],
              error_inputs=[err("1-d mat1", ember.zeros(2, 2), ember.zeros(2), ember.zeros(2, 2), match="2-d")]),
    tensor_op("addmm_method", lambda m, c, a, b: c.addmm(a, b), [(A((3, 5)), F, A((4, 5)))], ref="Tensor.addmm"),
    tensor_op("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, alpha=0.5),
              [(A((2, 3, 5)), A((2, 3, 4)), A((2, 4, 5))), (A((3, 1)), A((2, 3, 4), layout="strided"), A((2, 4, 1)))],
              error_inputs=[err("2-d batch1", ember.zeros(2, 2), ember.zeros(2, 2), ember.zeros(2, 2), match="3-D")]),
    tensor_op("outer", lambda m, a, b: m.outer(a, b), [(A((3,)), A((4,))), (A((4,), layout="strided"), A((2,)))],
              error_inputs=[err("2-d input", X23(), ember.zeros(2), match="1-D")]),
    tensor_op("tril", lambda m, x: m.tril(x), [(F,), (T,)],
              error_inputs=[err("1-d input", ember.zeros(3), match="at least 2 dimensions")]),
    tensor_op("tril_method", lambda m, x: x.tril(-1), [(A((2, 3, 4)),)], ref="Tensor.tril"),
    tensor_op("triu", lambda m, x: m.triu(x, 1), [(F,), (ST,)],
              error_inputs=[err("1-d input", ember.zeros(3), match="at least 2 dimensions")]),
    tensor_op("triu_method", lambda m, x: x.triu(), [(A((4, 3)),)], ref="Tensor.triu"),
    tensor_op("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(F, A((4, 5))), (T, A((4, 2)))],
              error_inputs=[err("too few subscripts", "ij,jk", ember.zeros(2, 3), ember.zeros(3), match="subscripts")]),
    tensor_op("einsum_batch", lambda m, a, b: m.einsum("bij,bkj->bik", [a, b]), [(A((2, 3, 4)), A((2, 5, 4)))],
              ref="einsum"),
    tensor_op("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk", a, b), [(A((2, 3, 4)), A((4, 2)))],
              ref="einsum"),
    tensor_op("einsum_trace_free", lambda m, a, b: m.einsum("i,j,ij->", a[0], a[1], b), [(A((2, 3)), A((3, 3)))],
              ref="einsum"),
    tensor_op("einsum_transpose", lambda m, x: m.einsum("ij->ji", x), [(ST,)], ref="einsum"),
    # ---- shape ----
    tensor_op("tile", lambda m, x: x.tile(2), [(F,)], ref="Tensor.tile"),
    tensor_op("tile_fn", lambda m, x: m.tile(x, (2, 1, 3)), [(T,)], ref="tile"),
    # T and mT are properties: ref names the callable each equals (x.T is x.permute(reversed dims)).
    tensor_op("T", lambda m, x: x.T, [(F,), (A((2, 3, 4)),)], ref="Tensor.permute"),
    tensor_op("mT", lambda m, x: x.mT, [(A((2, 3, 4)),), (T,)], ref="Tensor.transpose"),
    tensor_op("meshgrid", lambda m, a, b: tuple(m.meshgrid(a, b, indexing="ij")), [(A((3,)), A((4,)))],
              error_inputs=[err("2-d input", X23(), match="0D or 1D")]),
    tensor_op("meshgrid_xy", lambda m, a, b, c: tuple(m.meshgrid([a, b, c], indexing="xy")),
              [(A((3,)), A((2,)), A((4,), layout="strided"))], ref="meshgrid"),
    # ---- common functions of the tutorials ----
    unary("erf", lambda m, x: m.erf(x)),
    unary("sinh", lambda m, x: m.sinh(x)),
    unary("cosh", lambda m, x: m.cosh(x)),
    unary("asin", lambda m, x: m.asin(x), "unit"),
    unary("acos", lambda m, x: m.acos(x), "unit"),
    unary("atan", lambda m, x: m.atan(x)),
    *[tensor_op(name, lambda m, x, name=name: getattr(m, name)(x), [(A(S, "unit"),)])
      for name in ("arcsin", "arccos", "arctan")],
    tensor_op("isnan", lambda m, x: m.isnan(m.log(x - 0.5)), [(A(S, "unit", grad=False),)]),
    tensor_op("isinf", lambda m, x: m.isinf(1 / m.floor(x)), [(A(S, "unit", grad=False),)]),
    tensor_op("logical_xor", lambda m, a, b: m.logical_xor(a, b), [(A(S, "mask"), A((4,), "mask"))]),
    tensor_op("remainder", lambda m, a, b: m.remainder(a, b), [(F, A(S, "nonzero")), (T, A((4,), "nonzero"))]),
    tensor_op("remainder_int", lambda m, a: m.remainder(a - 3, 4), [(A(S, "index", high=7),)], ref="remainder"),
    tensor_op("mod_operator", lambda m, a: a % -1.5, [(F,)], ref="Tensor.__mod__"),
    tensor_op("fmod", lambda m, a, b: m.fmod(a, b), [(F, A(S, "nonzero"))]),
    tensor_op("fmod_int", lambda m, a: m.fmod(a - 3, 2), [(A(S, "index", high=7),)], ref="fmod"),
    tensor_op("lerp", lambda m, a, b, w: m.lerp(a, b, w), [(F, F, A(S, "unit")), (T, A((4,)), A((3, 1)))]),
    tensor_op("lerp_scalar", lambda m, a, b: a.lerp(b, 0.25), [(F, F)], ref="Tensor.lerp"),
    # NaN, +inf and -inf among the values (no gradient: it would flow through log(negative)).
    tensor_op("nan_to_num", lambda m, x: m.nan_to_num(m.log(x - 0.5) / m.floor(x * 1.6), nan=2.0, posinf=7.0),
              [(A(S, "unit", grad=False),)]),
    tensor_op("nan_to_num_default", lambda m, x: m.nan_to_num(x), [(F,), (T,)], ref="nan_to_num"),
    tensor_op("clip", lambda m, x: m.clip(x, -0.5, 0.5), [(F,)]),
    tensor_op("clip_", lambda m, x: (x * 1).clip_(max=0.2), [(T,)], ref="Tensor.clip_"),
    tensor_op("nansum", lambda m, x: m.nansum(m.where(x > 1, m.log(x - 5), x), 1), [(F,)]),
    tensor_op("nanmean", lambda m, x: m.nanmean(m.where(x > 1, m.log(x - 5), x), dim=0, keepdim=True), [(T,)],
              error_inputs=[err("integer input", ember.zeros(2, dtype=ember.int64), error_type=TypeError,
                                match="floating point")]),
    tensor_op("count_nonzero", lambda m, i: m.count_nonzero(i, dim=1), [(A(S, "index", high=3),)]),
    tensor_op("roll", lambda m, x: m.roll(x, 1, 0), [(F,), (T,)],
              error_inputs=[err("shifts and dims differ", X23(), (1, 2), (0,), match="shifts")]),
    tensor_op("roll_flat", lambda m, x: x.roll(-5), [(ST,)], ref="Tensor.roll"),
    tensor_op("roll_dims", lambda m, x: m.roll(x, (2, -1), (2, 0)), [(A((2, 3, 4)),)], ref="roll"),
    tensor_op("movedim", lambda m, x: m.movedim(x, 0, -1), [(A((2, 3, 4)),)],
              error_inputs=[err("sizes differ", X23(), (0, 1), (0,), match="movedim")]),
    tensor_op("moveaxis", lambda m, x: m.moveaxis(x, (0, 1), (2, 0)), [(A((2, 3, 4), layout="transposed"),)]),
    tensor_op("movedim_method", lambda m, x: x.movedim(-1, 0), [(F,)], ref="Tensor.movedim"),
    tensor_op("hstack", lambda m, x, y: m.hstack([x, y]), [(F, A((3, 2))), (A((3,)), A((2,)))],
              error_inputs=[err("empty list", [], match="hstack")]),
    tensor_op("vstack", lambda m, x, y: m.vstack([x, y]), [(F, A((4,))), (A((3,)), A((3,)))],
              error_inputs=[err("empty list", [], match="vstack")]),
    tensor_op("diag", lambda m, x: m.diag(x), [(A((4,)),), (F,)],
              error_inputs=[err("3-d input", ember.zeros(2, 2, 2), match="diag")]),
    tensor_op("diag_offset", lambda m, x: x.diag(1), [(A((3,)),), (T,)], ref="Tensor.diag"),
    tensor_op("diag_negative", lambda m, x: m.diag(x, -2), [(A((3,)),), (F,)], ref="diag"),
    tensor_op("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2), [(F,)],
              error_inputs=[err("negative repeats", X23(), -1, match="repeat_interleave")]),
    tensor_op("repeat_interleave_dim", lambda m, x: x.repeat_interleave(3, dim=1), [(T,)],
              ref="Tensor.repeat_interleave"),
    tensor_op("ravel", lambda m, x: m.ravel(x), [(T,)]),
    tensor_op("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(A((3, 1)),)]),
    tensor_op("reshape_as", lambda m, x, y: x.reshape_as(y), [(T, A((4, 3), grad=False))], ref="Tensor.reshape_as"),
    tensor_op("dot", lambda m, a, b: m.dot(a, b), [(A((4,)), A((4,)))],
              error_inputs=[err("2-d input", X23(), ember.zeros(3), match="1D tensors expected")]),
    tensor_op("mv", lambda m, a, v: m.mv(a, v), [(F, A((4,))), (T, A((4,)))],
              error_inputs=[err("1-d matrix", ember.zeros(3), ember.zeros(3), match="vector")]),
    tensor_op("masked_select", lambda m, x, k: m.masked_select(x, k), [(F, A(S, "mask")), (T, A((4,), "mask"))],
              error_inputs=[err("mask not bool", X23(), ember.zeros(2, 3), error_type=TypeError, match="mask")]),
    tensor_op("where_method", lambda m, x, c, y: x.where(c, y), [(F, A(S, "mask"), A((4,)))], ref="Tensor.where"),
    tensor_op("scatter_add_", lambda m, x, i, s: (x * 1).scatter_add_(1, i, s),
              [(F, A((3, 2), "index", high=4), A((3, 2)))], ref="Tensor.scatter_add_"),
    tensor_op("index_add_", lambda m, x, i, s: (x * 1).index_add_(0, i, s, alpha=2.0),
              [(F, A((2,), "index", high=3), A((2, 4)))], ref="Tensor.index_add_"),
    tensor_op("equal", lambda m, x, y: m.tensor([m.equal(x, x * 1), m.equal(x, y), x.equal(x)]), [(FN, FN)]),
    # ---- softmax as torch.softmax and Tensor methods ----
    tensor_op("softmax", lambda m, x: m.softmax(x, 1), [(F,), (T,)]),
    tensor_op("softmax_method", lambda m, x: x.softmax(-1), [(ST,)], ref="Tensor.softmax"),
    tensor_op("log_softmax", lambda m, x: m.log_softmax(x, 0), [(F,)]),
    tensor_op("log_softmax_method", lambda m, x: x.log_softmax(dim=1, dtype=m.float64), [(T,)],
              ref="Tensor.log_softmax"),
]


# ---- factories: deterministic values, no tensor to differentiate ----

def factory(name, *samples, **kwargs):
    return OpInfo(name, lambda rng: list(samples), dtypes=("float64",), **kwargs)


FACTORIES = [
    factory("zeros", SampleInput((2, 3)), SampleInput(((4,),), dict(dtype="float64"))),
    factory("ones", SampleInput(((2, 1),), dict(dtype="int64"))),
    factory("full", SampleInput(((2, 3), 1.5)), SampleInput(((3,), 2), dict(dtype="float64"))),
    factory("eye", SampleInput((3,)), SampleInput((2, 4), dict(dtype="float64"))),
    factory("arange", SampleInput((5,)), SampleInput((1.0, 2.0, 0.25)), SampleInput((2, 9, 3), dict(dtype="float64"))),
    *[tensor_op(name, lambda m, x, name=name: getattr(m, name)(x), [(FN,), (TN,)])
      for name in ("zeros_like", "ones_like")],
    tensor_op("full_like", lambda m, x: m.full_like(x, 2.5), [(FN,)]),
    factory("linspace", SampleInput((0.0, 1.0, 5)), SampleInput((-2, 3, 7), dict(dtype="float64")),
            SampleInput((3.0, -1.5, 1)), SampleInput((1, 7, 12), dict(dtype="float64")),
            error_inputs=[err("negative steps", 0, 1, -1, match="non-negative")]),
    factory("logspace", SampleInput((0.0, 2.0, 5)), SampleInput((-1, 3, 6), dict(base=2.0, dtype="float64")),
            error_inputs=[err("negative steps", 0, 1, -2, match="non-negative")]),
]


# ---- nn.functional: seeded random configurations ----

def layout(rng, ndim):
    options = ["contiguous", "transposed", "strided"] + (["channels_last"] if ndim == 4 else [])
    return options[rng.integers(len(options))]


def pick(rng, options):
    return options[rng.integers(len(options))]


def pair(rng, lo, hi):
    """An int or a (h, w) tuple, at random."""
    if rng.random() < 0.5:
        return int(rng.integers(lo, hi + 1))
    return (int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1)))


def two(v):
    return v if isinstance(v, tuple) else (v, v)


Sample = SampleInput


def conv2d_samples(rng):
    out = []
    for i in range(6):
        groups = int(pick(rng, [1, 1, 2, 3]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k = pair(rng, 1, 3)
        dilation = pair(rng, 1, 2)
        padding = pick(rng, [0, 1, (2, 1), "valid"] + (["same"] if i % 2 else []))
        stride = 1 if padding == "same" else pair(rng, 1, 2)
        kh, kw = two(k)
        dh, dw = two(dilation)
        h, w = (dh * (kh - 1) + 1 + int(rng.integers(0, 4)), dw * (kw - 1) + 1 + int(rng.integers(0, 4)))
        x = Arg((int(rng.integers(1, 3)), cin, h, w), layout=layout(rng, 4))
        weight = Arg((cout, cin // groups, kh, kw), layout=pick(rng, ["contiguous", "transposed"]))
        bias = Arg((cout,)) if i % 3 else None
        out.append(Sample((x, weight, bias), dict(stride=stride, padding=padding, dilation=dilation, groups=groups)))
    out.append(Sample((Arg((2, 5, 6)), Arg((3, 2, 3, 3))), dict(padding=1)))  # unbatched
    return out


def conv1d_samples(rng):
    out = []
    for i in range(4):
        groups = int(pick(rng, [1, 2]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        padding = pick(rng, [0, 2, "valid", "same"])
        stride = 1 if padding == "same" else int(rng.integers(1, 3))
        x = Arg((2, cin, d * (k - 1) + 1 + int(rng.integers(0, 4))), layout=layout(rng, 3))
        out.append(Sample((x, Arg((cout, cin // groups, k)), Arg((cout,)) if i % 2 else None),
                          dict(stride=stride, padding=padding, dilation=d, groups=groups)))
    out.append(Sample((Arg((2, 7)), Arg((3, 2, 2)), None), dict(stride=(2,))))  # unbatched, tuple stride
    return out


def conv3d_samples(rng):
    out = []
    for i in range(4):
        groups = int(pick(rng, [1, 2]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 3)))
        stride, padding, dilation = pick(rng, [1, (2, 1, 2)]), pick(rng, [0, 1, (1, 0, 2)]), pick(rng, [1, (2, 1, 1)])
        x = Arg((int(rng.integers(1, 3)), cin, 5, 4, 5), layout=pick(rng, ["contiguous", "transposed", "strided"]))
        out.append(Sample((x, Arg((cout, cin // groups) + k), Arg((cout,)) if i % 2 else None),
                          dict(stride=stride, padding=padding, dilation=dilation, groups=groups)))
    out.append(Sample((Arg((2, 3, 4, 3)), Arg((3, 2, 2, 2, 2))), dict(padding=1)))  # unbatched
    return out


def conv_transpose2d_samples(rng):
    out = []
    for i in range(6):
        groups = int(pick(rng, [1, 1, 2]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kh, kw = two(pair(rng, 1, 4))
        stride, dilation = pair(rng, 1, 3), pair(rng, 1, 2)
        (sh, sw), (dh, dw) = two(stride), two(dilation)
        # output_padding must be below stride or dilation; padding keeps the output non-empty.
        output_padding = (int(rng.integers(0, max(sh, dh))), int(rng.integers(0, max(sw, dw))))
        padding = (int(rng.integers(0, 2)), int(rng.integers(0, 2)))
        x = Arg((int(rng.integers(1, 3)), cin, int(rng.integers(2, 5)), int(rng.integers(2, 5))), layout=layout(rng, 4))
        weight = Arg((cin, cout // groups, kh, kw), layout=pick(rng, ["contiguous", "transposed"]))
        bias = Arg((cout,)) if i % 3 else None
        out.append(Sample((x, weight, bias), dict(stride=stride, padding=padding, output_padding=output_padding,
                                                  groups=groups, dilation=dilation)))
    out.append(Sample((Arg((4, 3, 3)), Arg((4, 2, 4, 4))), dict(stride=2, padding=1)))  # unbatched, DCGAN's shape
    return out


def conv_transpose1d_samples(rng):
    out = []
    for i in range(4):
        groups = int(pick(rng, [1, 2]))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k, s, d = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        x = Arg((2, cin, int(rng.integers(2, 6))), layout=layout(rng, 3))
        out.append(Sample((x, Arg((cin, cout // groups, k)), Arg((cout,)) if i % 2 else None),
                          dict(stride=s, padding=int(rng.integers(0, 2)), output_padding=int(rng.integers(0, max(s, d))),
                               groups=groups, dilation=d)))
    out.append(Sample((Arg((2, 5)), Arg((2, 3, 2)), None), dict(stride=(2,))))  # unbatched, tuple stride
    return out


def interpolate_samples(mode, align_corners=None):
    """4-d input for nearest/bilinear, 3-d for linear; sizes and scale factors that up- and downsample."""
    def make(rng):
        ac = {} if align_corners is None else dict(align_corners=align_corners)
        if mode == "linear":
            configs = [dict(size=9), dict(size=(3,)), dict(scale_factor=1.7), dict(scale_factor=0.5)]
            return [Sample((Arg((2, 3, 5), layout=layout(rng, 3)),), dict(mode=mode, **ac, **c)) for c in configs]
        configs = [dict(size=(7, 9)), dict(size=3), dict(scale_factor=2), dict(scale_factor=(1.5, 0.6)),
                   dict(scale_factor=0.75, recompute_scale_factor=True)]
        return [Sample((Arg((2, 3, 4, 5), layout=layout(rng, 4)),), dict(mode=mode, **ac, **c)) for c in configs]
    return make


def embedding_samples(rng):
    idx = lambda shape: Arg(shape, "index", high=6)  # noqa: E731
    return [Sample((idx((2, 4)), Arg((6, 3)))),
            Sample((idx((5,)), Arg((6, 2), layout="transposed"))),
            Sample((idx((3, 2, 2)), Arg((6, 3))))]


def embedding_padding_samples(rng):
    idx = lambda shape: Arg(shape, "index", high=6)  # noqa: E731
    return [Sample((idx((5,)), Arg((6, 2), layout="transposed")), dict(padding_idx=2)),
            Sample((idx((3, 2, 2)), Arg((6, 3))), dict(scale_grad_by_freq=True)),
            Sample((idx((3, 2, 2)), Arg((6, 3))), dict(padding_idx=-1, scale_grad_by_freq=True))]


# Not the derivative by definition (finite differences disagree); parity with PyTorch checks the gradients.
PADDING_IDX = "padding_idx's row gets no gradient and scale_grad_by_freq divides by counts, by definition"


def unfold_samples(rng):
    return [Sample((Arg((2, 3, 5, 6), layout=layout(rng, 4)),), dict(kernel_size=3)),
            Sample((Arg((1, 2, 6, 5)),), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(2, 1))),
            Sample((Arg((2, 4, 4)),), dict(kernel_size=2, stride=2))]  # unbatched


def fold_samples(rng):
    return [Sample((Arg((2, 27, 12)),), dict(output_size=(5, 6), kernel_size=3)),
            Sample((Arg((1, 12, 15), layout="transposed"),), dict(output_size=(6, 5), kernel_size=(2, 3), dilation=(2, 1),
                                                                   padding=1, stride=(2, 1))),
            Sample((Arg((8, 9)),), dict(output_size=7, kernel_size=2, stride=3, padding=1))]  # unbatched, uncovered cells


def max_pool2d_samples(rng):
    out = []
    for _ in range(6):
        k = pair(rng, 1, 3)
        kh, kw = two(k)
        padding = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
        dilation = pair(rng, 1, 2)
        dh, dw = two(dilation)
        stride = pick(rng, [None, 1, 2, (1, 2)])
        h, w = dh * (kh - 1) + 1 + int(rng.integers(0, 4)), dw * (kw - 1) + 1 + int(rng.integers(0, 4))
        out.append(Sample((Arg((2, 3, h, w), layout=layout(rng, 4)),),
                          dict(kernel_size=k, stride=stride, padding=padding, dilation=dilation,
                               ceil_mode=bool(rng.random() < 0.5), return_indices=bool(rng.random() < 0.5))))
    out.append(Sample((Arg((2, 5, 5)), 2), dict(ceil_mode=True)))  # unbatched, positional kernel
    return out


def max_pool1d_samples(rng):
    out = []
    for _ in range(4):
        k, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        out.append(Sample((Arg((2, 3, d * (k - 1) + 1 + int(rng.integers(0, 4))), layout=layout(rng, 3)),),
                          dict(kernel_size=k, stride=pick(rng, [None, 1, 2]), padding=int(rng.integers(0, k // 2 + 1)),
                               dilation=d, ceil_mode=bool(rng.random() < 0.5),
                               return_indices=bool(rng.random() < 0.5))))
    return out


def avg_pool2d_samples(rng):
    out = []
    for _ in range(6):
        k = pair(rng, 1, 3)
        kh, kw = two(k)
        padding = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
        h, w = kh + int(rng.integers(0, 4)), kw + int(rng.integers(0, 4))
        out.append(Sample((Arg((2, 2, h, w), layout=layout(rng, 4)),),
                          dict(kernel_size=k, stride=pick(rng, [None, 1, 2, (2, 1)]), padding=padding,
                               ceil_mode=bool(rng.random() < 0.5), count_include_pad=bool(rng.random() < 0.5),
                               divisor_override=pick(rng, [None, None, 3]))))
    return out


def avg_pool1d_samples(rng):
    out = []
    for _ in range(4):
        k = int(rng.integers(1, 4))
        out.append(Sample((Arg((2, 3, k + int(rng.integers(0, 4))), layout=layout(rng, 3)),),
                          dict(kernel_size=k, stride=pick(rng, [None, 1, 2]), padding=int(rng.integers(0, k // 2 + 1)),
                               ceil_mode=bool(rng.random() < 0.5), count_include_pad=bool(rng.random() < 0.5))))
    return out


def lp_pool2d_samples(rng):
    # Positive inputs: x^p with a fractional p is undefined for x < 0 (as in PyTorch).
    return [Sample((Arg((2, 2, 5, 6), "positive", layout(rng, 4)),), dict(norm_type=2.0, kernel_size=2)),
            Sample((Arg((2, 2, 5, 5), "positive"),), dict(norm_type=3, kernel_size=(2, 3), stride=1, ceil_mode=True)),
            Sample((Arg((1, 3, 4, 4), "positive", "strided"),), dict(norm_type=1.5, kernel_size=3, stride=(1, 2)))]


def adaptive_samples(rng):
    return [Sample((Arg((2, 3, 7, 5), layout=layout(rng, 4)),), dict(output_size=(3, 2))),
            Sample((Arg((2, 2, 6, 6)),), dict(output_size=1)),
            Sample((Arg((2, 2, 5, 9), layout="channels_last"),), dict(output_size=(None, 4))),
            Sample((Arg((3, 5, 5)),), dict(output_size=(5, 3)))]


def adaptive_max_samples(rng):
    return [Sample(s.args, dict(s.kwargs, return_indices=i % 2 == 1)) for i, s in enumerate(adaptive_samples(rng))]


def unary_samples(kind="float", **kwargs):
    def make(rng):
        return [Sample((Arg((3, 4), kind),), kwargs), Sample((Arg((2, 3, 5), kind, "transposed"),), kwargs),
                Sample((Arg((2, 3, 4), kind, "strided"),), kwargs)]
    return make


def prelu_samples(rng):
    return [Sample((Arg((2, 3, 4, 5), layout="channels_last"), Arg((3,)))),
            Sample((Arg((2, 3, 4)), Arg((1,)))),
            Sample((Arg((4, 3), layout="transposed"), Arg((3,))))]


def softmax_samples(rng):
    return [Sample((Arg((3, 5)),), dict(dim=1)), Sample((Arg((2, 3, 4), layout="transposed"),), dict(dim=0)),
            Sample((Arg((2, 3, 4), layout="strided"),), dict(dim=-1)), Sample((Arg((2, 3, 4)),), dict()),
            Sample((Arg((3, 4)),), dict(dim=1, dtype="float64"))]


def linear_samples(rng):
    return [Sample((Arg((4, 3)), Arg((5, 3)), Arg((5,)))),
            Sample((Arg((2, 3, 4), layout="strided"), Arg((2, 4), layout="transposed"))),
            Sample((Arg((3,)), Arg((2, 3)), Arg((2,))))]


def pad_samples(rng):
    out = [Sample((Arg((2, 3, 4, 5), layout="channels_last"), [1, 2, 0, 1]), dict(value=0.5)),
           Sample((Arg((2, 3, 4)), [2, -1]), dict(mode="constant")),
           Sample((Arg((1, 2, 4)), (1, 3)), dict(mode="replicate"))]
    for mode in ("reflect", "replicate"):
        p = [int(v) for v in rng.integers(0, 3, 4)]
        out.append(Sample((Arg((2, 2, 4, 5), layout=layout(rng, 4)), p), dict(mode=mode)))
    return out


def dropout_samples(rng):
    # Only the deterministic cases go through the table; test_functional.py tests the random masks.
    return [Sample((Arg((2, 3, 4, 2)),), dict(p=0.3, training=False)),
            Sample((Arg((2, 3, 4, 5), layout="transposed"),), dict(p=0.0))]


def batch_norm_samples(rng):
    c = 3
    stats = lambda: (Arg((c,), grad=False), Arg((c,), "positive", grad=False))  # noqa: E731
    return [Sample((Arg((4, c, 3, 2), layout="channels_last"), *stats(), Arg((c,)), Arg((c,))),
                   dict(training=True, momentum=0.2)),
            Sample((Arg((5, c)), *stats()), dict(training=True)),
            Sample((Arg((2, c, 4), layout="strided"), None, None, Arg((c,)), None), dict(training=True, eps=1e-3)),
            Sample((Arg((2, c, 3)), *stats(), Arg((c,)), Arg((c,))), dict(training=False))]


def layer_norm_samples(rng):
    return [Sample((Arg((3, 4, 5)), (5,), Arg((5,)), Arg((5,)))),
            Sample((Arg((2, 3, 4), layout="transposed"), [3, 4], Arg((3, 4)), None)),
            Sample((Arg((4, 6), layout="strided"), (6,)), dict(eps=1e-3))]


def group_norm_samples(rng):
    return [Sample((Arg((2, 6, 3, 2), layout="channels_last"), 3, Arg((6,)), Arg((6,)))),
            Sample((Arg((3, 4, 5)), 2)), Sample((Arg((2, 4, 3), layout="strided"), 4, Arg((4,)), None), dict(eps=1e-3))]


def instance_norm_samples(rng):
    c = 3
    return [Sample((Arg((2, c, 4, 3), layout="channels_last"),), dict(weight=Arg((c,)), bias=Arg((c,)))),
            Sample((Arg((2, c, 5)), Arg((c,), grad=False), Arg((c,), "positive", grad=False)), dict(momentum=0.3)),
            Sample((Arg((2, c, 4)), Arg((c,), grad=False), Arg((c,), "positive", grad=False)),
                   dict(use_input_stats=False))]


def lrn_samples(rng):
    return [Sample((Arg((2, 5, 3, 3)), 3)), Sample((Arg((2, 4, 5), layout="strided"), 2),
                                                  dict(alpha=0.1, beta=0.5, k=2.0)),
            Sample((Arg((1, 6, 2, 3), layout="channels_last"), 4), dict(alpha=1e-2))]


def cross_entropy_samples(rng):
    return [Sample((Arg((5, 4)), Arg((5,), "index", high=4))),
            Sample((Arg((3, 4, 2, 2), layout="channels_last"), Arg((3, 2, 2), "index", high=4)),
                   dict(reduction="sum", label_smoothing=0.2)),
            Sample((Arg((6, 3)), Arg((6,), "index", high=3), Arg((3,), "positive", grad=False)),
                   dict(ignore_index=1, label_smoothing=0.1)),
            Sample((Arg((4, 3), layout="transposed"), Arg((4, 3), "simplex", grad=False)), dict(reduction="none")),
            Sample((Arg((4, 5)), Arg((4, 5), "simplex", grad=False), Arg((5,), "positive", grad=False)),
                   dict(label_smoothing=0.3)),
            Sample((Arg((4,)), Arg((), "index", high=4)))]


def nll_loss_samples(rng):
    return [Sample((Arg((5, 4)), Arg((5,), "index", high=4))),
            Sample((Arg((3, 4, 2), layout="strided"), Arg((3, 2), "index", high=4), Arg((4,), "positive", grad=False)),
                   dict(reduction="none")),
            Sample((Arg((6, 3)), Arg((6,), "index", high=3)), dict(ignore_index=0, reduction="sum"))]


def pointwise_loss_samples(target_kind="float", input_kind="float", **extra):
    def make(rng):
        return [Sample((Arg((3, 4), input_kind), Arg((3, 4), target_kind, grad=False)), dict(extra)),
                Sample((Arg((2, 3, 4), input_kind, "transposed"), Arg((2, 3, 4), target_kind, "strided", grad=False)),
                       dict(extra, reduction="sum")),
                Sample((Arg((5,), input_kind), Arg((5,), target_kind, grad=False)), dict(extra, reduction="none"))]
    return make


def mse_samples(rng):
    # The target takes a gradient too.
    return pointwise_loss_samples()(rng) + [Sample((Arg((3, 4)), Arg((3, 4), layout="transposed")))]


def bce_logits_samples(rng):
    return pointwise_loss_samples("unit")(rng) + [
        Sample((Arg((3, 4)), Arg((3, 4), "unit", grad=False)),
               dict(weight=Arg((4,), "positive", grad=False), pos_weight=Arg((4,), "positive", grad=False)))]


def multi_margin_samples(rng):
    return [Sample((Arg((5, 4)), Arg((5,), "index", high=4))),
            Sample((Arg((4, 3), layout="transposed"), Arg((4,), "index", high=3)), dict(p=2, margin=0.7)),
            Sample((Arg((4, 5)), Arg((4,), "index", high=5)),
                   dict(weight=Arg((5,), "positive", grad=False), reduction="none"))]


def one_hot_samples(rng):
    return [Sample((Arg((4,), "index", high=5),)), Sample((Arg((2, 3), "index", high=3), 6))]


X4 = lambda: ember.zeros(1, 2, 5, 5)  # noqa: E731
W = lambda *shape: ember.zeros(*shape)  # noqa: E731

CONV_ERRORS = [
    err("channel mismatch", X4(), W(3, 3, 3, 3), match="channels"),
    err("zero stride", X4(), W(1, 2, 3, 3), stride=0, match="stride"),
    err("negative padding", X4(), W(1, 2, 3, 3), padding=-1, match="padding"),
    err("zero dilation", X4(), W(1, 2, 3, 3), dilation=(1, 0), match="dilation"),
    err("kernel larger than input", X4(), W(1, 2, 7, 7), match="kernel"),
    err("groups not dividing", X4(), W(3, 1, 3, 3), groups=2, match="groups"),
    err("bad padding string", X4(), W(1, 2, 3, 3), padding="full", match="padding"),
    err("padding triple", X4(), W(1, 2, 3, 3), padding=(1, 1, 1), error_type=TypeError, match="padding"),
    err("same with stride 2", X4(), W(1, 2, 3, 3), stride=2, padding="same", match="same"),
    err("bias size", X4(), W(1, 2, 3, 3), W(2), match="bias"),
    err("input rank", W(5, 5), W(1, 2, 3, 3), match="input"),
]

POOL_ERRORS = [
    err("zero kernel", X4(), 0, match="kernel"),
    err("zero stride", X4(), 2, stride=0, match="stride"),
    err("padding over half the kernel", X4(), 2, padding=2, match="pad"),
    err("kernel larger than input", X4(), 7, match="output size"),
    err("kernel triple", X4(), (2, 2, 2), error_type=TypeError, match="kernel_size"),
]


def functional(name, sample_inputs_func, error_inputs=(), **kwargs):
    return OpInfo("nn.functional." + name, sample_inputs_func, error_inputs=list(error_inputs), **kwargs)


def functional_inplace_true(name, sample_inputs_func, **kwargs):
    """``name(x, inplace=True)``, run on a non-leaf copy of its input."""
    return functional(name + "_inplace", sample_inputs_func, ref="nn.functional." + name,
                      op=lambda lib, x, **kw: getattr(lib.nn.functional, name)(x * 1, inplace=True, **kw), **kwargs)


def functional_in_place(name, sample_inputs_func, *args, **kwargs):
    """An in-place function, run on a non-leaf copy of its input."""
    return functional(name, sample_inputs_func,
                      op=lambda lib, x, **kw: getattr(lib.nn.functional, name)(x * 1, *args, **kw), **kwargs)


FUNCTIONAL_OPS = [
    functional("conv2d", conv2d_samples, CONV_ERRORS, atol32=1e-5),
    functional("conv1d", conv1d_samples, [
        err("zero stride", W(1, 2, 5), W(1, 2, 3), stride=0, match="stride"),
        err("channel mismatch", W(1, 2, 5), W(1, 3, 3), match="channels"),
    ], atol32=1e-5),
    functional("conv3d", conv3d_samples, [
        err("channel mismatch", W(1, 2, 4, 4, 4), W(1, 3, 3, 3, 3), match="channels"),
        err("zero stride", W(1, 2, 4, 4, 4), W(1, 2, 3, 3, 3), stride=(0, 1, 1), match="stride"),
        err("kernel deeper than input", W(1, 2, 2, 4, 4), W(1, 2, 3, 3, 3), match="kernel"),
        err("4-d weight", W(1, 2, 4, 4, 4), W(1, 2, 3, 3), match="weight"),
        err("padding pair", W(1, 2, 4, 4, 4), W(1, 2, 3, 3, 3), padding=(1, 1), error_type=TypeError, match="padding"),
    ], atol32=1e-5),
    functional("max_pool3d", lambda rng: [
        Sample((Arg((2, 3, 5, 6, 4), layout="transposed"),), dict(kernel_size=2)),
        Sample((Arg((1, 2, 6, 5, 7)),), dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=1, dilation=(1, 2, 1))),
        Sample((Arg((2, 5, 5, 5)),), dict(kernel_size=3, stride=2, ceil_mode=True))], [  # unbatched
        err("padding over half the kernel", W(1, 1, 4, 4, 4), 2, padding=2, match="pad"),
        err("return_indices", W(1, 1, 4, 4, 4), 2, return_indices=True, match="return_indices"),
    ], module="MaxPool3d"),
    functional("avg_pool3d", lambda rng: [
        Sample((Arg((2, 3, 4, 6, 4), layout="strided"),), dict(kernel_size=2)),
        Sample((Arg((1, 2, 5, 5, 6)),), dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=1)),
        Sample((Arg((1, 2, 5, 5, 6)),), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        Sample((Arg((2, 4, 4, 4)),), dict(kernel_size=2, divisor_override=3))], [
        err("padding over half the kernel", W(1, 1, 4, 4, 4), 2, padding=2, match="pad"),
        err("zero divisor", W(1, 1, 4, 4, 4), 2, divisor_override=0, match="divisor"),
    ], module="AvgPool3d"),
    functional("adaptive_avg_pool3d", lambda rng: [
        Sample((Arg((2, 3, 5, 7, 6), layout="transposed"),), dict(output_size=(2, 3, 4))),
        Sample((Arg((2, 4, 4, 4)),), dict(output_size=1))], [
        err("zero output size", W(1, 1, 4, 4, 4), 0, match="output_size"),
        err("3-d input", W(2, 4, 4), 2, match="input"),
    ], module="AdaptiveAvgPool3d"),
    functional("conv_transpose2d", conv_transpose2d_samples, [
        err("channel mismatch", X4(), W(3, 3, 3, 3), match="channels"),
        err("zero stride", X4(), W(2, 1, 3, 3), stride=0, match="stride"),
        err("negative padding", X4(), W(2, 1, 3, 3), padding=-1, match="padding"),
        err("output_padding not below stride or dilation", X4(), W(2, 1, 3, 3), output_padding=1,
            match="output_padding"),
        err("groups not dividing", X4(), W(2, 1, 3, 3), groups=3, match="groups"),
        err("bias size", X4(), W(2, 1, 3, 3), W(2), match="bias"),
        err("weight rank", X4(), W(2, 1, 3), match="weight"),
        err("padding triple", X4(), W(2, 1, 3, 3), padding=(1, 1, 1), error_type=TypeError, match="padding"),
    ], atol32=1e-5),
    functional("conv_transpose1d", conv_transpose1d_samples, [
        err("zero stride", W(1, 2, 5), W(2, 1, 3), stride=0, match="stride"),
        err("channel mismatch", W(1, 2, 5), W(3, 1, 3), match="channels"),
        err("empty output", W(1, 2, 1), W(2, 1, 1), padding=1, match="output"),
    ], atol32=1e-5),
    functional("interpolate", interpolate_samples("nearest"), [
        err("size and scale_factor", X4(), size=3, scale_factor=2.0, match="only one of size or scale_factor"),
        err("neither size nor scale_factor", X4(), match="either size or scale_factor"),
        err("align_corners with nearest", X4(), size=3, align_corners=True, match="align_corners"),
        err("bilinear on 3-d input", W(1, 2, 5), size=3, mode="bilinear", match="bilinear mode needs 4-d"),
        err("unknown mode", X4(), size=3, mode="bicubic", match="mode"),
        err("size of the wrong length", X4(), size=(2, 3, 4), match="same number of spatial dimensions"),
        err("zero size", X4(), size=0, match="size"),
        err("size a string", X4(), size="3", error_type=TypeError, match="size"),
    ], module="Upsample"),
    functional("interpolate_bilinear", interpolate_samples("bilinear"), ref="nn.functional.interpolate",
               module="Upsample"),
    functional("interpolate_bilinear_align_corners", interpolate_samples("bilinear", True),
               ref="nn.functional.interpolate", module="Upsample"),
    functional("interpolate_linear", interpolate_samples("linear", False), ref="nn.functional.interpolate"),
    functional("interpolate_linear_align_corners", interpolate_samples("linear", True),
               ref="nn.functional.interpolate"),
    functional("normalize", lambda rng: [Sample((Arg((3, 4, 2), layout="transposed"),)),
                                         Sample((Arg((3, 5)),), dict(p=1.0, dim=-1)),
                                         Sample((Arg((2, 3, 4)),), dict(p=3.0, dim=0, eps=1e-3))], [
        err("zero p", W(2, 3), p=0.0, match="p"),
        err("dim out of range", W(2, 3), dim=2, error_type=IndexError, match="dim"),
    ]),
    functional("embedding", embedding_samples, [
        err("float indices", W(2), W(4, 3), error_type=TypeError, match="int64"),
        err("index out of range", ember.tensor([1, 4]), W(4, 3), error_type=IndexError, match="out of range"),
        err("padding_idx out of range", ember.tensor([1]), W(4, 3), padding_idx=4, match="padding_idx"),
        err("max_norm", ember.tensor([1]), W(4, 3), max_norm=1.0, match="max_norm"),
        err("1-d weight", ember.tensor([1]), W(4), match="weight"),
    ]),
    functional("embedding_padding_idx", embedding_padding_samples, ref="nn.functional.embedding",
               skips={"gradcheck": PADDING_IDX, "gradgradcheck": PADDING_IDX}),
    functional("pixel_shuffle", lambda rng: [Sample((Arg((2, 8, 3, 2), layout="channels_last"),), dict(upscale_factor=2)),
                                             Sample((Arg((9, 2, 1)),), dict(upscale_factor=3)),
                                             Sample((Arg((2, 1, 4, 2, 3)),), dict(upscale_factor=2))], [
        err("channels not divisible", W(1, 6, 2, 2), 2, match="divisible"),
        err("zero factor", W(1, 4, 2, 2), 0, match="upscale_factor"),
        err("2-d input", W(4, 4), 2, match="3 dimensions"),
    ], module="PixelShuffle"),
    functional("pixel_unshuffle", lambda rng: [Sample((Arg((2, 3, 4, 6), layout="transposed"),),
                                                      dict(downscale_factor=2)),
                                               Sample((Arg((1, 3, 3)),), dict(downscale_factor=3))], [
        err("height not divisible", W(1, 2, 5, 4), 2, match="divisible"),
    ], module="PixelUnshuffle"),
    functional("channel_shuffle", lambda rng: [Sample((Arg((2, 6, 3, 2)),), dict(groups=3)),
                                               Sample((Arg((2, 4, 5), layout="strided"),), dict(groups=2))], [
        err("channels not divisible", W(1, 5, 2), 2, match="divisible"),
        err("zero groups", W(1, 4, 2), 0, match="groups"),
    ], module="ChannelShuffle"),
    functional("unfold", unfold_samples, [
        err("kernel larger than input", X4(), 6, match="sliding block"),
        err("zero stride", X4(), 2, stride=0, match="stride"),
        err("2-d input", W(5, 5), 2, match="input"),
    ], module="Unfold"),
    functional("fold", fold_samples, [
        err("wrong block count", W(1, 12, 5), (4, 5), 2, match="sliding blocks"),
        err("channels not divisible", W(1, 5, 12), (4, 5), 2, match="divisible"),
    ], module="Fold"),
    functional("max_pool2d", max_pool2d_samples, POOL_ERRORS),
    functional("max_pool1d", max_pool1d_samples, [err("zero kernel", W(1, 2, 5), 0, match="kernel")]),
    functional("avg_pool2d", avg_pool2d_samples, [
        err("zero divisor", X4(), 2, divisor_override=0, match="divisor"),
        err("negative padding", X4(), 2, padding=-1, match="padding"),
    ]),
    functional("avg_pool1d", avg_pool1d_samples, [err("zero stride", W(1, 2, 5), 2, stride=0, match="stride")]),
    functional("lp_pool2d", lp_pool2d_samples, [err("zero kernel", X4(), 2.0, 0, match="kernel")]),
    functional("adaptive_avg_pool2d", adaptive_samples, [
        err("negative output size", X4(), -1, match="output_size"),
        err("input rank", W(5, 5), 2, match="input"),
    ]),
    functional("adaptive_max_pool2d", adaptive_max_samples, [
        err("negative output size", X4(), (2, -1), match="output_size"),
    ]),
    functional("relu", unary_samples(), module="ReLU"),
    functional_in_place("relu_", unary_samples()),
    functional("relu6", unary_samples(), module="ReLU6"),
    functional("leaky_relu", unary_samples(negative_slope=0.2), module="LeakyReLU"),
    functional("prelu", prelu_samples, [err("weight size", W(2, 3, 4), W(2), match="weight")]),
    functional("elu", unary_samples(alpha=0.7), module="ELU"),
    functional("selu", unary_samples(), module="SELU"),
    functional("celu", unary_samples(alpha=1.5), [err("zero alpha", W(2), alpha=0.0, match="alpha")], module="CELU"),
    functional("gelu", unary_samples(), [err("bad approximate", W(2), approximate="fast", match="approximate")],
               module="GELU"),
    functional("gelu_tanh", unary_samples(approximate="tanh"), ref="nn.functional.gelu", module="GELU"),
    functional("silu", unary_samples(), module="SiLU"),
    functional("mish", unary_samples(), module="Mish"),
    functional("sigmoid", unary_samples(), module="Sigmoid"),
    functional("tanh", unary_samples(), module="Tanh"),
    functional("softplus", unary_samples(beta=2.0, threshold=1.5), module="Softplus"),
    functional("softsign", unary_samples(), module="Softsign"),
    functional("logsigmoid", unary_samples(), module="LogSigmoid"),
    functional("tanhshrink", unary_samples(), module="Tanhshrink"),
    functional("threshold", unary_samples(threshold=0.1, value=-1.0), module="Threshold"),
    functional_in_place("threshold_", unary_samples(), 0.1, -1.0),
    functional("hardtanh", unary_samples(min_val=-0.5, max_val=0.8), [
        err("min above max", W(2), 1.0, -1.0, match="min_val"),
    ], module="Hardtanh"),
    *[functional_inplace_true(name, unary_samples(**kwargs)) for name, kwargs in [
        ("relu6", {}), ("leaky_relu", dict(negative_slope=0.2)), ("elu", dict(alpha=0.7)), ("selu", {}),
        ("celu", dict(alpha=1.5)), ("silu", {}), ("mish", {}), ("hardtanh", dict(min_val=-0.5, max_val=0.8)),
        ("hardswish", {})]],
    functional_inplace_true("hardsigmoid", unary_samples(), rtol64=1e-7),  # see hardsigmoid below
    # PyTorch's CPU kernel multiplies the float64 gradient by 1.0f / 6.0f, a float32
    # constant (relative error 3e-8); ember's g / 6 is exact, so float64 agrees to 1e-7 only.
    functional("hardsigmoid", unary_samples(), rtol64=1e-7, module="Hardsigmoid"),
    functional("hardswish", unary_samples(), module="Hardswish"),
    functional("softmax", softmax_samples, [
        err("dim out of range", X23(), dim=2, error_type=IndexError, match="dimension out of range"),
    ], module="Softmax"),
    functional("log_softmax", softmax_samples, module="LogSoftmax"),
    functional("linear", linear_samples, [err("in_features mismatch", X23(), W(4, 5), match="linear")], atol32=1e-5),
    functional("dropout", dropout_samples, [err("p above 1", W(2), p=1.5, match="p")]),
    functional("dropout2d", dropout_samples),
    functional("pad", pad_samples, [
        err("circular", X4(), [1, 1], mode="circular", match="mode"),
        err("odd pad list", X4(), [1, 1, 1], match="pad"),
        err("reflect wider than input", X4(), [5, 5], mode="reflect", match="pad"),
    ]),
    functional("one_hot", one_hot_samples, [
        err("float classes", W(3), error_type=TypeError, match="int64"),
        err("class out of range", ember.tensor([0, 3]), 3, match="class"),
    ]),
    functional("batch_norm", batch_norm_samples, [
        err("running stats size", W(4, 3), W(2), ember.ones(2), match="running_mean"),
        err("one value per channel", W(1, 3), None, None, training=True, match="more than 1 value"),
    ], atol32=1e-5),
    functional("layer_norm", layer_norm_samples, [err("shape mismatch", X23(), [4], match="normalized_shape")],
               atol32=1e-5),
    functional("group_norm", group_norm_samples, [err("groups not dividing", W(2, 6, 3), 4, match="group")],
               atol32=1e-5),
    functional("instance_norm", instance_norm_samples, atol32=1e-5),
    functional("local_response_norm", lrn_samples, [err("input rank", X23(), 2, match="local_response_norm")],
               atol32=1e-5),
    functional("cross_entropy", cross_entropy_samples, [
        err("target out of range", X23(), ember.tensor([0, 3]), error_type=(ValueError, IndexError), match="out of"),
        err("batch mismatch", X23(), ember.tensor([0, 1, 2]), match="target"),
        err("bad reduction", X23(), ember.tensor([0, 1]), reduction="avg", match="reduction"),
        err("smoothing above 1", X23(), ember.tensor([0, 1]), label_smoothing=1.5, match="label_smoothing"),
    ], atol32=1e-5),
    functional("nll_loss", nll_loss_samples, [err("float target", X23(), W(2), error_type=TypeError, match="target")],
               atol32=1e-5),
    functional("mse_loss", mse_samples, [
        err("shape mismatch", X23(), W(4), match="mse_loss: shapes [2, 3] and [4] cannot be broadcast"),
        err("weight", W(2), W(2), weight=ember.ones(2), match="weight"),
    ], atol32=1e-5),
    functional("l1_loss", pointwise_loss_samples(), atol32=1e-5),
    functional("smooth_l1_loss", pointwise_loss_samples(beta=0.5), [
        err("negative beta", W(2), W(2), beta=-1.0, match="beta"),
    ], atol32=1e-5),
    functional("huber_loss", pointwise_loss_samples(delta=0.8), [
        err("zero delta", W(2), W(2), delta=0.0, match="delta"),
    ], atol32=1e-5),
    functional("binary_cross_entropy", pointwise_loss_samples("unit", "unit"), [
        err("input outside [0, 1]", ember.full([2], 1.5), W(2), match="in [0, 1]"),
    ], atol32=1e-5),
    functional("binary_cross_entropy_with_logits", bce_logits_samples, atol32=1e-5),
    functional("kl_div", pointwise_loss_samples("positive"), atol32=1e-5),
    functional("kl_div_batchmean_log_target", pointwise_loss_samples(reduction="batchmean", log_target=True),
               ref="nn.functional.kl_div", atol32=1e-5),
    functional("multi_margin_loss", multi_margin_samples, [
        err("p = 3", X23(), ember.tensor([0, 1]), p=3, match="p"),
    ], atol32=1e-5),
]

op_db = TENSOR_OPS + FACTORIES + FUNCTIONAL_OPS

# Functions of ember and ember.nn.functional with no table entry, and why.
NOT_IN_TABLE = {
    # Random or uninitialised values: nothing to compare with PyTorch element by
    # element (test_tensor.py and test_more_ops.py test their distributions).
    "bernoulli", "empty", "empty_like", "rand", "rand_like", "randint", "randn", "randn_like", "randperm",
    "multinomial",  # test_methods_more.py tests its frequencies
    # Settings and files, not ops (test_tensor.py, test_safetensors.py, test_autograd.py).
    "blas_core_name", "from_numpy", "get_num_threads", "set_num_threads", "manual_seed", "initial_seed",
    "is_grad_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "is_inference_mode_enabled",
    "load_file", "save_file", "is_warn_always_enabled", "set_warn_always",
}
