// Activation modules, as libtorch's torch/nn/modules/activation.h: each
// holds its options and calls the op; PReLU holds a learnable slope. Beyond
// PyTorch (the lecture notes): Swish with a fixed or learnable beta, and
// Dice, a data-adaptive PReLU gated by the batch-normalised input.
#pragma once

#include "nn/functional.h"
#include "nn/module.h"

namespace ember::nn {

// One options type per op: the module's is the op's (ops/activation.h).
using ReLUOptions = InplaceFuncOptions;
using ReLU6Options = ReLU6FuncOptions;
using SELUOptions = SELUFuncOptions;
using SiLUOptions = InplaceFuncOptions;
using MishOptions = InplaceFuncOptions;
using HardsigmoidOptions = InplaceFuncOptions;
using HardswishOptions = InplaceFuncOptions;
using LeakyReLUOptions = LeakyReLUFuncOptions;
using ELUOptions = ELUFuncOptions;
using CELUOptions = CELUFuncOptions;
using GELUOptions = GELUFuncOptions;
using SoftplusOptions = SoftplusFuncOptions;
using HardtanhOptions = HardtanhFuncOptions;
using SoftmaxOptions = functional::SoftmaxFuncOptions;
using LogSoftmaxOptions = functional::LogSoftmaxFuncOptions;

/// max(0, x).
class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ReLUOptions options;
};
class ReLU : public ModuleHolder<ReLUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// min(max(0, x), 6).
class ReLU6Impl : public Module {
 public:
  explicit ReLU6Impl(const ReLU6Options& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ReLU6Options options;
};
class ReLU6 : public ModuleHolder<ReLU6Impl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// scale * elu(x) with Klambauer et al.'s constants.
class SELUImpl : public Module {
 public:
  explicit SELUImpl(const SELUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SELUOptions options;
};
class SELU : public ModuleHolder<SELUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x sigmoid(x).
class SiLUImpl : public Module {
 public:
  explicit SiLUImpl(const SiLUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SiLUOptions options;
};
class SiLU : public ModuleHolder<SiLUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x tanh(softplus(x)).
class MishImpl : public Module {
 public:
  explicit MishImpl(const MishOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  MishOptions options;
};
class Mish : public ModuleHolder<MishImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// 1 / (1 + exp(-x)).
class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};
class Sigmoid : public ModuleHolder<SigmoidImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// tanh(x).
class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};
class Tanh : public ModuleHolder<TanhImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x / (1 + |x|).
class SoftsignImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};
class Softsign : public ModuleHolder<SoftsignImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// log(sigmoid(x)).
class LogSigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};
class LogSigmoid : public ModuleHolder<LogSigmoidImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x - tanh(x).
class TanhshrinkImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};
class Tanhshrink : public ModuleHolder<TanhshrinkImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// relu6(x + 3) / 6.
class HardsigmoidImpl : public Module {
 public:
  explicit HardsigmoidImpl(const HardsigmoidOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  HardsigmoidOptions options;
};
class Hardsigmoid : public ModuleHolder<HardsigmoidImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x relu6(x + 3) / 6.
class HardswishImpl : public Module {
 public:
  explicit HardswishImpl(const HardswishOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  HardswishOptions options;
};
class Hardswish : public ModuleHolder<HardswishImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x for x > 0, negative_slope x otherwise.
class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LeakyReLUOptions options;
};
class LeakyReLU : public ModuleHolder<LeakyReLUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x for x > 0, alpha (exp(x) - 1) otherwise.
class ELUImpl : public Module {
 public:
  explicit ELUImpl(const ELUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ELUOptions options;
};
class ELU : public ModuleHolder<ELUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
class CELUImpl : public Module {
 public:
  explicit CELUImpl(const CELUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  CELUOptions options;
};
class CELU : public ModuleHolder<CELUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// x Phi(x); approximate "none" or "tanh" (anything else fails at construction).
class GELUImpl : public Module {
 public:
  explicit GELUImpl(const GELUOptions& options = {});
  /// Checks the options; called by the constructor.
  void reset();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  GELUOptions options;
};
class GELU : public ModuleHolder<GELUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// log(1 + exp(beta x)) / beta (x where beta x > threshold).
class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(const SoftplusOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SoftplusOptions options;
};
class Softplus : public ModuleHolder<SoftplusImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// clamp(x, min_val, max_val).
class HardtanhImpl : public Module {
 public:
  explicit HardtanhImpl(const HardtanhOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  HardtanhOptions options;
};
class Hardtanh : public ModuleHolder<HardtanhImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// libtorch's ThresholdOptions: `ThresholdOptions(0.1, 20.0).inplace(true)`.
struct ThresholdOptions {
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  ThresholdOptions& threshold(double v) { threshold_ = v; return *this; }
  ThresholdOptions& value(double v) { value_ = v; return *this; }
  ThresholdOptions& inplace(bool v) { inplace_ = v; return *this; }
  double threshold() const { return threshold_; }
  double value() const { return value_; }
  bool inplace() const { return inplace_; }

 private:
  double threshold_, value_;
  bool inplace_ = false;
};

/// x where x > threshold, else value.
class ThresholdImpl : public Module {
 public:
  ThresholdImpl(double threshold, double value) : options(threshold, value) {}
  explicit ThresholdImpl(const ThresholdOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ThresholdOptions options;
};
class Threshold : public ModuleHolder<ThresholdImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// exp(x) / sum over dim of exp(x).
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : options(dim) {}
  explicit SoftmaxImpl(const SoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SoftmaxOptions options;
};
class Softmax : public ModuleHolder<SoftmaxImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// log(softmax(x, dim)).
class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : options(dim) {}
  explicit LogSoftmaxImpl(const LogSoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LogSoftmaxOptions options;
};
class LogSoftmax : public ModuleHolder<LogSoftmaxImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `PReLUOptions().num_parameters(64).init(0.25)`: one slope, or one per channel.
struct PReLUOptions {
  PReLUOptions& num_parameters(int64_t v) { num_parameters_ = v; return *this; }
  PReLUOptions& init(double v) { init_ = v; return *this; }
  int64_t num_parameters() const { return num_parameters_; }
  double init() const { return init_; }

 private:
  int64_t num_parameters_ = 1;
  double init_ = 0.25;
};

/// x for x > 0, weight x otherwise, with a learnable weight (num_parameters).
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& options = {});
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  PReLUOptions options;
  Tensor weight;
};
class PReLU : public ModuleHolder<PReLUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `SwishOptions().beta(1.0).learnable(false)`.
struct SwishOptions {
  SwishOptions& beta(double v) { beta_ = v; return *this; }
  SwishOptions& learnable(bool v) { learnable_ = v; return *this; }
  double beta() const { return beta_; }
  bool learnable() const { return learnable_; }

 private:
  double beta_ = 1.0;
  bool learnable_ = false;
};

/// x sigmoid(beta x); with learnable, beta is a parameter (shape (1), named "beta").
class SwishImpl : public Module {
 public:
  explicit SwishImpl(const SwishOptions& options = {});
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SwishOptions options;
  /// Defined only when learnable.
  Tensor beta;
};
class Swish : public ModuleHolder<SwishImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

/// `DiceOptions(64).eps(1e-8).momentum(0.1)`.
struct DiceOptions {
  DiceOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT(implicit), as libtorch
  DiceOptions& eps(double v) { eps_ = v; return *this; }
  DiceOptions& momentum(double v) { momentum_ = v; return *this; }
  int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  double momentum() const { return momentum_; }

 private:
  int64_t num_features_;
  double eps_ = 1e-8;
  double momentum_ = 0.1;
};

/// Dice (Zhou et al., Deep Interest Network): p = sigmoid(batch_norm(x)) without
/// affine (batch statistics in training, updating the running ones; running
/// statistics in eval), f(x) = p x + (1 - p) alpha x with a learnable alpha
/// per feature (initialised to 0). Input (N, C) or (N, C, L), features on dim 1.
class DiceImpl : public Module {
 public:
  explicit DiceImpl(const DiceOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  DiceOptions options;
  Tensor alpha, running_mean, running_var;
};
class Dice : public ModuleHolder<DiceImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace ember::nn
