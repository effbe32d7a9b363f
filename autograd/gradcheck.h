// gradcheck / gradgradcheck as torch.autograd.gradcheck does them: each
// output's Jacobian with respect to each input, by central differences and by
// backward, compared with |a - n| <= atol + rtol |n|, plus PyTorch's checks of
// backward (reentrancy, multiplication by grad_output, undefined and batched
// output gradients). Forward-mode AD and sparse inputs are not part of ember.
#pragma once

#include <functional>

#include "autograd/error.h"
#include "autograd/tensor.h"

namespace ember::autograd {

/// A check found analytical and numerical derivatives (or two backward passes)
/// disagreeing (Python: ember.autograd.GradcheckError, a RuntimeError).
class GradcheckError : public Error {
 public:
  using Error::Error;
};

/// The function's outputs changed shape or dtype when an input was perturbed
/// (Python: AssertionError, as PyTorch raises it).
class GradcheckAssertion : public Error {
 public:
  using Error::Error;
};

/// PyTorch's keyword arguments, with PyTorch's defaults.
struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// On a GradcheckError: throw it (true) or return false (false). Other errors always throw.
  bool raise_exception = true;
  /// Allowed difference between two backward passes (reentrancy check).
  double nondet_tol = 0.0;
  /// Backward must work, and give zero input gradients, when output gradients are undefined.
  bool check_undefined_grad = true;
  /// Each gradient's dtype must be its input's.
  bool check_grad_dtypes = false;
  /// vjps of a batch of grad_outputs, taken one slice of the stacked batch at a
  /// time from one graph, must match vjps taken one at a time (PyTorch vmaps here).
  bool check_batched_grad = false;
  /// Compare v^T J u for random u, v instead of whole Jacobians (cheaper).
  bool fast_mode = false;
  /// Only changes how "backward not multiplied by grad_output" is judged (allclose to 0, not == 0).
  bool masked = false;
  /// gradgradcheck only: random grad_outputs are made non-contiguous.
  bool gen_non_contig_grad_outputs = false;
};

/// `fn` maps the inputs to the outputs; an undefined input is a placeholder
/// (a non-tensor argument on the Python side) and is never perturbed.
using TensorFn = std::function<tensor_list(const tensor_list&)>;

/// Checks d fn(inputs) / d inputs for every input that requires grad, output
/// by output. Inputs that require grad should be float64 (others get a warning).
/// Returns true, or throws GradcheckError (returns false without raise_exception)
/// naming the output and input and printing both Jacobians:
///   gradcheck([](const tensor_list& in) { return tensor_list{in[0] * in[1]}; }, {x, y});
bool gradcheck(const TensorFn& fn, const tensor_list& inputs, const GradcheckOptions& options = {});

/// Checks second derivatives: gradcheck of (inputs, grad_outputs) -> the vjp of
/// every output of fn that requires grad, built with create_graph. Empty
/// `grad_outputs`: random ones in [-1, 1) (seeded), one per such output.
bool gradgradcheck(const TensorFn& fn, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                   const GradcheckOptions& options = {});

/// PyTorch's deprecated get_numerical_jacobian: for each target that requires
/// grad, the Jacobian of fn's first floating output by central differences, as
/// a (target.numel(), output.numel()) matrix.
tensor_list get_numerical_jacobian(const TensorFn& fn, const tensor_list& inputs, const tensor_list& targets,
                                   double eps = 1e-3);

/// What PyTorch's deprecated get_analytical_jacobian returns: the Jacobian of
/// the output with respect to each input that requires grad (by backward, one
/// (input.numel(), output.numel()) matrix each), whether a second backward
/// agreed within nondet_tol, and whether the gradients had the inputs' sizes and dtypes.
struct AnalyticalJacobian {
  tensor_list jacobians;
  bool reentrant = true;
  bool correct_grad_sizes = true;
  bool correct_grad_types = true;
};
AnalyticalJacobian get_analytical_jacobian(const tensor_list& inputs, const Tensor& output, double nondet_tol = 0.0);

}  // namespace ember::autograd
