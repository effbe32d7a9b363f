"""The comparison the op table's PyTorch parity test (test_ops.py) runs on each
sample: outputs, tensors the op updated in place, and the gradients of every
differentiable input."""
import numpy as np
import torch

import ember


def outputs(result):
    """An op's result as a list of tensors."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


def to_numpy(t):
    return t.detach().numpy()


def assert_matches_torch(e_out, t_out, e_bases, t_bases, rtol, atol):
    """Shapes, dtypes and values of the outputs; inputs that take no gradient
    (running statistics an op updates in place); then the gradients of the
    inputs that require grad, under one fixed random weighting of every output."""
    assert len(e_out) == len(t_out)
    for e, t in zip(e_out, t_out):
        assert tuple(e.shape) == tuple(t.shape)
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_allclose(to_numpy(e), to_numpy(t), rtol=rtol, atol=atol)
    for e, t in zip(e_bases, t_bases):
        if not t.requires_grad:
            np.testing.assert_allclose(to_numpy(e), to_numpy(t), rtol=rtol, atol=atol)
    leaves = [(e, t) for e, t in zip(e_bases, t_bases) if t.requires_grad]
    if not leaves:
        return
    # A fixed random weighting of every float output gives each element its own upstream gradient.
    rng = np.random.default_rng(0)
    e_loss, t_loss = 0, 0
    for e, t in zip(e_out, t_out):
        if t.requires_grad:
            w = rng.standard_normal(tuple(t.shape))
            e_loss = e_loss + (e * ember.tensor(w, dtype=e.dtype)).sum()
            t_loss = t_loss + (t * torch.tensor(w, dtype=t.dtype)).sum()
    e_loss.backward()
    t_loss.backward()
    for e, t in leaves:
        np.testing.assert_allclose(to_numpy(e.grad), to_numpy(t.grad), rtol=rtol, atol=atol)
