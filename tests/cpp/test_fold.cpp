// Conv-BN folding: the fused convolution equals conv -> BN in eval mode
// (float64 to 1e-12, float32 to 1e-5) after training-mode forwards made the
// running statistics non-trivial, for single pairs and whole models.
#include <catch2/catch.hpp>

#include <cmath>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;
using ember::test::expect_error;

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  std::vector<double> va = test::values(a), vb = test::values(b);
  double d = 0;
  for (size_t i = 0; i < va.size(); ++i) d = std::max(d, std::abs(va[i] - vb[i]));
  return d;
}

double max_abs(const Tensor& a) {
  double m = 0;
  for (double v : test::values(a)) m = std::max(m, std::abs(v));
  return m;
}

// Random BN affine parameters and a few training-mode forwards, so that
// gamma, beta, running_mean and running_var are all far from 1/0/0/1.
void randomize(Module& model, const Shape& input_shape, Dtype dtype) {
  for (const auto& m : model.modules())
    if (auto* bn = m->as<BatchNorm2dImpl>()) {
      if (bn->weight.defined()) init::uniform_(bn->weight, 0.5, 1.5);
      if (bn->bias.defined()) init::uniform_(bn->bias, -0.5, 0.5);
    }
  model.train();
  NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) model.call(randn(input_shape, dtype) * 2.0 + 0.3);
  model.eval();
}

int64_t count_batch_norms(Module& model) {
  int64_t n = 0;
  for (const auto& m : model.modules()) n += m->as<BatchNorm2dImpl>() != nullptr;
  return n;
}

}  // namespace

TEST_CASE("fuse_conv_bn_eval equals conv then BN in eval mode", "[fold]") {
  manual_seed(11);
  struct Case {
    Conv2dOptions conv;
    BatchNormOptions bn;
  };
  std::vector<Case> cases = {
      {Conv2dOptions(3, 4, 3).padding(1), BatchNormOptions(4)},
      {Conv2dOptions(4, 6, 3).stride(2).groups(2).bias(false), BatchNormOptions(6).eps(1e-3)},
      {Conv2dOptions(3, 5, {1, 3}).padding({0, 1}), BatchNormOptions(5).affine(false)},
  };
  for (const Case& c : cases) {
    Sequential pair(Conv2d(c.conv), BatchNorm2d(c.bn));
    pair->to(kFloat64);
    randomize(*pair, {4, c.conv.in_channels(), 7, 7}, kFloat64);
    Conv2d fused = fuse_conv_bn_eval(pair->at<Conv2dImpl>(0), pair->at<BatchNorm2dImpl>(1));
    CHECK_FALSE(fused->is_training());
    CHECK(fused->weight.dtype() == kFloat64);
    CHECK(fused->bias.defined());
    NoGradGuard no_grad;
    Tensor x = randn({2, c.conv.in_channels(), 7, 7}, kFloat64);
    Tensor expected = pair(x);
    CHECK(max_abs_diff(fused(x), expected) <= 1e-12 * (1.0 + max_abs(expected)));
  }
}

TEST_CASE("fuse_conv_bn_eval in float32 agrees to 1e-5", "[fold]") {
  manual_seed(12);
  Sequential pair(Conv2d(Conv2dOptions(3, 8, 3).padding(1)), BatchNorm2d(8));
  randomize(*pair, {4, 3, 6, 6}, kFloat32);
  Conv2d fused = fuse_conv_bn_eval(pair->at<Conv2dImpl>(0), pair->at<BatchNorm2dImpl>(1));
  CHECK(fused->weight.dtype() == kFloat32);
  NoGradGuard no_grad;
  Tensor x = randn({2, 3, 6, 6});
  Tensor expected = pair(x);
  CHECK(max_abs_diff(fused(x), expected) <= 1e-5 * (1.0 + max_abs(expected)));
}

TEST_CASE("fuse_conv_bn_eval rejects training mode, missing statistics and a channel mismatch", "[fold]") {
  Conv2d conv(3, 4, 3);
  BatchNorm2d bn(4);
  expect_error<ValueError>([&] { fuse_conv_bn_eval(*conv, *bn); }, "eval mode");
  conv->eval();
  bn->eval();
  BatchNorm2d no_stats(BatchNormOptions(4).track_running_stats(false));
  no_stats->eval();
  expect_error<ValueError>([&] { fuse_conv_bn_eval(*conv, *no_stats); }, "running statistics");
  BatchNorm2d wrong(5);
  wrong->eval();
  expect_error<ValueError>([&] { fuse_conv_bn_eval(*conv, *wrong); },
                           "bn.num_features == conv.out_channels, got 5 and 4");
  expect_error<ValueError>([&] { fold_conv_bn(*Sequential(Conv2d(1, 1, 1))); }, "eval mode");
}

TEST_CASE("fold_conv_bn folds a Sequential's conv -> BN pairs only", "[fold]") {
  manual_seed(13);
  // conv->BN (folded), ReLU, conv->ReLU->BN (BN not after a conv: kept), DepthwiseSeparableConv (2 pairs).
  Sequential model(Conv2d(Conv2dOptions(2, 4, 3).padding(1)), BatchNorm2d(4), ReLU(), Conv2d(4, 4, 1), ReLU(),
                   BatchNorm2d(4), models::DepthwiseSeparableConv(4, 6, 2));
  model->to(kFloat64);
  randomize(*model, {3, 2, 8, 8}, kFloat64);
  NoGradGuard no_grad;
  Tensor x = randn({2, 2, 8, 8}, kFloat64);
  Tensor expected = model(x);
  CHECK(fold_conv_bn(*model) == 3);
  CHECK(model->ptr(1)->name() == "Identity");
  CHECK(model->ptr(5)->name() == "BatchNorm2d");
  CHECK(count_batch_norms(*model) == 1);
  auto keys = model->state_dict().keys();
  CHECK(std::find(keys.begin(), keys.end(), "0.bias") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "1.running_mean") == keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "6.depthwise.bias") != keys.end());
  CHECK(max_abs_diff(model(x), expected) <= 1e-12 * (1.0 + max_abs(expected)));
}

TEST_CASE("fold_conv_bn folds every pair of a CIFAR resnet and a Bottleneck", "[fold]") {
  manual_seed(14);
  // cifar_resnet(8): stem 1 + 3 blocks * 2 + 2 projections = 9 pairs.
  auto net = models::cifar_resnet(8);
  net->to(kFloat64);
  randomize(*net, {4, 3, 16, 16}, kFloat64);
  NoGradGuard no_grad;
  Tensor x = randn({2, 3, 16, 16}, kFloat64);
  Tensor expected = net(x);
  CHECK(fold_conv_bn(*net) == 9);
  CHECK(count_batch_norms(*net) == 0);
  CHECK(net->layers[1][0]->as<models::BasicBlockImpl>()->bn1.is_empty());
  auto keys = net->state_dict().keys();
  CHECK(keys.front() == "conv1.weight");
  CHECK(keys[1] == "conv1.bias");
  CHECK(std::find(keys.begin(), keys.end(), "layer2.0.downsample.0.bias") != keys.end());
  CHECK(max_abs_diff(net(x), expected) <= 1e-12 * (1.0 + max_abs(expected)));
  CHECK(fold_conv_bn(*net) == 0);

  models::Bottleneck block(8, 4, 2);
  block->to(kFloat64);
  randomize(*block, {4, 8, 6, 6}, kFloat64);
  Tensor y = randn({2, 8, 6, 6}, kFloat64);
  Tensor expected_block = block(y);
  CHECK(fold_conv_bn(*block) == 4);
  CHECK(max_abs_diff(block(y), expected_block) <= 1e-12 * (1.0 + max_abs(expected_block)));
}
