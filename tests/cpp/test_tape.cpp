// The tape's PyTorch semantics from C++: shared and duplicate roots, saved
// outputs rejoining their slot under create_graph, in-place ops on views
// (values and gradients worked out by hand in each case), dropping a very
// deep graph, and deeply nested reentrant backward.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/grad_mode.h"
#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

Tensor leaf(std::vector<double> v, Shape shape) { return tensor(v, shape, kFloat64).requires_grad_(); }
std::vector<double> values(const Tensor& t) { return t.to_vector(); }

// y0 = 2x, y1 = 3x: two outputs of one node.
struct TwoOutputs : autograd::Function<TwoOutputs> {
  static tensor_list forward(autograd::AutogradContext*, Tensor x) { return {x * 2.0, x * 3.0}; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list g) { return {g[0] * 2.0 + g[1] * 3.0}; }
};

// Outputs (x, exp(x)); backward reads exp(x) back from the saved *second* output.
struct SavesSecondOutput : autograd::Function<SavesSecondOutput> {
  static tensor_list forward(autograd::AutogradContext* ctx, Tensor x) {
    Tensor e = x.exp();
    Tensor copy = x * 1.0;
    ctx->save_for_backward({x, e});
    return {copy, e};
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    Tensor e = ctx->get_saved_variables()[1];
    return {g[0] + g[1] * e};
  }
};

// Each backward runs one more backward of a fresh graph, `depth` levels deep.
struct Reentrant : autograd::Function<Reentrant> {
  static Tensor forward(autograd::AutogradContext* ctx, Tensor x, int64_t depth) {
    ctx->saved_data["depth"] = depth;
    return x * 1.0;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    int64_t depth = ctx->saved_data["depth"].toInt();
    if (depth > 0) {
      AutoGradMode grad_on(true);
      Tensor z = leaf({1.0}, {1});
      Reentrant::apply(z, depth - 1).sum().backward();
      ++reached;
    }
    return {g[0], Tensor()};
  }
  static inline int64_t reached = 0;
};

}  // namespace

TEST_CASE("duplicate roots each contribute their gradient", "[tape][engine]") {
  Tensor a = leaf({1.0, 2.0}, {2});
  Tensor x = a * 3.0;
  Tensor g = tensor({1.0, 10.0}, {2}, kFloat64);
  autograd::backward({x, x}, {g, g});
  // d(x.g + x.g)/da = 2 * 3 * g
  CHECK(values(a.grad()) == std::vector<double>{6.0, 60.0});
}

TEST_CASE("roots that share one node run it once with both gradients", "[tape][engine]") {
  Tensor x = leaf({1.0, -1.0}, {2});
  tensor_list ys = TwoOutputs::apply(x);
  Tensor ga = tensor({1.0, 1.0}, {2}, kFloat64), gb = tensor({2.0, 0.5}, {2}, kFloat64);
  autograd::backward(ys, {ga, gb});
  // 2 ga + 3 gb
  CHECK(values(x.grad()) == std::vector<double>{8.0, 3.5});
  tensor_list again = TwoOutputs::apply(x);
  tensor_list g = autograd::grad(again, {x}, {ga, gb});
  CHECK(values(g[0]) == std::vector<double>{8.0, 3.5});
}

TEST_CASE("split outputs used as roots together reach the input once each", "[tape][engine]") {
  Tensor x = leaf({1.0, 2.0, 3.0, 4.0}, {4});
  tensor_list parts = (x * 1.0).split(2);
  autograd::backward(parts, {tensor({1.0, 2.0}, {2}, kFloat64), tensor({3.0, 4.0}, {2}, kFloat64)});
  CHECK(values(x.grad()) == std::vector<double>{1.0, 2.0, 3.0, 4.0});
}

TEST_CASE("a saved second output rejoins its own slot under create_graph", "[tape][function]") {
  Tensor x = leaf({0.5}, {});
  tensor_list out = SavesSecondOutput::apply(x);
  Tensor d = autograd::grad({out[1]}, {x}, {}, std::nullopt, true)[0];
  CHECK(d.item() == Approx(std::exp(0.5)));
  // d/dx exp(x) read back from output 1: exp(0.5) = 1.6487, not 2 (what output 0 would give).
  Tensor dd = autograd::grad({d}, {x})[0];
  CHECK(dd.item() == Approx(std::exp(0.5)));
}

TEST_CASE("an in-place op on a view gives the base and its inputs hand-derived gradients", "[tape][view]") {
  Tensor b = leaf({2.0, 3.0}, {2});
  Tensor x = zeros({2, 4}, kFloat64) + 1.0;  // ones, no grad
  REQUIRE_FALSE(x.requires_grad());
  Tensor col = x.narrow(1, 2, 2);
  col.mul_(b);
  // The base now requires grad through the write into its view.
  CHECK(x.requires_grad());
  CHECK(values(x) == std::vector<double>{1, 1, 2, 3, 1, 1, 2, 3});
  Tensor w = tensor({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4}, kFloat64);
  (x * w).sum().backward();
  // d/db_j sum(w * x) = sum_i w[i, 2 + j] * 1
  CHECK(values(b.grad()) == std::vector<double>{3.0 + 7.0, 4.0 + 8.0});
}

TEST_CASE("an in-place op on a base is seen by an existing view", "[tape][view]") {
  Tensor r = leaf({1.0, 2.0, 3.0}, {3});
  Tensor x = zeros({2, 3}, kFloat64);
  Tensor v = x.select(0, 1);
  x.add_(r * 2.0);  // broadcast over the rows
  CHECK(v.requires_grad());
  CHECK(values(v) == std::vector<double>{2.0, 4.0, 6.0});
  (v * v).sum().backward();
  // d/dr sum((2r)^2) = 8 r
  CHECK(values(r.grad()) == std::vector<double>{8.0, 16.0, 24.0});
}

TEST_CASE("in-place on a view of a non-leaf rebases the base's history", "[tape][view]") {
  Tensor a = leaf({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Tensor y = a.sin();  // saves a, not its output: y may be modified
  y.select(0, 0).mul_(3.0);
  // y = [[3 sin a00, 3 sin a01], [sin a10, sin a11]]
  y.sum().backward();
  std::vector<double> g = values(a.grad());
  CHECK(g[0] == Approx(3 * std::cos(1.0)));
  CHECK(g[1] == Approx(3 * std::cos(2.0)));
  CHECK(g[2] == Approx(std::cos(3.0)));
  CHECK(g[3] == Approx(std::cos(4.0)));
  // exp saves its output, so the same in-place op after exp is caught at backward.
  Tensor e = a.exp();
  e.select(0, 0).mul_(3.0);
  CHECK_THROWS_WITH(e.sum().backward(), Contains("has been modified by an inplace operation"));
}

TEST_CASE("PyTorch's refusals of in-place ops on views keep their wording", "[tape][view]") {
  // PyTorch 2.13 names the node without its "Backward0" suffix here.
  Tensor a = leaf({1.0, 2.0}, {2});
  CHECK_THROWS_WITH(a.narrow(0, 0, 1).mul_(2.0),
                    Contains("a view of a leaf Variable that requires grad is being used in an in-place operation."));
  tensor_list parts = (a * 1.0).split(1);
  CHECK_THROWS_WITH(parts[0].mul_(2.0), Contains("Output 0 of Split is a view and is being modified inplace. "
                                                 "This view is the output of a function that returns multiple views."));
}

TEST_CASE("dropping a 1,000,000-node graph is safe and fast", "[tape][engine]") {
  auto start = std::chrono::steady_clock::now();
  {
    Tensor x = leaf({1.0}, {1});
    Tensor y = x;
    for (int i = 0; i < 1000000; ++i) y = y * 1.0;
    CHECK(y.grad_fn() != nullptr);
  }  // the chain is released here, node by node, without recursion
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Generous: building and dropping takes about a second here; the point is
  // that the destruction is not quadratic.
  CHECK(seconds < 60.0);
}

TEST_CASE("backward through a 1,000,000-node chain", "[tape][engine]") {
  Tensor x = leaf({1.0}, {1});
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y + 0.0;
  y.sum().backward();
  CHECK(x.grad().item() == 1.0);
}

TEST_CASE("reentrant backward 10,000 levels deep", "[tape][engine]") {
  Reentrant::reached = 0;
  Tensor x = leaf({1.0}, {1});
  Reentrant::apply(x, 10000).sum().backward();
  CHECK(Reentrant::reached == 10000);
  CHECK(x.grad().item() == 1.0);
}

TEST_CASE("hooks run in PyTorch's order: tensor hooks, node pre-hooks, the node, its post-hooks", "[tape][hooks]") {
  std::vector<std::string> log;
  Tensor a = leaf({1.0}, {});
  Tensor b = a * 1.0;
  Node& mul = *b.grad_fn();
  mul.add_pre_hook([&](const tensor_list&) { log.push_back("pre"); return tensor_list{}; });
  b.register_hook([&](const Tensor& g) { log.push_back("tensor"); return g * 3.0; });
  mul.add_post_hook([&](const tensor_list&, const tensor_list&) { log.push_back("post"); return tensor_list{}; });
  a.register_hook([&](const Tensor& g) { log.push_back("leaf"); return g; });
  b.backward();
  CHECK(log == std::vector<std::string>{"tensor", "pre", "post", "leaf"});
  CHECK(values(a.grad()) == std::vector<double>{3.0});

  // grad() captures b's node without running it: its tensor hooks run, not its node hooks.
  log.clear();
  autograd::grad({b * 2.0}, {b});
  CHECK(log == std::vector<std::string>{"tensor"});
}

TEST_CASE("a tensor hook on an output that got no gradient is called with an undefined one", "[tape][hooks]") {
  Tensor x = leaf({1.0, 2.0}, {2});
  tensor_list parts = unbind(x);
  int calls = 0;
  bool got_undefined = false;
  parts[0].register_hook([&](const Tensor& g) {
    ++calls;
    got_undefined = !g.defined();
    return Tensor();
  });
  parts[1].backward();
  CHECK(calls == 1);
  CHECK(got_undefined);
  CHECK(values(x.grad()) == std::vector<double>{0.0, 1.0});
  // Turning "no gradient" into one is refused, as in PyTorch.
  parts = unbind(x);
  parts[0].register_hook([](const Tensor&) { return full({}, 1.0, kFloat64); });
  CHECK_THROWS_WITH(parts[1].backward(), Contains("can't replace a None gradient with a non-None value"));
}

TEST_CASE("an accumulator's post-hook sees the leaf's .grad, which took the gradient it received", "[tape][hooks]") {
  Tensor a = leaf({1.0, 2.0}, {2});
  Tensor b = a * 1.0;
  std::shared_ptr<Node> acc = b.grad_fn()->next_edges()[0].fn;
  acc->add_post_hook([&](const tensor_list&, const tensor_list& received) {
    CHECK(received[0].storage() == a.grad().storage());
    return tensor_list{};
  });
  b.sum().backward();
  CHECK(values(a.grad()) == std::vector<double>{1.0, 1.0});
}

TEST_CASE("a node's saved tensors have PyTorch's names and take pack/unpack hooks", "[tape][saved]") {
  Tensor a = leaf({2.0, 3.0}, {2}), b = leaf({5.0, 7.0}, {2});
  Tensor y = a * b;
  Node& mul = *y.grad_fn();
  REQUIRE(mul.saved_variable("self"));
  REQUIRE(mul.saved_variable("other"));
  CHECK_FALSE(mul.saved_variable("result"));
  CHECK(values(mul.saved_variable("self")->unpack()) == std::vector<double>{2.0, 3.0});
  CHECK(values(mul.saved_variable("other")->unpack()) == std::vector<double>{5.0, 7.0});

  // exp saves its result: unpacked, it rejoins the node that saved it.
  Tensor e = a.exp();
  REQUIRE(e.grad_fn()->saved_variable("result"));
  CHECK(e.grad_fn()->saved_variable("result")->unpack(e.grad_fn()).grad_fn() == e.grad_fn());

  // Hooks on one saved tensor: packed now, unpacked (doubled here) when backward needs it.
  int packs = 0, unpacks = 0;
  auto hooks = std::make_shared<SavedTensorHooks>();
  hooks->pack = [&](const Tensor& t) -> std::shared_ptr<void> {
    ++packs;
    return std::make_shared<Tensor>(t.detach().clone());
  };
  hooks->unpack = [&](const std::shared_ptr<void>& p) {
    ++unpacks;
    return *std::static_pointer_cast<Tensor>(p) * 2.0;
  };
  mul.saved_variable("other")->register_hooks(hooks);
  CHECK(packs == 1);
  CHECK_THROWS_WITH(mul.saved_variable("other")->register_hooks(hooks),
                    Contains("only one pair of hooks is allowed at a time"));
  y.sum().backward();
  CHECK(unpacks == 1);
  CHECK(values(a.grad()) == std::vector<double>{10.0, 14.0});  // d(a b)/da = b, doubled by unpack
  CHECK(values(b.grad()) == std::vector<double>{2.0, 3.0});
  // Freed with the graph: a second backward needs them.
  CHECK_THROWS_WITH(y.sum().backward(), Contains("Trying to backward through the graph a second time"));
}

TEST_CASE("the mutation hook sees a tensor before each in-place write", "[tape][inplace]") {
  Tensor x = tensor({1.0, 2.0}, {2}, kFloat64);
  std::vector<std::vector<double>> seen;
  MutationHook previous = set_mutation_hook([&](const Tensor& t) { seen.push_back(values(t)); });
  x.mul_(3.0);
  x.add_(1.0);
  set_mutation_hook(previous);
  x.add_(1.0);  // no hook any more
  REQUIRE(seen.size() >= 2);
  CHECK(seen.front() == std::vector<double>{1.0, 2.0});  // before the first write
  CHECK(seen.back() == std::vector<double>{3.0, 6.0});   // before the second
  CHECK(values(x) == std::vector<double>{5.0, 8.0});
}

TEST_CASE("write_out follows PyTorch's out= rules", "[tape][inplace]") {
  Tensor a = tensor({1.0, 2.0, 3.0}, {3}, kFloat64);
  Tensor out = zeros({3}, kFloat32);
  CHECK(&write_out("exp", out, exp(a)) == &out);
  CHECK(out.dtype() == kFloat32);
  CHECK_THAT(values(out), Catch::Matchers::Approx(values(exp(a))).epsilon(1e-6));
  Tensor empty = zeros({0}, kFloat64);
  write_out("exp", empty, exp(a));  // an empty out takes the result's shape
  CHECK(empty.shape() == Shape{3});
  Tensor ints = zeros({3}, kInt64);
  CHECK_THROWS_WITH(write_out("exp", ints, exp(a)),
                    Contains("result type Double can't be cast to the desired output type Long"));
  Tensor w = leaf({1.0}, {1});
  CHECK_THROWS_WITH(check_out_allowed("mul", out, w.requires_grad()),
                    Contains("mul(): functions with out=... arguments don't support automatic differentiation"));
  NoGradGuard no_grad;
  CHECK_NOTHROW(check_out_allowed("mul", out, true));
}

TEST_CASE("saved-tensor hooks: wrapped numbers skip them, a backward cannot leave any behind", "[tape][saved]") {
  int packs = 0;
  SavedTensorHooks counting;
  counting.pack = [&](const Tensor& t) -> std::shared_ptr<void> {
    ++packs;
    return std::make_shared<Tensor>(t);
  };
  counting.unpack = [](const std::shared_ptr<void>& p) { return *std::static_pointer_cast<Tensor>(p); };
  Tensor a = leaf({1.0, 2.0}, {2});
  push_saved_tensor_hooks(counting);
  mul(a, wrap_scalar(3.0, a));                 // d/da needs the wrapped 3: saved without the hooks
  mul(a, full({}, 3.0, kFloat64));             // the same 3 as a tensor is packed
  pop_saved_tensor_hooks();
  CHECK(packs == 1);

  // A backward that pushes hooks and never pops them: they are gone when it returns.
  struct PushesHooks : autograd::Function<PushesHooks> {
    static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 1.0; }
    static tensor_list backward(autograd::AutogradContext*, const tensor_list& g) {
      SavedTensorHooks h;
      h.pack = [](const Tensor&) -> std::shared_ptr<void> { throw Error("the pushed hook outlived backward"); };
      h.unpack = [](const std::shared_ptr<void>&) { return Tensor(); };
      push_saved_tensor_hooks(h);
      return {g[0]};
    }
  };
  PushesHooks::apply(a).sum().backward();
  CHECK_NOTHROW(a * a);  // saves a: would call the leftover pack hook
}

TEST_CASE("a saved input detached in place cannot be used; a saved output can", "[tape][saved]") {
  Tensor a = leaf({1.0}, {}) * 1.0;
  Tensor b = a.sin();  // saves its input
  a.detach_();
  CHECK_THROWS_WITH(b.backward(), Contains("Trying to use a saved tensor that has been detached in-place"));
  Tensor c = leaf({1.0}, {}) * 1.0;
  Tensor d = c.exp();  // saves its output
  c.detach_();
  CHECK_NOTHROW(d.backward());
}

TEST_CASE("delayed_error: one Error node whose backward raises; create_graph .grad remembers its copy", "[tape]") {
  Tensor a = leaf({1.0, 2.0}, {2}), b = leaf({3.0}, {1});
  tensor_list out = autograd::delayed_error("differentiated twice", {a, Tensor(), b});
  REQUIRE(out.size() == 3);
  CHECK_FALSE(out[1].defined());
  CHECK(out[0].grad_fn() == out[2].grad_fn());
  CHECK(out[0].grad_fn()->name() == "Error");
  CHECK(out[0].grad_fn()->next_edges().size() == 3);
  CHECK(values(out[0]) == values(a));
  CHECK_THROWS_WITH(out[0].sum().backward(), Contains("differentiated twice"));

  // With create_graph the first gradient .grad gets is a copy with a history (PyTorch's CopyBackwards).
  Tensor x = leaf({2.0}, {});
  (x * x).backward({}, std::nullopt, /*create_graph=*/true);
  REQUIRE(x.grad().grad_fn());
  CHECK(x.grad().grad_fn()->name() == "CopyBackwards");
  CHECK(values(x.grad()) == std::vector<double>{4.0});
}
