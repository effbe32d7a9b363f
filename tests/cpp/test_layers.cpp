// Layers: Linear against a naive reference, every activation and loss module
// against its functional, containers, reprs as PyTorch prints them, PReLU's
// learnable slope, and Swish/Dice gradients through autograd::gradcheck.
#include <catch2/catch.hpp>

#include <cmath>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;
namespace F = ember::nn::functional;
using ember::test::expect_error;

namespace {
std::vector<double> vals(const Tensor& t) { return t.contiguous().to_vector(); }
}  // namespace

TEST_CASE("Linear computes x W^T + b", "[layers]") {
  Linear fc(3, 2);
  Tensor x = ember::test::seq({4, 3}, kFloat32);
  auto y = vals(fc(x)), xv = vals(x), w = vals(fc->weight), b = vals(fc->bias);
  REQUIRE(y.size() == 8);
  for (int n = 0; n < 4; ++n)
    for (int o = 0; o < 2; ++o) {
      double ref = b[o];
      for (int i = 0; i < 3; ++i) ref += xv[n * 3 + i] * w[o * 3 + i];
      CHECK(y[n * 2 + o] == Approx(ref).epsilon(1e-5));
    }
  Linear nobias(LinearOptions(3, 2).bias(false));
  CHECK(nobias->parameters().size() == 1);
  CHECK(!nobias->bias.defined());
}

TEST_CASE("conv, pool, norm and shape layers give the expected output shapes", "[layers]") {
  Tensor x = randn({2, 3, 8, 8});
  CHECK(Conv2d(Conv2dOptions(3, 6, 3).padding(1))(x).shape() == Shape{2, 6, 8, 8});
  CHECK(Conv2d(Conv2dOptions(3, 6, 3).padding(kSame))(x).shape() == Shape{2, 6, 8, 8});
  CHECK(Conv2d(Conv2dOptions(3, 6, {3, 1}).stride(2))(x).shape() == Shape{2, 6, 3, 4});
  CHECK(Conv1d(Conv1dOptions(3, 4, 3).padding(1))(randn({2, 3, 10})).shape() == Shape{2, 4, 10});
  CHECK(MaxPool2d(MaxPool2dOptions(2))(x).shape() == Shape{2, 3, 4, 4});
  CHECK(AvgPool2d(AvgPool2dOptions(3).stride(2).padding(1))(x).shape() == Shape{2, 3, 4, 4});
  CHECK(LPPool2d(LPPool2dOptions(2.0, 2))(x).shape() == Shape{2, 3, 4, 4});
  CHECK(MaxPool1d(MaxPool1dOptions(2))(randn({2, 3, 10})).shape() == Shape{2, 3, 5});
  CHECK(AvgPool1d(AvgPool1dOptions(2))(randn({2, 3, 10})).shape() == Shape{2, 3, 5});
  CHECK(AdaptiveAvgPool2d(1)(x).shape() == Shape{2, 3, 1, 1});
  CHECK(AdaptiveMaxPool2d(AdaptiveMaxPool2dOptions({2, 3}))(x).shape() == Shape{2, 3, 2, 3});
  CHECK(BatchNorm2d(3)(x).shape() == x.shape());
  CHECK(BatchNorm1d(3)(randn({4, 3})).shape() == Shape{4, 3});
  CHECK(InstanceNorm2d(3)(x).shape() == x.shape());
  CHECK(InstanceNorm2d(3)(randn({3, 8, 8})).shape() == Shape{3, 8, 8});
  CHECK(LayerNorm(LayerNormOptions({8})).ptr()->forward(x).shape() == x.shape());
  CHECK(GroupNorm(1, 3)(x).shape() == x.shape());
  CHECK(LocalResponseNorm(2)(x).shape() == x.shape());
  CHECK(Dropout2d(0.3)(x).shape() == x.shape());
  CHECK(Flatten()(x).shape() == Shape{2, 192});
  CHECK(Unflatten(1, Shape{3, 64})(Flatten()(x)).shape() == Shape{2, 3, 64});
  CHECK(vals(Identity()(x)) == vals(x));
  expect_error<ValueError>([&] { BatchNorm2d(3)(randn({4, 3})); }, "BatchNorm2d: expected 4D input");
  expect_error<ValueError>([] { Conv2d(Conv2dOptions(3, 4, 3).groups(2)); }, "in_channels must be divisible by groups");
  expect_error<ValueError>([] { GroupNorm(3, 4); }, "num_channels must be divisible by num_groups");
  expect_error<ValueError>([] { Dropout(1.5); }, "between 0 and 1, but got 1.5");
}

TEST_CASE("Swish is silu, or x sigmoid(beta x) with a beta", "[layers]") {
  Tensor x = randn({3, 4}, kFloat64);
  CHECK(vals(Swish()(x)) == vals(F::silu(x)));
  // Swish with beta: x sigmoid(beta x), by hand.
  auto sw = vals(Swish(SwishOptions().beta(2.0))(x)), xv = vals(x);
  for (size_t i = 0; i < xv.size(); ++i) CHECK(sw[i] == Approx(xv[i] / (1 + std::exp(-2 * xv[i]))));
}

TEST_CASE("PReLU has a learnable slope per channel", "[layers]") {
  PReLU prelu(PReLUOptions().num_parameters(2).init(0.1));
  CHECK(prelu->named_parameters().keys() == std::vector<std::string>{"weight"});
  Tensor x = tensor({-1.0, -2.0, 3.0, -4.0}, kFloat32).view({2, 2});
  auto y = vals(prelu(x));
  CHECK(y[0] == Approx(-0.1));
  CHECK(y[2] == Approx(3.0));
  prelu(x).sum().backward();
  // d/dw_c = sum of x where x < 0 in channel c.
  CHECK(vals(prelu->weight.grad()) == std::vector<double>{-1.0, -6.0});
}

TEST_CASE("loss modules equal their functional and register class weights", "[layers]") {
  Tensor logits = randn({4, 3}, kFloat64), classes = tensor({0, 2, 1, 2}, kInt64);
  Tensor a = randn({4, 3}, kFloat64), b = randn({4, 3}, kFloat64);
  Tensor probs = F::sigmoid(a), targets = F::sigmoid(b), w = tensor({1.0, 2.0, 0.5}, kFloat64);
  CHECK(vals(CrossEntropyLoss()(logits, classes)) == vals(F::cross_entropy(logits, classes)));
  CrossEntropyLoss weighted(CrossEntropyLossOptions().weight(w).label_smoothing(0.1));
  CHECK(weighted->state_dict().keys() == std::vector<std::string>{"weight"});
  CHECK(vals(weighted(logits, classes)) ==
        vals(F::cross_entropy(logits, classes, F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.1))));
  Tensor logp = F::log_softmax(logits, 1);
  CHECK(vals(NLLLoss(NLLLossOptions().weight(w))(logp, classes)) ==
        vals(F::nll_loss(logp, classes, F::NLLLossFuncOptions().weight(w))));
  CHECK(vals(MSELoss(MSELossOptions().reduction(kSum))(a, b)) ==
        vals(F::mse_loss(a, b, F::MSELossFuncOptions().reduction(kSum))));
  CHECK(vals(L1Loss()(a, b)) == vals(F::l1_loss(a, b)));
  CHECK(vals(SmoothL1Loss(SmoothL1LossOptions().beta(0.5))(a, b)) ==
        vals(F::smooth_l1_loss(a, b, F::SmoothL1LossFuncOptions().beta(0.5))));
  CHECK(vals(HuberLoss()(a, b)) == vals(F::huber_loss(a, b)));
  CHECK(vals(BCELoss()(probs, targets)) == vals(F::binary_cross_entropy(probs, targets)));
  BCEWithLogitsLoss bce(BCEWithLogitsLossOptions().pos_weight(w));
  CHECK(bce->state_dict().keys() == std::vector<std::string>{"pos_weight"});
  CHECK(vals(bce(a, targets)) ==
        vals(F::binary_cross_entropy_with_logits(a, targets,
                                                 F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(w))));
  CHECK(vals(KLDivLoss(KLDivLossOptions().reduction(kBatchMean))(logp, F::softmax(b, 1))) ==
        vals(F::kl_div(logp, F::softmax(b, 1), F::KLDivFuncOptions().reduction(kBatchMean))));
  CHECK(vals(MultiMarginLoss()(logits, classes)) == vals(F::multi_margin_loss(logits, classes)));
}

TEST_CASE("Sequential, ModuleList and ModuleDict index, name and chain their modules", "[layers]") {
  Sequential seq(Linear(4, 3), ReLU());
  seq->push_back("out", Linear(3, 2));
  CHECK(seq->size() == 3);
  CHECK(seq->named_children().keys() == std::vector<std::string>{"0", "1", "out"});
  CHECK(seq[-1]->name() == "Linear");
  CHECK(seq->at<LinearImpl>(2).options.out_features() == 2);
  expect_error<TypeError>([&] { seq->at<ReLUImpl>(0); }, "not the requested type");
  expect_error<IndexError>([&] { seq->ptr(3); }, "index 3 is out of range for 3 modules");
  Tensor x = randn({5, 4});
  Tensor expected = seq->at<LinearImpl>(2).forward(relu(seq->at<LinearImpl>(0).forward(x)));
  CHECK(vals(seq(x)) == vals(expected));

  ModuleList list(Linear(2, 2), ReLU());
  list->push_back(Linear(2, 1));
  CHECK(list->size() == 3);
  CHECK(list->state_dict().keys() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  int n = 0;
  for (const auto& m : *list) n += m->name() == "Linear";
  CHECK(n == 2);

  ModuleDict dict(std::vector<std::pair<std::string, std::shared_ptr<Module>>>{{"conv", Conv2d(1, 2, 3).ptr()},
                                                                         {"act", ReLU().ptr()}});
  dict->insert("head", Linear(2, 2));
  CHECK(dict->keys() == std::vector<std::string>{"conv", "act", "head"});
  CHECK(dict["conv"]->name() == "Conv2d");
  dict->insert("act", Tanh());
  CHECK(dict["act"]->name() == "Tanh");
  CHECK(dict->named_children()["act"]->name() == "Tanh");
  expect_error<IndexError>([&] { dict["nope"]; }, "no module under key 'nope'");
}

TEST_CASE("layer reprs are PyTorch's", "[layers]") {
  std::vector<std::pair<std::shared_ptr<Module>, std::string>> cases = {
      {Conv2d(Conv2dOptions(1, 32, 3).padding(1)).ptr(), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"},
      {Conv2d(Conv2dOptions(3, 6, {3, 5}).stride(2).dilation(2).groups(3).bias(false)).ptr(),
       "Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), groups=3, bias=False)"},
      {Conv2d(Conv2dOptions(2, 4, 3).padding(kSame)).ptr(), "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)"},
      {Conv1d(2, 4, 3).ptr(), "Conv1d(2, 4, kernel_size=(3,), stride=(1,))"},
      {Linear(LinearOptions(4, 3).bias(false)).ptr(), "Linear(in_features=4, out_features=3, bias=False)"},
      {MaxPool2d(MaxPool2dOptions(3).stride(2).padding(1)).ptr(),
       "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"},
      {AvgPool2d(AvgPool2dOptions(2)).ptr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)"},
      {AvgPool1d(AvgPool1dOptions(2)).ptr(), "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"},
      {MaxPool1d(MaxPool1dOptions(3)).ptr(), "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"},
      {AdaptiveMaxPool2d(AdaptiveMaxPool2dOptions({7, 5})).ptr(), "AdaptiveMaxPool2d(output_size=(7, 5))"},
      {BatchNorm2d(BatchNormOptions(4).affine(false)).ptr(),
       "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)"},
      {LayerNorm(LayerNormOptions({64})).ptr(), "LayerNorm((64,), eps=1e-05, elementwise_affine=True, bias=True)"},
      {GroupNorm(2, 4).ptr(), "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"},
      {InstanceNorm2d(3).ptr(),
       "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"},
      {LocalResponseNorm(2).ptr(), "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"},
      {Dropout2d(0.2).ptr(), "Dropout2d(p=0.2, inplace=False)"},
      {Unflatten(1, Shape{2, 3}).ptr(), "Unflatten(dim=1, unflattened_size=(2, 3))"},
      {Identity().ptr(), "Identity()"},
      {LeakyReLU().ptr(), "LeakyReLU(negative_slope=0.01)"},
      {PReLU().ptr(), "PReLU(num_parameters=1)"},
      {ELU().ptr(), "ELU(alpha=1.0)"},
      {GELU().ptr(), "GELU(approximate='none')"},
      {Softplus().ptr(), "Softplus(beta=1.0, threshold=20.0)"},
      {Hardtanh().ptr(), "Hardtanh(min_val=-1.0, max_val=1.0)"},
      {Hardswish().ptr(), "Hardswish()"},
      {Softmax(1).ptr(), "Softmax(dim=1)"},
      {CrossEntropyLoss().ptr(), "CrossEntropyLoss()"},
      {BCEWithLogitsLoss().ptr(), "BCEWithLogitsLoss()"},
      {Swish(SwishOptions().learnable(true)).ptr(), "Swish(beta=1.0, learnable=True)"},
      {Dice(8).ptr(), "Dice(8, eps=1e-08)"},
  };
  for (auto& [module, expected] : cases) CHECK(module->repr() == expected);
}

TEST_CASE("Swish with a learnable beta passes gradcheck", "[layers]") {
  Swish swish(SwishOptions().beta(1.5).learnable(true));
  CHECK(swish->named_parameters().keys() == std::vector<std::string>{"beta"});
  swish->to(kFloat64);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_(true);
  CHECK(autograd::gradcheck([&](const tensor_list&) { return tensor_list{swish(x)}; }, {x, swish->beta}));
  CHECK(swish(x).dtype() == kFloat64);
}

TEST_CASE("Dice gates by the normalised input, passes gradcheck, and uses running stats in eval", "[layers]") {
  manual_seed(5);
  Dice dice(3);
  CHECK(dice->named_parameters().keys() == std::vector<std::string>{"alpha"});
  CHECK(dice->named_buffers().keys() == std::vector<std::string>{"running_mean", "running_var"});
  CHECK(vals(dice->alpha) == std::vector<double>{0, 0, 0});
  dice->to(kFloat64);
  {
    NoGradGuard g;
    dice->alpha.copy_(tensor({0.3, -0.5, 1.2}, kFloat64));
  }
  Tensor x = randn({6, 3}, kFloat64).requires_grad_(true);
  // Training: p = sigmoid((x - mean) / sqrt(var + eps)) with batch statistics, by hand.
  auto y = vals(dice(x)), xv = vals(x), al = vals(dice->alpha);
  for (int c = 0; c < 3; ++c) {
    double m = 0, v = 0;
    for (int n = 0; n < 6; ++n) m += xv[n * 3 + c] / 6;
    for (int n = 0; n < 6; ++n) v += (xv[n * 3 + c] - m) * (xv[n * 3 + c] - m) / 6;
    for (int n = 0; n < 6; ++n) {
      double s = xv[n * 3 + c], p = 1 / (1 + std::exp(-(s - m) / std::sqrt(v + 1e-8)));
      CHECK(y[n * 3 + c] == Approx(p * s + (1 - p) * al[c] * s).epsilon(1e-12));
    }
  }
  CHECK(autograd::gradcheck([&](const tensor_list&) { return tensor_list{dice(x)}; }, {x, dice->alpha}));
  Tensor x3 = randn({2, 3, 4}, kFloat64).requires_grad_(true);
  CHECK(autograd::gradcheck([&](const tensor_list&) { return tensor_list{dice(x3)}; }, {x3, dice->alpha}));

  dice->eval();
  auto ye = vals(dice(x)), rm = vals(dice->running_mean), rv = vals(dice->running_var);
  for (int c = 0; c < 3; ++c)
    for (int n = 0; n < 6; ++n) {
      double s = xv[n * 3 + c], p = 1 / (1 + std::exp(-(s - rm[c]) / std::sqrt(rv[c] + 1e-8)));
      CHECK(ye[n * 3 + c] == Approx(p * s + (1 - p) * al[c] * s).epsilon(1e-12));
    }
  expect_error<ValueError>([&] { dice(randn({2, 4}, kFloat64)); }, "Dice: expected input (N, 3) or (N, 3, L)");
}
