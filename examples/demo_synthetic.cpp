// The demo `scripts/demo` runs: a 2-layer MLP written with plain ember tensors
// learns y = sum_j sin(x_j) from synthetic data by gradient descent, then a
// custom op written with ember::autograd::Function is proven right by
// gradcheck and gradgradcheck. Exits non-zero if the loss did not fall or a
// check failed.
#include <cmath>
#include <cstdio>
#include <exception>

#include "ember.h"

using ember::Tensor;
using ember::tensor_list;
using ember::autograd::AutogradContext;

// Swish with a fixed beta, y = x * sigmoid(beta * x), with a hand-written backward:
// dx = dy * (s + beta * x * s * (1 - s)), s = sigmoid(beta * x).
// The backward uses differentiable ember ops, so gradients of gradients work too.
struct Swish : ember::autograd::Function<Swish> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double beta) {
    ctx->save_for_backward({x});
    ctx->saved_data["beta"] = beta;
    return x * (x * beta).sigmoid();
  }
  static tensor_list backward(AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    double beta = ctx->saved_data["beta"].toDouble();
    Tensor s = (x * beta).sigmoid();
    Tensor grad_x = grads[0] * (s + beta * x * s * (1 - s));
    return {grad_x, Tensor()};  // beta is not a tensor: no gradient
  }
};

// Trains the MLP; returns true if the final loss is below half the first one.
static bool fit_mlp() {
  constexpr int64_t kSamples = 256, kIn = 4, kHidden = 32, kSteps = 400, kPrintEvery = 50;
  constexpr double kLr = 0.1;

  ember::manual_seed(0);
  Tensor x = ember::randn({kSamples, kIn});
  Tensor y = x.sin().sum({1}, /*keepdim=*/true);  // (N, 1)

  // Scaled normal init keeps tanh out of saturation at the start.
  Tensor w1 = (ember::randn({kIn, kHidden}) / std::sqrt(double(kIn))).requires_grad_();
  Tensor b1 = ember::zeros({kHidden}).requires_grad_();
  Tensor w2 = (ember::randn({kHidden, 1}) / std::sqrt(double(kHidden))).requires_grad_();
  Tensor b2 = ember::zeros({1}).requires_grad_();
  tensor_list params = {w1, b1, w2, b2};

  std::printf("fitting a 2-layer MLP (%lld -> %lld -> 1, tanh) to y = sum(sin(x)) on %lld samples\n",
              (long long)kIn, (long long)kHidden, (long long)kSamples);
  double first_loss = 0, last_loss = 0;
  for (int64_t step = 0; step <= kSteps; ++step) {
    Tensor hidden = (x.matmul(w1) + b1).tanh();
    Tensor pred = hidden.matmul(w2) + b2;
    Tensor diff = pred - y;
    Tensor loss = (diff * diff).mean();
    loss.backward();

    last_loss = loss.item();
    if (step == 0) first_loss = last_loss;
    if (step % kPrintEvery == 0) std::printf("  step %4lld  loss %.6f\n", (long long)step, last_loss);

    // Plain gradient descent, outside the tape.
    ember::NoGradGuard no_grad;
    for (Tensor& p : params) {
      p.sub_(p.grad() * kLr);
      p.grad().zero_();
    }
  }
  bool fell = std::isfinite(last_loss) && last_loss < 0.5 * first_loss;
  std::printf("loss %s: %.6f -> %.6f\n", fell ? "fell" : "DID NOT FALL", first_loss, last_loss);
  return fell;
}

// Runs one check and prints its verdict; a failing check's message shows both Jacobians.
template <class Check>
static bool verdict(const char* name, Check&& check) {
  try {
    check();
    std::printf("%s of custom op Swish: passed\n", name);
    return true;
  } catch (const std::exception& e) {
    std::printf("%s of custom op Swish: FAILED\n%s\n", name, e.what());
    return false;
  }
}

static bool check_custom_op() {
  ember::manual_seed(1);
  // gradcheck works in float64: finite differences in float32 are too coarse.
  Tensor x = ember::randn({3, 4}, ember::kFloat64).requires_grad_();
  ember::autograd::TensorFn fn = [](const tensor_list& in) { return tensor_list{Swish::apply(in[0], 1.5)}; };
  bool first = verdict("gradcheck", [&] { ember::autograd::gradcheck(fn, {x}); });
  bool second = verdict("gradgradcheck", [&] { ember::autograd::gradgradcheck(fn, {x}); });
  return first && second;
}

int main() {
  try {
    bool fitted = fit_mlp();
    bool checked = check_custom_op();
    return fitted && checked ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo_synthetic: %s\n", e.what());
    return 1;
  }
}
