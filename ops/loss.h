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

/// libtorch's reduction spellings: `.reduction(ember::kSum)`.
constexpr LossReduction kNone = LossReduction::None;
constexpr LossReduction kMean = LossReduction::Mean;
constexpr LossReduction kSum = LossReduction::Sum;
constexpr LossReduction kBatchMean = LossReduction::BatchMean;
/// libtorch's spelling, torch::Reduction::Sum: LossFuncOptions().reduction(Reduction::Sum).
namespace Reduction {
constexpr LossReduction None = LossReduction::None;
constexpr LossReduction Mean = LossReduction::Mean;
constexpr LossReduction Sum = LossReduction::Sum;
}  // namespace Reduction

/// reduction only: mse_loss, l1_loss.
struct LossFuncOptions {
  LossFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  LossReduction reduction() const { return reduction_; }

 private:
  LossReduction reduction_ = LossReduction::Mean;
};
using MSELossFuncOptions = LossFuncOptions;
using L1LossFuncOptions = LossFuncOptions;

/// `CrossEntropyFuncOptions().weight(w).ignore_index(0).label_smoothing(0.1)`.
struct CrossEntropyFuncOptions {
  CrossEntropyFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  CrossEntropyFuncOptions& ignore_index(int64_t v) { ignore_index_ = v; return *this; }
  CrossEntropyFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  CrossEntropyFuncOptions& label_smoothing(double v) { label_smoothing_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }
  LossReduction reduction() const { return reduction_; }
  double label_smoothing() const { return label_smoothing_; }

 private:
  Tensor weight_;
  int64_t ignore_index_ = -100;
  LossReduction reduction_ = LossReduction::Mean;
  double label_smoothing_ = 0.0;
};

struct NLLLossFuncOptions {
  NLLLossFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  NLLLossFuncOptions& ignore_index(int64_t v) { ignore_index_ = v; return *this; }
  NLLLossFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }
  LossReduction reduction() const { return reduction_; }

 private:
  Tensor weight_;
  int64_t ignore_index_ = -100;
  LossReduction reduction_ = LossReduction::Mean;
};

struct SmoothL1LossFuncOptions {
  SmoothL1LossFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  SmoothL1LossFuncOptions& beta(double v) { beta_ = v; return *this; }
  LossReduction reduction() const { return reduction_; }
  double beta() const { return beta_; }

 private:
  LossReduction reduction_ = LossReduction::Mean;
  double beta_ = 1.0;
};

struct HuberLossFuncOptions {
  HuberLossFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  HuberLossFuncOptions& delta(double v) { delta_ = v; return *this; }
  LossReduction reduction() const { return reduction_; }
  double delta() const { return delta_; }

 private:
  LossReduction reduction_ = LossReduction::Mean;
  double delta_ = 1.0;
};

struct BinaryCrossEntropyFuncOptions {
  BinaryCrossEntropyFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  BinaryCrossEntropyFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  LossReduction reduction() const { return reduction_; }

 private:
  Tensor weight_;
  LossReduction reduction_ = LossReduction::Mean;
};

struct BinaryCrossEntropyWithLogitsFuncOptions {
  BinaryCrossEntropyWithLogitsFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  BinaryCrossEntropyWithLogitsFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  BinaryCrossEntropyWithLogitsFuncOptions& pos_weight(const Tensor& v) { pos_weight_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  LossReduction reduction() const { return reduction_; }
  const Tensor& pos_weight() const { return pos_weight_; }

 private:
  Tensor weight_;
  LossReduction reduction_ = LossReduction::Mean;
  Tensor pos_weight_;
};

/// reduction may also be kBatchMean (the sum divided by input.size(0)).
struct KLDivFuncOptions {
  KLDivFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  KLDivFuncOptions& log_target(bool v) { log_target_ = v; return *this; }
  LossReduction reduction() const { return reduction_; }
  bool log_target() const { return log_target_; }

 private:
  LossReduction reduction_ = LossReduction::Mean;
  bool log_target_ = false;
};

struct MultiMarginLossFuncOptions {
  MultiMarginLossFuncOptions& p(int64_t v) { p_ = v; return *this; }
  MultiMarginLossFuncOptions& margin(double v) { margin_ = v; return *this; }
  MultiMarginLossFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  MultiMarginLossFuncOptions& reduction(LossReduction v) { reduction_ = v; return *this; }
  int64_t p() const { return p_; }
  double margin() const { return margin_; }
  const Tensor& weight() const { return weight_; }
  LossReduction reduction() const { return reduction_; }

 private:
  int64_t p_ = 1;
  double margin_ = 1.0;
  Tensor weight_;
  LossReduction reduction_ = LossReduction::Mean;
};

/// input (N, C), (N, C, d1, ...) or (C); target int64 class indices of shape
/// (N), (N, d1, ...) or (), or class probabilities of input's shape.
/// `cross_entropy(x, t, CrossEntropyFuncOptions().weight(w).label_smoothing(0.1))`.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options = {});
/// -input[n, target[n]] * weight[target[n]]; 'mean' divides by the weights of the
/// non-ignored targets. input holds log-probabilities, shaped as for cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});
/// (input - target)².
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});
/// |input - target|.
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
/// 0.5 d² / beta for d = |input - target| < beta, d - 0.5 beta otherwise (beta >= 0).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options = {});
/// 0.5 d² for d < delta, delta (d - 0.5 delta) otherwise (delta > 0).
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options = {});
/// -weight (t log x + (1 - t) log(1 - x)), logs clamped at -100; x in [0, 1].
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options = {});
/// binary_cross_entropy(sigmoid(x), t) computed stably; pos_weight scales the positive term.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
/// target (log target - input), 0 where target = 0; 'batchmean' divides the sum by input.size(0).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {});
/// sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y] / C (p = 1 or 2).
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options = {});

}  // namespace ember
