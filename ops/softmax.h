// softmax and log_softmax along one dimension, max-shifted (log-sum-exp) so
// inputs of any magnitude stay finite. Their backward rules are written with
// ember ops, so gradients of gradients work.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// exp(x - max) / sum(exp(x - max)) along `dim`.
Tensor softmax(const Tensor& input, int64_t dim);
/// x - max - log(sum(exp(x - max))) along `dim`.
Tensor log_softmax(const Tensor& input, int64_t dim);

}  // namespace ember
