// safetensors: bit-exact round trips for every dtype, atomic replacement of
// the target, and rejection (with a clear message, never a crash) of
// hostile files built byte by byte here, independently of the writer.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "data/safetensors.h"
#include "ops/factory.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using namespace ember;
using ember::test::Contains;

namespace {

// A fresh directory per test under the system temp dir.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ember_st_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// A safetensors file from a header text and raw data, written without ember's writer.
void write_raw(const std::string& path, const std::string& header, const std::string& data, uint64_t len) {
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(char((len >> (8 * i)) & 0xff));
  out << header << data;
}
void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  write_raw(path, header, data, header.size());
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), size_t(ca.numel()) * element_size(ca.dtype())) == 0;
}

}  // namespace

TEST_CASE("save_file then load_file gives every dtype back bit for bit", "[safetensors]") {
  TempDir dir;
  std::vector<double> special = {0.1, -0.0, 1e-310, std::numeric_limits<double>::infinity(), -3.5, 1e300};
  Tensor f64 = tensor(special, {2, 3}, kFloat64);
  Tensor f32 = tensor({0.1, -2.5, 3e-40, 7.0}, kFloat32);
  Tensor nan = full({3}, std::nan(""), kFloat32);
  Tensor i64 = tensor({-9007199254740993.0, 0, 42}, kInt64);
  Tensor b = tensor({1, 0, 1, 1}, {2, 2}, kBool);
  Tensor empty = zeros({0, 4}, kFloat32);
  Tensor scalar = scalar_tensor(2.5, kFloat64);
  Tensor strided = ember::test::strided({3, 2});  // non-contiguous: stored row-major
  std::map<std::string, Tensor> in = {{"f64", f64}, {"f32", f32}, {"nan", nan},      {"i64", i64},
                                      {"b", b},     {"empty", empty}, {"scalar", scalar}, {"strided", strided}};
  save_file(in, dir.file("a.safetensors"), {{"format", "pt"}, {"note", "ünïcode \"quoted\""}});
  TensorDict out = load_file_with_metadata(dir.file("a.safetensors"));
  REQUIRE(out.tensors.size() == in.size());
  for (const auto& [name, t] : in) {
    INFO(name);
    REQUIRE(out.tensors.count(name));
    CHECK(same_bits(out.tensors.at(name), t));
    CHECK(out.tensors.at(name).is_contiguous());
  }
  CHECK(out.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"note", "ünïcode \"quoted\""}});
  CHECK(load_file(dir.file("a.safetensors")).size() == in.size());
}

TEST_CASE("save_file writes the documented layout", "[safetensors]") {
  TempDir dir;
  save_file({{"x", tensor({1.0, 2.0}, kFloat32)}}, dir.file("x.safetensors"));
  std::ifstream f(dir.file("x.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  CHECK(len % 8 == 0);
  CHECK(bytes.size() == 8 + len + 8);
  CHECK_THAT(bytes.substr(8, len), Contains("\"x\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"));
  float v[2];
  std::memcpy(v, bytes.data() + 8 + len, 8);
  CHECK(v[0] == 1.0f);
  CHECK(v[1] == 2.0f);
}

TEST_CASE("save_file replaces the target atomically and leaves no temporary behind", "[safetensors]") {
  TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  save_file({{"a", ones({2})}}, path);
  save_file({{"b", zeros({3})}}, path);
  auto loaded = load_file(path);
  CHECK(loaded.size() == 1);
  CHECK(loaded.count("b"));
  // A failing write (an undefined tensor) leaves the previous file untouched.
  CHECK_THROWS_AS(save_file({{"c", Tensor()}}, path), ValueError);
  CHECK(load_file(path).count("b"));
  // Writing into a missing directory fails cleanly.
  CHECK_THROWS_WITH(save_file({{"a", ones({1})}}, dir.file("missing/x.safetensors")),
                    Contains("cannot create a temporary file"));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("load_file rejects hostile and corrupt files with a clear error", "[safetensors]") {
  TempDir dir;
  std::string p = dir.file("bad.safetensors");
  const std::string ok_entry = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string eight(8, '\0');
  struct Case {
    const char* what;
    std::string header, data;
    uint64_t len;
    const char* message;
  };
  std::vector<Case> cases = {
      {"header length 2^63", "{}", "", uint64_t(1) << 63, "more than the"},
      {"header length past the end", "{}", "", 1000, "only 2 follow"},
      {"bad JSON", "{\"t\": [", "", 0, "not valid JSON"},
      {"JSON not an object", "[1, 2]", "", 0, "not a JSON object"},
      {"deep nesting", std::string(5000, '[') + std::string(5000, ']'), "", 0, "nested deeper"},
      {"entry not an object", R"({"t": 3})", "", 0, "not described by a JSON object"},
      {"missing dtype", R"({"t":{"shape":[2],"data_offsets":[0,8]}})", eight, 0, "has no 'dtype'"},
      {"unknown dtype", R"({"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "abcd", 0, "dtype F16"},
      {"dtype not a string", R"({"t":{"dtype":3,"shape":[2],"data_offsets":[0,8]}})", eight, 0, "not a string"},
      {"negative shape", R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight, 0, "non-negative"},
      {"float shape", R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight, 0, "non-negative"},
      {"shape overflow", R"({"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", eight, 0,
       "overflows"},
      {"offsets past the end", R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}})", eight, 0,
       "past the end"},
      {"begin after end", R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight, 0, "begin > end"},
      {"offsets not a pair", R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight, 0, "[begin, end]"},
      {"wrong dtype size", R"({"t":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", eight, 0, "needs 16"},
      {"overlapping ranges",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       std::string(12, '\0'), 0, "overlapping"},
      {"a gap", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight, 0, "a gap"},
      {"trailing bytes", "{" + ok_entry + "}", std::string(12, '\0'), 0, "file holds 12 bytes"},
      {"truncated data", "{" + ok_entry + "}", "abcd", 0, "past the end"},
      {"bad metadata", R"({"__metadata__":{"k":1}})", "", 0, "not a string"},
      {"bool byte out of range", R"({"t":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x01\x07"),
       0, "byte 7"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    write_raw(p, c.header, c.data, c.len ? c.len : c.header.size());
    CHECK_THROWS_AS(load_file(p), ValueError);
    CHECK_THROWS_WITH(load_file(p), Contains(c.message) && Contains(p));
  }
  // Named tensor appears in the message.
  write_raw(p, R"({"weight":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", eight);
  CHECK_THROWS_WITH(load_file(p), Contains("tensor 'weight'"));
  // Too short for the length field, and a missing file.
  {
    std::ofstream(p, std::ios::binary) << "abc";
  }
  CHECK_THROWS_WITH(load_file(p), Contains("too short"));
  CHECK_THROWS_WITH(load_file(dir.file("nope.safetensors")), Contains("cannot open"));
  // The same file, fixed, loads.
  write_raw(p, "{" + ok_entry + "}", eight);
  CHECK(load_file(p).at("t").numel() == 2);
}
