// The optimizer example shown in README.md, built with the examples and run as
// a ctest: fits y = 2x - 1 with SGD (momentum, weight decay off for the bias),
// a step schedule and gradient clipping, then saves the optimizer to resume.
#include <cstdio>
#include <iostream>

#include "ember.h"

using namespace ember;
using namespace ember::optim;

int main() {
  Tensor x = arange(-1.0, 1.0, 0.125);
  Tensor y = x * 2.0 - 1.0;
  Tensor w = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();

  SGD opt({OptimizerParamGroup({w}), OptimizerParamGroup({b}, SGDOptions(0.1).momentum(0.9).clone())},
          SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  StepLR sched(opt, /*step_size=*/50, /*gamma=*/0.5);
  double loss = 0;
  for (int epoch = 0; epoch < 150; ++epoch) {
    opt.zero_grad();
    Tensor l = (w * x + b - y).pow(2).mean();
    l.backward();
    clip_grad_norm_({w, b}, /*max_norm=*/1.0);
    opt.step();
    sched.step();
    loss = l.item();
  }
  std::cout << "loss " << loss << ", lr " << sched.get_last_lr()[0] << "\n";  // loss 6.22375e-09, lr 0.0125
  save(opt, "optim_example.safetensors");  // load(opt, path) resumes bit for bit
  std::remove("optim_example.safetensors");
  return loss < 1e-5 ? 0 : 1;
}
