// gradcheck and gradgradcheck as PyTorch runs them: functions with several
// outputs checked output by output (a wrong first or second derivative of any
// one fails, naming it), float32 inputs warned about, and PyTorch's checks of
// backward itself (multiplication by grad_output, undefined output gradients,
// reentrancy, batched grad_outputs). tests/python/test_gradcheck_pytorch.py
// runs the same cases under PyTorch.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "autograd/function.h"
#include "autograd/gradcheck.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

Tensor input(const Shape& shape, uint64_t seed) {
  manual_seed(seed);
  return (rand(shape, kFloat64) + 0.5).requires_grad_();
}

// (2x, x^2); the template argument scales the gradient of x^2 (2 is right).
template <int kSecondFactor>
struct TwoOutputs : autograd::Function<TwoOutputs<kSecondFactor>> {
  static tensor_list forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return {x * 2.0, x * x};
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {grads[0] * 2.0 + grads[1] * double(kSecondFactor) * x};
  }
};

// (g, x) -> 2 g x, whose backward gets d/dx wrong (3 g instead of 2 g).
struct ScaledDouble : autograd::Function<ScaledDouble> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& g, const Tensor& x) {
    ctx->save_for_backward({g, x});
    return g * x * 2.0;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    auto saved = ctx->get_saved_variables();
    return {grads[0] * saved[1] * 2.0, grads[0] * saved[0] * 3.0};
  }
};

// (2x, x^2) with a right first derivative whose own derivative is wrong.
struct WrongSecondDerivative : autograd::Function<WrongSecondDerivative> {
  static tensor_list forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return {x * 2.0, x * x};
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {grads[0] * 2.0 + ScaledDouble::apply(grads[1], x)};
  }
};

// Right gradients, but ones where one output's gradient is undefined and the other's zero.
struct MishandlesUndefined : autograd::Function<MishandlesUndefined> {
  static tensor_list forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return {x * 2.0, x * 3.0};
  }
  static tensor_list backward(autograd::AutogradContext*, const tensor_list& grads) {
    if (!grads[0].defined() || !grads[1].defined()) {
      Tensor present = grads[0].defined() ? grads[0] * 2.0 : grads[1] * 3.0;
      if (sum(abs(present)).item() == 0) return {ones_like(present)};
      return {present};
    }
    return {grads[0] * 2.0 + grads[1] * 3.0};
  }
};

// Backward adds a constant: not a linear map of grad_output.
struct Shifted : autograd::Function<Shifted> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(autograd::AutogradContext*, const tensor_list& grads) { return {grads[0] * 2.0 + 1e-3}; }
};

autograd::TensorFn two_outputs(bool right) {
  return [right](const tensor_list& in) { return right ? TwoOutputs<2>::apply(in[0]) : TwoOutputs<3>::apply(in[0]); };
}

autograd::GradcheckOptions fast() {
  autograd::GradcheckOptions o;
  o.fast_mode = true;
  return o;
}

autograd::GradcheckOptions quiet(bool fast_mode = false) {
  autograd::GradcheckOptions o;
  o.raise_exception = false;
  o.fast_mode = fast_mode;
  return o;
}

// Collects what ember::warn reports while it lives.
struct CaptureWarnings {
  std::vector<std::string> messages;
  WarningHandler previous;
  CaptureWarnings() : previous(set_warning_handler([this](const std::string& m) { messages.push_back(m); })) {}
  ~CaptureWarnings() { set_warning_handler(previous); }
};

}  // namespace

TEST_CASE("gradcheck and gradgradcheck pass a right function with two outputs", "[autograd][gradcheck]") {
  Tensor x = input({3}, 1);
  CHECK(autograd::gradcheck(two_outputs(true), {x}));
  CHECK(autograd::gradcheck(two_outputs(true), {x}, fast()));
  CHECK(autograd::gradgradcheck(two_outputs(true), {x}));
  CHECK(autograd::gradgradcheck(two_outputs(true), {x}, {}, fast()));
  autograd::GradcheckOptions all;
  all.check_batched_grad = true;
  all.check_grad_dtypes = true;
  all.gen_non_contig_grad_outputs = true;
  CHECK(autograd::gradgradcheck(two_outputs(true), {x}, {}, all));
}

TEST_CASE("gradcheck names the output whose backward is wrong", "[autograd][gradcheck]") {
  Tensor x = input({3}, 2);
  CHECK_THROWS_AS(autograd::gradcheck(two_outputs(false), {x}), autograd::GradcheckError);
  CHECK_THROWS_WITH(autograd::gradcheck(two_outputs(false), {x}),
                    StartsWith("Jacobian mismatch for output 1 with respect to input 0,\nnumerical:tensor([[") &&
                        Contains("\nanalytical:tensor([["));
  CHECK_THROWS_WITH(autograd::gradcheck(two_outputs(false), {x}, fast()),
                    StartsWith("Jacobian mismatch for output 1 with respect to input 0,\nnumerical:") &&
                        Contains("we recompute numerical and analytical jacobians in slow mode"));
  CHECK_FALSE(autograd::gradcheck(two_outputs(false), {x}, quiet()));
  CHECK_FALSE(autograd::gradcheck(two_outputs(false), {x}, quiet(true)));
}

TEST_CASE("gradcheck counts inputs among those that require grad and skips placeholders",
          "[autograd][gradcheck]") {
  Tensor y = input({3}, 3).detach(), x = input({3}, 4);
  auto fn = [](const tensor_list& in) { return TwoOutputs<3>::apply(in[1] * in[2]); };
  CHECK_THROWS_WITH(autograd::gradcheck(fn, {Tensor(), y, x}),
                    StartsWith("Jacobian mismatch for output 1 with respect to input 0,"));
}

TEST_CASE("gradgradcheck fails a wrong second derivative of output 1", "[autograd][gradcheck]") {
  Tensor x = input({3}, 5);
  auto fn = [](const tensor_list& in) { return WrongSecondDerivative::apply(in[0]); };
  CHECK(autograd::gradcheck(fn, {x}));
  CHECK_THROWS_WITH(autograd::gradgradcheck(fn, {x}),
                    StartsWith("Jacobian mismatch for output 0 with respect to input 0,"));
  CHECK_THROWS_AS(autograd::gradgradcheck(fn, {x}, {}, fast()), autograd::GradcheckError);
  CHECK_FALSE(autograd::gradgradcheck(fn, {x}, {}, quiet()));
}

TEST_CASE("gradcheck warns on float32 inputs and still checks them", "[autograd][gradcheck]") {
  manual_seed(6);
  Tensor x = rand({3}).requires_grad_();
  autograd::GradcheckOptions loose;
  loose.eps = 1e-3;
  loose.atol = 0.1;
  CaptureWarnings warnings;
  CHECK(autograd::gradcheck([](const tensor_list& in) { return tensor_list{sum(in[1])}; }, {Tensor(), x}, loose));
  REQUIRE(warnings.messages.size() == 1);
  CHECK(warnings.messages[0] ==
        "Input #1 requires gradient and is not a double precision floating point or complex. This check will "
        "likely fail if all the inputs are not of double precision floating point or complex. ");
}

TEST_CASE("gradcheck validates its inputs", "[autograd][gradcheck]") {
  Tensor x = input({3}, 7);
  auto identity = [](const tensor_list& in) { return in; };
  CHECK_THROWS_AS(autograd::gradcheck(identity, {x.detach()}, quiet()), ValueError);
  CHECK_THROWS_WITH(autograd::gradcheck(identity, {ones({1}, kFloat64).expand({3}).requires_grad_()}),
                    StartsWith("The 0th input has a dimension with stride 0."));
}

TEST_CASE("gradcheck wants a zero numerical gradient when no output requires grad", "[autograd][gradcheck]") {
  Tensor x = input({3}, 8);
  auto detached = [](const tensor_list& in) { return tensor_list{in[0].detach() * 2.0}; };
  auto constant = [](const tensor_list&) { return tensor_list{zeros({3}, kFloat64)}; };
  for (bool fast_mode : {false, true}) {
    autograd::GradcheckOptions o;
    o.fast_mode = fast_mode;
    CHECK_THROWS_WITH(autograd::gradcheck(detached, {x}, o), "Numerical gradient for function expected to be zero");
    CHECK(autograd::gradcheck(constant, {x}, o));
    CHECK(autograd::gradcheck([](const tensor_list& in) { return tensor_list{zeros({3}, kFloat64), in[0] * 2.0}; },
                              {x}, o));
  }
}

TEST_CASE("gradcheck checks that backward is multiplied by grad_output", "[autograd][gradcheck]") {
  Tensor x = input({3}, 9);
  autograd::GradcheckOptions o;
  o.atol = 1e-2;
  auto fn = [](const tensor_list& in) { return tensor_list{Shifted::apply(in[0])}; };
  CHECK_THROWS_WITH(autograd::gradcheck(fn, {x}, o), "backward not multiplied by grad_output");
}

TEST_CASE("gradcheck checks backward with undefined output gradients", "[autograd][gradcheck]") {
  Tensor x = input({3}, 10);
  auto fn = [](const tensor_list& in) { return MishandlesUndefined::apply(in[0]); };
  CaptureWarnings warnings;
  CHECK_THROWS_WITH(autograd::gradcheck(fn, {x}),
                    StartsWith("Expected all input grads to be undefined or zero when all output grads are "
                               "undefined or zero."));
  REQUIRE(!warnings.messages.empty());
  CHECK_THAT(warnings.messages[0], StartsWith("Backwards compatibility: New undefined gradient support checking"));
  autograd::GradcheckOptions unchecked;
  unchecked.check_undefined_grad = false;
  CHECK(autograd::gradcheck(fn, {x}, unchecked));
}

TEST_CASE("gradcheck checks reentrancy within nondet_tol", "[autograd][gradcheck]") {
  Tensor x = input({3}, 11);
  struct Jitter : autograd::Function<Jitter> {
    static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 1.0; }
    static tensor_list backward(autograd::AutogradContext*, const tensor_list& grads) {
      return {grads[0] * (rand(grads[0].shape(), kFloat64) * 1e-9 + 1.0)};
    }
  };
  auto fn = [](const tensor_list& in) { return tensor_list{Jitter::apply(in[0])}; };
  CHECK_THROWS_WITH(autograd::gradcheck(fn, {x}), StartsWith("Backward is not reentrant"));
  autograd::GradcheckOptions tolerant;
  tolerant.nondet_tol = 1e-5;
  CHECK(autograd::gradcheck(fn, {x}, tolerant));
}

TEST_CASE("gradcheck refuses outputs whose shape changes under perturbation", "[autograd][gradcheck]") {
  Tensor x = input({3}, 12);
  double x0 = x.to_vector()[0];
  auto fn = [x0](const tensor_list& in) {
    Tensor t = in[0];
    return tensor_list{t.to_vector()[0] < x0 ? t * 2.0 : cat({t, t})};
  };
  CHECK_THROWS_AS(autograd::gradcheck(fn, {x}), autograd::GradcheckAssertion);
  CHECK_THROWS_WITH(autograd::gradcheck(fn, {x}, quiet()),
                    StartsWith("Expected `func` to return outputs with the same shape when inputs are perturbed on "
                               "index (0,) by 1e-06, but got: shapes [3] and [6]."));
}

namespace {
// Its backward scales by how often it ran: deterministic, and not reentrant.
struct CountingIdentity : autograd::Function<CountingIdentity> {
  static inline int calls = 0;
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x.clone(); }
  static tensor_list backward(autograd::AutogradContext*, const tensor_list& grads) {
    return {grads[0] * double(++calls)};
  }
};

std::vector<double> identity_matrix(int64_t n, double scale) {
  std::vector<double> m(size_t(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) m[size_t(i * n + i)] = scale;
  return m;
}
}  // namespace

TEST_CASE("get_numerical_jacobian and get_analytical_jacobian give PyTorch's deprecated Jacobians",
          "[autograd][gradcheck]") {
  Tensor x = input({3}, 4), y = input({3}, 5);
  auto fn = [](const tensor_list& in) { return tensor_list{in[0] * 2.0 + in[1], in[0] * in[1]}; };
  // Of the first output only, one (numel(input), numel(output)) matrix per target.
  tensor_list numerical = autograd::get_numerical_jacobian(fn, {x, y}, {x, y}, 1e-6);
  REQUIRE(numerical.size() == 2);
  CHECK(numerical[0].shape() == Shape{3, 3});
  CHECK_THAT(numerical[0].to_vector(), Catch::Matchers::Approx(identity_matrix(3, 2.0)).margin(1e-8));
  CHECK_THAT(numerical[1].to_vector(), Catch::Matchers::Approx(identity_matrix(3, 1.0)).margin(1e-8));
  CHECK(autograd::get_numerical_jacobian(fn, {x, y}, {y}, 1e-6).size() == 1);

  // d(x y)/dx = diag(y), d(x y)/dy = diag(x).
  autograd::AnalyticalJacobian a = autograd::get_analytical_jacobian({x, y}, fn({x, y})[1]);
  REQUIRE(a.jacobians.size() == 2);
  auto xs = x.to_vector(), ys = y.to_vector();
  std::vector<double> diag_y(9, 0.0), diag_x(9, 0.0);
  for (size_t i = 0; i < 3; ++i) diag_y[i * 4] = ys[i], diag_x[i * 4] = xs[i];
  CHECK(a.jacobians[0].to_vector() == diag_y);
  CHECK(a.jacobians[1].to_vector() == diag_x);
  CHECK(a.reentrant);
  CHECK(a.correct_grad_sizes);
  CHECK(a.correct_grad_types);

  CHECK_FALSE(autograd::get_analytical_jacobian({x}, CountingIdentity::apply(x)).reentrant);
}
