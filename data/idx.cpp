// IDX reading and writing through zlib's gz* functions, which read a gzip
// file or a raw one alike (gzdirect tells which it was, by the magic bytes).
// The header is trusted for nothing: sizes are overflow-checked, a raw file's
// length is compared with the header before anything is allocated, and a
// gzip stream is read in chunks, so a corrupted size cannot force a huge allocation.
#include "data/idx.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "autograd/error.h"
#include "data/path.h"
#include "ops/factory.h"

namespace ember::data {

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

int64_t element_size(IdxType type) {
  switch (type) {
    case IdxType::UByte:
    case IdxType::Byte: return 1;
    case IdxType::Short: return 2;
    case IdxType::Int:
    case IdxType::Float: return 4;
    case IdxType::Double: return 8;
  }
  return 0;
}

const char* type_name(IdxType type) {
  switch (type) {
    case IdxType::UByte: return "ubyte";
    case IdxType::Byte: return "byte";
    case IdxType::Short: return "short";
    case IdxType::Int: return "int";
    case IdxType::Float: return "float";
    case IdxType::Double: return "double";
  }
  return "?";
}

bool is_type_code(uint8_t code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
}

// Reads up to n bytes; fewer only at the end of the data. Throws on a read
// error or corrupted gzip data, which zlib reports only through gzerror.
int64_t read_some(gzFile f, uint8_t* buf, int64_t n, const std::string& path) {
  int64_t done = 0;
  while (done < n) {
    unsigned want = unsigned(std::min<int64_t>(n - done, int64_t(1) << 30));
    int got = gzread(f, buf + done, want);
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    EMBER_CHECK(got >= 0 && (err == Z_OK || err == Z_BUF_ERROR),
                "read_idx: '{}' is corrupted: {}", path, err == Z_ERRNO ? std::strerror(errno) : msg);
    // Z_BUF_ERROR: the gzip stream ended in the middle, i.e. the file is truncated.
    EMBER_CHECK(err != Z_BUF_ERROR, "read_idx: '{}' is truncated: the gzip stream ends unexpectedly", path);
    if (got == 0) break;
    done += got;
  }
  return done;
}

uint32_t load_be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// The value of element i of an IDX payload, decoded from big-endian.
template <class Out>
void decode(const IdxFile& file, Out* out) {
  const uint8_t* p = file.bytes.data();
  int64_t n = int64_t(file.bytes.size()) / element_size(file.type);
  for (int64_t i = 0; i < n; ++i) {
    switch (file.type) {
      case IdxType::UByte: out[i] = Out(p[i]); break;
      case IdxType::Byte: out[i] = Out(int8_t(p[i])); break;
      case IdxType::Short: out[i] = Out(int16_t(uint16_t(p[2 * i] << 8 | p[2 * i + 1]))); break;
      case IdxType::Int: out[i] = Out(int32_t(load_be32(p + 4 * i))); break;
      case IdxType::Float: {
        uint32_t bits = load_be32(p + 4 * i);
        float v;
        std::memcpy(&v, &bits, 4);
        out[i] = Out(v);
        break;
      }
      case IdxType::Double: {
        uint64_t bits = uint64_t(load_be32(p + 8 * i)) << 32 | load_be32(p + 8 * i + 4);
        double v;
        std::memcpy(&v, &bits, 8);
        out[i] = Out(v);
        break;
      }
    }
  }
}

}  // namespace

IdxFile read_idx_file(const std::string& path) {
  check_path("read_idx", path);
  struct stat st;
  EMBER_CHECK(::stat(path.c_str(), &st) == 0, "read_idx: cannot open '{}': {}", path, std::strerror(errno));
  EMBER_CHECK(S_ISREG(st.st_mode), "read_idx: '{}' is not a regular file", path);
  GzFile f(gzopen(path.c_str(), "rb"));
  EMBER_CHECK(f != nullptr, "read_idx: cannot open '{}': {}", path, std::strerror(errno));

  uint8_t magic[4] = {0, 0, 0, 0};
  int64_t got = read_some(f.get(), magic, 4, path);
  bool compressed = gzdirect(f.get()) == 0;
  const char* kind = compressed ? "gzip-compressed IDX" : "IDX";
  EMBER_CHECK(got == 4, "read_idx: '{}' is truncated: {} bytes, too short for the 4-byte IDX magic number", path,
              got);
  EMBER_CHECK(magic[0] == 0 && magic[1] == 0,
              "read_idx: '{}' is not an IDX file: expected the magic number 0x00 0x00 <type> <ndim>, got "
              "0x{:02x} 0x{:02x} 0x{:02x} 0x{:02x}",
              path, magic[0], magic[1], magic[2], magic[3]);
  EMBER_CHECK(is_type_code(magic[2]),
              "read_idx: '{}' has an unknown IDX type code 0x{:02x} (expected 0x08 ubyte, 0x09 byte, 0x0b short, "
              "0x0c int, 0x0d float or 0x0e double)",
              path, magic[2]);
  EMBER_CHECK(magic[3] >= 1, "read_idx: '{}' declares 0 dimensions (expected at least 1)", path);

  IdxFile file;
  file.type = IdxType(magic[2]);
  int64_t ndim = magic[3];
  std::vector<uint8_t> dims(size_t(4 * ndim));
  got = read_some(f.get(), dims.data(), 4 * ndim, path);
  EMBER_CHECK(got == 4 * ndim, "read_idx: '{}' is truncated: its header declares {} dimensions but ends after {} of them",
              path, ndim, got / 4);
  int64_t data_bytes = element_size(file.type);
  for (int64_t d = 0; d < ndim; ++d) {
    int64_t size = load_be32(&dims[size_t(4 * d)]);
    file.shape.push_back(size);
    EMBER_CHECK(!__builtin_mul_overflow(data_bytes, size, &data_bytes),
                "read_idx: '{}' declares sizes {} whose product overflows", path, shape_str(file.shape));
  }
  int64_t header_bytes = 4 + 4 * ndim;
  if (!compressed) {
    // A raw file's length is known: compare before allocating anything.
    int64_t have = int64_t(st.st_size) - header_bytes;
    EMBER_CHECK(have >= data_bytes,
                "read_idx: '{}' is truncated: its header (type {}, shape {}) needs {} bytes of data, the file "
                "holds {}",
                path, type_name(file.type), shape_str(file.shape), data_bytes, have);
    EMBER_CHECK(have == data_bytes,
                "read_idx: '{}' has {} bytes of trailing data after the {} bytes of data its header (type {}, "
                "shape {}) announces",
                path, have - data_bytes, data_bytes, type_name(file.type), shape_str(file.shape));
  }
  // Grow the buffer as data arrives (geometrically, by vector's resize), so
  // the header alone cannot make us allocate more than the file holds.
  constexpr int64_t kChunk = int64_t(1) << 24;
  int64_t have = 0;
  while (have < data_bytes) {
    int64_t want = std::min(kChunk, data_bytes - have);
    file.bytes.resize(size_t(have + want));
    int64_t n = read_some(f.get(), file.bytes.data() + have, want, path);
    have += n;
    if (n < want) break;
  }
  EMBER_CHECK(have == data_bytes,
              "read_idx: '{}' ({}) is truncated: its header (type {}, shape {}) needs {} bytes of data, the file "
              "holds {}",
              path, kind, type_name(file.type), shape_str(file.shape), data_bytes, have);
  uint8_t extra;
  EMBER_CHECK(read_some(f.get(), &extra, 1, path) == 0,
              "read_idx: '{}' ({}) has trailing data after the {} bytes of data its header (type {}, shape {}) "
              "announces",
              path, kind, data_bytes, type_name(file.type), shape_str(file.shape));
  return file;
}

Tensor read_idx(const std::string& path) {
  IdxFile file = read_idx_file(path);
  Dtype dtype = file.type == IdxType::Float ? kFloat32 : file.type == IdxType::Double ? kFloat64 : kInt64;
  Tensor out = make_tensor(file.shape, dtype);
  dispatch_numeric(dtype, "read_idx", [&](auto tag) { decode(file, out.data_ptr<decltype(tag)>()); });
  return out;
}

void write_idx(const std::string& path, const Tensor& values, IdxType type, bool gzip) {
  check_path("write_idx", path);
  EMBER_CHECK(is_type_code(uint8_t(type)), "write_idx: unknown IDX type code 0x{:02x}", unsigned(type));
  EMBER_CHECK(values.dim() >= 1 && values.dim() <= 255, "write_idx: expected 1 to 255 dimensions, got shape {}",
              shape_str(values.shape()));
  std::vector<uint8_t> out = {0, 0, uint8_t(type), uint8_t(values.dim())};
  auto put_be = [&](uint64_t v, int bytes) {
    for (int b = bytes - 1; b >= 0; --b) out.push_back(uint8_t(v >> (8 * b)));
  };
  for (int64_t size : values.shape()) {
    EMBER_CHECK(size <= int64_t(UINT32_MAX), "write_idx: size {} of shape {} does not fit an IDX uint32", size,
                shape_str(values.shape()));
    put_be(uint64_t(size), 4);
  }
  bool integral = type != IdxType::Float && type != IdxType::Double;
  double lo = type == IdxType::UByte ? 0 : type == IdxType::Byte ? -128 : type == IdxType::Short ? -32768 : -2147483648.0;
  double hi = type == IdxType::UByte ? 255 : type == IdxType::Byte ? 127 : type == IdxType::Short ? 32767 : 2147483647.0;
  for (double v : values.to_vector()) {
    if (integral)
      EMBER_CHECK(v == std::floor(v) && v >= lo && v <= hi, "write_idx: value {} does not fit IDX type {}", v,
                  type_name(type));
    switch (type) {
      case IdxType::Float: {
        float f = float(v);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put_be(bits, 4);
        break;
      }
      case IdxType::Double: {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        put_be(bits, 8);
        break;
      }
      default: put_be(uint64_t(int64_t(v)), int(element_size(type)));
    }
  }
  // "T" writes without compression through the same gz* calls.
  GzFile f(gzopen(path.c_str(), gzip ? "wb" : "wbT"));
  EMBER_CHECK(f != nullptr, "write_idx: cannot open '{}' for writing: {}", path, std::strerror(errno));
  size_t done = 0;
  while (done < out.size()) {
    unsigned want = unsigned(std::min<size_t>(out.size() - done, size_t(1) << 30));
    int n = gzwrite(f.get(), out.data() + done, want);
    EMBER_CHECK(n > 0, "write_idx: cannot write '{}'", path);
    done += size_t(n);
  }
  EMBER_CHECK(gzclose(f.release()) == Z_OK, "write_idx: cannot finish writing '{}'", path);
}

}  // namespace ember::data
