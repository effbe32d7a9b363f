// Module system: PyTorch's parameter names, counts and state_dict keys for a
// small CNN (the expected lists are PyTorch's, written out), load_state_dict
// errors and round trips, train/eval, hooks, to(dtype), zero_grad, repr.
#include <catch2/catch.hpp>

#include <sstream>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;
using ember::test::expect_error;

namespace {

// A residual-style block, so names nest as "layer1.0.bn1.running_mean".
class BlockImpl : public Module {
 public:
  explicit BlockImpl(int64_t c) {
    conv1 = register_module("conv1", Conv2d(Conv2dOptions(c, c, 3).padding(1).bias(false)));
    bn1 = register_module("bn1", BatchNorm2d(c));
  }
  Tensor forward(const Tensor& x) override { return relu(bn1(conv1(x))); }
  Conv2d conv1{nullptr};
  BatchNorm2d bn1{nullptr};
};
class Block : public ModuleHolder<BlockImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

class NetImpl : public Module {
 public:
  NetImpl() {
    features = register_module("features", Sequential(Conv2d(Conv2dOptions(1, 8, 3).padding(1)), BatchNorm2d(8),
                                                      ReLU(), MaxPool2d(2)));
    layer1 = register_module("layer1", Sequential(Block(8)));
    pool = register_module("pool", AdaptiveAvgPool2d(1));
    classifier = register_module("classifier", Sequential(Flatten(), Dropout(0.5), Linear(8, 10)));
  }
  Tensor forward(const Tensor& x) override { return classifier(pool(layer1(features(x)))); }
  Sequential features{nullptr}, layer1{nullptr}, classifier{nullptr};
  AdaptiveAvgPool2d pool{nullptr};
};
class Net : public ModuleHolder<NetImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

// What PyTorch 2.13 prints for the same architecture (checked once with torch).
const std::vector<std::string> kParameterNames = {
    "features.0.weight", "features.0.bias",    "features.1.weight",   "features.1.bias", "layer1.0.conv1.weight",
    "layer1.0.bn1.weight", "layer1.0.bn1.bias", "classifier.2.weight", "classifier.2.bias"};
const std::vector<std::string> kStateDictKeys = {
    "features.0.weight",       "features.0.bias",          "features.1.weight",
    "features.1.bias",         "features.1.running_mean",  "features.1.running_var",
    "features.1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.bn1.weight",
    "layer1.0.bn1.bias",       "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
    "layer1.0.bn1.num_batches_tracked", "classifier.2.weight", "classifier.2.bias"};
const std::vector<std::string> kBufferNames = {
    "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
    "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked"};

const char* kNetRepr = R"(Net(
  (features): Sequential(
    (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (2): ReLU()
    (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (layer1): Sequential(
    (0): Block(
      (conv1): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    )
  )
  (pool): AdaptiveAvgPool2d(output_size=1)
  (classifier): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Dropout(p=0.5, inplace=False)
    (2): Linear(in_features=8, out_features=10, bias=True)
  )
))";

std::vector<double> vals(const Tensor& t) { return t.contiguous().to_vector(); }

}  // namespace

TEST_CASE("named_parameters, named_buffers and state_dict keys equal PyTorch's", "[module]") {
  Net net;
  CHECK(net->named_parameters().keys() == kParameterNames);
  CHECK(net->state_dict().keys() == kStateDictKeys);
  CHECK(net->named_buffers().keys() == kBufferNames);
  int64_t count = 0;
  for (const Tensor& p : net->parameters()) count += p.numel();
  // conv 8*9+8, bn 16, conv 8*8*9, bn 16, linear 8*10+10 (PyTorch: 778).
  CHECK(count == 778);
  CHECK(net->parameters(false).empty());
  CHECK(net->named_children().keys() == std::vector<std::string>{"features", "layer1", "pool", "classifier"});
  auto modules = net->named_modules();
  CHECK(modules.size() == 15);  // PyTorch: len(list(net.named_modules())) == 15
  CHECK(modules.keys()[0] == "");
  CHECK(modules.contains("layer1.0.bn1"));
  CHECK(net->state_dict()["features.1.num_batches_tracked"].dtype() == kInt64);
}

TEST_CASE("a parameter shared by two modules is listed once", "[module]") {
  Sequential seq;
  Linear fc(3, 3);
  seq->push_back(fc);
  seq->push_back(fc);
  CHECK(seq->parameters().size() == 2);
  CHECK(seq->modules().size() == 2);
  // state_dict keeps both names, as PyTorch.
  CHECK(seq->state_dict().keys() == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"});
}

TEST_CASE("repr prints the nested module tree as PyTorch", "[module]") {
  Net net;
  CHECK(net->repr() == kNetRepr);
  std::ostringstream os;
  os << *net;
  CHECK(os.str() == kNetRepr);
}

TEST_CASE("load_state_dict copies values in place and keeps the handles", "[module]") {
  Net a, b;
  Tensor weight = b->classifier->at<LinearImpl>(2).weight;
  auto version = weight._version();
  b->load_state_dict(a->state_dict());
  for (const auto& [key, t] : a->state_dict()) CHECK(vals(b->state_dict()[key]) == vals(t));
  CHECK(b->classifier->at<LinearImpl>(2).weight.is_same(weight));
  CHECK(weight._version() > version);
  CHECK(weight.requires_grad());
}

TEST_CASE("load_state_dict lists missing, unexpected and mismatched keys and changes nothing", "[module]") {
  Net net;
  auto before = net->state_dict();
  std::vector<std::vector<double>> saved;
  for (const auto& [key, t] : before) saved.push_back(vals(t));

  OrderedDict<Tensor> given;
  for (const auto& [key, t] : before)
    if (key != "classifier.2.bias") given.insert(key, zeros_like(t));
  given["features.0.weight"] = zeros({8, 1, 5, 5});
  given.insert("extra.weight", zeros({2}));
  try {
    net->load_state_dict(given);
    FAIL("no exception");
  } catch (const ValueError& e) {
    std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("Error(s) in loading state_dict for Net"));
    CHECK_THAT(m, Catch::Contains("Missing key(s) in state_dict: \"classifier.2.bias\"."));
    CHECK_THAT(m, Catch::Contains("Unexpected key(s) in state_dict: \"extra.weight\"."));
    CHECK_THAT(m, Catch::Contains("size mismatch for features.0.weight: copying a param with shape [8, 1, 5, 5] from "
                                  "checkpoint, the shape in current model is [8, 1, 3, 3]."));
  }
  size_t i = 0;
  for (const auto& [key, t] : net->state_dict()) CHECK(vals(t) == saved[i++]);

  // Non-strict: missing and unexpected keys are reported, shape mismatches still throw.
  given["features.0.weight"] = zeros({8, 1, 3, 3});
  auto result = net->load_state_dict(given, false);
  CHECK(result.missing_keys == std::vector<std::string>{"classifier.2.bias"});
  CHECK(result.unexpected_keys == std::vector<std::string>{"extra.weight"});
  CHECK(vals(net->features->at<Conv2dImpl>(0).weight) == std::vector<double>(72, 0.0));
}

TEST_CASE("train and eval switch batch norm and dropout in every descendant", "[module]") {
  manual_seed(0);
  Net net;
  CHECK(net->is_training());
  Tensor x = randn({4, 1, 8, 8});
  auto& bn = net->features->at<BatchNorm2dImpl>(1);
  net->forward(x);
  CHECK(bn.num_batches_tracked.item<int64_t>() == 1);
  std::vector<double> mean = vals(bn.running_mean);
  CHECK(std::any_of(mean.begin(), mean.end(), [](double v) { return v != 0.0; }));

  net->eval();
  CHECK(!bn.is_training());
  CHECK(!net->classifier->ptr(1)->is_training());
  Tensor y1 = net->forward(x), y2 = net->forward(x);
  CHECK(vals(y1) == vals(y2));  // no dropout, running stats
  CHECK(bn.num_batches_tracked.item<int64_t>() == 1);
  CHECK(vals(bn.running_mean) == mean);

  // Eval batch norm is (x - running_mean) / sqrt(running_var + eps) * w + b, computed here by hand.
  BatchNorm2d b2(2);
  b2->eval();
  {
    NoGradGuard g;
    b2->running_mean.copy_(tensor({1.0, -2.0}));
    b2->running_var.copy_(tensor({4.0, 0.25}));
    b2->weight.copy_(tensor({2.0, 3.0}));
    b2->bias.copy_(tensor({0.5, -0.5}));
  }
  Tensor in = tensor({3.0, 0.0}, kFloat32).view({1, 2, 1, 1});
  auto out = vals(b2(in));
  CHECK(out[0] == Approx((3.0 - 1.0) / std::sqrt(4.0 + 1e-5) * 2.0 + 0.5));
  CHECK(out[1] == Approx((0.0 + 2.0) / std::sqrt(0.25 + 1e-5) * 3.0 - 0.5));

  Dropout drop(0.5);
  Tensor ones_in = ones({1000});
  auto train_out = vals(drop(ones_in));
  int zeros_count = int(std::count(train_out.begin(), train_out.end(), 0.0));
  CHECK(zeros_count > 400);
  CHECK(zeros_count < 600);
  drop->eval();
  CHECK(vals(drop(ones_in)) == std::vector<double>(1000, 1.0));
}

TEST_CASE("batch norm with momentum unset keeps the cumulative average", "[module]") {
  BatchNorm1d bn(BatchNormOptions(1).momentum(std::nullopt));
  bn(tensor({1.0, 3.0}).view({2, 1}));   // mean 2, unbiased var 2
  bn(tensor({5.0, 9.0}).view({2, 1}));   // mean 7, unbiased var 8
  bn(tensor({0.0, 0.0}).view({2, 1}));   // mean 0, var 0
  CHECK(bn->num_batches_tracked.item<int64_t>() == 3);
  CHECK(bn->running_mean.item<double>() == Approx(3.0));
  CHECK(bn->running_var.item<double>() == Approx(10.0 / 3.0));
  CHECK(bn->repr() == "BatchNorm1d(1, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)");
}

TEST_CASE("forward hooks fire in order, may replace values and are removable", "[module]") {
  Linear fc(2, 2);
  std::vector<std::string> calls;
  auto pre = fc->register_forward_pre_hook([&](Module& m, const Tensor& x) {
    calls.push_back("pre " + m.name());
    return x * 2.0;
  });
  auto post = fc->register_forward_hook([&](Module&, const Tensor& x, const Tensor&) {
    calls.push_back("post");
    CHECK(vals(x) == std::vector<double>{2.0, 4.0});
    return zeros({1, 2});
  });
  Tensor y = fc(tensor({1.0, 2.0}).view({1, 2}));
  CHECK(calls == std::vector<std::string>{"pre Linear", "post"});
  CHECK(vals(y) == std::vector<double>{0.0, 0.0});
  pre.remove();
  post.remove();
  y = fc(tensor({1.0, 2.0}).view({1, 2}));
  CHECK(calls.size() == 2);
  CHECK(vals(y) != std::vector<double>{0.0, 0.0});

  // Hooks of a module inside a Sequential run when the Sequential runs.
  Sequential seq(fc, ReLU());
  int count = 0;
  auto h = seq->ptr(1)->register_forward_hook([&](Module&, const Tensor&, const Tensor&) {
    ++count;
    return Tensor();
  });
  seq(ones({1, 2}));
  CHECK(count == 1);
  h.remove();
  h.remove();  // a second remove does nothing
  seq(ones({1, 2}));
  CHECK(count == 1);
}

TEST_CASE("to(kFloat64) converts parameters, float buffers and gradients in place", "[module]") {
  Net net;
  Tensor w = net->classifier->at<LinearImpl>(2).weight;
  auto before = vals(w);
  net->forward(randn({2, 1, 8, 8})).sum().backward();
  net->to(kFloat64);
  CHECK(w.dtype() == kFloat64);
  CHECK(vals(w) == before);
  CHECK(w.requires_grad());
  CHECK(w.grad().dtype() == kFloat64);
  for (const auto& [key, t] : net->state_dict())
    CHECK(t.dtype() == (key.find("num_batches_tracked") != std::string::npos ? kInt64 : kFloat64));
  net->zero_grad();
  Tensor y = net->forward(randn({2, 1, 8, 8}, kFloat64));
  CHECK(y.dtype() == kFloat64);
  y.sum().backward();
  CHECK(w.grad().dtype() == kFloat64);
  expect_error<ValueError>([&] { net->to(kInt64); }, "expected a floating-point dtype");
}

TEST_CASE("zero_grad drops or zeroes gradients", "[module]") {
  Linear fc(3, 2);
  fc(ones({1, 3})).sum().backward();
  CHECK(fc->weight.grad().defined());
  fc->zero_grad(false);
  CHECK(vals(fc->weight.grad()) == std::vector<double>(6, 0.0));
  fc->zero_grad();
  CHECK(!fc->weight.grad().defined());
  CHECK(!fc->bias.grad().defined());
}

TEST_CASE("apply visits children before the module; registration checks names", "[module]") {
  Sequential seq(Linear(2, 2), Sequential(ReLU()));
  std::vector<std::string> names;
  seq->apply([&](Module& m) { names.push_back(m.name()); });
  CHECK(names == std::vector<std::string>{"Linear", "ReLU", "Sequential", "Sequential"});
  Linear fc(2, 2);
  expect_error<ValueError>([&] { fc->register_parameter("weight", zeros({1})); }, "already has an attribute 'weight'");
  expect_error<ValueError>([&] { fc->register_buffer("a.b", zeros({1})); }, "must not contain '.'");
  expect_error<Error>([&] { CrossEntropyLoss()->call(zeros({1})); }, "CrossEntropyLoss has no single-tensor forward");
  Linear empty{nullptr};
  CHECK(empty.is_empty());
  expect_error<Error>([&] { empty->forward(zeros({1})); }, "empty");
}

TEST_CASE("non-persistent buffers and undefined parameters stay out of state_dict", "[module]") {
  Module m;
  m.register_parameter("weight", ones({2}));
  m.register_parameter("bias", Tensor());
  m.register_buffer("scratch", zeros({2}), false);
  m.register_buffer("stat", zeros({2}));
  CHECK(m.state_dict().keys() == std::vector<std::string>{"weight", "stat"});
  CHECK(m.named_buffers().keys() == std::vector<std::string>{"scratch", "stat"});
  CHECK(m.parameters().size() == 1);
  CHECK(m.modules().size() == 1);
}

namespace {

// A user's module and its holder, declared as with libtorch's TORCH_MODULE.
struct TwoLayerImpl : Module {
  TwoLayerImpl(int64_t in, int64_t out) : first(register_module("first", Linear(in, 3))),
                                          second(register_module("second", Linear(3, out))) {}
  Tensor forward(const Tensor& x) override { return second->forward(relu(first->forward(x))); }
  std::shared_ptr<LinearImpl> first, second;
};
EMBER_MODULE(TwoLayer);

}  // namespace

TEST_CASE("EMBER_MODULE declares a holder as TORCH_MODULE does", "[module]") {
  TwoLayer net(4, 2);
  static_assert(std::is_base_of_v<ModuleHolder<TwoLayerImpl>, TwoLayer>);
  CHECK(net->named_parameters().keys() ==
        std::vector<std::string>{"first.weight", "first.bias", "second.weight", "second.bias"});
  Tensor x = randn({5, 4}, kFloat64);
  net->to(kFloat64);
  Tensor want = linear(relu(linear(x, net->first->weight, net->first->bias)), net->second->weight, net->second->bias);
  CHECK(net(x).to_vector() == want.to_vector());
  TwoLayer empty(nullptr);
  CHECK(empty.is_empty());
}
