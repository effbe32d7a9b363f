// Careless and hostile input answered as PyTorch answers it: an error with
// PyTorch's meaning instead of a silent wrong value or undefined behaviour,
// and no save that leaves a dead writer's temporary behind.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "autograd/shape.h"
#include "data/path.h"
#include "data/safetensors.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/loss.h"

using namespace ember;
using Catch::Matchers::Contains;

TEST_CASE("strides that overflow int64 are an error, even for an empty tensor", "[hostile]") {
  CHECK_THROWS_WITH(contiguous_strides({0, int64_t(1) << 40, int64_t(1) << 40}), Contains("Stride calculation overflowed"));
  CHECK(contiguous_strides({0, int64_t(1) << 40, int64_t(1) << 20}) == Strides{int64_t(1) << 60, int64_t(1) << 20, 1});
}

TEST_CASE("integer tensors refuse negative integer powers", "[hostile]") {
  Tensor two = tensor({2.0}, {1}, kInt64);
  CHECK_THROWS_WITH(pow(two, Scalar(int64_t(-1))), Contains("Integers to negative integer powers are not allowed"));
  CHECK(pow(two, Scalar(int64_t(3))).item<int64_t>() == 8);
  CHECK(pow(two, Scalar(-1.0)).item<float>() == 0.5f);  // a float exponent promotes
}

TEST_CASE("clamp is min(max(x, lo), hi) with NaN bounds giving NaN, as PyTorch's", "[hostile]") {
  Tensor x = tensor({0.0, 1.0, 2.0, 3.0, 4.0}, {5}, kFloat64);
  CHECK(clamp(x, Scalar(3.0), Scalar(1.0)).to_vector() == std::vector<double>(5, 1.0));
  for (double v : clamp(x, Scalar(NAN), std::nullopt).to_vector()) CHECK(std::isnan(v));
  for (double v : clamp(x, std::nullopt, Scalar(NAN)).to_vector()) CHECK(std::isnan(v));
  CHECK(clamp(x, Scalar(1.0), Scalar(3.0)).to_vector() == std::vector<double>{1, 1, 2, 3, 3});
}

TEST_CASE("bool tensors add as or, multiply as and, and refuse subtraction", "[hostile]") {
  Tensor a = tensor({1.0, 1.0, 0.0, 0.0}, {4}, kBool), b = tensor({1.0, 0.0, 1.0, 0.0}, {4}, kBool);
  Tensor sum = add(a, b), product = mul(a, b);
  CHECK(sum.dtype() == kBool);
  CHECK(sum.to_vector() == std::vector<double>{1, 1, 1, 0});
  CHECK(product.dtype() == kBool);
  CHECK(product.to_vector() == std::vector<double>{1, 0, 0, 0});
  CHECK_THROWS_WITH(sub(a, b), Contains("with two bool tensors is not supported"));
}

TEST_CASE("kl_div with a negative target is NaN, as PyTorch's xlogy", "[hostile]") {
  Tensor input = zeros({3}, kFloat64);
  CHECK(std::isnan(
      kl_div(input, full({3}, -1.0, kFloat64), KLDivFuncOptions().reduction(LossReduction::Sum)).item<double>()));
  CHECK(kl_div(input, zeros({3}, kFloat64), KLDivFuncOptions().reduction(LossReduction::Sum)).item<double>() == 0.0);
}

TEST_CASE("a path with a NUL byte is refused before anything is written", "[hostile]") {
  std::string dir = std::filesystem::temp_directory_path() / ("ember_nul_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = dir + "/x.safetensors";
  path += '\0';
  path += "evil";
  CHECK_THROWS_WITH(save_file({{"a", zeros({1})}}, path), Contains("save_file: embedded null byte"));
  CHECK_THROWS_WITH(load_file(path), Contains("load_file: embedded null byte"));
  CHECK(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a save removes the temporaries of dead writers of the same file, not of live ones", "[hostile]") {
  std::string dir = std::filesystem::temp_directory_path() / ("ember_tmp_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string prefix = dir + "/.ckpt.safetensors.tmp." + std::string(host) + ".";
  // A pid past the kernel's limit is never alive; our own pid is.
  std::string dead = prefix + "2147483646.1", live = prefix + std::to_string(::getpid()) + ".2";
  std::string other_file = dir + "/.other.safetensors.tmp." + std::string(host) + ".2147483646.3";
  for (const std::string& p : {dead, live, other_file}) std::ofstream(p) << "partial";
  save_file({{"w", ones({2})}}, dir + "/ckpt.safetensors");
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(live));
  CHECK(std::filesystem::exists(other_file));  // another file's temporaries are its own saves' business
  CHECK(load_file(dir + "/ckpt.safetensors").at("w").to_vector() == std::vector<double>{1, 1});
  std::filesystem::remove_all(dir);
}
