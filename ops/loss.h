// Loss functions of torch.nn.functional with PyTorch's semantics: reduction
// 'none' | 'mean' | 'sum' (kl_div also 'batchmean'), class weights, ignore_index
// and label smoothing. cross_entropy is log_softmax followed by nll_loss, both
// fused kernels; the elementwise losses are compositions of ember ops.
#pragma once

#include <string>

#include "autograd/tensor.h"

namespace ember {

/// How per-element losses are combined (libtorch's torch::Reduction).
enum class LossReduction { None, Mean, Sum, BatchMean };

/// "none", "mean", "sum" or "batchmean" (the Python spelling) -> LossReduction.
LossReduction loss_reduction(const std::string& name, const char* op);

/// input (N, C), (N, C, d1, ...) or (C); target int64 class indices of shape
/// (N), (N, d1, ...) or (), or class probabilities of input's shape.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, LossReduction reduction = LossReduction::Mean,
                     double label_smoothing = 0.0);
/// -input[n, target[n]] * weight[target[n]]; 'mean' divides by the weights of the
/// non-ignored targets. input holds log-probabilities, shaped as for cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {}, int64_t ignore_index = -100,
                LossReduction reduction = LossReduction::Mean);
/// (input - target)².
Tensor mse_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean);
/// |input - target|.
Tensor l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean);
/// 0.5 d² / beta for d = |input - target| < beta, d - 0.5 beta otherwise (beta >= 0).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean,
                      double beta = 1.0);
/// 0.5 d² for d < delta, delta (d - 0.5 delta) otherwise (delta > 0).
Tensor huber_loss(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean,
                  double delta = 1.0);
/// -weight (t log x + (1 - t) log(1 - x)), logs clamped at -100; x in [0, 1].
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            LossReduction reduction = LossReduction::Mean);
/// binary_cross_entropy(sigmoid(x), t) computed stably; pos_weight scales the positive term.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                        LossReduction reduction = LossReduction::Mean,
                                        const Tensor& pos_weight = {});
/// target (log target - input), 0 where target = 0; 'batchmean' divides the sum by input.size(0).
Tensor kl_div(const Tensor& input, const Tensor& target, LossReduction reduction = LossReduction::Mean,
              bool log_target = false);
/// sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y] / C (p = 1 or 2).
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p = 1, double margin = 1.0,
                         const Tensor& weight = {}, LossReduction reduction = LossReduction::Mean);

}  // namespace ember
