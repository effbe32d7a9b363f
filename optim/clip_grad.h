// Gradient clipping over a list of parameters, as torch.nn.utils: rescale
// every gradient so their joint norm is at most max_norm, or clamp each
// gradient element into [-clip_value, clip_value]. Parameters without a
// gradient are skipped.
#pragma once

#include <vector>

#include "autograd/tensor.h"

namespace ember::optim {

/// Scales the gradients in place by min(1, max_norm / (total + 1e-6)), where
/// total is the norm_type-norm of all gradients taken together (norm_type may
/// be infinity); returns total. With error_if_nonfinite, a NaN/Inf total
/// throws instead of scaling.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element into [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace ember::optim
