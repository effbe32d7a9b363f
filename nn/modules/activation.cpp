// Activation modules: forward calls nn::functional; repr as PyTorch's.
// Swish and Dice are composites of ember ops (no backward of their own).
#include "nn/modules/activation.h"

#include "autograd/grad_mode.h"
#include "ops/activation.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/norm.h"

namespace ember::nn {

namespace F = functional;

namespace {
// PyTorch's repr of the inplace flag: shown only when set.
std::string inplace_repr(bool inplace, const char* separator = "") {
  return inplace ? std::string(separator) + "inplace=True" : "";
}
}  // namespace

Tensor ReLUImpl::forward(const Tensor& input) {
  if (!options.inplace()) return F::relu(input);
  Tensor x = input;
  return relu_(x);
}
std::string ReLUImpl::extra_repr() const { return inplace_repr(options.inplace()); }
Tensor ReLU6Impl::forward(const Tensor& input) { return F::relu6(input, options); }
std::string ReLU6Impl::extra_repr() const { return inplace_repr(options.inplace()); }
Tensor SELUImpl::forward(const Tensor& input) { return F::selu(input, options); }
std::string SELUImpl::extra_repr() const { return inplace_repr(options.inplace()); }
Tensor SiLUImpl::forward(const Tensor& input) { return F::silu(input, options); }
std::string SiLUImpl::extra_repr() const { return inplace_repr(options.inplace()); }
Tensor MishImpl::forward(const Tensor& input) { return F::mish(input, options); }
std::string MishImpl::extra_repr() const { return inplace_repr(options.inplace()); }
Tensor SigmoidImpl::forward(const Tensor& input) { return F::sigmoid(input); }
Tensor TanhImpl::forward(const Tensor& input) { return F::tanh(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return F::softsign(input); }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return F::logsigmoid(input); }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return F::tanhshrink(input); }
// As PyTorch's, Hardsigmoid and Hardswish do not show inplace.
Tensor HardsigmoidImpl::forward(const Tensor& input) { return F::hardsigmoid(input, options); }
Tensor HardswishImpl::forward(const Tensor& input) { return F::hardswish(input, options); }

Tensor LeakyReLUImpl::forward(const Tensor& input) { return F::leaky_relu(input, options); }
std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + py_float(options.negative_slope()) + inplace_repr(options.inplace(), ", ");
}

Tensor ELUImpl::forward(const Tensor& input) { return F::elu(input, options); }
std::string ELUImpl::extra_repr() const { return "alpha=" + py_float(options.alpha()) + inplace_repr(options.inplace(), ", "); }

Tensor CELUImpl::forward(const Tensor& input) { return F::celu(input, options); }
std::string CELUImpl::extra_repr() const { return "alpha=" + py_float(options.alpha()) + inplace_repr(options.inplace(), ", "); }

GELUImpl::GELUImpl(const GELUOptions& options_) : options(options_) { reset(); }
void GELUImpl::reset() { gelu_check(options, "GELU"); }
Tensor GELUImpl::forward(const Tensor& input) { return F::gelu(input, options); }
std::string GELUImpl::extra_repr() const { return "approximate='" + options.approximate() + "'"; }

Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }
std::string SoftplusImpl::extra_repr() const {
  return "beta=" + py_float(options.beta()) + ", threshold=" + py_float(options.threshold());
}

Tensor HardtanhImpl::forward(const Tensor& input) { return F::hardtanh(input, options); }
std::string HardtanhImpl::extra_repr() const {
  return "min_val=" + py_float(options.min_val()) + ", max_val=" + py_float(options.max_val()) +
         inplace_repr(options.inplace(), ", ");
}

Tensor ThresholdImpl::forward(const Tensor& input) {
  if (!options.inplace()) return F::threshold(input, options.threshold(), options.value());
  Tensor x = input;
  return threshold_(x, options.threshold(), options.value());
}
std::string ThresholdImpl::extra_repr() const {
  return "threshold=" + py_float(options.threshold()) + ", value=" + py_float(options.value()) +
         inplace_repr(options.inplace(), ", ");
}

Tensor SoftmaxImpl::forward(const Tensor& input) { return F::softmax(input, options); }
std::string SoftmaxImpl::extra_repr() const { return "dim=" + py_optional(options.dim()); }

Tensor LogSoftmaxImpl::forward(const Tensor& input) { return F::log_softmax(input, options); }
std::string LogSoftmaxImpl::extra_repr() const { return "dim=" + py_optional(options.dim()); }

// ---- PReLU ----

PReLUImpl::PReLUImpl(const PReLUOptions& options_) : options(options_) { reset(); }

void PReLUImpl::reset() {
  EMBER_CHECK(options.num_parameters() > 0, "PReLU: expected num_parameters > 0, got {}", options.num_parameters());
  weight = register_parameter("weight", empty({options.num_parameters()}));
  reset_parameters();
}

void PReLUImpl::reset_parameters() {
  NoGradGuard no_grad;
  weight.fill_(options.init());
}

Tensor PReLUImpl::forward(const Tensor& input) { return F::prelu(input, weight); }
std::string PReLUImpl::extra_repr() const { return fmt::format("num_parameters={}", options.num_parameters()); }

// ---- Swish ----

SwishImpl::SwishImpl(const SwishOptions& options_) : options(options_) { reset(); }

void SwishImpl::reset() {
  if (options.learnable()) beta = register_parameter("beta", empty({1}));
  reset_parameters();
}

void SwishImpl::reset_parameters() {
  if (!beta.defined()) return;
  NoGradGuard no_grad;
  beta.fill_(options.beta());
}

Tensor SwishImpl::forward(const Tensor& input) {
  if (beta.defined()) return input * sigmoid(input * beta);
  // beta = 1 is silu, which has a fused kernel.
  if (options.beta() == 1.0) return F::silu(input);
  return input * sigmoid(input * options.beta());
}

std::string SwishImpl::extra_repr() const {
  return "beta=" + py_float(options.beta()) + ", learnable=" + py_bool(options.learnable());
}

// ---- Dice ----

DiceImpl::DiceImpl(const DiceOptions& options_) : options(options_) { reset(); }

void DiceImpl::reset() {
  EMBER_CHECK(options.num_features() > 0, "Dice: expected num_features > 0, got {}", options.num_features());
  alpha = register_parameter("alpha", empty({options.num_features()}));
  running_mean = register_buffer("running_mean", empty({options.num_features()}));
  running_var = register_buffer("running_var", empty({options.num_features()}));
  reset_parameters();
}

void DiceImpl::reset_parameters() {
  NoGradGuard no_grad;
  alpha.zero_();
  running_mean.zero_();
  running_var.fill_(1.0);
}

Tensor DiceImpl::forward(const Tensor& input) {
  int64_t c = options.num_features();
  EMBER_CHECK((input.dim() == 2 || input.dim() == 3) && input.size(1) == c,
              "Dice: expected input (N, {}) or (N, {}, L), got {}", c, c, shape_str(input.shape()));
  Tensor normalized =
      batch_norm(input, running_mean, running_var,
                 BatchNormFuncOptions().training(is_training()).momentum(options.momentum()).eps(options.eps()));
  Tensor p = sigmoid(normalized);
  Tensor a = input.dim() == 3 ? alpha.view({c, 1}) : alpha;
  // p x + (1 - p) alpha x
  return input * (p + (1.0 - p) * a);
}

std::string DiceImpl::extra_repr() const {
  return fmt::format("{}, eps={}", options.num_features(), py_float(options.eps()));
}

}  // namespace ember::nn
