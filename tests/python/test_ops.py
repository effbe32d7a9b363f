"""Every differentiable op against PyTorch, driven by one table (after PyTorch's
OpInfo): each entry names the op, a function ``fn(lib, *inputs)`` run with
lib=ember and lib=torch, and sample inputs (broadcasting, non-contiguous views,
index tensors, masks). The generic tests compare values and gradients in
float64 and float32, and run ember's gradcheck and gradgradcheck in float64.

Tolerances: float64 results agree with PyTorch to rounding (rtol 1e-10 leaves
room for different summation orders in reductions and BLAS); float32 results to
1e-5 relative (a few ulp of accumulated rounding), 1e-6 absolute near zero.
"""

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

import ember

from parity import assert_matches_torch, outputs


@dataclass(frozen=True)
class Arg:
    """One tensor input: its shape, how values are drawn, and its memory layout.

    kind: "float" (normal), "positive" (in [0.5, 2]), "nonzero" (|x| in [0.5, 2]),
    "index" (int64 in [0, high)), "mask" (bool). layout: "contiguous",
    "transposed" (a permuted view) or "strided" (every other element of the last dim).
    """

    shape: tuple
    kind: str = "float"
    layout: str = "contiguous"
    high: int = 0
    grad: bool = True

    @property
    def differentiable(self):
        return self.kind in ("float", "positive", "nonzero") and self.grad

    def base_shape(self):
        if self.layout == "transposed":
            return self.shape[::-1]
        if self.layout == "strided":
            return self.shape[:-1] + (2 * self.shape[-1],)
        return self.shape

    def draw(self, rng):
        shape = self.base_shape()
        if self.kind == "float":
            return rng.standard_normal(shape)
        if self.kind == "positive":
            return rng.uniform(0.5, 2.0, shape)
        if self.kind == "nonzero":
            return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        if self.kind == "index":
            return rng.integers(0, self.high, shape)
        if self.kind == "mask":
            return rng.random(shape) < 0.5
        raise ValueError(self.kind)

    def view(self, t):
        if self.layout == "transposed":
            return t.permute(*reversed(range(t.ndim)))
        if self.layout == "strided":
            return t[..., ::2]
        return t


@dataclass
class Op:
    name: str
    fn: Callable
    samples: list
    gradgradcheck: bool = True
    rtol32: float = 1e-5


S = (3, 4)
A = Arg
F, T, ST = A(S), A(S, layout="transposed"), A(S, layout="strided")


def unary(name, fn, kind="float"):
    return Op(name, fn, [(A(S, kind),), (A(S, kind, layout="transposed"),), (A((2, 3, 4), kind, layout="strided"),)])


OPS = [
    # ---- elementwise, binary (broadcasting and non-contiguous) ----
    Op("add", lambda m, x, y: m.add(x, y), [(F, F), (F, A((4,))), (A((2, 1, 4)), A((3, 1))), (T, ST)]),
    Op("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), [(F, A((4,)))]),
    Op("sub", lambda m, x, y: x - y, [(F, F), (A((3, 1)), A((4,))), (T, F)]),
    Op("mul", lambda m, x, y: x * y, [(F, F), (F, A((1, 4))), (ST, T)]),
    Op("div", lambda m, x, y: x / y, [(F, A(S, "nonzero")), (F, A((3, 1), "nonzero")), (T, A(S, "nonzero", "strided"))]),
    Op("pow_tensor", lambda m, x, y: m.pow(x, y), [(A(S, "positive"), F), (A(S, "positive"), A((4,)))]),
    Op("pow_int", lambda m, x: x**3, [(F,), (T,)]),
    Op("pow_frac", lambda m, x: x**2.5, [(A(S, "positive"),)]),
    Op("rpow", lambda m, x: 2.0**x, [(F,)]),
    Op("add_scalar", lambda m, x: x + 2, [(F,)]),
    Op("rsub_scalar", lambda m, x: 2.5 - x, [(F,)]),
    Op("mul_scalar", lambda m, x: 3 * x, [(T,)]),
    Op("rdiv_scalar", lambda m, x: 3.0 / x, [(A(S, "nonzero"),)]),
    Op("neg_op", lambda m, x: -x, [(F,)]),
    Op("maximum", lambda m, x, y: m.maximum(x, y), [(F, F), (F, A((4,))), (T, ST)]),
    Op("minimum", lambda m, x, y: m.minimum(x, y), [(F, F), (A((3, 1)), A((4,)))]),
    Op("where", lambda m, c, x, y: m.where(c, x, y), [(A(S, "mask"), F, A((4,))), (A((4,), "mask"), T, F)]),
    Op("where_scalar", lambda m, c, x: m.where(c, x, 0.5), [(A(S, "mask"), F)]),
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
    unary("reciprocal", lambda m, x: m.reciprocal(x), "nonzero"),
    unary("clamp", lambda m, x: m.clamp(x, -0.5, 0.5)),
    Op("clamp_min", lambda m, x: x.clamp(min=-0.3), [(F,)]),
    Op("clamp_max", lambda m, x: x.clamp(max=0.3), [(T,)]),
    # ---- in place, on a non-leaf ----
    Op("add_", lambda m, x, y: (x * 1).add_(y), [(F, A((4,))), (T, F)]),
    Op("sub_alpha_", lambda m, x, y: (x * 1).sub_(y, alpha=2), [(F, F)]),
    Op("mul_", lambda m, x, y: (x * 1).mul_(y), [(F, A((3, 1)))]),
    Op("div_", lambda m, x, y: (x * 1).div_(y), [(F, A(S, "nonzero"))]),
    Op("mul_scalar_", lambda m, x: (x * 1).mul_(2.5), [(F,)]),
    Op("iadd", lambda m, x, y: _iadd(x * 1, y), [(F, F)]),
    Op("clamp_", lambda m, x: (x * 1).clamp_(-0.5, 0.5), [(F,)]),
    Op("masked_fill_", lambda m, x, k: (x * 1).masked_fill_(k, 0.25), [(F, A(S, "mask"))]),
    Op("copy_", lambda m, x, y: (x * 1).copy_(y), [(F, A((4,)))]),
    Op("fill_", lambda m, x: (x * 1).fill_(1.5) * x, [(F,)]),
    Op("zero_", lambda m, x: (x * 1).zero_() + x, [(F,)]),
    # ---- reductions ----
    Op("sum", lambda m, x: x.sum(), [(F,), (T,)]),
    Op("sum_dim", lambda m, x: x.sum(dim=1), [(F,), (ST,)]),
    Op("sum_dims_keepdim", lambda m, x: m.sum(x, (0, 2), keepdim=True), [(A((2, 3, 4)),), (A((2, 3, 4), layout="transposed"),)]),
    Op("mean", lambda m, x: x.mean(), [(F,)]),
    Op("mean_dim", lambda m, x: x.mean(-1, keepdim=True), [(T,)]),
    Op("var", lambda m, x: x.var(), [(F,)]),
    Op("var_dim", lambda m, x: x.var(dim=1), [(F,), (T,)]),
    Op("var_biased", lambda m, x: x.var(0, unbiased=False), [(F,)]),
    Op("var_correction", lambda m, x: m.var(x, dim=(0, 1), correction=0, keepdim=True), [(A((2, 3, 4)),)]),
    Op("std", lambda m, x: x.std(), [(F,)]),
    Op("std_dim", lambda m, x: x.std(dim=0, keepdim=True), [(ST,)]),
    Op("amax", lambda m, x: x.amax(dim=1), [(F,), (T,)]),
    Op("amin", lambda m, x: m.amin(x, dim=(0, 1)), [(A((2, 3, 4)),)]),
    Op("max_all", lambda m, x: x.max(), [(F,)]),
    Op("min_all", lambda m, x: x.min(), [(T,)]),
    Op("max_dim", lambda m, x: tuple(x.max(dim=1)), [(F,), (T,)]),
    Op("min_dim", lambda m, x: tuple(m.min(x, 0, keepdim=True)), [(F,)]),
    Op("max_binary", lambda m, x, y: x.max(y), [(F, A((4,)))]),
    Op("argmax", lambda m, x: x.argmax(dim=1), [(A(S, grad=False),)]),
    Op("argmin", lambda m, x: x.argmin(), [(A(S, grad=False, layout="transposed"),)]),
    Op("logsumexp", lambda m, x: x.logsumexp(dim=1), [(F,), (T,)]),
    Op("logsumexp_dims", lambda m, x: m.logsumexp(x, (0, 2), keepdim=True), [(A((2, 3, 4)),)]),
    # ---- linear algebra ----
    Op("mm", lambda m, x, y: m.mm(x, y), [(F, A((4, 5))), (T, A((4, 5), layout="transposed"))]),
    Op("matmul_2d", lambda m, x, y: x @ y, [(F, A((4, 2)))]),
    Op("matmul_broadcast", lambda m, x, y: m.matmul(x, y), [(A((2, 3, 4)), A((4, 5))), (A((2, 1, 3, 4)), A((3, 4, 2)))]),
    Op("matmul_vector", lambda m, x, y: x @ y, [(A((4,)), A((4, 5))), (F, A((4,))), (A((4,)), A((4,)))]),
    Op("bmm", lambda m, x, y: m.bmm(x, y), [(A((2, 3, 4)), A((2, 4, 5))), (A((2, 3, 4), layout="strided"), A((2, 4, 2)))]),
    # ---- shape ----
    Op("reshape", lambda m, x: x.reshape(4, 3), [(F,), (T,)]),
    Op("reshape_fn", lambda m, x: m.reshape(x, (-1,)), [(ST,)]),
    Op("view", lambda m, x: x.view(2, 6), [(F,)]),
    Op("flatten", lambda m, x: x.flatten(1), [(A((2, 3, 4)),), (A((2, 3, 4), layout="transposed"),)]),
    Op("unflatten", lambda m, x: x.unflatten(1, (2, 2)), [(F,)]),
    Op("squeeze", lambda m, x: x.squeeze(), [(A((3, 1, 4)),)]),
    Op("squeeze_dim", lambda m, x: m.squeeze(x, 1), [(A((3, 1, 4)),)]),
    Op("unsqueeze", lambda m, x: x.unsqueeze(-1), [(F,), (T,)]),
    Op("permute", lambda m, x: x.permute(2, 0, 1), [(A((2, 3, 4)),)]),
    Op("transpose", lambda m, x: x.transpose(0, 1), [(F,)]),
    Op("t", lambda m, x: x.t(), [(ST,)]),
    Op("expand", lambda m, x: x.expand(2, 3, 4), [(A((3, 1)),)]),
    Op("expand_as", lambda m, x, y: x.expand_as(y), [(A((1, 4)), A(S, grad=False))]),
    Op("narrow", lambda m, x: x.narrow(1, 1, 2), [(F,), (T,)]),
    Op("select", lambda m, x: x.select(1, 2), [(F,)]),
    Op("chunk", lambda m, x: x.chunk(2, dim=1), [(F,)]),
    Op("split", lambda m, x: x.split(2, 1), [(A((3, 5)),)]),
    Op("split_sections", lambda m, x: m.split(x, [1, 3], 1), [(T,)]),
    Op("cat", lambda m, x, y: m.cat([x, y], 0), [(F, A((2, 4)))]),
    Op("cat_dim1", lambda m, x, y: m.cat((x, y), dim=1), [(T, A((3, 2)))]),
    Op("stack", lambda m, x, y: m.stack([x, y], 1), [(F, ST)]),
    Op("flip", lambda m, x: x.flip(0, 1), [(F,), (T,)]),
    Op("contiguous", lambda m, x: x.contiguous(), [(T,)]),
    Op("clone", lambda m, x: m.clone(x), [(ST,)]),
    Op("to_float64", lambda m, x: x.double() * 2, [(F,)]),
    # ---- indexing ----
    Op("getitem_slices", lambda m, x: x[1:, ::2], [(F,), (T,)]),
    Op("getitem_ellipsis", lambda m, x: x[..., -1], [(A((2, 3, 4)),)]),
    Op("getitem_none", lambda m, x: x[None, 1], [(F,)]),
    Op("getitem_tensor", lambda m, x, i: x[i], [(F, A((5,), "index", high=3))]),
    Op("getitem_tensor_dim1", lambda m, x, i: x[:, i], [(T, A((2, 2), "index", high=4))]),
    Op("getitem_list", lambda m, x: x[[0, 2, 2]], [(F,)]),
    Op("getitem_mask", lambda m, x, k: x[k], [(F, A(S, "mask"))]),
    Op("index_select", lambda m, x, i: m.index_select(x, 1, i), [(F, A((5,), "index", high=4)), (T, A((2,), "index", high=4))]),
    Op("gather", lambda m, x, i: x.gather(1, i), [(F, A((3, 2), "index", high=4))]),
    Op("scatter_add", lambda m, x, i, s: x.scatter_add(1, i, s), [(F, A((3, 2), "index", high=4), A((3, 2)))]),
    Op("index_add", lambda m, x, i, s: x.index_add(0, i, s), [(F, A((2,), "index", high=3), A((2, 4)))]),
    Op("masked_fill", lambda m, x, k: m.masked_fill(x, k, -1.0), [(F, A(S, "mask")), (T, A((4,), "mask"))]),
]


def _iadd(x, y):
    x += y
    return x


CASES = [pytest.param(op, i, id=f"{op.name}-{i}") for op in OPS for i in range(len(op.samples))]
DTYPES = {"float64": (ember.float64, torch.float64), "float32": (ember.float32, torch.float32)}


def _bases(lib, op, sample, dtype):
    """The base tensor behind each Arg of a sample, with the same values for ember
    and torch; the differentiable ones require grad (they are the leaves)."""
    rng = np.random.default_rng(zlib.crc32(f"{op.name}-{sample}".encode()))
    bases = []
    for a in op.samples[sample]:
        if isinstance(a, Arg):
            array = a.draw(rng)
            base = lib.tensor(array, dtype=dtype) if array.dtype == np.float64 else lib.tensor(array)
            bases.append(base.requires_grad_(True) if a.differentiable else base)
    return bases


def _call(lib, op, sample, bases):
    """Runs the op on views of ``bases`` (non-tensor arguments passed as they are)."""
    it = iter(bases)
    return op.fn(lib, *[a.view(next(it)) if isinstance(a, Arg) else a for a in op.samples[sample]])


@pytest.mark.parametrize("dtype", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("op,sample", CASES)
def test_values_and_gradients_match_torch(op, sample, dtype):
    ember_dtype, torch_dtype = DTYPES[dtype]
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (op.rtol32, 1e-6)
    e_bases, t_bases = _bases(ember, op, sample, ember_dtype), _bases(torch, op, sample, torch_dtype)
    e_out, t_out = outputs(_call(ember, op, sample, e_bases)), outputs(_call(torch, op, sample, t_bases))
    assert_matches_torch(e_out, t_out, e_bases, t_bases, rtol, atol)


def _differentiable(op, sample):
    return any(isinstance(a, Arg) and a.differentiable for a in op.samples[sample])


DIFFERENTIABLE = [pytest.param(op, i, id=f"{op.name}-{i}") for op in OPS for i in range(len(op.samples))
                  if _differentiable(op, i)]


@pytest.mark.parametrize("op,sample", DIFFERENTIABLE)
def test_gradcheck(op, sample):
    bases = _bases(ember, op, sample, ember.float64)
    assert ember.autograd.gradcheck(lambda *ts: _call(ember, op, sample, ts), bases)


@pytest.mark.parametrize("op,sample", [p for p in DIFFERENTIABLE if p.values[0].gradgradcheck])
def test_gradgradcheck(op, sample):
    bases = _bases(ember, op, sample, ember.float64)
    assert ember.autograd.gradgradcheck(lambda *ts: _call(ember, op, sample, ts), bases)
