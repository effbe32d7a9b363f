// Activation functions of torch.nn.functional. relu, leaky_relu and gelu are
// fused kernels with hand-written (differentiable) backward rules; the rest
// are short kernels or compositions of elementwise ops. sigmoid and tanh live
// in ops/elementwise.h. An op with arguments takes its options struct
// (libtorch's F::*FuncOptions), which the matching module holds too.
#pragma once

#include <string>
#include <utility>

#include "autograd/tensor.h"

namespace ember {

// inplace, in every options struct that has it: the op writes its result into
// its input (PyTorch's relu6_, elu_, ...) and returns the input.

/// The only option of relu6, selu, silu, mish, hardsigmoid and hardswish:
/// `F::selu(x, true)` or `F::selu(x, SELUFuncOptions().inplace(true))`.
struct InplaceFuncOptions {
  InplaceFuncOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT(implicit), as libtorch's ReLUOptions
  InplaceFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  bool inplace() const { return inplace_; }

 private:
  bool inplace_;
};
using ReLU6FuncOptions = InplaceFuncOptions;
using SELUFuncOptions = InplaceFuncOptions;

/// libtorch's F::LeakyReLUFuncOptions: `LeakyReLUFuncOptions().negative_slope(0.2)`.
struct LeakyReLUFuncOptions {
  LeakyReLUFuncOptions& negative_slope(double v) { negative_slope_ = v; return *this; }
  LeakyReLUFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  double negative_slope() const { return negative_slope_; }
  bool inplace() const { return inplace_; }

 private:
  double negative_slope_ = 0.01;
  bool inplace_ = false;
};

/// alpha of elu and celu.
struct ELUFuncOptions {
  ELUFuncOptions& alpha(double v) { alpha_ = v; return *this; }
  ELUFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  double alpha() const { return alpha_; }
  bool inplace() const { return inplace_; }

 private:
  double alpha_ = 1.0;
  bool inplace_ = false;
};
using CELUFuncOptions = ELUFuncOptions;

/// approximate: "none" (erf form) or "tanh".
struct GELUFuncOptions {
  GELUFuncOptions& approximate(std::string v) { approximate_ = std::move(v); return *this; }
  const std::string& approximate() const { return approximate_; }

 private:
  std::string approximate_ = "none";
};

struct SoftplusFuncOptions {
  SoftplusFuncOptions& beta(double v) { beta_ = v; return *this; }
  SoftplusFuncOptions& threshold(double v) { threshold_ = v; return *this; }
  double beta() const { return beta_; }
  double threshold() const { return threshold_; }

 private:
  double beta_ = 1.0;
  double threshold_ = 20.0;
};

struct HardtanhFuncOptions {
  HardtanhFuncOptions& min_val(double v) { min_val_ = v; return *this; }
  HardtanhFuncOptions& max_val(double v) { max_val_ = v; return *this; }
  HardtanhFuncOptions& inplace(bool v) { inplace_ = v; return *this; }
  double min_val() const { return min_val_; }
  double max_val() const { return max_val_; }
  bool inplace() const { return inplace_; }

 private:
  double min_val_ = -1.0;
  double max_val_ = 1.0;
  bool inplace_ = false;
};

/// max(x, 0).
Tensor relu(const Tensor& input);
/// relu in place.
Tensor& relu_(Tensor& input);
/// x where x > threshold, else value (torch.nn.functional.threshold), and in place.
Tensor threshold(const Tensor& input, double threshold, double value);
Tensor& threshold_(Tensor& input, double threshold, double value);
/// min(max(x, 0), 6).
Tensor relu6(const Tensor& input, const ReLU6FuncOptions& options = {});
/// x for x > 0, negative_slope * x otherwise.
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options = {});
/// x for x > 0, weight * x otherwise; weight has one element or one per channel
/// (input dim 1, or no channel dim for inputs of fewer than 2 dims).
Tensor prelu(const Tensor& input, const Tensor& weight);
/// x for x > 0, alpha * (exp(x) - 1) otherwise.
Tensor elu(const Tensor& input, const ELUFuncOptions& options = {});
/// scale * elu(x, alpha) with the self-normalising constants of Klambauer et al.
Tensor selu(const Tensor& input, const SELUFuncOptions& options = {});
/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha != 0.
Tensor celu(const Tensor& input, const CELUFuncOptions& options = {});
/// Throws ValueError unless approximate is "none" or "tanh"; `op` names the
/// caller (gelu, or the GELU module at construction).
void gelu_check(const GELUFuncOptions& options, const char* op = "gelu");
/// x Phi(x); approximate "none" (erf form) or "tanh". `gelu(x, GELUFuncOptions().approximate("tanh"))`.
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});
/// x sigmoid(x) (swish).
Tensor silu(const Tensor& input, const InplaceFuncOptions& options = {});
/// x tanh(softplus(x)).
Tensor mish(const Tensor& input, const InplaceFuncOptions& options = {});
/// log(1 + exp(beta x)) / beta, and x where beta x > threshold.
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {});
/// x / (1 + |x|).
Tensor softsign(const Tensor& input);
/// log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|)) so it neither overflows nor loses -x for x << 0.
Tensor logsigmoid(const Tensor& input);
/// x - tanh(x).
Tensor tanhshrink(const Tensor& input);
/// clamp(x, min_val, max_val); min_val <= max_val.
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options = {});
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& input, const InplaceFuncOptions& options = {});
/// x relu6(x + 3) / 6.
Tensor hardswish(const Tensor& input, const InplaceFuncOptions& options = {});

}  // namespace ember
