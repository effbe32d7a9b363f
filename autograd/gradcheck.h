// gradcheck / gradgradcheck: compare the analytical Jacobian that backward
// computes with central finite differences, with PyTorch's defaults and
// semantics, in float64.
#pragma once

#include <functional>

#include "autograd/tensor.h"

namespace ember::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// On failure: throw (true) or return false (false).
  bool raise_exception = true;
  /// Compare v^T J u for random u, v instead of whole Jacobians (cheaper).
  bool fast_mode = false;
  /// Allowed difference between two backward passes (reentrancy check).
  double nondet_tol = 0.0;
};

using TensorFn = std::function<tensor_list(const tensor_list&)>;

/// Checks d fn(inputs) / d inputs for every input that requires grad; inputs
/// that require grad must be float64. Returns true, or throws/returns false
/// with a message naming the output and input and printing both Jacobians.
bool gradcheck(const TensorFn& fn, const tensor_list& inputs, const GradcheckOptions& options = {});

/// Checks second derivatives: gradcheck of (inputs, grad_outputs) -> d fn / d inputs
/// computed with create_graph. `grad_outputs` default to random values (seeded).
bool gradgradcheck(const TensorFn& fn, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                   const GradcheckOptions& options = {});

}  // namespace ember::autograd
