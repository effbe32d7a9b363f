// A custom operator with a hand-written backward, proven right by gradcheck
// and gradgradcheck, then used inside an nn::Module that trains.
//
// SquarePlus(x) = (x + sqrt(x² + b)) / 2, a smooth ReLU (So et al., 2021):
//   dy/dx = (1 + x / sqrt(x² + b)) / 2.
// The backward is written with ember ops, so it is differentiable itself and
// second derivatives (gradgradcheck) work too. It recomputes sqrt(x² + b) from
// the saved input: a tensor made in forward carries no graph back to x, so
// saving it would make double backward treat it as a constant (gradgradcheck
// catches exactly that mistake).
#include <cstdio>

#include "ember.h"

using ember::Tensor;
using ember::tensor_list;
using ember::autograd::AutogradContext;
namespace nn = ember::nn;

struct SquarePlus : ember::autograd::Function<SquarePlus> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double b) {
    ctx->save_for_backward({x});
    ctx->saved_data["b"] = b;
    return (x + (x * x + b).sqrt()) * 0.5;
  }
  static tensor_list backward(AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    Tensor root = (x * x + ctx->saved_data["b"].toDouble()).sqrt();
    return {grads[0] * (1.0 + x / root) * 0.5, Tensor()};  // b is a number: no gradient
  }
};

// A two-layer network with SquarePlus between the layers.
class NetImpl : public nn::Module {
 public:
  NetImpl() {
    fc1 = register_module("fc1", nn::Linear(2, 32));
    fc2 = register_module("fc2", nn::Linear(32, 2));
  }
  Tensor forward(const Tensor& x) override { return fc2(SquarePlus::apply(fc1(x), 1.0)); }

  nn::Linear fc1{nullptr}, fc2{nullptr};
};

int main() {
  ember::manual_seed(0);
  // 1. The backward is right: first and second derivatives against finite differences.
  Tensor x = ember::randn({4, 3}, ember::kFloat64).requires_grad_();
  auto op = [](const tensor_list& in) { return tensor_list{SquarePlus::apply(in[0], 0.5)}; };
  bool first = ember::autograd::gradcheck(op, {x});
  bool second = ember::autograd::gradgradcheck(op, {x});
  std::printf("SquarePlus gradcheck: %s, gradgradcheck: %s\n", first ? "passed" : "FAILED", second ? "passed" : "FAILED");

  // 2. It trains: two interleaved classes (inside vs outside a circle).
  Tensor points = ember::rand({512, 2}) * 4.0 - 2.0;
  Tensor labels = ((points * points).sum({1}) < 1.5).to(ember::kInt64);
  auto net = std::make_shared<NetImpl>();
  ember::optim::Adam opt(net->parameters(), ember::optim::AdamOptions(0.02));
  double loss0 = 0, loss = 0;
  for (int step = 0; step <= 300; ++step) {
    opt.zero_grad();
    Tensor l = nn::functional::cross_entropy(net->forward(points), labels);
    l.backward();
    opt.step();
    loss = l.item();
    if (step == 0) loss0 = loss;
    if (step % 100 == 0) std::printf("step %3d  loss %.4f\n", step, loss);
  }
  ember::NoGradGuard no_grad;
  double accuracy = (net->forward(points).argmax(1) == labels).to(ember::kFloat64).mean().item();
  std::printf("accuracy %.1f%%\n", 100 * accuracy);
  return first && second && loss < 0.5 * loss0 && accuracy > 0.9 ? 0 : 1;
}
