"""The generic tests of every op in the table (opinfo.op_db, after PyTorch's
test_ops.py): values and gradients against PyTorch in each of the op's dtypes,
ember's gradcheck and gradgradcheck in float64, the same results from
non-contiguous inputs as from contiguous ones, and bad inputs raising the
expected exception with a message that names the op; an entry's layer
(``module``) prints as PyTorch's and computes its op. The table also lists the
bound names: every entry's function exists, and every function ember binds has
an entry (or a reason not to in opinfo.NOT_IN_TABLE).
"""

import types

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF

from opinfo import NOT_IN_TABLE, Arg, op_db, resolve
from parity import assert_matches_torch, outputs, to_numpy

# PyTorch's notices for calls the table makes on purpose (implicit softmax dim, kl_div 'mean', index_reduce).
pytestmark = [pytest.mark.filterwarnings("ignore:Implicit dimension choice"),
              pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss"),
              pytest.mark.filterwarnings("ignore:index_reduce.. is in beta")]

DTYPES = {"float64": (ember.float64, torch.float64), "float32": (ember.float32, torch.float32)}


def cases(test, dtypes=False, where=lambda op, index: True):
    """(op, sample index[, dtype]) for every sample of every op that does not skip ``test``."""
    out = []
    for op in op_db:
        if test in op.skips:
            continue
        for index in range(len(op.samples)):
            if where(op, index):
                for dtype in (op.dtypes if dtypes else [None]):
                    params = (op, index) + ((dtype,) if dtypes else ())
                    out.append(pytest.param(*params, id=f"{op.name}-{index}" + (f"-{dtype}" if dtypes else "")))
    return out


@pytest.mark.parametrize("op,index,dtype", cases("parity", dtypes=True))
def test_values_and_gradients_match_torch(op, index, dtype):
    ember_dtype, torch_dtype = DTYPES[dtype]
    rtol, atol = op.tolerance(dtype)
    e_leaves, t_leaves = op.leaves(ember, index, ember_dtype), op.leaves(torch, index, torch_dtype)
    e_out = outputs(op(ember, index, op.views(index, e_leaves)))
    t_out = outputs(op(torch, index, op.views(index, t_leaves)))
    assert_matches_torch(e_out, t_out, e_leaves, t_leaves, rtol, atol)


def _float_outputs(op, index):
    """The op as a function of its base tensors, keeping only its float outputs (not indices)."""
    def fn(*leaves):
        outs = [o for o in outputs(op(ember, index, op.views(index, leaves))) if o.dtype == ember.float64]
        return outs[0] if len(outs) == 1 else tuple(outs)
    return fn


def _differentiable(op, index):
    return op.differentiable(index)


@pytest.mark.parametrize("op,index", cases("gradcheck", where=_differentiable))
def test_gradcheck(op, index):
    leaves = op.leaves(ember, index, ember.float64)
    assert ember.autograd.gradcheck(_float_outputs(op, index), leaves)


@pytest.mark.parametrize("op,index", cases("gradgradcheck", where=_differentiable))
def test_gradgradcheck(op, index):
    leaves = op.leaves(ember, index, ember.float64)
    assert ember.autograd.gradgradcheck(_float_outputs(op, index), leaves)


def _has_tensor_args(op, index):
    return bool(op.samples[index].tensor_args())


def _inputs(op, index, dtype, strided):
    """Sample ``index``'s arguments with the sample's values, each a fresh contiguous
    tensor or (strided) every other element of a tensor whose other elements are
    NaN (or 0 for integer and bool tensors), so an op that reads past a view's
    elements shows. Returns (leaves, arguments); differentiable leaves require grad."""
    leaves, args = [], []
    for a, base in op.arrays(index):
        value = np.array(a.view(base), order="C")
        if strided and value.ndim > 0:
            wide = np.full(value.shape[:-1] + (2 * value.shape[-1],), np.nan if value.dtype == np.float64 else 0,
                           dtype=value.dtype)
            wide[..., ::2] = value
            value = wide
        leaf = ember.tensor(value, dtype=dtype) if value.dtype == np.float64 else ember.tensor(value)
        if a.differentiable:
            leaf.requires_grad_(True)
        leaves.append(leaf)
        args.append(leaf[..., ::2] if strided and value.ndim > 0 else leaf)
    return leaves, args


def _dense(t, strided):
    """The logical elements behind a leaf of _inputs, as a NumPy array."""
    a = to_numpy(t)
    return a[..., ::2] if strided and a.ndim > 0 else a


@pytest.mark.parametrize("op,index,dtype", cases("noncontiguous", dtypes=True, where=_has_tensor_args))
def test_noncontiguous_inputs_give_the_contiguous_results(op, index, dtype):
    rtol, atol = op.tolerance(dtype)
    results = []
    for strided in (False, True):
        leaves, args = _inputs(op, index, DTYPES[dtype][0], strided)
        outs = outputs(op(ember, index, args))
        grads = []
        differentiable = [t for t in leaves if t.requires_grad]
        float_outs = [o for o in outs if o.requires_grad]
        if differentiable and float_outs:
            rng = np.random.default_rng(0)
            weights = [ember.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in float_outs]
            grads = ember.autograd.grad(float_outs, differentiable, weights, allow_unused=True)
        # Inputs the op updates in place (running statistics) count as results too.
        updated = [_dense(t, strided) for t in leaves if not t.requires_grad]
        results.append(([to_numpy(o) for o in outs], [None if g is None else _dense(g, strided) for g in grads],
                        updated))
    for got, want in zip(results[1], results[0]):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert (g is None) == (w is None)
            if w is not None:
                assert g.shape == w.shape
                np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


MODULES = [pytest.param(op, id=f"{op.name}-{op.module}") for op in op_db if op.module]


@pytest.mark.parametrize("op", MODULES)
def test_module_prints_as_torch_and_computes_its_op(op):
    index = next(i for i, s in enumerate(op.samples) if not any(isinstance(v, Arg) for v in s.kwargs.values()))
    kwargs = op.samples[index].kwargs
    e_layer, t_layer = resolve(ember, "nn." + op.module)(**kwargs), resolve(torch, "nn." + op.module)(**kwargs)
    assert repr(e_layer) == repr(t_layer)
    rtol, atol = op.tolerance("float64")
    e_leaves, t_leaves = op.leaves(ember, index, ember.float64), op.leaves(torch, index, torch.float64)
    e_args, t_args = op.views(index, e_leaves), op.views(index, t_leaves)
    e_out = e_layer(*e_args)
    np.testing.assert_array_equal(to_numpy(e_out), to_numpy(op(ember, index, e_args)))
    np.testing.assert_allclose(to_numpy(e_out), t_layer(*t_args).detach().numpy(), rtol=rtol, atol=atol)


ERRORS = [pytest.param(op, e, id=f"{op.name}-{e.description}") for op in op_db for e in op.error_inputs]


@pytest.mark.parametrize("op,error", ERRORS)
def test_bad_input_raises_an_error_naming_the_op(op, error):
    with pytest.raises(error.error_type) as info:
        resolve(ember, op.ref)(*error.sample.args, **error.sample.kwargs)
    message = str(info.value)
    assert error.match in message, message
    assert op.short_ref in message, message


def test_every_table_op_is_bound():
    assert [op.ref for op in op_db if not callable(resolve(ember, op.ref))] == []
    assert ember.nn.functional is EF


def _bound_functions(module):
    """The public functions of ``module`` that come from the extension."""
    return {name for name in dir(module) if not name.startswith("_")
            and isinstance(getattr(module, name), types.BuiltinFunctionType)}


def test_every_bound_function_has_a_table_entry():
    refs = {op.ref for op in op_db}
    assert sorted(_bound_functions(ember) - refs - NOT_IN_TABLE) == []
    assert sorted("nn.functional." + name for name in _bound_functions(EF)) == \
        sorted(ref for ref in refs if ref.startswith("nn.functional."))
    assert sorted(NOT_IN_TABLE - _bound_functions(ember)) == []  # no stale exemption
