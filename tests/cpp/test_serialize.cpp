// ember::save / ember::load: round trips of tensors, lists, nested values and
// modules (identical outputs after loading into a differently initialised
// model), and hostile files (not safetensors, not ember.save's, malformed
// structures built by hand with save_file) refused with a message naming the
// file and the problem.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "ember.h"  // ember::save(optimizer) comes with the umbrella header
#include "data/checkpoint.h"
#include "data/safetensors.h"
#include "data/serialize.h"
#include "nn/modules/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/linear.h"
#include "nn/serialize.h"
#include "ops/factory.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using namespace ember;
using ember::test::Contains;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ember_ser_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), size_t(ca.numel()) * element_size(ca.dtype())) == 0;
}

// A file whose safetensors layer is valid and whose ember.save structure is `structure`.
std::string with_structure(const TempDir& dir, const std::string& structure,
                           const std::map<std::string, Tensor>& tensors = {{"a", ones({2})}}) {
  std::string path = dir.file("hostile.safetensors");
  save_file(tensors, path, {{"format", "ember.save.v1"}, {"structure", structure}});
  return path;
}

}  // namespace

TEST_CASE("save/load give nested values back: every scalar type, dicts in order, lists, tuples", "[serialize]") {
  TempDir dir;
  double inf = std::numeric_limits<double>::infinity();
  Tensor f64 = tensor({0.1, -0.0, 1e-310, inf}, kFloat64), i64 = tensor({-3, 0, 7}, kInt64);
  Tensor f32 = tensor({1.5, -2.25}, {1, 2}, kFloat32), b = tensor({1, 0, 1}, kBool);
  IValue value = IValue::dict(
      {{"ints", IValue::list({IValue(int64_t(std::numeric_limits<int64_t>::min())), IValue(int64_t(INT64_MAX)), IValue(0)})},
       {"floats", IValue::tuple({0.1, -0.0, inf, -inf, std::nan(""), 1e300})},
       {"text", "é \"quoted\" \\ {json}"},
       {"flags", IValue::list({true, false, IValue()})},
       {"tensors", IValue::list({f64, i64, f32, b})},
       {IValue(3), "an int key"},
       {IValue::tuple({1, "a"}), "a tuple key"}},
      /*ordered=*/true);
  save(value, dir.file("v.safetensors"));
  IValue got = load(dir.file("v.safetensors"));
  REQUIRE(got.is_dict());
  CHECK(got.ordered());
  const auto& items = got.dict_items();
  REQUIRE(items.size() == 7);
  CHECK(items[0].first.to_string() == "ints");  // insertion order, not sorted
  CHECK(items[0].second.items()[0].to_int() == std::numeric_limits<int64_t>::min());
  CHECK(items[0].second.items()[1].to_int() == INT64_MAX);
  const auto& floats = items[1].second;
  REQUIRE(floats.is_tuple());
  CHECK(floats.items()[0].to_double() == 0.1);
  CHECK(std::signbit(floats.items()[1].to_double()));
  CHECK(floats.items()[2].to_double() == inf);
  CHECK(floats.items()[3].to_double() == -inf);
  CHECK(std::isnan(floats.items()[4].to_double()));
  CHECK(floats.items()[5].to_double() == 1e300);
  CHECK(items[2].second.to_string() == "é \"quoted\" \\ {json}");
  CHECK(items[3].second.items()[0].to_bool());
  CHECK(!items[3].second.items()[1].to_bool());
  CHECK(items[3].second.items()[2].is_none());
  const auto& ts = items[4].second.items();
  CHECK(same_bits(ts[0].to_tensor(), f64));
  CHECK(same_bits(ts[1].to_tensor(), i64));
  CHECK(same_bits(ts[2].to_tensor(), f32));
  CHECK(same_bits(ts[3].to_tensor(), b));
  CHECK(items[5].first.to_int() == 3);
  CHECK(items[6].first.items()[1].to_string() == "a");
  // The tensors are the file's tensors, named after their place in the tree.
  auto plain = load_file(dir.file("v.safetensors"));
  CHECK(plain.size() == 4);
  CHECK(plain.count("tensors.0"));
}

TEST_CASE("a tensor met twice is stored once and loads as one tensor; views store their values", "[serialize]") {
  TempDir dir;
  Tensor base = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, kFloat32);
  Tensor view = base.transpose(0, 1);  // a non-contiguous view of base
  save(IValue::list({base, base, view}), dir.file("s.safetensors"));
  CHECK(load_file(dir.file("s.safetensors")).size() == 2);
  IValue got = load(dir.file("s.safetensors"));
  CHECK(got.items()[0].to_tensor().is_same(got.items()[1].to_tensor()));
  CHECK(same_bits(got.items()[2].to_tensor(), view.contiguous()));
  CHECK(got.items()[2].to_tensor().shape() == Shape{3, 2});
}

TEST_CASE("save/load of a tensor, a list of tensors, and bytes", "[serialize]") {
  TempDir dir;
  Tensor t = tensor({1.0, -2.0}, kFloat64).requires_grad_();
  save(t, dir.file("t.safetensors"));
  Tensor back;
  load(back, dir.file("t.safetensors"));
  CHECK(same_bits(back, t));
  CHECK(back.requires_grad());
  std::vector<Tensor> list = {ones({2}), zeros({3}, kInt64)};
  save(list, dir.file("l.safetensors"));
  std::vector<Tensor> loaded;
  load(loaded, dir.file("l.safetensors"));
  REQUIRE(loaded.size() == 2);
  CHECK(same_bits(loaded[1], list[1]));
  CHECK_THROWS_WITH(load(back, dir.file("l.safetensors")), Contains("holds a list, expected a Tensor"));
  std::string bytes = save_to_bytes(IValue::list({t, 5}));
  IValue from_bytes = load_from_bytes(bytes, "mem");
  CHECK(from_bytes.items()[1].to_int() == 5);
  CHECK_THROWS_WITH(load_from_bytes(bytes.substr(0, bytes.size() - 3), "mem"), Contains("load: 'mem'"));
}

TEST_CASE("save(module) then load into a differently initialised module gives identical outputs", "[serialize]") {
  TempDir dir;
  manual_seed(1);
  nn::Sequential a(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3));
  manual_seed(2);
  nn::Sequential b(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3));
  Tensor x = randn({5, 4});
  CHECK(!same_bits(a(x), b(x)));
  save(a, dir.file("m.safetensors"));
  load(b, dir.file("m.safetensors"));
  CHECK(same_bits(a(x), b(x)));
  // The file is the state dict as an ordered dict of tensors.
  IValue v = load(dir.file("m.safetensors"));
  REQUIRE(v.is_dict());
  CHECK(v.ordered());
  CHECK(v.dict_items()[0].first.to_string() == "0.weight");
  nn::Linear other(4, 8);
  CHECK_THROWS_WITH(load(other, dir.file("m.safetensors")), Contains("Unexpected key"));
  save(IValue::list({1, 2}), dir.file("list.safetensors"));
  CHECK_THROWS_AS(load(b, dir.file("list.safetensors")), TypeError);
}

TEST_CASE("load refuses files that are not ember.save's, naming the file and the problem", "[serialize]") {
  TempDir dir;
  std::string junk = dir.file("junk.bin");
  std::ofstream(junk, std::ios::binary) << "this is not a safetensors file at all";
  CHECK_THROWS_AS(load(junk), ValueError);
  CHECK_THROWS_WITH(load(junk), Contains("load: '" + junk + "'"));
  std::string plain = dir.file("plain.safetensors");
  save_file({{"w", ones({2})}}, plain);
  CHECK_THROWS_WITH(load(plain), Contains("'" + plain + "' is a safetensors file that ember.save did not write") &&
                                     Contains("load_file"));
  std::string ckpt = dir.file("ckpt.safetensors");
  save_checkpoint(Checkpoint{{{"model", TensorDict{{{"w", ones({1})}}, {}}}}, {}}, ckpt);
  CHECK_THROWS_WITH(load(ckpt), Contains("is an ember checkpoint"));
  save(IValue(ones({4})), dir.file("ok.safetensors"));
  std::string bytes;
  {
    std::ifstream in(dir.file("ok.safetensors"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut = dir.file("cut.safetensors");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  CHECK_THROWS_WITH(load(cut), Contains("load: '" + cut + "'"));
}

TEST_CASE("load refuses malformed structures with a ValueError saying where", "[serialize]") {
  TempDir dir;
  struct Case {
    std::string structure, message;
  };
  std::vector<Case> cases = {
      {"{\"list\": [", "its structure is not valid JSON"},
      {"{\"list\": 3}", "obj is a list of 3, expected a JSON list"},
      {"{\"tensor\": \"missing\"}", "names the tensor 'missing', which the file does not hold"},
      {"{\"tensor\": 7}", "names its tensor with 7, expected a string"},
      {"{\"list\": [{\"tensor\": \"a\", \"requires_grad\": 1}]}", "obj[0] has requires_grad 1, expected true or false"},
      {"{\"tensor\": \"a\", \"evil\": 1}", "has the unexpected key 'evil' beside 'tensor'"},
      {"{\"dict\": [[\"k\"]]}", "holds the dict item [\"k\"], expected [key, value]"},
      {"{\"dict\": [[{\"list\": []}, 1]]}", "has a list as a dict key"},
      {"{\"float\": \"1.5\"}", "expected \"nan\", \"inf\" or \"-inf\""},
      {"{\"bytes\": \"0g\"}", "holds bytes that are not a string of lowercase hex digit pairs"},
      {"{\"bytes\": \"abc\"}", "holds bytes that are not a string of lowercase hex digit pairs"},
      {"{\"set\": []}", "which describes no value"},
      {"[1, 2]", "which describes no value"},
      {"18446744073709551615", "outside int64"},
      {"null", "holds the tensor 'a' that its structure never uses"},
      {std::string(400, '[') + std::string(400, ']'), "nested deeper than 100 levels"},
  };
  std::string deep;
  for (int i = 0; i < 120; ++i) deep += "{\"list\": [";
  deep += "null";
  for (int i = 0; i < 120; ++i) deep += "]}";
  cases.push_back({deep, "is nested deeper than 100 levels"});
  for (const Case& c : cases) {
    INFO(c.structure.substr(0, 80));
    std::string path = with_structure(dir, c.structure);
    CHECK_THROWS_AS(load(path), ValueError);
    CHECK_THROWS_WITH(load(path), Contains("load: '" + path + "'") && Contains(c.message));
  }
  save_file({{"a", ones({1})}}, dir.file("nostruct.safetensors"), {{"format", "ember.save.v1"}});
  CHECK_THROWS_WITH(load(dir.file("nostruct.safetensors")), Contains("its __metadata__ has no 'structure'"));
  std::string int_grad = with_structure(dir, "{\"tensor\": \"a\", \"requires_grad\": true}", {{"a", zeros({1}, kInt64)}});
  CHECK_THROWS_WITH(load(int_grad), Contains("asks requires_grad of a tensor that is not floating point"));
}

TEST_CASE("save refuses what it cannot write, leaving no file", "[serialize]") {
  TempDir dir;
  CHECK_THROWS_WITH(save(IValue::dict({{IValue(ones({1})), 1}}), dir.file("k.safetensors")),
                    Contains("save: a dict key is a Tensor"));
  CHECK_THROWS_WITH(save(IValue(std::vector<IValue>{Tensor()}), dir.file("u.safetensors")), Contains("the tensor at '0' is undefined"));
  CHECK_THROWS_WITH(save(ones({1}), dir.file("x.safetensors") + std::string(1, '\0') + "evil"),
                    Contains("save: embedded null byte"));
  CHECK_THROWS_WITH(load(dir.file("x.safetensors") + std::string(1, '\0') + "evil"),
                    Contains("load: embedded null byte"));
  CHECK(fs::is_empty(dir.path));
  CHECK_THROWS_AS(IValue(1).to_string(), TypeError);
  CHECK_THROWS_WITH(save(IValue("\xff\xfe"), dir.file("utf.safetensors")), Contains("not valid UTF-8"));
  CHECK_THROWS_WITH(save_file({{"\xff", ones({1})}}, dir.file("utf.safetensors")), Contains("not valid UTF-8"));
  std::string octets("\x00\xff\x10z", 4);
  save(IValue::bytes(octets), dir.file("bytes.safetensors"));
  CHECK(load(dir.file("bytes.safetensors")).to_bytes() == octets);
}

TEST_CASE("ember::save(optimizer) and ember::load(optimizer) restore its state, as libtorch's", "[serialize]") {
  TempDir dir;
  manual_seed(3);
  nn::Linear fc(3, 2);
  optim::Adam opt(fc->parameters(), optim::AdamOptions(0.1));
  Tensor x = randn({4, 3});
  for (int i = 0; i < 2; ++i) {
    opt.zero_grad();
    fc(x).sum().backward();
    opt.step();
  }
  ember::save(opt, dir.file("opt.safetensors"));
  optim::Adam restored(fc->parameters(), optim::AdamOptions(0.1));
  ember::load(restored, dir.file("opt.safetensors"));
  TensorDict a = opt.state_dict(), b = restored.state_dict();
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, t] : a.tensors) CHECK(same_bits(t, b.tensors.at(name)));
  CHECK(a.metadata == b.metadata);

  // The file holds the layout of Python's Optimizer.state_dict() (python/ember/optim), so Python loads it:
  // {"state": {0: {"exp_avg": .., "exp_avg_sq": .., "step": ..}, 1: {..}}, "param_groups": [{.., "betas": (b1, b2)}],
  //  "optimizer": "Adam"}.
  IValue v = load(dir.file("opt.safetensors"));
  REQUIRE(v.is_dict());
  const auto& top = v.dict_items();
  REQUIRE(top.size() == 3);
  CHECK(top[0].first.to_string() == "state");
  CHECK(top[2].second.to_string() == "Adam");
  const auto& state = top[0].second.dict_items();
  REQUIRE(state.size() == 2);
  CHECK(state[1].first.to_int() == 1);
  const auto& buffers = state[0].second.dict_items();
  REQUIRE(buffers.size() == 3);
  CHECK(buffers[0].first.to_string() == "exp_avg");
  CHECK(same_bits(buffers[0].second.to_tensor(), a.tensors.at("state.0.exp_avg")));
  CHECK(buffers[2].second.to_tensor().item<int64_t>() == 2);  // step
  const IValue& group = top[1].second.items().at(0);
  const auto& options = group.dict_items();
  CHECK(options.back().first.to_string() == "betas");
  CHECK(options.back().second.items()[0].to_double() == 0.9);
  CHECK(options.back().second.items()[1].to_double() == 0.999);
  bool has_lr = false;
  for (const auto& [key, value] : options) {
    CHECK(key.to_string() != "beta1");
    if (key.to_string() == "lr") has_lr = value.to_double() == 0.1;
    if (key.to_string() == "params") CHECK(value.items().size() == 2);
  }
  CHECK(has_lr);

  // A state dict in that layout written by hand (as Python writes one) loads; another optimizer's is refused.
  IValue::DictItems changed = v.dict_items();
  save(IValue::dict(changed), dir.file("hand.safetensors"));
  optim::Adam third(fc->parameters(), optim::AdamOptions(0.5));
  ember::load(third, dir.file("hand.safetensors"));
  CHECK(third.state_dict().metadata == a.metadata);
  optim::SGD sgd(fc->parameters(), optim::SGDOptions(0.1));
  CHECK_THROWS_WITH(ember::load(sgd, dir.file("opt.safetensors")), Contains("belongs to a Adam optimizer"));
  save(IValue::list({1}), dir.file("list.safetensors"));
  CHECK_THROWS_WITH(ember::load(third, dir.file("list.safetensors")), Contains("expected an optimizer's state dict"));
}

TEST_CASE("load_from_bytes answers mutated and truncated files with ember errors only", "[serialize]") {
  // A small in-process fuzz: byte flips, truncations and JSON-significant bytes written into a valid file.
  IValue value = IValue::dict({{"w", tensor({1.0, 2.0}, kFloat32)},
                               {"meta", IValue::list({1, 2.5, "s", IValue(), IValue::tuple({true})})},
                               {"b", tensor({1, 0}, kBool)}},
                              true);
  const std::string valid = save_to_bytes(value);
  std::mt19937_64 rng(12345);
  const char special[] = {'{', '}', '[', ']', '"', ',', ':', '\\', '0', '9', '-', 'e', '\0', '\x7f', '\xff'};
  int errors = 0, loaded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string bytes = valid;
    int edits = 1 + int(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[at] = char(rng()); break;
        case 1: bytes[at] = special[rng() % sizeof special]; break;
        case 2: bytes.resize(at); break;
        default: bytes.insert(at, 1, special[rng() % sizeof special]); break;
      }
      if (bytes.empty()) break;
    }
    try {
      load_from_bytes(bytes, "fuzz");
      ++loaded;
    } catch (const Error&) {
      ++errors;
    }
  }
  CHECK(errors + loaded == 4000);
  CHECK(errors > 3000);  // nearly every mutation is caught (a flipped tensor data byte still loads)
}
