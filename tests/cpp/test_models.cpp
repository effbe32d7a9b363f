// Ready-made blocks and models: parameter counts (torchvision's published
// numbers and hand counts), state_dict keys by torchvision's naming rules
// (torchvision/models/resnet.py), output shapes, and block wiring against
// the same computation written with the ops.
#include <catch2/catch.hpp>

#include <cmath>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;
using namespace ember::nn::models;
using ember::test::expect_error;

namespace {

int64_t count_parameters(const Module& m) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  std::vector<double> va = test::values(a), vb = test::values(b);
  double d = 0;
  for (size_t i = 0; i < va.size(); ++i) d = std::max(d, std::abs(va[i] - vb[i]));
  return d;
}

// torchvision's ResNet state_dict keys, written from resnet.py's rules: the
// stem (conv1, bn1), then for each stage i and block b the block's convs and
// BNs, a downsample (conv1x1 + BN) on the first block of a stage when the
// stride or channel count changes, then fc.
std::vector<std::string> torchvision_resnet_keys(const std::vector<int>& layers, bool bottleneck) {
  auto bn = [](const std::string& p) {
    return std::vector<std::string>{p + ".weight", p + ".bias", p + ".running_mean", p + ".running_var",
                                    p + ".num_batches_tracked"};
  };
  std::vector<std::string> keys{"conv1.weight"};
  auto append = [&](const std::vector<std::string>& more) { keys.insert(keys.end(), more.begin(), more.end()); };
  append(bn("bn1"));
  for (size_t i = 0; i < layers.size(); ++i) {
    for (int b = 0; b < layers[i]; ++b) {
      std::string p = "layer" + std::to_string(i + 1) + "." + std::to_string(b) + ".";
      for (int c = 1; c <= (bottleneck ? 3 : 2); ++c) {
        keys.push_back(p + "conv" + std::to_string(c) + ".weight");
        append(bn(p + "bn" + std::to_string(c)));
      }
      // Basic: only stages 2.. change shape; Bottleneck: layer1's first block too (64 -> 256 channels).
      if (b == 0 && (i > 0 || bottleneck)) {
        keys.push_back(p + "downsample.0.weight");
        append(bn(p + "downsample.1"));
      }
    }
  }
  append({"fc.weight", "fc.bias"});
  return keys;
}

}  // namespace

TEST_CASE("resnet18, resnet34 and resnet50 have torchvision's parameter counts", "[models]") {
  // torchvision's published counts for 1000 classes.
  CHECK(count_parameters(*resnet18()) == 11689512);
  CHECK(count_parameters(*resnet34()) == 21797672);
  CHECK(count_parameters(*resnet50()) == 25557032);
}

TEST_CASE("resnet state_dict keys and shapes are torchvision's", "[models]") {
  auto net18 = resnet18();
  auto keys18 = net18->state_dict().keys();
  CHECK(keys18.size() == 122);
  CHECK(keys18 == torchvision_resnet_keys({2, 2, 2, 2}, false));
  auto sd = net18->state_dict();
  CHECK(sd["conv1.weight"].shape() == Shape{64, 3, 7, 7});
  CHECK(sd["layer2.0.conv1.weight"].shape() == Shape{128, 64, 3, 3});
  CHECK(sd["layer3.0.downsample.0.weight"].shape() == Shape{256, 128, 1, 1});
  CHECK(sd["layer4.1.bn2.running_var"].shape() == Shape{512});
  CHECK(sd["fc.weight"].shape() == Shape{1000, 512});
  CHECK(sd["bn1.num_batches_tracked"].dtype() == kInt64);

  CHECK(resnet34()->state_dict().keys() == torchvision_resnet_keys({3, 4, 6, 3}, false));

  auto net50 = resnet50();
  auto sd50 = net50->state_dict();
  CHECK(sd50.size() == 320);
  CHECK(sd50.keys() == torchvision_resnet_keys({3, 4, 6, 3}, true));
  CHECK(sd50["layer1.0.conv3.weight"].shape() == Shape{256, 64, 1, 1});
  CHECK(sd50["layer1.0.downsample.0.weight"].shape() == Shape{256, 64, 1, 1});
  CHECK(sd50["layer2.0.conv2.weight"].shape() == Shape{128, 128, 3, 3});  // v1.5: the stride is on the 3x3
  CHECK(sd50["fc.weight"].shape() == Shape{1000, 2048});
}

TEST_CASE("resnet state dicts load into a fresh model of the same architecture", "[models]") {
  auto a = resnet20(), b = resnet20();
  b->load_state_dict(a->state_dict());
  auto sa = a->state_dict(), sb = b->state_dict();
  for (const auto& [key, t] : sa) CHECK(max_abs_diff(t, sb[key]) == 0.0);
}

TEST_CASE("resnet num_classes and in_channels set the head and the stem", "[models]") {
  auto net = resnet18(10, 1);
  CHECK(net->conv1->weight.shape() == Shape{64, 1, 7, 7});
  CHECK(net->fc->weight.shape() == Shape{10, 512});
  NoGradGuard no_grad;
  net->eval();
  // Adaptive pooling: any input size large enough for five halvings.
  CHECK(net(zeros({1, 1, 32, 32})).shape() == Shape{1, 10});
  CHECK(net(zeros({2, 1, 64, 48})).shape() == Shape{2, 10});
  auto net50 = resnet50(7);
  net50->eval();
  CHECK(net50(randn({1, 3, 32, 32})).shape() == Shape{1, 7});
}

TEST_CASE("CIFAR resnets have the hand-counted parameter numbers with projection shortcuts", "[models]") {
  // resnet20, 10 classes, 1x1 projection shortcuts (option B), bias-free convs:
  //   stem: conv 3*16*9 = 432, BN 2*16 = 32
  //   stage 1: 3 blocks of 2 convs 16*16*9 = 2304 and 2 BNs of 32: 3 * 4672 = 14,016
  //   stage 2: first block 16*32*9 + 32*32*9 + 2*64 + projection 16*32 + 64 = 14,528;
  //            2 more of 2*9216 + 2*64 = 18,560: 51,648
  //   stage 3: first block 32*64*9 + 64*64*9 + 2*128 + projection 32*64 + 128 = 57,728;
  //            2 more of 2*36864 + 2*128 = 73,984: 205,696
  //   fc: 64*10 + 10 = 650
  //   total: 432 + 32 + 14,016 + 51,648 + 205,696 + 650 = 272,474 (0.27M; option A: 272,474 - 2,752 = 269,722)
  CHECK(count_parameters(*resnet20()) == 272474);
  // Each added block per stage adds 4,672 + 18,560 + 73,984 = 97,216: n = 5 and n = 9.
  CHECK(count_parameters(*resnet32()) == 272474 + 2 * 97216);
  CHECK(count_parameters(*resnet56()) == 272474 + 6 * 97216);

  auto net = resnet20();
  auto keys = net->state_dict().keys();
  CHECK(std::find(keys.begin(), keys.end(), "layer3.2.bn2.running_mean") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "layer2.0.downsample.0.weight") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "layer1.0.downsample.0.weight") == keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "layer4.0.conv1.weight") == keys.end());
  CHECK(net->conv1->weight.shape() == Shape{16, 3, 3, 3});
  NoGradGuard no_grad;
  CHECK(net(randn({2, 3, 32, 32})).shape() == Shape{2, 10});
  expect_error<ValueError>([] { cifar_resnet(21); }, "depth = 6n + 2");
}

TEST_CASE("BasicBlock computes relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut)", "[models]") {
  manual_seed(3);
  // Eval mode with fresh statistics: each BN divides by sqrt(1 + eps).
  const double k = 1.0 / std::sqrt(1.0 + 1e-5);
  for (int64_t stride : {1, 2}) {
    int64_t out = stride == 1 ? 4 : 6;
    BasicBlock block(4, out, stride);
    block->to(kFloat64);
    block->eval();
    CHECK(block->downsample.is_empty() == (stride == 1));
    Tensor x = randn({2, 4, 6, 6}, kFloat64);
    NoGradGuard no_grad;
    Tensor h = relu(conv2d(x, block->conv1->weight, Conv2dFuncOptions().stride(stride).padding(1)) * k);
    Tensor y = conv2d(h, block->conv2->weight, Conv2dFuncOptions().padding(1)) * k;
    Tensor shortcut =
        stride == 1 ? x
                    : conv2d(x, block->downsample->at<Conv2dImpl>(0).weight, Conv2dFuncOptions().stride(stride)) * k;
    Tensor expected = relu(y + shortcut);
    CHECK(max_abs_diff(block(x), expected) < 1e-12);
  }
}

TEST_CASE("Bottleneck expands channels by 4 and projects the shortcut when needed", "[models]") {
  Bottleneck same(16, 4);  // 16 == 4 * 4: identity shortcut
  CHECK(same->downsample.is_empty());
  Bottleneck down(8, 4, 2);
  REQUIRE_FALSE(down->downsample.is_empty());
  CHECK(down->downsample->at<Conv2dImpl>(0).weight.shape() == Shape{16, 8, 1, 1});
  NoGradGuard no_grad;
  CHECK(down(randn({1, 8, 8, 8})).shape() == Shape{1, 16, 4, 4});
  CHECK(same(randn({1, 16, 5, 5})).shape() == Shape{1, 16, 5, 5});
}

TEST_CASE("lenet5 and vgg have the hand-counted parameters and torchvision's names", "[models]") {
  // conv 1*6*25 + 6 = 156, conv 6*16*25 + 16 = 2,416, fc 400*120 + 120 = 48,120,
  // fc 120*84 + 84 = 10,164, fc 84*10 + 10 = 850: 61,706.
  auto lenet = lenet5();
  CHECK(count_parameters(*lenet) == 61706);
  NoGradGuard no_grad;
  CHECK(lenet(zeros({2, 1, 28, 28})).shape() == Shape{2, 10});

  // conv 3*8*9 + 8 = 224, BN 16, conv 8*16*9 + 16 = 1,168, BN 32,
  // fc 16*32 + 32 = 544, fc 32*32 + 32 = 1,056, fc 32*10 + 10 = 330: 3,370.
  VGG net(VGGOptions({8, kMaxPool, 16, kMaxPool}).batch_norm(true).num_classes(10).pool_size(1).hidden(32));
  CHECK(count_parameters(*net) == 3370);
  auto keys = net->state_dict().keys();
  for (const char* key : {"features.0.weight", "features.1.running_mean", "features.4.bias", "features.5.weight",
                          "classifier.0.weight", "classifier.3.weight", "classifier.6.bias"})
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  net->eval();
  CHECK(net(zeros({2, 3, 32, 32})).shape() == Shape{2, 10});
  // Without BN: conv, ReLU, pool, conv, ReLU, pool.
  auto plain = vgg({8, kMaxPool, 16, kMaxPool}, false, 10);
  CHECK(plain->features->size() == 6);
  CHECK(plain->classifier->at<LinearImpl>(0).weight.shape() == Shape{4096, 16 * 7 * 7});
  CHECK(vgg_cfg('D').size() == 18);
  expect_error<ValueError>([] { vgg({8, -2}); }, "kMaxPool");
}

TEST_CASE("Inception concatenates its four branches on channels", "[models]") {
  // branch1 4*2 + BN 4 = 12; branch2 4*3 + 6 + 3*4*9 + 8 = 134;
  // branch3 4*1 + 2 + 1*2*25 + 4 = 60; branch4 4*2 + 4 = 12: 218.
  InceptionOptions o(4, 2, 3, 4, 1, 2, 2);
  Inception block(o);
  CHECK(o.out_channels() == 10);
  CHECK(count_parameters(*block) == 218);
  block->eval();
  NoGradGuard no_grad;
  Tensor x = randn({2, 4, 7, 7});
  Tensor y = block(x);
  CHECK(y.shape() == Shape{2, 10, 7, 7});
  CHECK(max_abs_diff(y.narrow(1, 0, 2), block->branch1(x)) == 0.0);
  CHECK(max_abs_diff(y.narrow(1, 2, 4), block->branch2(x)) == 0.0);
  CHECK(max_abs_diff(y.narrow(1, 6, 2), block->branch3(x)) == 0.0);
  CHECK(max_abs_diff(y.narrow(1, 8, 2), block->branch4(x)) == 0.0);
  CHECK(block->branch3->at<SequentialImpl>(1).at<Conv2dImpl>(0).weight.shape() == Shape{2, 1, 5, 5});
}

TEST_CASE("DenseBlock grows by growth_rate per layer and keeps its input", "[models]") {
  // Layer with C inputs, bn_size*growth = 4: BN 2C + conv 4C + BN 8 + conv 4*2*9 = 72.
  // C = 4, 6, 8: 104 + 116 + 128 = 348.
  DenseBlock block(3, 4, 2, 2);
  CHECK(block->out_channels() == 10);
  CHECK(count_parameters(*block) == 348);
  auto keys = block->state_dict().keys();
  CHECK(keys.front() == "denselayer1.norm1.weight");
  CHECK(std::find(keys.begin(), keys.end(), "denselayer3.conv2.weight") != keys.end());
  NoGradGuard no_grad;
  Tensor x = randn({2, 4, 5, 5});
  Tensor y = block(x);
  CHECK(y.shape() == Shape{2, 10, 5, 5});
  CHECK(max_abs_diff(y.narrow(1, 0, 4), x) == 0.0);
  block->eval();
  // The second layer sees [x, layer1(x)].
  Tensor first = block->layers[0](x);
  CHECK(max_abs_diff(block(x).narrow(1, 6, 2), block->layers[1](cat({x, first}, 1))) == 0.0);

  Transition transition(10, 5);
  CHECK(transition(y).shape() == Shape{2, 5, 2, 2});
  auto tkeys = transition->state_dict().keys();
  CHECK(tkeys.front() == "norm.weight");
  CHECK(std::find(tkeys.begin(), tkeys.end(), "conv.weight") != tkeys.end());
}

TEST_CASE("DepthwiseSeparableConv is a grouped 3x3 then a 1x1, each with BN and ReLU", "[models]") {
  DepthwiseSeparableConv block(4, 8, 2);
  // depthwise 4*1*9 = 36, BN 8, pointwise 4*8 = 32, BN 16: 92.
  CHECK(count_parameters(*block) == 92);
  CHECK(block->at<Conv2dImpl>(0).weight.shape() == Shape{4, 1, 3, 3});
  CHECK(block->at<Conv2dImpl>(0).options.groups() == 4);
  CHECK(block->state_dict().keys().front() == "depthwise.weight");
  NoGradGuard no_grad;
  CHECK(block(randn({1, 4, 8, 8})).shape() == Shape{1, 8, 4, 4});
}
