// Activations and dropout beyond the op table (op_table.cpp holds the formulas
// and the gradient checks): relu's NaN and -0, PReLU's per-channel weight,
// argument errors, and dropout's mask statistics.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/generator.h"
#include "ops/activation.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// Kinks of the piecewise ops (0, +-1, +-3, 6) are at least 0.2 away.
const std::vector<double> kSamples{-5.1, -3.7, -2.2, -0.9, -0.35, 0.2, 0.7, 1.4, 2.6, 3.3, 4.8, 6.5};

Tensor sample(Dtype dtype = kFloat64) { return tensor(kSamples, {3, 4}, dtype); }

}  // namespace

TEST_CASE("relu passes NaN and -0 through and gives NaN its gradient, as PyTorch", "[activation]") {
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = tensor({std::nan(""), -0.0, 0.0, -1.0, 2.0}, {5}, dtype).requires_grad_(true);
    Tensor y = relu(x);
    const auto v = y.to_vector();
    CHECK(std::isnan(v[0]));
    CHECK((v[1] == 0.0 && std::signbit(v[1])));
    CHECK((v[2] == 0.0 && !std::signbit(v[2])));
    CHECK(v[3] == 0.0);
    CHECK(v[4] == 2.0);
    sum(y).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{1, 0, 0, 0, 1});
  }
}

TEST_CASE("prelu uses one weight per channel or a shared one", "[activation][prelu]") {
  Tensor x = tensor(kSamples, {2, 3, 2}, kFloat64);
  Tensor w = tensor({0.1, -0.5, 2.0}, kFloat64);
  std::vector<double> got = prelu(x, w).to_vector();
  for (size_t i = 0; i < kSamples.size(); ++i) {
    double wc = w.to_vector()[(i / 2) % 3];
    CHECK(got[i] == Approx(kSamples[i] > 0 ? kSamples[i] : wc * kSamples[i]));
  }
  std::vector<double> shared = prelu(x, tensor({0.3}, kFloat64)).to_vector();
  for (size_t i = 0; i < kSamples.size(); ++i)
    CHECK(shared[i] == Approx(kSamples[i] > 0 ? kSamples[i] : 0.3 * kSamples[i]));
}

TEST_CASE("activations reject bad arguments with the op and the value", "[activation][errors]") {
  Tensor x = sample();
  CHECK_THROWS_WITH(gelu(x, GELUFuncOptions().approximate("fast")), Contains("gelu") && Contains("'fast'"));
  CHECK_THROWS_WITH(hardtanh(x, HardtanhFuncOptions().min_val(2.0).max_val(1.0)),
                    Contains("hardtanh: expected min_val <= max_val"));
  CHECK_THROWS_WITH(prelu(tensor(kSamples, {2, 3, 2}, kFloat64), tensor({1.0, 2.0}, kFloat64)),
                    Contains("prelu") && Contains("3") && Contains("got 2"));
  CHECK_THROWS_WITH(celu(x, CELUFuncOptions().alpha(0.0)), Contains("celu: expected alpha != 0"));
  CHECK_THROWS_AS(gelu(tensor({1.0}, kInt64)), TypeError);
  CHECK_THROWS_AS(silu(tensor({1.0}, kInt64)), TypeError);
}

TEST_CASE("dropout is inverted in training and the identity in eval", "[dropout]") {
  Generator gen(7);
  Tensor x = ones({200, 100}, kFloat64);
  Tensor y = dropout(x, DropoutFuncOptions().p(0.3).training(true), &gen);
  std::vector<double> v = y.to_vector();
  int64_t kept = 0;
  for (double e : v) {
    CHECK((e == 0.0 || e == Approx(1 / 0.7)));
    kept += e != 0.0;
  }
  CHECK(double(kept) / double(v.size()) == Approx(0.7).margin(0.02));
  CHECK(dropout(x, DropoutFuncOptions().p(0.3).training(false)).is_same(x));
  CHECK(sum(dropout(x, DropoutFuncOptions().p(1.0).training(true), &gen)).item() == 0.0);
  Generator a(3), b(3);
  CHECK(dropout(x, DropoutFuncOptions().p(0.5).training(true), &a).to_vector() ==
        dropout(x, DropoutFuncOptions().p(0.5).training(true), &b).to_vector());
}

TEST_CASE("dropout gradient is the same mask", "[dropout]") {
  Generator gen(11);
  Tensor x = ones({4, 5}, kFloat64).requires_grad_();
  Tensor y = dropout(x, DropoutFuncOptions().p(0.5).training(true), &gen);
  sum(y).backward();
  CHECK(x.grad().to_vector() == y.to_vector());  // x = 1, so y is the mask itself
}

TEST_CASE("dropout2d zeroes whole channels", "[dropout]") {
  Generator gen(5);
  Tensor y = dropout2d(ones({8, 6, 3, 3}, kFloat64), Dropout2dFuncOptions().p(0.5).training(true), &gen);
  std::vector<double> v = y.to_vector();
  for (size_t ch = 0; ch < 48; ++ch)
    for (size_t k = 1; k < 9; ++k) CHECK(v[ch * 9 + k] == v[ch * 9]);
}

TEST_CASE("dropout rejects p outside [0, 1]", "[dropout][errors]") {
  CHECK_THROWS_WITH(dropout(ones({2}), DropoutFuncOptions().p(1.5)),
                    Contains("dropout: expected dropout probability p in [0, 1], got p=1.5"));
  CHECK_THROWS_WITH(dropout2d(ones({2, 2, 2, 2}), Dropout2dFuncOptions().p(-0.1)),
                    Contains("dropout2d") && Contains("p=-0.1"));
  CHECK_THROWS_WITH(dropout2d(ones({2, 2}), Dropout2dFuncOptions().p(0.1)),
                    Contains("dropout2d: expected input of shape"));
}

TEST_CASE("inplace options write the result into the input and keep its history", "[activation][inplace]") {
  using Op = std::function<Tensor(const Tensor&, bool)>;
  const std::vector<std::pair<std::string, Op>> ops = {
      {"relu6", [](const Tensor& x, bool in) { return relu6(x, in); }},
      {"selu", [](const Tensor& x, bool in) { return selu(x, in); }},
      {"silu", [](const Tensor& x, bool in) { return silu(x, in); }},
      {"mish", [](const Tensor& x, bool in) { return mish(x, in); }},
      {"hardsigmoid", [](const Tensor& x, bool in) { return hardsigmoid(x, in); }},
      {"hardswish", [](const Tensor& x, bool in) { return hardswish(x, in); }},
      {"leaky_relu", [](const Tensor& x, bool in) { return leaky_relu(x, LeakyReLUFuncOptions().negative_slope(0.2).inplace(in)); }},
      {"elu", [](const Tensor& x, bool in) { return elu(x, ELUFuncOptions().alpha(0.5).inplace(in)); }},
      {"celu", [](const Tensor& x, bool in) { return celu(x, CELUFuncOptions().alpha(0.5).inplace(in)); }},
      {"hardtanh", [](const Tensor& x, bool in) { return hardtanh(x, HardtanhFuncOptions().min_val(-0.5).inplace(in)); }},
  };
  for (const auto& [name, op] : ops) {
    INFO(name);
    Tensor a = sample().requires_grad_(), b = sample().requires_grad_();
    Tensor xa = a * 1.0, xb = b * 1.0;
    Tensor ya = op(xa, true), yb = op(xb, false);
    CHECK(ya.is_same(xa));
    CHECK(xa.to_vector() == yb.to_vector());
    CHECK(xb.to_vector() == sample().to_vector());  // out of place leaves its input alone
    sum(ya * ya).backward();
    sum(yb * yb).backward();
    CHECK(a.grad().to_vector() == b.grad().to_vector());
    Tensor leaf = sample().requires_grad_();
    CHECK_THROWS_WITH(op(leaf, true), Contains("leaf Variable that requires grad"));
  }
}
