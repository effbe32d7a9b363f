"""ember.nn.functional against torch.nn.functional, beyond the op table
(opinfo.py, whose generic tests in test_ops.py cover every function): the
legacy size_average/reduce flags, dropout's random masks, and the float32
convolution kernels that only wide channel counts reach."""

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF


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
