// The IDX reader and writer on small files the tests write byte by byte
// (gzip ones with zlib directly), valid and broken in every way the reader
// checks, and the (Fashion-)MNIST datasets on top of it, including the real
// Fashion-MNIST files of Debian's dataset-fashion-mnist package.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/idx.h"
#include "data/mnist.h"
#include "test_helpers.h"

namespace ember::test {
namespace {

using data::IdxType;
using Bytes = std::vector<uint8_t>;

// A fresh directory per test, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("ember_idx_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Header of an IDX file: 0 0 type ndim, then the sizes as big-endian uint32.
Bytes header(uint8_t type, const std::vector<uint32_t>& sizes) {
  Bytes b = {0, 0, type, uint8_t(sizes.size())};
  for (uint32_t s : sizes)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(uint8_t(s >> shift));
  return b;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Writes `bytes` raw or gzip-compressed, the file named without a telling extension.
std::string write_file(const TempDir& dir, const Bytes& bytes, bool gzip) {
  std::string path = dir.file(gzip ? "compressed.idx" : "plain.idx");
  gzip ? write_gzip(path, bytes) : write_raw(path, bytes);
  return path;
}

TEST_CASE("read_idx reads a ubyte file written byte by byte, raw or gzip", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  std::string path = write_file(dir, concat(header(0x08, {2, 3}), {1, 2, 3, 250, 0, 7}), gzip);
  Tensor t = data::read_idx(path);
  CHECK(t.dtype() == kInt64);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(values(t) == std::vector<double>{1, 2, 3, 250, 0, 7});
}

TEST_CASE("read_idx decodes signed, wide and floating types from big-endian", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  // byte -2, short -300 (0xfed4), int 70000 (0x00011170), float 1.5 (0x3fc00000), double -2.25 (0xc002000000000000)
  CHECK(values(data::read_idx(write_file(dir, concat(header(0x09, {1}), {0xfe}), gzip))) == std::vector<double>{-2});
  CHECK(values(data::read_idx(write_file(dir, concat(header(0x0B, {1}), {0xfe, 0xd4}), gzip))) ==
        std::vector<double>{-300});
  CHECK(values(data::read_idx(write_file(dir, concat(header(0x0C, {1}), {0x00, 0x01, 0x11, 0x70}), gzip))) ==
        std::vector<double>{70000});
  Tensor f = data::read_idx(write_file(dir, concat(header(0x0D, {1}), {0x3f, 0xc0, 0, 0}), gzip));
  CHECK(f.dtype() == kFloat32);
  CHECK(values(f) == std::vector<double>{1.5});
  Tensor d = data::read_idx(write_file(dir, concat(header(0x0E, {1}), {0xc0, 0x02, 0, 0, 0, 0, 0, 0}), gzip));
  CHECK(d.dtype() == kFloat64);
  CHECK(values(d) == std::vector<double>{-2.25});
}

TEST_CASE("write_idx writes the bytes the IDX format specifies", "[idx]") {
  TempDir dir;
  std::string path = dir.file("out.idx");
  data::write_idx(path, tensor({1, 2, 255, 0, 9, 8}, {3, 2}, kInt64), IdxType::UByte);
  CHECK(read_raw(path) == concat(header(0x08, {3, 2}), {1, 2, 255, 0, 9, 8}));
  data::write_idx(path, tensor({-300, 70000}, {2}, kInt64), IdxType::Int);
  CHECK(read_raw(path) == concat(header(0x0C, {2}), {0xff, 0xff, 0xfe, 0xd4, 0x00, 0x01, 0x11, 0x70}));
  data::write_idx(path, tensor({1.5}, {1}, kFloat32), IdxType::Float);
  CHECK(read_raw(path) == concat(header(0x0D, {1}), {0x3f, 0xc0, 0, 0}));
}

TEST_CASE("write_idx with gzip writes a gzip file that reads back the same", "[idx]") {
  TempDir dir;
  std::string path = dir.file("no_extension");
  Tensor t = tensor({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2}, kInt64);
  data::write_idx(path, t, IdxType::Short, /*gzip=*/true);
  Bytes b = read_raw(path);
  REQUIRE(b.size() >= 2);
  CHECK((b[0] == 0x1f && b[1] == 0x8b));
  Tensor back = data::read_idx(path);
  CHECK(back.shape() == t.shape());
  CHECK(values(back) == values(t));
}

TEST_CASE("write_idx rejects values that do not fit the type", "[idx]") {
  TempDir dir;
  expect_error<ValueError>([&] { data::write_idx(dir.file("x"), tensor({256}, {1}, kInt64)); },
                           "value 256 does not fit IDX type ubyte");
  expect_error<ValueError>([&] { data::write_idx(dir.file("x"), tensor({0.5}, {1}, kFloat32), IdxType::Byte); },
                           "value 0.5 does not fit IDX type byte");
}

TEST_CASE("read_idx rejects a truncated file naming it", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  std::string path = write_file(dir, concat(header(0x08, {2, 3}), {1, 2, 3, 4, 5}), gzip);
  expect_error<ValueError>([&] { data::read_idx(path); }, "'" + path + "' ");
  expect_error<ValueError>([&] { data::read_idx(path); }, "truncated");
  expect_error<ValueError>([&] { data::read_idx(path); }, "shape [2, 3]");
  // A header cut in the middle of its sizes.
  std::string cut = write_file(dir, Bytes{0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, gzip);
  expect_error<ValueError>([&] { data::read_idx(cut); }, "declares 3 dimensions but ends after 1");
  std::string tiny = write_file(dir, Bytes{0, 0}, gzip);
  expect_error<ValueError>([&] { data::read_idx(tiny); }, "too short for the 4-byte IDX magic number");
}

TEST_CASE("read_idx rejects a gzip stream cut short", "[idx]") {
  TempDir dir;
  std::string path = dir.file("cut.gz");
  Bytes payload = concat(header(0x08, {1000}), Bytes(1000, 7));
  write_gzip(path, payload);
  Bytes gz = read_raw(path);
  write_raw(path, Bytes(gz.begin(), gz.begin() + long(gz.size() / 2)));
  expect_error<ValueError>([&] { data::read_idx(path); }, "truncated");
}

TEST_CASE("read_idx rejects a gzip file whose checksum does not match", "[idx]") {
  TempDir dir;
  std::string path = dir.file("bad_crc.gz");
  write_gzip(path, concat(header(0x08, {4}), {1, 2, 3, 4}));
  Bytes gz = read_raw(path);
  gz[gz.size() - 8] ^= 0xff;  // the CRC-32 in the gzip trailer
  write_raw(path, gz);
  expect_error<ValueError>([&] { data::read_idx(path); }, "is corrupted");
}

TEST_CASE("read_idx rejects trailing data after what the header announces", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  std::string path = write_file(dir, concat(header(0x08, {2}), {1, 2, 3}), gzip);
  expect_error<ValueError>([&] { data::read_idx(path); }, "trailing data");
}

TEST_CASE("read_idx rejects a wrong magic number or type code", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  std::string not_idx = write_file(dir, Bytes{0x50, 0x4b, 3, 4, 0, 0, 0, 0}, gzip);
  expect_error<ValueError>([&] { data::read_idx(not_idx); },
                           "is not an IDX file: expected the magic number 0x00 0x00 <type> <ndim>, got 0x50 0x4b");
  std::string bad_type = write_file(dir, concat(header(0x07, {1}), {0}), gzip);
  expect_error<ValueError>([&] { data::read_idx(bad_type); }, "unknown IDX type code 0x07");
  std::string no_dims = write_file(dir, Bytes{0, 0, 8, 0}, gzip);
  expect_error<ValueError>([&] { data::read_idx(no_dims); }, "declares 0 dimensions");
}

TEST_CASE("read_idx rejects sizes that overflow or that the file cannot hold, before allocating", "[idx]") {
  TempDir dir;
  bool gzip = GENERATE(false, true);
  std::string overflow = write_file(dir, header(0x0E, {0xffffffffu, 0xffffffffu, 0xffffffffu}), gzip);
  expect_error<ValueError>([&] { data::read_idx(overflow); }, "whose product overflows");
  // 10^12 bytes announced, 3 present: refused as truncated (reading stops at the real end).
  std::string huge = write_file(dir, concat(header(0x08, {1000000, 1000000}), {1, 2, 3}), gzip);
  expect_error<ValueError>([&] { data::read_idx(huge); }, "needs 1000000000000 bytes");
}

TEST_CASE("read_idx names a missing file", "[idx]") {
  expect_error<ValueError>([] { data::read_idx("/nonexistent/ember/file.idx"); },
                           "cannot open '/nonexistent/ember/file.idx'");
}

// Small MNIST-format files: 3 training images 2x2 and their labels.
void write_tiny_mnist(const TempDir& dir, const Bytes& labels) {
  write_gzip(dir.file("train-images-idx3-ubyte.gz"),
             concat(header(0x08, {3, 2, 2}), {0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0}));
  write_raw(dir.file("train-labels-idx1-ubyte"), concat(header(0x08, {3}), labels));
}

TEST_CASE("MNIST loads images scaled to [0, 1] as (N, 1, H, W) and int64 labels", "[idx][mnist]") {
  TempDir dir;
  write_tiny_mnist(dir, {9, 0, 4});
  data::MNIST mnist(dir.path.string(), /*train=*/true);
  REQUIRE(mnist.size() == 3);
  CHECK(mnist.images().shape() == Shape{3, 1, 2, 2});
  CHECK(mnist.images().dtype() == kFloat32);
  std::vector<double> raw = {0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0};
  std::vector<double> got = values(mnist.images());
  for (size_t i = 0; i < raw.size(); ++i) CHECK(got[i] == Approx(raw[i] / 255.0).epsilon(1e-6));
  CHECK(values(mnist.targets()) == std::vector<double>{9, 0, 4});
  data::Example<> e = mnist.get(1);
  CHECK(e.data.shape() == Shape{1, 2, 2});
  CHECK(e.target.item<int64_t>() == 0);
  data::Example<> batch = mnist.get_batch({2, 0});
  CHECK(batch.data.shape() == Shape{2, 1, 2, 2});
  CHECK(values(batch.target) == std::vector<double>{4, 9});
}

TEST_CASE("MNIST rejects labels outside 0..9 and mismatched counts", "[idx][mnist]") {
  TempDir dir;
  write_tiny_mnist(dir, {1, 10, 2});
  expect_error<ValueError>([&] { data::MNIST(dir.path.string()); }, "holds label 10 at position 1");
  write_raw(dir.file("train-labels-idx1-ubyte"), concat(header(0x08, {2}), {1, 2}));
  expect_error<ValueError>([&] { data::MNIST(dir.path.string()); }, "holds 3 images but");
}

TEST_CASE("FashionMNIST names the missing file and the Debian package", "[idx][mnist]") {
  TempDir dir;
  std::string root = dir.path.string();
  expect_error<ValueError>([&] { data::FashionMNIST(root, false); },
                           "cannot find '" + root + "/t10k-images-idx3-ubyte'");
  expect_error<ValueError>([&] { data::FashionMNIST(root, false); }, "dataset-fashion-mnist");
}

// Not skipped when the data set is absent: scripts/install-deps installs it,
// so its absence is a broken setup that must show.
TEST_CASE("the real Fashion-MNIST files load: 60000 + 10000 images, 6000/1000 per class", "[idx][mnist]") {
  struct stat st;
  INFO("Fashion-MNIST is expected in " << data::kFashionMnistRoot
                                       << " (Debian package dataset-fashion-mnist; run scripts/install-deps)");
  REQUIRE(::stat(data::kFashionMnistRoot, &st) == 0);
  for (bool train : {true, false}) {
    data::FashionMNIST ds(data::kFashionMnistRoot, train);
    int64_t n = train ? 60000 : 10000;
    REQUIRE(ds.size() == n);
    CHECK(ds.images().shape() == Shape{n, 1, 28, 28});
    CHECK(ds.images().min().item<double>() == 0.0);
    CHECK(ds.images().max().item<double>() == 1.0);
    std::vector<int64_t> count(10, 0);
    const int64_t* labels = ds.targets().data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      REQUIRE((labels[i] >= 0 && labels[i] <= 9));
      ++count[size_t(labels[i])];
    }
    for (int64_t c : count) CHECK(c == n / 10);
  }
}

}  // namespace
}  // namespace ember::test
