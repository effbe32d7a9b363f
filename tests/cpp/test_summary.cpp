// nn::summary: the exact table of a hand-counted model, nested names in
// forward order, totals (trainable vs not, buffers excluded), the size in
// MB, and that the model's modes and statistics are left as they were.
#include <catch2/catch.hpp>

#include <sstream>

#include "ember.h"
#include "test_helpers.h"

using namespace ember;
using namespace ember::nn;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("summary of a small Sequential is the hand-written table", "[summary]") {
  // conv 1*2*9 + 2 = 20, BN 2 + 2 = 4 (running stats are buffers), linear 8*3 + 3 = 27;
  // the linear bias (3) is frozen. 51 float32 parameters = 204 bytes = 0.0002 MB.
  Sequential model(Conv2d(1, 2, 3), BatchNorm2d(2), ReLU(), Flatten(), Linear(8, 3));
  model->at<LinearImpl>(4).bias.requires_grad_(false);
  std::vector<std::string> expected = {
      "Layer (type)     Output Shape  Param #",
      "======================================",
      "0 (Conv2d)       [1, 2, 2, 2]  20",
      "1 (BatchNorm2d)  [1, 2, 2, 2]  4",
      "2 (ReLU)         [1, 2, 2, 2]  0",
      "3 (Flatten)      [1, 8]        0",
      "4 (Linear)       [1, 3]        27",
      "======================================",
      "Total params: 51",
      "Trainable params: 48",
      "Non-trainable params: 3",
      "Params size (MB): 0.00",
      "--------------------------------------",
  };
  CHECK(lines_of(summary(*model, {1, 1, 4, 4})) == expected);
}

TEST_CASE("summary names nested layers in forward order and restores modes", "[summary]") {
  models::BasicBlock block(2, 4, 2);
  block->bn2->eval();
  std::vector<std::string> lines = lines_of(summary(*block, {1, 2, 4, 4}));
  std::vector<std::string> names;
  for (size_t i = 2; i < lines.size() && lines[i][0] != '='; ++i)
    names.push_back(lines[i].substr(0, lines[i].find("  ")));
  // Forward order: the residual branch, the shortcut, then the shared ReLU again.
  CHECK(names == std::vector<std::string>{"conv1 (Conv2d)", "bn1 (BatchNorm2d)", "relu (ReLU)", "conv2 (Conv2d)",
                                          "bn2 (BatchNorm2d)", "downsample.0 (Conv2d)", "downsample.1 (BatchNorm2d)",
                                          "relu (ReLU)"});
  CHECK(lines[2] == "conv1 (Conv2d)              [1, 4, 2, 2]  72");
  CHECK(lines[7] == "downsample.0 (Conv2d)       [1, 4, 2, 2]  8");
  // conv 2*4*9 = 72, conv 4*4*9 = 144, projection 2*4 = 8, three BNs of 8.
  CHECK(std::find(lines.begin(), lines.end(), "Total params: 248") != lines.end());
  CHECK(block->is_training());
  CHECK(block->bn1->is_training());
  CHECK_FALSE(block->bn2->is_training());
  // Ran in eval mode: no batch was counted.
  CHECK(block->bn1->num_batches_tracked.item<int64_t>() == 0);
}

TEST_CASE("summary totals of a resnet and sizes by dtype", "[summary]") {
  std::string table = summary(*models::resnet20(), {1, 3, 32, 32});
  CHECK_THAT(table, Catch::Matchers::Contains("layer3.2.conv2 (Conv2d)"));
  CHECK_THAT(table, Catch::Matchers::Contains("[1, 64, 8, 8]"));
  CHECK_THAT(table, Catch::Matchers::Contains("Total params: 272,474\n"));
  CHECK_THAT(table, Catch::Matchers::Contains("Non-trainable params: 0\n"));

  // 1024*1024 + 1024 = 1,049,600 parameters: 4,198,400 bytes as float32 (4.0039 MB), twice as float64.
  Linear fc(1024, 1024);
  CHECK_THAT(summary(*fc, {1, 1024}), Catch::Matchers::Contains("Linear (Linear)  [1, 1024]     1,049,600"));
  CHECK_THAT(summary(*fc, {1, 1024}), Catch::Matchers::Contains("Params size (MB): 4.00\n"));
  fc->to(kFloat64);
  CHECK_THAT(summary(*fc, {1, 1024}), Catch::Matchers::Contains("Params size (MB): 8.01\n"));
}

TEST_CASE("group_thousands puts a comma every three digits", "[summary]") {
  CHECK(group_thousands(0) == "0");
  CHECK(group_thousands(999) == "999");
  CHECK(group_thousands(1000) == "1,000");
  CHECK(group_thousands(11689512) == "11,689,512");
  CHECK(group_thousands(-1234567) == "-1,234,567");
}
