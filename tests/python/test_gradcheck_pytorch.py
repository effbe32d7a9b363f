"""gradcheck and gradgradcheck judged against PyTorch's own: every case makes
the same call under ember and under torch and expects the same verdict (the
same return value, or the same exception type with a message matching the
same regex, and the same warnings). Functions with two outputs, one of them
wrong in its first or its second derivative, must fail under both."""

import re
import warnings

import pytest
import torch

import ember

LIBS = {"ember": ember, "torch": torch}


def verdict(call, lib):
    """("returns", value) or ("raises", exception type name, message), and the warnings given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome = ("returns", call(lib), "")
        except Exception as e:  # noqa: BLE001 - the verdict is what we compare
            outcome = ("raises", type(e).__name__, str(e))
    return outcome, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def same_verdict(call, *, returns=None, raises=None, match=None, warns=None):
    """Runs call(lib) under both libraries and checks the verdict each gives."""
    for name, lib in LIBS.items():
        (kind, value, message), warned = verdict(call, lib)
        where = f"{name}: {kind} {value} {message[:500]!r}"
        if raises is None:
            assert (kind, value) == ("returns", returns), where
        else:
            assert (kind, value) == ("raises", raises), where
            assert re.search(match, message), where
        if warns is not None:
            assert any(re.search(warns, w) for w in warned), f"{name}: no warning matching {warns!r} in {warned}"


def double(lib, *shape, seed=0):
    lib.manual_seed(seed)
    return (lib.rand(*shape, dtype=lib.float64) + 0.5).requires_grad_()


# Custom Functions, written once against either library.

def two_outputs(lib, wrong_second_backward=False):
    """(2x, x²); with wrong_second_backward the gradient of x² is taken as 3x."""

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            (x,) = ctx.saved_tensors
            return grad_a * 2 + grad_b * (3 if wrong_second_backward else 2) * x

    return TwoOutputs.apply


def two_outputs_wrong_second_derivative(lib):
    """(2x, x²) with a right first derivative whose own derivative is wrong:
    the vjp of output 1, g·2x, is a Function whose backward says d/dx = 3g."""

    class ScaledDouble(lib.autograd.Function):  # (g, x) -> 2 g x
        @staticmethod
        def forward(ctx, g, x):
            ctx.save_for_backward(g, x)
            return 2 * g * x

        @staticmethod
        def backward(ctx, gg):
            g, x = ctx.saved_tensors
            return gg * 2 * x, gg * 3 * g  # right: gg * 2 * g

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            (x,) = ctx.saved_tensors
            return grad_a * 2 + ScaledDouble.apply(grad_b, x)

    return TwoOutputs.apply


def not_multiplied_by_grad_output(lib):
    class Shifted(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2 + 1e-3

    return Shifted.apply


def mishandles_undefined_grads(lib):
    """Right gradients, but ones instead of zeros when one output's gradient is
    undefined and the other's is zero."""

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            total = lib.zeros(3, dtype=lib.float64)
            if grad_a is not None:
                total = total + grad_a * 2
            if grad_b is not None:
                total = total + grad_b * 3
            if (grad_a is None or grad_b is None) and bool((total == 0).all()):
                return lib.ones(3, dtype=lib.float64)
            return total

    return TwoOutputs.apply


def nondeterministic(lib, jitter):
    class NonDet(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * (1 + lib.rand(g.shape, dtype=g.dtype) * jitter)

    return NonDet.apply


# Multi-output functions: output by output, in slow and fast mode.

@pytest.mark.parametrize("fast_mode", [False, True])
def test_a_right_two_output_function_passes_both_checks(fast_mode):
    same_verdict(lambda lib: lib.autograd.gradcheck(two_outputs(lib), (double(lib, 3),), fast_mode=fast_mode),
                 returns=True)
    same_verdict(lambda lib: lib.autograd.gradgradcheck(two_outputs(lib), (double(lib, 3),), fast_mode=fast_mode),
                 returns=True)


def test_a_wrong_backward_of_the_second_output_fails_naming_output_1():
    same_verdict(lambda lib: lib.autograd.gradcheck(two_outputs(lib, True), (double(lib, 3),)),
                 raises="GradcheckError",
                 match=r"^Jacobian mismatch for output 1 with respect to input 0,\nnumerical:tensor\([\s\S]*"
                       r"\nanalytical:tensor\(")


def test_a_wrong_backward_of_the_second_output_fails_in_fast_mode():
    same_verdict(lambda lib: lib.autograd.gradcheck(two_outputs(lib, True), (double(lib, 3),), fast_mode=True),
                 raises="GradcheckError",
                 match=r"^Jacobian mismatch for output 1 with respect to input 0,\nnumerical:[-0-9.e]+\n"
                       r"analytical:[-0-9.e]+\n(.|\n)*recompute numerical and analytical jacobians in slow mode")


def test_the_input_index_counts_only_inputs_that_require_grad():
    def call(lib):
        y = double(lib, 3, seed=1)
        f = two_outputs(lib, True)
        return lib.autograd.gradcheck(lambda k, a, b: f(a * b * k), (2.0, y.detach(), double(lib, 3)))

    same_verdict(call, raises="GradcheckError", match=r"^Jacobian mismatch for output 1 with respect to input 0,")


def test_raise_exception_false_returns_false_on_a_mismatch():
    for fast_mode in (False, True):
        same_verdict(lambda lib: lib.autograd.gradcheck(two_outputs(lib, True), (double(lib, 3),),
                                                         raise_exception=False, fast_mode=fast_mode),
                     returns=False)


def test_a_wrong_second_derivative_of_output_1_fails_gradgradcheck_only():
    f = two_outputs_wrong_second_derivative
    same_verdict(lambda lib: lib.autograd.gradcheck(f(lib), (double(lib, 3),)), returns=True)
    same_verdict(lambda lib: lib.autograd.gradgradcheck(f(lib), (double(lib, 3),)),
                 raises="GradcheckError", match=r"^Jacobian mismatch for output 0 with respect to input 0,")
    same_verdict(lambda lib: lib.autograd.gradgradcheck(f(lib), (double(lib, 3),), fast_mode=True),
                 raises="GradcheckError", match=r"^Jacobian mismatch for output 0 with respect to input 0,")
    same_verdict(lambda lib: lib.autograd.gradgradcheck(f(lib), (double(lib, 3),), raise_exception=False),
                 returns=False)


def test_gradgradcheck_with_given_and_with_non_contiguous_grad_outputs():
    def given(lib):
        x = double(lib, 2, 3)
        gos = (lib.ones(2, 3, dtype=lib.float64, requires_grad=True),
               lib.full((2, 3), 0.5, dtype=lib.float64, requires_grad=True))
        return lib.autograd.gradgradcheck(lambda t: (t * t, t.sin()), (x,), gos)

    same_verdict(given, returns=True)
    same_verdict(lambda lib: lib.autograd.gradgradcheck(lambda a, b: (a * b, (a * a).sum(1)),
                                                         (double(lib, 2, 3), double(lib, 2, 3, seed=1)),
                                                         gen_non_contig_grad_outputs=True),
                 returns=True)


# Inputs.

def test_float32_inputs_warn_and_are_still_checked():
    def loose(lib):
        x = lib.rand(3).requires_grad_()
        return lib.autograd.gradcheck(lambda k, t: (t * k).sum(), (2.0, x), eps=1e-3, atol=0.1)

    same_verdict(loose, returns=True,
                 warns=r"^Input #1 requires gradient and is not a double precision floating point or complex\. "
                       r"This check will likely fail if all the inputs are not of double precision floating "
                       r"point or complex\. $")

    def tight(lib):
        x = (lib.rand(3) + 0.5).requires_grad_()
        return lib.autograd.gradcheck(lambda t: t * t, (x,))

    same_verdict(tight, raises="GradcheckError", match="^Jacobian mismatch for output 0 with respect to input 0",
                 warns="^Input #0 requires gradient")


def test_no_input_requiring_grad_is_a_value_error_even_without_raise_exception():
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t * 2, (double(lib, 3).detach(),),
                                                     raise_exception=False),
                 raises="ValueError",
                 match=r"^gradcheck expects at least one input tensor to require gradient, but none of them have "
                       r"requires_grad=True\.$")


def test_an_input_with_stride_0_is_refused():
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t * 2,
                                                     (lib.ones(1, dtype=lib.float64).expand(3).requires_grad_(),)),
                 raises="RuntimeError", match=r"^The 0th input has a dimension with stride 0\. gradcheck only")


def test_inputs_may_be_a_tensor_a_list_or_a_tuple():
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t.tanh(), double(lib, 3)), returns=True)
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda a, b: a * b, [double(lib, 3), double(lib, 3, seed=1)]),
                 returns=True)


# Outputs.

def test_outputs_that_change_shape_under_perturbation_are_an_assertion_error():
    def call(lib):
        x = double(lib, 3)
        x0 = x[0].item()
        return lib.autograd.gradcheck(lambda t: t * 2 if t[0].item() < x0 else lib.cat([t, t]), (x,))

    same_verdict(call, raises="AssertionError",
                 match=r"^Expected `func` to return outputs with the same shape when inputs are perturbed on index "
                       r"\(0,\) by 1e-06, but got: shapes ")

def test_non_tensor_outputs_fail_as_in_pytorch():
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: (t * 2, 3), (double(lib, 3),)),
                 raises="AttributeError", match=r"^'int' object has no attribute 'requires_grad'$")
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: (t * 2, None), (double(lib, 3),)),
                 raises="AttributeError", match=r"^'NoneType' object has no attribute 'requires_grad'$")


@pytest.mark.parametrize("fast_mode", [False, True])
def test_outputs_that_do_not_require_grad(fast_mode):
    def check(fn):
        return lambda lib: lib.autograd.gradcheck(fn(lib), (double(lib, 3),), fast_mode=fast_mode)

    # None requires grad, yet it changes with the input: the numerical gradient must be zero.
    same_verdict(check(lambda lib: lambda t: t.detach() * 2), raises="GradcheckError",
                 match=r"^Numerical gradient for function expected to be zero$")
    same_verdict(check(lambda lib: lambda t: lib.zeros(3, dtype=lib.float64)), returns=True)
    same_verdict(check(lambda lib: lambda t: ()), returns=True)
    # Integer outputs and constant outputs beside a differentiable one are left out.
    same_verdict(check(lambda lib: lambda t: (t * 2, t.long())), returns=True)
    constant_first = check(lambda lib: lambda t: (lib.zeros(3, dtype=lib.float64), t * 2))
    if not fast_mode:
        same_verdict(constant_first, returns=True)
    else:
        # PyTorch's fast mode pairs the random v of output 1 (the first that
        # requires grad) with output 0 (the constant) and fails; ember pairs them right.
        assert constant_first(ember)


# PyTorch's other checks of backward and their keyword arguments.

@pytest.mark.parametrize("fast_mode", [False, True])
def test_backward_must_be_multiplied_by_grad_output(fast_mode):
    same_verdict(lambda lib: lib.autograd.gradcheck(not_multiplied_by_grad_output(lib), (double(lib, 3),),
                                                     atol=1e-2, fast_mode=fast_mode),
                 raises="GradcheckError", match="^backward not multiplied by grad_output$")


def test_check_undefined_grad():
    f = mishandles_undefined_grads
    same_verdict(lambda lib: lib.autograd.gradcheck(f(lib), (double(lib, 3),)), raises="GradcheckError",
                 match=r"^Expected all input grads to be undefined or zero when all output grads are undefined or "
                       r"zero\.",
                 warns="^Backwards compatibility: New undefined gradient support checking feature is enabled")
    same_verdict(lambda lib: lib.autograd.gradcheck(f(lib), (double(lib, 3),), check_undefined_grad=False),
                 returns=True)
    same_verdict(lambda lib: lib.autograd.gradcheck(f(lib), (double(lib, 3),), raise_exception=False),
                 returns=False)


def test_check_batched_grad_passes_right_functions():
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda a, b: (a @ b, (a * a).sum(0)),
                                                     (double(lib, 2, 3), double(lib, 3, 2, seed=1)),
                                                     check_batched_grad=True), returns=True)
    same_verdict(lambda lib: lib.autograd.gradgradcheck(two_outputs(lib), (double(lib, 3),), check_batched_grad=True),
                 returns=True)


def test_check_grad_dtypes_and_masked_are_accepted():
    for kwargs in ({"check_grad_dtypes": True}, {"masked": True}, {"masked": False}, {"masked": None}):
        same_verdict(lambda lib: lib.autograd.gradcheck(two_outputs(lib), (double(lib, 3),), **kwargs),
                     returns=True)


def test_nondet_tol():
    same_verdict(lambda lib: lib.autograd.gradcheck(nondeterministic(lib, 1e-6), (double(lib, 3),)),
                 raises="GradcheckError",
                 match=r"^Backward is not reentrant, i\.e\., running backward with same input and grad_output "
                       r"multiple times gives different values, although analytical gradient matches numerical "
                       r"gradient\.The tolerance for nondeterminism was 0\.0\.")
    same_verdict(lambda lib: lib.autograd.gradcheck(nondeterministic(lib, 1e-12), (double(lib, 3),),
                                                     nondet_tol=1e-5), returns=True)


def test_keyword_combinations_pytorch_asserts_against():
    x = {name: double(lib, 3) for name, lib in LIBS.items()}
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t, (x[lib.__name__],), check_backward_ad=False),
                 raises="AssertionError", match="^Expected at least one of check_forward_ad or check_backward_ad")
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t, (x[lib.__name__],), check_batched_forward_grad=True),
                 raises="AssertionError", match="^Setting check_batched_forward_grad=True requires check_forward_ad")
    same_verdict(lambda lib: lib.autograd.gradgradcheck(lambda t: t * t, (x[lib.__name__],),
                                                         check_rev_over_rev=False),
                 raises="AssertionError", match="^Expected at least one of check_fwd_over_rev or check_rev_over_rev")
    same_verdict(lambda lib: lib.autograd.gradcheck(lambda t: t * t, (x[lib.__name__],), check_forward_ad=False,
                                                     check_backward_ad=True, check_batched_forward_grad=False),
                 returns=True)


def test_forward_mode_ad_is_not_implemented():
    x = double(ember, 3)
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        ember.autograd.gradcheck(lambda t: t * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        ember.autograd.gradgradcheck(lambda t: t * 2, (x,), check_fwd_over_rev=True)


# The exception type.

def test_a_mismatch_is_a_gradcheck_error_and_other_errors_keep_their_type():
    assert issubclass(ember.autograd.GradcheckError, RuntimeError)
    assert ember.autograd.GradcheckError.__module__ == "ember.autograd"
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradcheck(two_outputs(ember, True), (double(ember, 3),))

    def raising(lib):
        def fn(t):
            raise RuntimeError("Gradcheck failed: raised by the function itself")

        return lib.autograd.gradcheck(fn, (double(lib, 3),))

    same_verdict(raising, raises="RuntimeError", match="^Gradcheck failed: raised by the function itself$")
