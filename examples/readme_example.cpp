// The C++ example shown in README.md, built with the examples (and run as a
// ctest) so it is proven to compile and run as shown.
#include <iostream>

#include "ember.h"

int main() {
  ember::Tensor x = ember::tensor({1.0, 2.0, 3.0}).requires_grad_();
  ember::Tensor w = ember::tensor({0.5, -1.0, 2.0}).requires_grad_();
  ember::Tensor y = (w * x).tanh().sum();  // y = sum_i tanh(w_i x_i)
  y.backward();
  std::cout << y.item() << "\n";  // 0.498077
  std::cout << x.grad() << "\n";  // tensor([ 3.9322e-01, -7.0651e-02,  4.9114e-05])
  std::cout << w.grad() << "\n";  // tensor([7.8645e-01, 1.4130e-01, 7.3671e-05])
}
