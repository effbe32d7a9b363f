// ember::nn::functional, spelled as libtorch's torch::nn::functional: each
// function takes its tensors and one options struct with chained setters
// (`F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).padding(1))`) and forwards
// to the op in ops/. Where an op already takes an options struct, the
// FuncOptions name is an alias for it. No op is implemented here.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "autograd/tensor.h"
#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/pad.h"
#include "ops/pool.h"

namespace ember {

/// libtorch's reduction spellings: `.reduction(ember::kSum)`.
constexpr LossReduction kNone = LossReduction::None;
constexpr LossReduction kMean = LossReduction::Mean;
constexpr LossReduction kSum = LossReduction::Sum;
constexpr LossReduction kBatchMean = LossReduction::BatchMean;

/// libtorch's padding-mode spellings: `PadFuncOptions({1, 1}).mode(ember::kReflect)`.
constexpr PadMode kConstant = PadMode::Constant;
constexpr PadMode kReflect = PadMode::Reflect;
constexpr PadMode kReplicate = PadMode::Replicate;

namespace nn::functional {

// ---- convolution and pooling: the ops themselves (ops/conv.h, ops/pool.h) ----

using ember::Conv1dFuncOptions;
using ember::Conv2dFuncOptions;
using ember::conv1d;
using ember::conv2d;

using ember::AdaptiveAvgPool2dFuncOptions;
using ember::AdaptiveMaxPool2dFuncOptions;
using ember::AdaptivePool2dFuncOptions;
using ember::AvgPool1dFuncOptions;
using ember::AvgPool2dFuncOptions;
using ember::LPPool2dFuncOptions;
using ember::MaxPool1dFuncOptions;
using ember::MaxPool2dFuncOptions;
using ember::adaptive_avg_pool2d;
using ember::adaptive_max_pool2d;
using ember::adaptive_max_pool2d_with_indices;
using ember::avg_pool1d;
using ember::avg_pool2d;
using ember::lp_pool2d;
using ember::max_pool1d;
using ember::max_pool1d_with_indices;
using ember::max_pool2d;
using ember::max_pool2d_with_indices;

// ---- activations: the ops themselves (ops/activation.h, ops/elementwise.h) ----

using ember::CELUFuncOptions;
using ember::ELUFuncOptions;
using ember::GELUFuncOptions;
using ember::HardtanhFuncOptions;
using ember::LeakyReLUFuncOptions;
using ember::SoftplusFuncOptions;
using ember::celu;
using ember::elu;
using ember::gelu;
using ember::hardsigmoid;
using ember::hardswish;
using ember::hardtanh;
using ember::leaky_relu;
using ember::mish;
using ember::prelu;
using ember::relu;
using ember::relu6;
using ember::selu;
using ember::sigmoid;
using ember::silu;
using ember::softplus;
using ember::softsign;
using ember::tanh;

// ---- softmax, linear, dropout, pad, one_hot ----

/// `SoftmaxFuncOptions(1).dtype(kFloat64)`: the input is cast to dtype first when one is given.
struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT(implicit), as libtorch
  SoftmaxFuncOptions& dtype(std::optional<Dtype> v) { dtype_ = v; return *this; }
  int64_t dim() const { return dim_; }
  std::optional<Dtype> dtype() const { return dtype_; }

 private:
  int64_t dim_;
  std::optional<Dtype> dtype_;
};
using LogSoftmaxFuncOptions = SoftmaxFuncOptions;

/// p and training of dropout and dropout2d.
struct DropoutFuncOptions {
  DropoutFuncOptions& p(double v) { p_ = v; return *this; }
  DropoutFuncOptions& training(bool v) { training_ = v; return *this; }
  double p() const { return p_; }
  bool training() const { return training_; }

 private:
  double p_ = 0.5;
  bool training_ = true;
};
using Dropout2dFuncOptions = DropoutFuncOptions;

/// `PadFuncOptions({1, 1, 2, 0}).mode(kReflect)`: (before, after) from the last dim backwards.
struct PadFuncOptions {
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT(implicit), as libtorch
  PadFuncOptions& mode(PadMode v) { mode_ = v; return *this; }
  PadFuncOptions& value(double v) { value_ = v; return *this; }
  const std::vector<int64_t>& pad() const { return pad_; }
  PadMode mode() const { return mode_; }
  std::optional<double> value() const { return value_; }

 private:
  std::vector<int64_t> pad_;
  PadMode mode_ = PadMode::Constant;
  std::optional<double> value_;
};

Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);
/// y = x Wᵀ + b: input (*, in), weight (out, in), bias (out) or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options = {});
Tensor pad(const Tensor& input, const PadFuncOptions& options);
/// int64 classes (*) -> int64 (*, num_classes); -1 takes the largest class + 1.
Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1);

// ---- normalization ----

struct BatchNormFuncOptions {
  BatchNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  BatchNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  BatchNormFuncOptions& training(bool v) { training_ = v; return *this; }
  BatchNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  BatchNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  bool training() const { return training_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

 private:
  Tensor weight_, bias_;
  bool training_ = false;
  double momentum_ = 0.1;
  double eps_ = 1e-5;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  LayerNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  LayerNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  LayerNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Shape& normalized_shape() const { return normalized_shape_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  double eps() const { return eps_; }

 private:
  Shape normalized_shape_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT(implicit), as libtorch
  GroupNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  GroupNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  GroupNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  int64_t num_groups() const { return num_groups_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  double eps() const { return eps_; }

 private:
  int64_t num_groups_;
  Tensor weight_, bias_;
  double eps_ = 1e-5;
};

struct InstanceNormFuncOptions {
  InstanceNormFuncOptions& running_mean(const Tensor& v) { running_mean_ = v; return *this; }
  InstanceNormFuncOptions& running_var(const Tensor& v) { running_var_ = v; return *this; }
  InstanceNormFuncOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  InstanceNormFuncOptions& bias(const Tensor& v) { bias_ = v; return *this; }
  InstanceNormFuncOptions& use_input_stats(bool v) { use_input_stats_ = v; return *this; }
  InstanceNormFuncOptions& momentum(double v) { momentum_ = v; return *this; }
  InstanceNormFuncOptions& eps(double v) { eps_ = v; return *this; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  bool use_input_stats() const { return use_input_stats_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

 private:
  Tensor running_mean_, running_var_, weight_, bias_;
  bool use_input_stats_ = true;
  double momentum_ = 0.1;
  double eps_ = 1e-5;
};

struct LocalResponseNormFuncOptions {
  LocalResponseNormFuncOptions(int64_t size) : size_(size) {}  // NOLINT(implicit), as libtorch
  LocalResponseNormFuncOptions& alpha(double v) { alpha_ = v; return *this; }
  LocalResponseNormFuncOptions& beta(double v) { beta_ = v; return *this; }
  LocalResponseNormFuncOptions& k(double v) { k_ = v; return *this; }
  int64_t size() const { return size_; }
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  double k() const { return k_; }

 private:
  int64_t size_;
  double alpha_ = 1e-4;
  double beta_ = 0.75;
  double k_ = 1.0;
};

/// training: batch statistics, running stats (if defined) updated in place; eval: running stats.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);

// ---- losses ----

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

/// input logits (N, C, *) or (C); target class indices (N, *) or probabilities shaped as input.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options = {});
/// input log-probabilities, shaped as for cross_entropy; target class indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options = {});
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options = {});
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {});
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options = {});

}  // namespace nn::functional
}  // namespace ember
