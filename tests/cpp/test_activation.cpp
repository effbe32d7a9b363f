// Activations and dropout: values against naive double formulas written here,
// gradcheck and gradgradcheck in float64 away from the kinks, PReLU's weight
// gradient, float32, argument errors, and dropout's mask statistics.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/generator.h"
#include "autograd/gradcheck.h"
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

struct Activation {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;
};

double softplus_ref(double v, double beta, double threshold) {
  return v * beta > threshold ? v : std::log1p(std::exp(beta * v)) / beta;
}

std::vector<Activation> activations() {
  const double sa = 1.6732632423543772, ss = 1.0507009873554805;
  return {
      {"relu", [](const Tensor& x) { return relu(x); }, [](double v) { return std::max(v, 0.0); }},
      {"relu6", [](const Tensor& x) { return relu6(x); }, [](double v) { return std::min(std::max(v, 0.0), 6.0); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }, [](double v) { return v > 0 ? v : 0.01 * v; }},
      {"leaky_relu(0.2)", [](const Tensor& x) { return leaky_relu(x, LeakyReLUFuncOptions().negative_slope(0.2)); },
       [](double v) { return v > 0 ? v : 0.2 * v; }},
      {"elu(1.3)", [](const Tensor& x) { return elu(x, ELUFuncOptions().alpha(1.3)); },
       [](double v) { return v > 0 ? v : 1.3 * (std::exp(v) - 1); }},
      {"selu", [](const Tensor& x) { return selu(x); },
       [=](double v) { return ss * (v > 0 ? v : sa * (std::exp(v) - 1)); }},
      {"celu(0.7)", [](const Tensor& x) { return celu(x, CELUFuncOptions().alpha(0.7)); },
       [](double v) { return std::max(0.0, v) + std::min(0.0, 0.7 * (std::exp(v / 0.7) - 1)); }},
      {"gelu", [](const Tensor& x) { return gelu(x); },
       [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
      {"gelu(tanh)", [](const Tensor& x) { return gelu(x, GELUFuncOptions().approximate("tanh")); },
       [](double v) {
         return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
       }},
      {"silu", [](const Tensor& x) { return silu(x); }, [](double v) { return v / (1 + std::exp(-v)); }},
      {"mish", [](const Tensor& x) { return mish(x); },
       [](double v) { return v * std::tanh(std::log1p(std::exp(v))); }},
      {"softplus", [](const Tensor& x) { return softplus(x); }, [](double v) { return softplus_ref(v, 1, 20); }},
      {"softplus(2, 5)",
       [](const Tensor& x) { return softplus(x, SoftplusFuncOptions().beta(2.0).threshold(5.0)); },
       [](double v) { return softplus_ref(v, 2, 5); }},
      {"softsign", [](const Tensor& x) { return softsign(x); }, [](double v) { return v / (1 + std::abs(v)); }},
      {"hardtanh", [](const Tensor& x) { return hardtanh(x); },
       [](double v) { return std::min(std::max(v, -1.0), 1.0); }},
      {"hardtanh(-2, 2.5)",
       [](const Tensor& x) { return hardtanh(x, HardtanhFuncOptions().min_val(-2.0).max_val(2.5)); },
       [](double v) { return std::min(std::max(v, -2.0), 2.5); }},
      {"hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); },
       [](double v) { return std::min(std::max(v + 3, 0.0), 6.0) / 6; }},
      {"hardswish", [](const Tensor& x) { return hardswish(x); },
       [](double v) { return v * std::min(std::max(v + 3, 0.0), 6.0) / 6; }},
  };
}

}  // namespace

TEST_CASE("activations match their formulas in float64 and float32", "[activation]") {
  for (const Activation& a : activations()) {
    INFO(a.name);
    for (Dtype dt : {kFloat64, kFloat32}) {
      Tensor y = a.op(sample(dt));
      REQUIRE(y.dtype() == dt);
      REQUIRE(y.shape() == Shape{3, 4});
      std::vector<double> got = y.to_vector();
      for (size_t i = 0; i < kSamples.size(); ++i) {
        INFO("x = " << kSamples[i]);
        CHECK(got[i] == Approx(a.ref(kSamples[i])).epsilon(dt == kFloat64 ? 1e-12 : 1e-6).margin(1e-12));
      }
    }
  }
}

TEST_CASE("activation gradients pass gradcheck and gradgradcheck", "[activation][gradcheck]") {
  for (const Activation& a : activations()) {
    INFO(a.name);
    Tensor x = sample().requires_grad_();
    auto fn = [&](const tensor_list& in) { return tensor_list{a.op(in[0])}; };
    CHECK(autograd::gradcheck(fn, {x}));
    CHECK(autograd::gradgradcheck(fn, {x}));
  }
}

TEST_CASE("activations work on non-contiguous inputs", "[activation]") {
  Tensor x = sample().t();  // (4, 3) view
  std::vector<double> got = gelu(x).to_vector(), xs = x.contiguous().to_vector();
  for (size_t i = 0; i < xs.size(); ++i) CHECK(got[i] == Approx(0.5 * xs[i] * (1 + std::erf(xs[i] / std::sqrt(2.0)))));
}

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

TEST_CASE("prelu gradients for input and weight pass gradcheck and gradgradcheck", "[activation][prelu][gradcheck]") {
  auto fn = [](const tensor_list& in) { return tensor_list{prelu(in[0], in[1])}; };
  for (Tensor w : {tensor({0.1, -0.5, 2.0}, kFloat64), tensor({0.25}, kFloat64)}) {
    Tensor x = tensor(kSamples, {2, 3, 2}, kFloat64).requires_grad_();
    w.requires_grad_();
    CHECK(autograd::gradcheck(fn, {x, w}));
    CHECK(autograd::gradgradcheck(fn, {x, w}));
  }
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
