// What the tape costs per op from C++: a chain of tiny ops (y * c, tanh,
// y + w), forward and backward, on 1 and 16 elements, so the time is the
// tape's (recording, running and freeing nodes), not the arithmetic.
// Prints the median microseconds per op (the same chain as
// benchmarks/tape_overhead.py).
//
//   build/benchmarks/tape_overhead [ops] [repeats]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ember.h"

using namespace ember;

namespace {

double run_once(int64_t size, int ops) {
  Tensor x = ones({size}, TensorOptions().requires_grad(true));
  Tensor w = full({size}, 0.001);
  auto start = std::chrono::steady_clock::now();
  Tensor y = x;
  for (int i = 0; i < ops / 3; ++i) {
    y = y * 1.0001;
    y = y.tanh();
    y = y + w;
  }
  y.sum().backward();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int ops = argc > 1 ? std::atoi(argv[1]) : 999;
  int repeats = argc > 2 ? std::atoi(argv[2]) : 51;
  std::printf("chain of %d ops, median of %d, %d threads\n", ops, repeats, get_num_threads());
  for (int64_t size : {1, 16}) {
    for (int i = 0; i < 3; ++i) run_once(size, ops);
    std::vector<double> t;
    for (int i = 0; i < repeats; ++i) t.push_back(run_once(size, ops));
    std::nth_element(t.begin(), t.begin() + repeats / 2, t.end());
    std::printf("fwd+bwd, %2lld element(s): %.2f us/op\n", static_cast<long long>(size),
                t[size_t(repeats / 2)] / (ops / 3 * 3 + 1) * 1e6);
  }
}
