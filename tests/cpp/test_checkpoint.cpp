// Checkpoints: parts and metadata round-trip bit for bit through one file,
// and a plain safetensors file is not taken for a checkpoint.
#include <catch2/catch.hpp>

#include <cstdio>

#include "data/checkpoint.h"
#include "ops/factory.h"

using namespace ember;
using Catch::Matchers::Contains;

TEST_CASE("a checkpoint keeps its parts and metadata apart and exact", "[checkpoint]") {
  std::string path = "checkpoint_roundtrip_test.safetensors";
  Checkpoint c;
  c.parts["model"].tensors["fc.weight"] = randn({3, 2}, kFloat32);
  c.parts["model"].tensors["bn.num_batches_tracked"] = tensor({7.0}, kInt64);
  c.parts["optimizer"].tensors["state.0.exp_avg"] = randn({4}, kFloat64);
  c.parts["optimizer"].metadata["param_groups"] = "[{\"lr\": 0.1}]";
  c.metadata["epoch"] = "3";
  c.metadata["rng"] = "1 2 3";
  save_checkpoint(c, path);
  Checkpoint back = load_checkpoint(path);
  std::remove(path.c_str());
  REQUIRE(back.parts.size() == 2);
  CHECK(back.parts["model"].tensors["fc.weight"].to_vector() == c.parts["model"].tensors["fc.weight"].to_vector());
  CHECK(back.parts["model"].tensors["bn.num_batches_tracked"].dtype() == kInt64);
  CHECK(back.parts["optimizer"].tensors["state.0.exp_avg"].to_vector() ==
        c.parts["optimizer"].tensors["state.0.exp_avg"].to_vector());
  CHECK(back.parts["optimizer"].metadata == c.parts["optimizer"].metadata);
  CHECK(back.metadata == c.metadata);
}

TEST_CASE("load_checkpoint rejects a safetensors file that is not a checkpoint", "[checkpoint]") {
  std::string path = "not_a_checkpoint_test.safetensors";
  save_file({{"w", ones({2})}}, path);
  CHECK_THROWS_WITH(load_checkpoint(path), Contains("not an ember checkpoint"));
  std::remove(path.c_str());
  Checkpoint bad;
  bad.parts["a/b"].tensors["w"] = ones({1});
  CHECK_THROWS_WITH(save_checkpoint(bad, path), Contains("without '/'"));
}
