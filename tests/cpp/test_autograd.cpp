// The tape and the engine: graph shapes, accumulation, retained and freed
// graphs, higher-order gradients, hooks, in-place version checks, grad mode,
// anomaly mode, custom functions and gradcheck. Expected values are worked
// out by hand from the math in each test.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/gradcheck.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/print.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {
Tensor leaf(std::vector<double> v, Shape shape) { return tensor(v, shape, kFloat64).requires_grad_(); }
double at(const Tensor& t, int64_t i) { return t.to_vector()[size_t(i)]; }
}  // namespace

TEST_CASE("a diamond graph sums both paths into the shared input", "[autograd]") {
  Tensor x = leaf({3.0}, {});
  Tensor a = x * 2.0, b = x * x;  // y = 2x + x^2, dy/dx = 2 + 2x = 8
  Tensor y = a + b;
  y.backward();
  CHECK(x.grad().item() == Approx(8.0));
}

TEST_CASE("gradients accumulate across backward calls into a leaf", "[autograd]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  (x * 3.0).sum().backward();
  (x * x).sum().backward();  // + 2x
  CHECK(at(x.grad(), 0) == Approx(5.0));
  CHECK(at(x.grad(), 1) == Approx(7.0));
}

TEST_CASE("a second backward through a freed graph is an error unless retained", "[autograd]") {
  Tensor x = leaf({2.0}, {});
  Tensor y = x.exp();
  y.backward(Tensor(), true);
  CHECK(x.grad().item() == Approx(std::exp(2.0)));
  y.backward();  // retained above: works, accumulates
  CHECK(x.grad().item() == Approx(2 * std::exp(2.0)));
  CHECK_THROWS_WITH(y.backward(), Contains("backward through the graph a second time"));
}

TEST_CASE("create_graph gives second and third derivatives", "[autograd]") {
  Tensor x = leaf({0.7}, {});
  Tensor y = x * x * x;  // y' = 3x^2, y'' = 6x, y''' = 6
  Tensor g1 = autograd::grad({y}, {x}, {}, std::nullopt, true)[0];
  CHECK(g1.item() == Approx(3 * 0.49));
  Tensor g2 = autograd::grad({g1}, {x}, {}, std::nullopt, true)[0];
  CHECK(g2.item() == Approx(6 * 0.7));
  Tensor g3 = autograd::grad({g2}, {x})[0];
  CHECK(g3.item() == Approx(6.0));
  CHECK_FALSE(x.grad().defined());  // autograd::grad never touches .grad
}

TEST_CASE("a chain of 100,000 ops backpropagates without exhausting the stack", "[autograd]") {
  Tensor x = leaf({1.0}, {});
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  y.backward();
  CHECK(x.grad().item() == Approx(1.0));
}

TEST_CASE("broadcast gradients are summed back to each input's shape", "[autograd]") {
  Tensor a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = leaf({10, 20, 30}, {3});
  (a * b).sum().backward();
  CHECK(b.grad().shape() == Shape{3});
  CHECK(at(b.grad(), 0) == Approx(1 + 4));
  CHECK(at(b.grad(), 2) == Approx(3 + 6));
  CHECK(at(a.grad(), 4) == Approx(20));
}

TEST_CASE("a float32 input of a float64 op receives a float32 gradient", "[autograd]") {
  Tensor a = tensor({1.0, 2.0}, kFloat32).requires_grad_();
  Tensor b = leaf({3.0, 4.0}, {2});
  (a * b).sum().backward();
  CHECK(a.grad().dtype() == kFloat32);
  CHECK(at(a.grad(), 1) == Approx(4.0));
}

TEST_CASE("tensor hooks can replace a gradient and be removed", "[autograd][hooks]") {
  Tensor x = leaf({1.0, 1.0}, {2});
  Tensor y = x * 2.0;
  int calls = 0;
  HookHandle h = y.register_hook([&](const Tensor& g) {
    ++calls;
    return g * 10.0;
  });
  y.sum().backward(Tensor(), true);
  CHECK(calls == 1);
  CHECK(at(x.grad(), 0) == Approx(20.0));
  h.remove();
  x.set_grad(Tensor());
  y.sum().backward();
  CHECK(calls == 1);
  CHECK(at(x.grad(), 0) == Approx(2.0));
}

TEST_CASE("leaf hooks see the gradient before it is accumulated", "[autograd][hooks]") {
  Tensor x = leaf({1.0}, {});
  x.register_hook([](const Tensor& g) { return g * 0.5; });
  (x * 4.0).backward();
  CHECK(x.grad().item() == Approx(2.0));
}

TEST_CASE("retain_grad keeps a non-leaf gradient", "[autograd]") {
  Tensor x = leaf({2.0}, {});
  Tensor y = x * 3.0;
  y.retain_grad();
  (y * y).backward();  // d/dy = 2y = 12
  CHECK(y.grad().item() == Approx(12.0));
  CHECK(x.grad().item() == Approx(36.0));
}

TEST_CASE("modifying a saved tensor in place makes backward fail with both versions", "[autograd][version]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  Tensor y = x * 1.0;
  Tensor z = y.exp();  // saves its output z
  z.mul_(2.0);
  CHECK_THROWS_WITH(z.sum().backward(), Contains("modified by an inplace operation") && Contains("is at version 1; expected version 0 instead"));
}

TEST_CASE("an in-place op on a non-leaf joins the graph", "[autograd][version]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  Tensor y = x * 3.0;
  y.mul_(x);  // y = 3x^2, dy/dx = 6x
  y.sum().backward();
  CHECK(at(x.grad(), 1) == Approx(12.0));
  CHECK(y._version() == 1);
}

TEST_CASE("an in-place op on a leaf that requires grad is rejected", "[autograd][version]") {
  Tensor x = leaf({1.0}, {1});
  CHECK_THROWS_WITH(x.add_(1.0), Contains("leaf Variable that requires grad"));
  NoGradGuard no_grad;
  x.add_(1.0);  // allowed without grad mode (optimizer updates)
  CHECK(x.item() == Approx(2.0));
}

TEST_CASE("an in-place op on a view rebases its base's history", "[autograd][version]") {
  Tensor x = leaf({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Tensor y = x * 1.0;
  Tensor row = y.select(0, 0);
  row.mul_(2.0);
  // y = [[2 x00, 2 x01], [x10, x11]]: d sum(y) / dx is 2 on row 0, 1 on row 1.
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{2, 2, 1, 1});
}

TEST_CASE("no_grad records nothing and grad mode is per thread", "[autograd]") {
  Tensor x = leaf({1.0}, {});
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("autograd::grad rejects unused inputs unless allowed", "[autograd]") {
  Tensor x = leaf({1.0}, {}), w = leaf({2.0}, {});
  Tensor y = x * 3.0;
  CHECK_THROWS_WITH(autograd::grad({y}, {x, w}, {}, true), Contains("appears to not have been used in the graph"));
  auto g = autograd::grad({y}, {x, w}, {}, true, false, true);
  CHECK(g[0].item() == Approx(3.0));
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("backward of a non-scalar needs an explicit gradient", "[autograd]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  CHECK_THROWS_WITH((x * 2.0).backward(), Contains("only for scalar outputs"));
  CHECK_THROWS_WITH((x.detach() * 2.0).sum().backward(), Contains("does not require grad"));
}

TEST_CASE("anomaly mode names the node whose backward produced NaN", "[autograd]") {
  Tensor x = leaf({0.0}, {});
  Tensor y = x.sqrt() * 0.0;  // d sqrt at 0 is inf, times 0 gives nan
  DetectAnomalyGuard anomaly;
  CHECK_THROWS_WITH(y.backward(), Contains("SqrtBackward0") && Contains("nan"));
}

namespace {
struct Cube : autograd::Function<Cube> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {grads[0] * 3.0 * x * x};
  }
};

// Deliberately wrong: the factor should be 3.
struct BadCube : autograd::Function<BadCube> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {grads[0] * 2.0 * x * x};
  }
};

struct ScaleBy : autograd::Function<ScaleBy> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, double k) {
    ctx->saved_data["k"] = k;
    return x * k;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    return {grads[0] * ctx->saved_data["k"].toDouble(), Tensor()};
  }
};
}  // namespace

TEST_CASE("a custom Function's backward runs in the graph", "[autograd][function]") {
  Tensor x = leaf({2.0}, {});
  Tensor y = Cube::apply(x);
  CHECK(y.item() == Approx(8.0));
  y.backward();
  CHECK(x.grad().item() == Approx(12.0));
  Tensor z = ScaleBy::apply(x, 5.0);
  z.backward();
  CHECK(x.grad().item() == Approx(17.0));
}

TEST_CASE("gradcheck passes a right backward and catches a wrong one", "[autograd][gradcheck]") {
  Tensor x = randn({3, 2}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const tensor_list& in) { return tensor_list{Cube::apply(in[0])}; }, {x}));
  CHECK(autograd::gradgradcheck([](const tensor_list& in) { return tensor_list{Cube::apply(in[0])}; }, {x}));
  auto bad = [](const tensor_list& in) { return tensor_list{BadCube::apply(in[0])}; };
  CHECK_THROWS_WITH(autograd::gradcheck(bad, {x}), Contains("Jacobian mismatch for output 0 with respect to input 0") &&
                                                       Contains("numerical:") && Contains("analytical:"));
  autograd::GradcheckOptions quiet;
  quiet.raise_exception = false;
  CHECK_FALSE(autograd::gradcheck(bad, {x}, quiet));
  quiet.fast_mode = true;
  CHECK_FALSE(autograd::gradcheck(bad, {x}, quiet));
}

TEST_CASE("gradcheck and gradgradcheck pass for the elementwise ops", "[autograd][gradcheck]") {
  manual_seed(3);
  Tensor a = (rand({2, 3}, kFloat64) + 0.5).requires_grad_();  // positive: log, sqrt, pow
  Tensor b = (rand({3}, kFloat64) + 0.5).requires_grad_();
  using F = std::function<Tensor(const Tensor&, const Tensor&)>;
  std::vector<std::pair<const char*, F>> ops = {
      {"add", [](auto& x, auto& y) { return add(x, y, 2.0); }},
      {"sub", [](auto& x, auto& y) { return sub(x, y); }},
      {"mul", [](auto& x, auto& y) { return x * y; }},
      {"div", [](auto& x, auto& y) { return x / y; }},
      {"pow", [](auto& x, auto& y) { return pow(x, y); }},
      {"maximum", [](auto& x, auto& y) { return maximum(x, y); }},
      {"minimum", [](auto& x, auto& y) { return minimum(x, y); }},
      {"where", [](auto& x, auto& y) { return where(gt(x, y), x, y * 2.0); }},
      {"exp", [](auto& x, auto&) { return exp(x); }},
      {"log", [](auto& x, auto&) { return log(x); }},
      {"sqrt", [](auto& x, auto&) { return sqrt(x); }},
      {"rsqrt", [](auto& x, auto&) { return rsqrt(x); }},
      {"abs", [](auto& x, auto&) { return abs(x - 1.0); }},
      {"sin", [](auto& x, auto&) { return sin(x); }},
      {"cos", [](auto& x, auto&) { return cos(x); }},
      {"tanh", [](auto& x, auto&) { return tanh(x); }},
      {"sigmoid", [](auto& x, auto&) { return sigmoid(x); }},
      {"reciprocal", [](auto& x, auto&) { return reciprocal(x); }},
      {"pow scalar", [](auto& x, auto&) { return pow(x, 2.5); }},
      {"clamp", [](auto& x, auto&) { return clamp(x, 0.8, 1.2); }},
      {"neg", [](auto& x, auto&) { return -x; }},
  };
  for (auto& [name, op] : ops) {
    INFO(name);
    auto fn = [op = op](const tensor_list& in) { return tensor_list{op(in[0], in[1])}; };
    CHECK(autograd::gradcheck(fn, {a, b}));
    CHECK(autograd::gradgradcheck(fn, {a, b}));
  }
}

TEST_CASE("repr prints like PyTorch", "[autograd][print]") {
  CHECK(repr(tensor({1.0, 2.5}, kFloat32)) == "tensor([1.0000, 2.5000])");
  CHECK(repr(tensor({1.0, 2.0}, {1, 2}, kFloat64)) == "tensor([[1., 2.]], dtype=ember.float64)");
  CHECK(repr(arange(3)) == "tensor([0, 1, 2])");
  Tensor x = tensor({1.0}, kFloat32).requires_grad_();
  CHECK(repr(x) == "tensor([1.], requires_grad=True)");
  CHECK(repr(x * 2.0) == "tensor([2.], grad_fn=<MulBackward0>)");
}

namespace {
struct Square : autograd::Function<Square> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, const tensor_list& grads) {
    return {grads[0] * 2.0 * ctx->get_saved_variables()[0]};
  }
};

// Collects what ember::warn reports while it lives, and gives every node made
// meanwhile a forward trace naming the call that made it.
struct AnomalyReport {
  std::vector<std::string> warnings;
  WarningHandler previous;
  AnomalyReport() : previous(set_warning_handler([this](const std::string& m) { warnings.push_back(m); })) {
    set_forward_trace_collector([] { return std::string("the forward call"); });
  }
  ~AnomalyReport() {
    set_forward_trace_collector(nullptr);
    set_warning_handler(previous);
  }
};
}  // namespace

TEST_CASE("anomaly mode reports the failing node and, as PyTorch, the node whose backward made it", "[autograd]") {
  AnomalyReport report;
  DetectAnomalyGuard anomaly;
  Tensor x = leaf({3.0}, {});
  Tensor y = Square::apply(x);
  CHECK_FALSE(y.grad_fn()->anomaly_parent());
  // The first derivative's graph is made by Square's backward: its nodes remember it.
  Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  REQUIRE(g.grad_fn());
  REQUIRE(g.grad_fn()->anomaly_parent());
  CHECK(g.grad_fn()->anomaly_parent() == y.grad_fn());
  CHECK(g.item<double>() == 6.0);

  // A NaN flowing into the second backward fails the first node it reaches
  // (g = (grad * 2) * x: its gradient for x, the node's input 1).
  std::string failing = g.grad_fn()->name();
  CHECK_THROWS_WITH(g.backward(full({}, std::nan(""), kFloat64)),
                    Contains("Function '" + failing + "' returned nan values in its 1th output."));
  REQUIRE(report.warnings.size() >= 2);
  CHECK(report.warnings[0] ==
        "Error detected in " + failing + ". Traceback of forward call that caused the error:\nthe forward call");
  CHECK(report.warnings.back() == "\n\nPrevious calculation was induced by " + y.grad_fn()->name() +
                                      ". Traceback of forward call that induced the previous calculation:\nthe "
                                      "forward call");
}

TEST_CASE("backward from gradient edges, as PyTorch's GradientEdge roots", "[autograd]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  Tensor y = (x * 3.0).sum();
  Edge edge = gradient_edge(y);
  y = Tensor();  // the edge keeps the graph alive without the tensor
  autograd::backward(std::vector<Edge>{edge}, {}, /*retain_graph=*/true, false, {});
  CHECK(x.grad().to_vector() == std::vector<double>{3.0, 3.0});
  autograd::backward(std::vector<Edge>{edge}, {full({}, 2.0, kFloat64)}, std::nullopt, false, {});
  CHECK(x.grad().to_vector() == std::vector<double>{9.0, 9.0});

  Tensor v = x * 2.0;  // two elements: its gradient cannot be implied
  CHECK_THROWS_WITH(autograd::backward(std::vector<Edge>{gradient_edge(v)}, {}, std::nullopt, false, {}),
                    Contains("grad can be implicitly created only for scalar outputs"));
}

TEST_CASE("backward with create_graph warns once about the cycle it makes, every time with warn-always", "[autograd]") {
  std::vector<std::string> warnings;
  WarningHandler previous = set_warning_handler([&](const std::string& m) { warnings.push_back(m); });
  auto count = [&] {
    Tensor x = leaf({2.0}, {});
    (x * x).backward({}, std::nullopt, /*create_graph=*/true);
    autograd::grad({x * x}, {x}, {}, std::nullopt, /*create_graph=*/true);  // grad() never warns
    x.set_grad(Tensor());  // breaks the x -> grad -> graph -> x cycle the warning is about (LeakSanitizer)
    size_t n = 0;
    for (const auto& w : warnings) n += w.find("Using backward() with create_graph=True") != std::string::npos;
    warnings.clear();
    return n;
  };
  count();  // whether this warns depends on earlier tests: the flag is per process
  CHECK(count() == 0);
  set_warn_always(true);
  CHECK(count() == 1);
  CHECK(count() == 1);
  set_warn_always(false);
  CHECK(count() == 0);
  set_warning_handler(previous);
}
