// Uses the installed ember: computes a gradient through a few ops and checks
// it against the derivative worked out by hand. Exits non-zero on a mismatch.
#include <cmath>
#include <cstdio>
#include <vector>

#include "ember.h"

int main() {
  const double xs[] = {-1.5, 0.25, 2.0};
  ember::Tensor x = ember::tensor({xs[0], xs[1], xs[2]}, ember::kFloat64).requires_grad_();
  ember::Tensor y = (x * x.tanh()).sum();  // y = sum_i x_i tanh(x_i)
  y.backward();

  std::vector<double> grad = x.grad().to_vector();
  int bad = 0;
  for (int i = 0; i < 3; ++i) {
    double t = std::tanh(xs[i]);
    double expected = t + xs[i] * (1 - t * t);
    if (std::abs(grad[i] - expected) > 1e-12) {
      std::printf("consumer: dy/dx[%d] = %.17g, expected %.17g\n", i, grad[i], expected);
      ++bad;
    }
  }
  if (bad) return 1;
  std::printf("consumer: gradient through the installed ember is correct\n");
  return 0;
}
