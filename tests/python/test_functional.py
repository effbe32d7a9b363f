"""ember.nn.functional against torch.nn.functional, driven by one table (after
PyTorch's OpInfo). Each entry names the function, a seeded sample maker that
draws random configurations (shapes, odd sizes, strides, paddings, dilations,
groups, ceil_mode, reductions, non-contiguous layouts) and a list of bad calls
with the error they must raise. Every sample is checked for values and
gradients against PyTorch (float64 and float32), with ember's gradcheck and
gradgradcheck in float64, and tensors the op updates in place (batch_norm's
running stats) are compared after the call.

Tolerances: float64 agrees with PyTorch to rounding (rtol 1e-10; different
summation orders in GEMM-based convolutions and reductions); float32 to 1e-5
relative, with an absolute floor of 1e-5 for results that are sums of up to a
few hundred products (convolutions, losses, normalizations), 1e-6 otherwise.
"""

import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF

from parity import assert_matches_torch, outputs

# PyTorch's deprecation notices for calls the table makes on purpose (implicit softmax dim, kl_div 'mean').
pytestmark = [pytest.mark.filterwarnings("ignore:Implicit dimension choice"),
              pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")]


@dataclass(frozen=True)
class Arg:
    """A tensor argument: shape, value kind and memory layout.

    kind: "float" (normal), "positive" ([0.5, 2]), "unit" ([0.05, 0.95]),
    "simplex" (positive, summing to 1 along dim 1), "index" (int64 in [0, high)).
    layout: "contiguous", "transposed" (all dims reversed), "strided" (every
    other element of the last dim) or "channels_last" (4-d, an NHWC buffer).
    """

    shape: tuple
    kind: str = "float"
    layout: str = "contiguous"
    high: int = 0
    grad: bool = True

    @property
    def differentiable(self):
        return self.kind != "index" and self.grad

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
        if self.kind == "unit":
            return rng.uniform(0.05, 0.95, shape)
        if self.kind == "simplex":
            assert self.layout == "contiguous"
            p = rng.uniform(0.1, 1.0, shape)
            return p / p.sum(axis=1, keepdims=True)
        if self.kind == "index":
            return rng.integers(0, self.high, shape)
        raise ValueError(self.kind)

    def view(self, t):
        if self.layout == "transposed":
            return t.permute(*reversed(range(t.ndim)))
        if self.layout == "strided":
            return t[..., ::2]
        if self.layout == "channels_last":
            return t.permute(0, 3, 1, 2)
        return t


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        return f"Sample({self.args}, {self.kwargs})"


@dataclass
class FOp:
    """One function. ``samples(rng)`` returns Samples; ``errors`` holds
    (description, call(F), exception type, message fragment) for ember's F."""

    name: str
    samples: Callable
    errors: list = field(default_factory=list)
    gradgradcheck: bool = True
    atol32: float = 1e-6
    rtol64: float = 1e-10
    fn: Callable = None

    def call(self, F, *args, **kwargs):
        return (self.fn or getattr(F, self.name))(*args, **kwargs)


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


# ---- sample makers: seeded, so a failure names a reproducible case ----

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
    # Only the deterministic cases go through the table; the random masks have their own tests below.
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

CONV_ERRORS = [
    ("channel mismatch", lambda F: F.conv2d(X4(), ember.zeros(3, 3, 3, 3)), ValueError, "channels"),
    ("zero stride", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), stride=0), ValueError, "stride"),
    ("negative padding", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), padding=-1), ValueError, "padding"),
    ("zero dilation", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), dilation=(1, 0)), ValueError, "dilation"),
    ("kernel larger than input", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 7, 7)), ValueError, "kernel"),
    ("groups not dividing", lambda F: F.conv2d(X4(), ember.zeros(3, 1, 3, 3), groups=2), ValueError, "groups"),
    ("bad padding string", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), padding="full"), ValueError, "padding"),
    ("padding triple", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), padding=(1, 1, 1)), TypeError, "padding"),
    ("same with stride 2", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), stride=2, padding="same"), ValueError,
     "same"),
    ("bias size", lambda F: F.conv2d(X4(), ember.zeros(1, 2, 3, 3), ember.zeros(2)), ValueError, "bias"),
    ("input rank", lambda F: F.conv2d(ember.zeros(5, 5), ember.zeros(1, 2, 3, 3)), ValueError, "input"),
]

POOL_ERRORS = [
    ("zero kernel", lambda F: F.max_pool2d(X4(), 0), ValueError, "kernel"),
    ("zero stride", lambda F: F.max_pool2d(X4(), 2, stride=0), ValueError, "stride"),
    ("padding over half the kernel", lambda F: F.max_pool2d(X4(), 2, padding=2), ValueError, "pad"),
    ("kernel larger than input", lambda F: F.max_pool2d(X4(), 7), ValueError, "output size"),
    ("kernel triple", lambda F: F.max_pool2d(X4(), (2, 2, 2)), TypeError, "kernel_size"),
]


OPS = [
    FOp("conv2d", conv2d_samples, CONV_ERRORS, atol32=1e-5),
    FOp("conv1d", conv1d_samples, [
        ("zero stride", lambda F: F.conv1d(ember.zeros(1, 2, 5), ember.zeros(1, 2, 3), stride=0), ValueError, "stride"),
        ("channel mismatch", lambda F: F.conv1d(ember.zeros(1, 2, 5), ember.zeros(1, 3, 3)), ValueError, "channels"),
    ], atol32=1e-5),
    FOp("max_pool2d", max_pool2d_samples, POOL_ERRORS),
    FOp("max_pool1d", max_pool1d_samples, [
        ("zero kernel", lambda F: F.max_pool1d(ember.zeros(1, 2, 5), 0), ValueError, "kernel"),
    ]),
    FOp("avg_pool2d", avg_pool2d_samples, [
        ("zero divisor", lambda F: F.avg_pool2d(X4(), 2, divisor_override=0), ValueError, "divisor"),
        ("negative padding", lambda F: F.avg_pool2d(X4(), 2, padding=-1), ValueError, "padding"),
    ]),
    FOp("avg_pool1d", avg_pool1d_samples, [
        ("zero stride", lambda F: F.avg_pool1d(ember.zeros(1, 2, 5), 2, stride=0), ValueError, "stride"),
    ]),
    FOp("lp_pool2d", lp_pool2d_samples, [
        ("zero kernel", lambda F: F.lp_pool2d(X4(), 2.0, 0), ValueError, "kernel"),
    ]),
    FOp("adaptive_avg_pool2d", adaptive_samples, [
        ("negative output size", lambda F: F.adaptive_avg_pool2d(X4(), -1), ValueError, "output_size"),
        ("input rank", lambda F: F.adaptive_avg_pool2d(ember.zeros(5, 5), 2), ValueError, "input"),
    ]),
    FOp("adaptive_max_pool2d", adaptive_max_samples, [
        ("negative output size", lambda F: F.adaptive_max_pool2d(X4(), (2, -1)), ValueError, "output_size"),
    ]),
    FOp("relu", unary_samples()),
    FOp("relu6", unary_samples(), [
        ("inplace", lambda F: F.relu6(ember.zeros(2), inplace=True), ValueError, "inplace"),
    ]),
    FOp("leaky_relu", unary_samples(negative_slope=0.2)),
    FOp("prelu", prelu_samples, [
        ("weight size", lambda F: F.prelu(ember.zeros(2, 3, 4), ember.zeros(2)), ValueError, "weight"),
    ]),
    FOp("elu", unary_samples(alpha=0.7)),
    FOp("selu", unary_samples()),
    FOp("celu", unary_samples(alpha=1.5), [
        ("zero alpha", lambda F: F.celu(ember.zeros(2), alpha=0.0), ValueError, "alpha"),
    ]),
    FOp("gelu", unary_samples(), [
        ("bad approximate", lambda F: F.gelu(ember.zeros(2), approximate="fast"), ValueError, "approximate"),
    ]),
    FOp("gelu_tanh", unary_samples(approximate="tanh"), fn=lambda x, **kw: _F(x).gelu(x, **kw)),
    FOp("silu", unary_samples()),
    FOp("mish", unary_samples()),
    FOp("sigmoid", unary_samples()),
    FOp("tanh", unary_samples()),
    FOp("softplus", unary_samples(beta=2.0, threshold=1.5)),
    FOp("softsign", unary_samples()),
    FOp("hardtanh", unary_samples(min_val=-0.5, max_val=0.8), [
        ("min above max", lambda F: F.hardtanh(ember.zeros(2), 1.0, -1.0), ValueError, "min_val"),
    ]),
    # PyTorch's CPU kernel multiplies the float64 gradient by 1.0f / 6.0f, a float32
    # constant (relative error 3e-8); ember's g / 6 is exact, so float64 agrees to 1e-7 only.
    FOp("hardsigmoid", unary_samples(), rtol64=1e-7),
    FOp("hardswish", unary_samples()),
    FOp("softmax", softmax_samples, [
        ("dim out of range", lambda F: F.softmax(ember.zeros(2, 3), dim=2), IndexError, "dimension out of range"),
    ]),
    FOp("log_softmax", softmax_samples),
    FOp("linear", linear_samples, [
        ("in_features mismatch", lambda F: F.linear(ember.zeros(2, 3), ember.zeros(4, 5)), ValueError, "linear"),
    ], atol32=1e-5),
    FOp("dropout", dropout_samples, [
        ("p above 1", lambda F: F.dropout(ember.zeros(2), p=1.5), ValueError, "p"),
    ]),
    FOp("dropout2d", dropout_samples),
    FOp("pad", pad_samples, [
        ("circular", lambda F: F.pad(X4(), [1, 1], mode="circular"), ValueError, "mode"),
        ("odd pad list", lambda F: F.pad(X4(), [1, 1, 1]), ValueError, "pad"),
        ("reflect wider than input", lambda F: F.pad(X4(), [5, 5], mode="reflect"), ValueError, "pad"),
    ]),
    FOp("one_hot", one_hot_samples, [
        ("float classes", lambda F: F.one_hot(ember.zeros(3)), TypeError, "int64"),
        ("class out of range", lambda F: F.one_hot(ember.tensor([0, 3]), 3), ValueError, "class"),
    ]),
    FOp("batch_norm", batch_norm_samples, [
        ("running stats size", lambda F: F.batch_norm(ember.zeros(4, 3), ember.zeros(2), ember.ones(2)), ValueError,
         "running_mean"),
        ("one value per channel", lambda F: F.batch_norm(ember.zeros(1, 3), None, None, training=True), ValueError,
         "more than 1 value"),
    ], atol32=1e-5),
    FOp("layer_norm", layer_norm_samples, [
        ("shape mismatch", lambda F: F.layer_norm(ember.zeros(2, 3), [4]), ValueError, "normalized_shape"),
    ], atol32=1e-5),
    FOp("group_norm", group_norm_samples, [
        ("groups not dividing", lambda F: F.group_norm(ember.zeros(2, 6, 3), 4), ValueError, "group"),
    ], atol32=1e-5),
    FOp("instance_norm", instance_norm_samples, atol32=1e-5),
    FOp("local_response_norm", lrn_samples, [
        ("input rank", lambda F: F.local_response_norm(ember.zeros(2, 3), 2), ValueError, "local_response_norm"),
    ], atol32=1e-5),
    FOp("cross_entropy", cross_entropy_samples, [
        ("target out of range", lambda F: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 3])), (ValueError, IndexError),
         "out of"),
        ("batch mismatch", lambda F: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1, 2])), ValueError, "target"),
        ("bad reduction", lambda F: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), reduction="avg"),
         ValueError, "reduction"),
        ("smoothing above 1", lambda F: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), label_smoothing=1.5),
         ValueError, "label_smoothing"),
    ], atol32=1e-5),
    FOp("nll_loss", nll_loss_samples, [
        ("float target", lambda F: F.nll_loss(ember.zeros(2, 3), ember.zeros(2)), TypeError, "target"),
    ], atol32=1e-5),
    FOp("mse_loss", mse_samples, [
        ("shape mismatch", lambda F: F.mse_loss(ember.zeros(2, 3), ember.zeros(4)), ValueError,
         "mse_loss: shapes [2, 3] and [4] cannot be broadcast"),
        ("weight", lambda F: F.mse_loss(ember.zeros(2), ember.zeros(2), weight=ember.ones(2)), ValueError, "weight"),
    ], atol32=1e-5),
    FOp("l1_loss", pointwise_loss_samples(), atol32=1e-5),
    FOp("smooth_l1_loss", pointwise_loss_samples(beta=0.5), [
        ("negative beta", lambda F: F.smooth_l1_loss(ember.zeros(2), ember.zeros(2), beta=-1.0), ValueError, "beta"),
    ], atol32=1e-5),
    FOp("huber_loss", pointwise_loss_samples(delta=0.8), [
        ("zero delta", lambda F: F.huber_loss(ember.zeros(2), ember.zeros(2), delta=0.0), ValueError, "delta"),
    ], atol32=1e-5),
    FOp("binary_cross_entropy", pointwise_loss_samples("unit", "unit"), [
        ("input outside [0, 1]", lambda F: F.binary_cross_entropy(ember.full([2], 1.5), ember.zeros(2)), ValueError,
         "in [0, 1]"),
    ], atol32=1e-5),
    FOp("binary_cross_entropy_with_logits", bce_logits_samples, atol32=1e-5),
    FOp("kl_div", pointwise_loss_samples("positive"), atol32=1e-5),
    FOp("kl_div_batchmean_log_target", pointwise_loss_samples(reduction="batchmean", log_target=True),
        fn=lambda x, t, **kw: _F(x).kl_div(x, t, **kw), atol32=1e-5),
    FOp("multi_margin_loss", multi_margin_samples, [
        ("p = 3", lambda F: F.multi_margin_loss(ember.zeros(2, 3), ember.tensor([0, 1]), p=3), ValueError, "p"),
    ], atol32=1e-5),
]


def _F(x):
    """ember's or torch's functional module, whichever x belongs to."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else EF


def _samples(op):
    return op.samples(np.random.default_rng(zlib.crc32(op.name.encode())))


SAMPLES = {op.name: _samples(op) for op in OPS}


def _flat(sample):
    """The Args of a sample (positional, then keyword), in a fixed order."""
    return [a for a in list(sample.args) + list(sample.kwargs.values()) if isinstance(a, Arg)]


def _bases(lib, op, index, dtype):
    """One base tensor per Arg, with the same values for ember and torch; the
    differentiable ones require grad."""
    rng = np.random.default_rng(zlib.crc32(f"{op.name}-{index}".encode()))
    bases = []
    for a in _flat(SAMPLES[op.name][index]):
        array = a.draw(rng)
        base = lib.tensor(array, dtype=dtype) if array.dtype == np.float64 else lib.tensor(array)
        bases.append(base.requires_grad_(True) if a.differentiable else base)
    return bases


def _call(lib, op, index, bases):
    """Runs the op on views of ``bases``; dtype strings become the library's dtype."""
    sample, it = SAMPLES[op.name][index], iter(bases)

    def value(v):
        if isinstance(v, Arg):
            return v.view(next(it))
        if isinstance(v, str) and v in ("float32", "float64"):
            return getattr(lib, v)
        return v

    args = [value(v) for v in sample.args]
    kwargs = {k: value(v) for k, v in sample.kwargs.items()}
    return op.call(lib.nn.functional, *args, **kwargs)


CASES = [pytest.param(op, i, id=f"{op.name}-{i}") for op in OPS for i in range(len(SAMPLES[op.name]))]
DTYPES = {"float64": (ember.float64, torch.float64), "float32": (ember.float32, torch.float32)}


@pytest.mark.parametrize("dtype", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("op,index", CASES)
def test_values_and_gradients_match_torch(op, index, dtype):
    ember_dtype, torch_dtype = DTYPES[dtype]
    rtol, atol = (op.rtol64, 1e-12) if dtype == "float64" else (1e-5, op.atol32)
    e_bases, t_bases = _bases(ember, op, index, ember_dtype), _bases(torch, op, index, torch_dtype)
    e_out, t_out = outputs(_call(ember, op, index, e_bases)), outputs(_call(torch, op, index, t_bases))
    assert_matches_torch(e_out, t_out, e_bases, t_bases, rtol, atol)


DIFFERENTIABLE = [p for p in CASES if any(a.differentiable for a in _flat(SAMPLES[p.values[0].name][p.values[1]]))]


def _floatoutputs(op, index):
    """The op as a function of its base tensors, keeping only its float outputs (not pooling indices)."""
    def fn(*bases):
        outs = [o for o in outputs(_call(ember, op, index, bases)) if o.dtype == ember.float64]
        return outs[0] if len(outs) == 1 else tuple(outs)
    return fn


@pytest.mark.parametrize("op,index", DIFFERENTIABLE)
def test_gradcheck(op, index):
    bases = _bases(ember, op, index, ember.float64)
    assert ember.autograd.gradcheck(_floatoutputs(op, index), bases)


@pytest.mark.parametrize("op,index", [p for p in DIFFERENTIABLE if p.values[0].gradgradcheck])
def test_gradgradcheck(op, index):
    bases = _bases(ember, op, index, ember.float64)
    assert ember.autograd.gradgradcheck(_floatoutputs(op, index), bases)


ERRORS = [pytest.param(op, *e, id=f"{op.name}-{e[0]}") for op in OPS for e in op.errors]


@pytest.mark.parametrize("op,description,call,exception,fragment", ERRORS)
def test_bad_input_raises(op, description, call, exception, fragment):
    with pytest.raises(exception) as info:
        call(EF)
    message = str(info.value)
    assert fragment in message, message
    assert op.name.split("_tanh")[0] in message or "expected" in message, message


def test_every_api_function_is_bound():
    api = ("conv1d conv2d max_pool1d max_pool2d avg_pool1d avg_pool2d lp_pool2d adaptive_avg_pool2d "
           "adaptive_max_pool2d relu relu6 leaky_relu prelu elu selu celu gelu silu mish sigmoid tanh softplus "
           "softsign hardtanh hardsigmoid hardswish softmax log_softmax linear dropout dropout2d pad one_hot "
           "batch_norm layer_norm group_norm instance_norm local_response_norm cross_entropy nll_loss mse_loss "
           "l1_loss smooth_l1_loss huber_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div "
           "multi_margin_loss").split()
    assert [name for name in api if not callable(getattr(EF, name, None))] == []
    assert ember.nn.functional is EF


def test_legacy_size_average_and_reduce_flags_map_to_reduction():
    x, t = ember.tensor([[1.0, 2.0], [3.0, 5.0]]), ember.tensor([[0.0, 0.0], [0.0, 1.0]])
    assert EF.mse_loss(x, t, size_average=False).item() == EF.mse_loss(x, t, reduction="sum").item()
    assert EF.mse_loss(x, t, reduce=False).shape == (2, 2)
    assert EF.mse_loss(x, t, size_average=True, reduce=True).item() == EF.mse_loss(x, t).item()


@pytest.mark.parametrize("name", ["dropout", "dropout2d"])
def test_dropout_zeroes_with_probability_p_and_scales_survivors(name):
    ember.manual_seed(0)
    p = 0.3
    x = ember.ones(200, 50, 4, 4, requires_grad=True)
    y = getattr(EF, name)(x, p=p)
    values = y.detach().numpy()
    kept = values != 0
    np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-6)
    if name == "dropout2d":  # whole channels: every (n, c) plane is all kept or all dropped
        assert (kept.all(axis=(2, 3)) | ~kept.any(axis=(2, 3))).all()
    n = kept.size if name == "dropout" else kept.shape[0] * kept.shape[1]
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the same mask and scale
    np.testing.assert_array_equal(getattr(EF, name)(x, p=p, training=False).detach().numpy(), x.detach().numpy())


# float32 convolutions the table's few channels never reach: 16 and 32-70
# channels run ember's direct and Winograd kernels (a float64 call takes
# im2col + GEMM, so gradcheck does not see them; the C++ tests compare them
# with float64). Here: against PyTorch's float32, relative to each result's
# largest magnitude (sums of up to 9 * 70 products).
WIDE_CONVS = [
    # (N, C, O, H, W, padding, bias)
    (3, 16, 16, 12, 9, 1, True),     # direct
    (5, 32, 32, 8, 8, 1, False),     # Winograd, whole 2x2 tiles
    (2, 48, 40, 7, 11, 2, True),     # Winograd, partial tiles, padding 2
    (9, 64, 33, 5, 6, 0, True),      # Winograd, no padding, outputs filling no whole vector
    (4, 35, 64, 9, 9, "same", False),
]


@pytest.mark.parametrize("n,c,o,h,w,padding,bias", WIDE_CONVS)
def test_float32_conv2d_kernels_match_torch(n, c, o, h, w, padding, bias):
    rng = np.random.default_rng(c * 131 + o)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((n, c, h, w), (o, c, 3, 3), (o,))]
    results = []
    for lib, F in ((ember, EF), (torch, torch.nn.functional)):
        x, wt, b = (lib.tensor(a.copy(), requires_grad=True) for a in arrays)
        y = F.conv2d(x, wt, b if bias else None, padding=padding)
        gy = lib.tensor(np.random.default_rng(7).standard_normal(tuple(y.shape)).astype(np.float32))
        y.backward(gy)
        grads = [x.grad, wt.grad] + ([b.grad] if bias else [])
        results.append([t.detach().numpy() for t in [y] + grads])
    for got, want in zip(*results):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())
