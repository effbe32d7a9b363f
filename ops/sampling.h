// Sampling indices from probabilities: torch.multinomial.
#pragma once

#include "autograd/generator.h"
#include "autograd/tensor.h"

namespace ember {

/// For each row of `probs` (1-d or 2-d, non-negative weights, not necessarily
/// summing to 1), `num_samples` int64 category indices drawn in proportion to
/// the weights; without replacement a category is drawn at most once.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false, Generator* gen = nullptr);

}  // namespace ember
