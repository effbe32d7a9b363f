"""Issue 13's tensor methods and torch functions beyond what the op table
checks: random fills against their distributions, zero-norm gradients,
cumprod with zeros, unique/searchsorted special values, and the dir(torch.Tensor)
names a PyTorch user reaches for first."""

import math

import numpy as np
import pytest
import torch

import ember


def test_uniform_fills_in_place_with_the_range_and_moments_of_uniform():
    x = ember.empty(20000, dtype=ember.float64)
    out = x.uniform_(-2.0, 3.0, generator=ember.Generator(7))
    assert out is x
    v = x.numpy()
    assert v.min() >= -2.0 and v.max() < 3.0
    # mean 0.5, variance 25/12; 5 standard errors
    assert abs(v.mean() - 0.5) < 5 * math.sqrt(25 / 12 / v.size)
    assert abs(v.var() - 25 / 12) < 0.1


def test_normal_fills_with_mean_and_std_and_is_reproducible_from_a_seed():
    x = ember.empty(20000).normal_(1.5, 0.5, generator=ember.Generator(3))
    v = x.numpy().astype(np.float64)
    assert abs(v.mean() - 1.5) < 5 * 0.5 / math.sqrt(v.size)
    assert abs(v.std() - 0.5) < 0.02
    y = ember.empty(20000).normal_(1.5, 0.5, generator=ember.Generator(3))
    assert ember.equal(x, y) if hasattr(ember, "equal") else bool((x == y).all())


def test_random_fills_refuse_bad_arguments_and_integer_tensors():
    with pytest.raises(ValueError, match="uniform_"):
        ember.zeros(3).uniform_(2.0, 1.0)
    with pytest.raises(ValueError, match="normal_"):
        ember.zeros(3).normal_(0.0, -1.0)
    with pytest.raises(TypeError, match="uniform_"):
        ember.zeros(3, dtype=ember.int64).uniform_()


def test_uniform_on_a_leaf_that_requires_grad_needs_no_grad_as_in_pytorch():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.uniform_()
    with ember.no_grad():
        w.uniform_()
    assert w.requires_grad and bool((w != 0).any())


@pytest.mark.parametrize("ord", [2, 1, 3])
def test_the_gradient_of_a_zero_vector_norm_is_zero_as_in_pytorch(ord):
    for lib in (ember, torch):
        x = lib.zeros(2, 3, dtype=lib.float64, requires_grad=True)
        lib.linalg.vector_norm(x, ord, dim=1).sum().backward()
        assert x.grad.abs().sum().item() == 0


def test_cumprod_gradient_with_several_zeros_matches_torch():
    values = [[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 1.0, 2.0, 4.0, 0.5]]
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        (lib.cumprod(x, 1) * lib.arange(1, 6, dtype=lib.float64)).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_cumsum_of_bool_and_int_gives_int64_and_dtype_converts_first():
    assert ember.cumsum(ember.tensor([True, False, True]), 0).tolist() == [1, 1, 2]
    assert ember.cumsum(ember.tensor([True, True]), 0).dtype == ember.int64
    out = ember.cumsum(ember.tensor([1, 2, 3]), 0, dtype=ember.float64)
    assert out.dtype == ember.float64 and out.tolist() == [1.0, 3.0, 6.0]


def test_unique_orders_nan_last_and_keeps_each_nan_apart_as_torch():
    data = [2.0, float("nan"), 1.0, 2.0, float("nan")]
    got = ember.unique(ember.tensor(data), return_inverse=True, return_counts=True)
    want = torch.unique(torch.tensor(data), return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    assert got[1].tolist() == want[1].tolist() and got[2].tolist() == want[2].tolist()


def test_unique_with_a_dim_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="unique: dim"):
        ember.unique(ember.zeros(2, 2), dim=0)


def test_searchsorted_and_bucketize_take_a_number_and_sorter_as_torch():
    seq = [1.0, 3.0, 5.0, 7.0]
    for right in (False, True):
        assert ember.searchsorted(ember.tensor(seq), 5.0, right=right).item() == \
            torch.searchsorted(torch.tensor(seq), 5.0, right=right).item()
        assert ember.bucketize(3, ember.tensor(seq), right=right).item() == \
            torch.bucketize(3, torch.tensor(seq), right=right).item()
    unsorted, sorter = [5.0, 1.0, 7.0, 3.0], [1, 3, 0, 2]
    v = [0.0, 3.0, 6.0, 9.0]
    got = ember.searchsorted(ember.tensor(unsorted), ember.tensor(v), sorter=ember.tensor(sorter))
    want = torch.searchsorted(torch.tensor(unsorted), torch.tensor(v), sorter=torch.tensor(sorter))
    assert got.tolist() == want.tolist()
    with pytest.raises(ValueError, match="side"):
        ember.searchsorted(ember.tensor(seq), ember.tensor(v), side="middle")


def test_sort_and_topk_return_named_tuples_as_torch():
    x = ember.tensor([[3.0, 1.0, 2.0]])
    s = ember.sort(x)
    assert type(s).__name__ == "sort" and s.values.tolist() == [[1.0, 2.0, 3.0]] and s.indices.tolist() == [[1, 2, 0]]
    t = x.topk(1)
    assert type(t).__name__ == "topk" and t.values.tolist() == [[3.0]] and t.indices.tolist() == [[0]]


def test_einsum_refuses_what_ember_does_not_support_with_clear_errors():
    with pytest.raises(ValueError, match="einsum"):
        ember.einsum("ii->i", ember.zeros(2, 2))
    with pytest.raises(ValueError, match="einsum"):
        ember.einsum("ij,jk", ember.zeros(2, 3))
    with pytest.raises(ValueError, match="einsum"):
        ember.einsum("ij->k", ember.zeros(2, 3))


def test_matrix_norms_needing_an_svd_say_so():
    with pytest.raises(ValueError, match="singular value"):
        ember.linalg.matrix_norm(ember.zeros(2, 2), "nuc")
    with pytest.raises(ValueError, match="singular value"):
        ember.linalg.matrix_norm(ember.zeros(2, 2), 2)


def test_mT_needs_two_dims_and_T_warns_off_two_dims_as_torch():
    with pytest.raises(ValueError, match="mT"):
        ember.zeros(3).mT
    with pytest.warns(UserWarning, match="x.T"):
        ember.zeros(2, 3, 4).T


def test_meshgrid_without_indexing_is_ij_and_warns_as_torch():
    with pytest.warns(UserWarning, match="indexing"):
        grids = ember.meshgrid(ember.arange(2), ember.arange(3))
    assert [g.shape for g in grids] == [ember.Size([2, 3])] * 2
    assert grids[0].tolist() == [[0, 0, 0], [1, 1, 1]]


def test_addmm_with_beta_zero_ignores_nan_in_input_as_torch():
    c = ember.full((2, 2), float("nan"))
    out = ember.addmm(c, ember.ones(2, 3), ember.ones(3, 2), beta=0)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_multinomial_draws_in_proportion_to_the_weights():
    weights = ember.tensor([1.0, 0.0, 3.0, 6.0], dtype=ember.float64)
    draws = ember.multinomial(weights, 20000, replacement=True, generator=ember.Generator(5)).numpy()
    freq = np.bincount(draws, minlength=4) / draws.size
    expected = np.array([0.1, 0.0, 0.3, 0.6])
    # 5 binomial standard errors
    assert np.all(np.abs(freq - expected) <= 5 * np.sqrt(expected * (1 - expected) / draws.size) + 1e-12)


def test_multinomial_without_replacement_draws_each_category_at_most_once():
    probs = ember.tensor([[0.2, 0.3, 0.5, 0.0], [1.0, 1.0, 1.0, 1.0]])
    out = probs.multinomial(3)
    assert out.shape == ember.Size([2, 3]) and out.dtype == ember.int64
    for row in out.tolist():
        assert len(set(row)) == 3
    assert 3 not in out[0].tolist()
    with pytest.raises(ValueError, match="multinomial"):
        ember.multinomial(ember.tensor([0.5, 0.5]), 3)
    with pytest.raises(ValueError, match="multinomial"):
        ember.multinomial(ember.tensor([0.5, -0.5]), 1)


# The methods of torch.Tensor that PyTorch programs reach for first, which ember must have.
COMMON_TENSOR_METHODS = [
    "norm", "T", "mT", "tile", "uniform_", "normal_", "scatter_", "scatter", "cumsum", "cumprod", "sort", "argsort",
    "topk", "log1p", "expm1", "masked_scatter", "masked_scatter_", "unique", "tril", "triu", "softmax", "log_softmax",
    "addmm", "baddbmm", "outer", "log2", "log10", "square", "floor", "ceil", "round", "trunc", "tan", "view_as",
    "all", "any", "repeat", "type", "fill_", "copy_", "clone", "new_zeros", "new_ones", "bernoulli_", "nonzero",
    "erf", "sinh", "cosh", "asin", "acos", "atan", "isnan", "isinf", "logical_xor", "remainder", "fmod", "lerp",
    "nan_to_num", "clip", "clip_", "nansum", "nanmean", "count_nonzero", "roll", "movedim", "moveaxis", "diag",
    "repeat_interleave", "ravel", "broadcast_to", "reshape_as", "dot", "mv", "masked_select", "where", "equal",
    "multinomial", "scatter_add_", "index_add_",
]
COMMON_FUNCTIONS = [
    "linspace", "logspace", "log1p", "expm1", "norm", "einsum", "softmax", "log_softmax", "tril", "triu", "outer",
    "cdist", "bucketize", "searchsorted", "meshgrid", "cumsum", "cumprod", "sort", "topk", "baddbmm", "addmm",
    "unique", "allclose", "isclose", "tile", "scatter", "masked_scatter", "square", "floor", "ceil", "round",
    "erf", "isnan", "isinf", "remainder", "fmod", "lerp", "nan_to_num", "clip", "nansum", "nanmean",
    "count_nonzero", "roll", "movedim", "hstack", "vstack", "diag", "repeat_interleave", "ravel", "broadcast_to",
    "dot", "mv", "masked_select", "equal", "multinomial",
]


@pytest.mark.parametrize("name", COMMON_TENSOR_METHODS)
def test_common_tensor_methods_exist(name):
    assert hasattr(torch.Tensor, name)
    assert hasattr(ember.Tensor, name)


@pytest.mark.parametrize("name", COMMON_FUNCTIONS)
def test_common_functions_exist(name):
    assert callable(getattr(torch, name))
    assert callable(getattr(ember, name))


def test_linalg_norms_exist():
    for name in ("vector_norm", "matrix_norm", "norm"):
        assert callable(getattr(ember.linalg, name))
    import ember.linalg as la  # importable as a module, as torch.linalg
    assert la.vector_norm is ember.linalg.vector_norm
