// safetensors: an 8-byte little-endian header length, a JSON header mapping
// each name to {dtype, shape, data_offsets} (plus `__metadata__` strings),
// then the raw little-endian row-major bytes. The reader trusts nothing in
// the file: every size, offset and type is checked before memory is touched.
#include "data/safetensors.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "data/path.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

namespace ember {

namespace {

using json = nlohmann::json;

// A header larger than this is refused outright (the `safetensors` package uses the same cap).
constexpr uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;
// The header's structure is three levels deep; anything far deeper is hostile.
constexpr int kMaxJsonDepth = 16;

const char* dtype_code(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
    default: return "BOOL";
  }
}

bool dtype_from_code(const std::string& code, Dtype* out) {
  static const std::pair<const char*, Dtype> codes[] = {
      {"F32", Dtype::Float32}, {"F64", Dtype::Float64}, {"I64", Dtype::Int64}, {"BOOL", Dtype::Bool}};
  for (const auto& [name, d] : codes)
    if (code == name) {
      *out = d;
      return true;
    }
  return false;
}

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Writes all of buf or throws.
void write_all(int fd, const char* buf, size_t n, const char* op, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    EMBER_CHECK_STATE(w > 0, "{}: cannot write '{}': {}", op, path, std::strerror(errno));
    buf += w;
    n -= size_t(w);
  }
}

// Reads exactly n bytes at `offset` or throws (a short read means a truncated file).
void read_all(int fd, char* buf, size_t n, uint64_t offset, const char* op, const std::string& path) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, off_t(offset));
    if (r < 0 && errno == EINTR) continue;
    EMBER_CHECK_STATE(r >= 0, "{}: cannot read '{}': {}", op, path, std::strerror(errno));
    EMBER_CHECK(r > 0, "{}: '{}' is truncated (it ended while reading tensor data)", op, path);
    buf += r;
    n -= size_t(r);
    offset += uint64_t(r);
  }
}

}  // namespace

namespace detail {

int json_depth(const std::string& text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace detail

namespace {

std::string header_json(const char* op, const std::map<std::string, Tensor>& tensors,
                        const std::map<std::string, std::string>& metadata, std::vector<Tensor>* contiguous) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    EMBER_CHECK(t.defined(), "{}: tensor '{}' is undefined", op, name);
    EMBER_CHECK(name != "__metadata__", "{}: '__metadata__' is reserved and cannot name a tensor", op);
    Tensor c = t.contiguous();
    uint64_t nbytes = uint64_t(c.numel()) * element_size(c.dtype());
    header[name] = {{"dtype", dtype_code(c.dtype())}, {"shape", c.shape()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    contiguous->push_back(c);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::type_error&) {  // the one way dump fails
    throw ValueError(fmt::format("{}: a tensor name or metadata string is not valid UTF-8", op));
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned, as safetensors does
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// A save killed before its rename leaves `<prefix><pid>.<random>` behind: the
// next save to the same file removes those whose writer (a process of this
// host) is gone, so repeated crashes never pile up temporaries. A live
// writer's temporary, or another host's on a shared file system, is left alone.
void remove_stale_temporaries(const std::string& dir, const std::string& prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;  // the save itself reports an unusable directory
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || !end || *end != '.') continue;
    if (::kill(pid_t(pid), 0) == -1 && errno == ESRCH) stale.push_back(name);
  }
  ::closedir(d);
  for (const std::string& name : stale) ::unlink(((dir == "/" ? "" : dir) + "/" + name).c_str());
}

// Parses a safetensors image of `file_size` bytes that `read(buf, n, offset)` reads from; `op` and
// `path` name the caller and the file (or buffer) in every error.
TensorDict parse(const char* op, const std::string& path, uint64_t file_size,
                 const std::function<void(char*, size_t, uint64_t)>& read) {
  EMBER_CHECK(file_size >= 8, "{}: '{}' is too short ({} bytes) to hold the 8-byte header length", op, path,
              file_size);

  char len_bytes[8];
  read(len_bytes, 8, 0);
  uint64_t header_len;
  std::memcpy(&header_len, len_bytes, 8);
  EMBER_CHECK(header_len <= kMaxHeaderBytes, "{}: '{}' declares a header of {} bytes, more than the {} allowed",
              op, path, header_len, kMaxHeaderBytes);
  EMBER_CHECK(header_len <= file_size - 8, "{}: '{}' declares a header of {} bytes but only {} follow", op, path,
              header_len, file_size - 8);
  uint64_t data_size = file_size - 8 - header_len;

  std::string text(header_len, '\0');
  read(text.data(), header_len, 8);
  EMBER_CHECK(detail::json_depth(text) <= kMaxJsonDepth, "{}: '{}' has a header nested deeper than {} levels", op, path,
              kMaxJsonDepth);
  json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EMBER_CHECK(!header.is_discarded(), "{}: '{}' has a header that is not valid JSON", op, path);
  EMBER_CHECK(header.is_object(), "{}: '{}' has a header that is not a JSON object", op, path);

  TensorDict out;
  struct Entry {
    std::string name;
    Dtype dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      EMBER_CHECK(value.is_object(), "{}: '{}': __metadata__ must be an object of strings", op, path);
      for (const auto& [key, v] : value.items()) {
        EMBER_CHECK(v.is_string(), "{}: '{}': __metadata__ entry '{}' is not a string", op, path, key);
        out.metadata[key] = v.get<std::string>();
      }
      continue;
    }
    EMBER_CHECK(value.is_object(), "{}: '{}': tensor '{}' is not described by a JSON object", op, path, name);
    for (const char* key : {"dtype", "shape", "data_offsets"})
      EMBER_CHECK(value.contains(key), "{}: '{}': tensor '{}' has no '{}'", op, path, name, key);
    Entry e{name, Dtype::Float32, {}, 0, 0};
    const json& dtype = value["dtype"];
    EMBER_CHECK(dtype.is_string(), "{}: '{}': tensor '{}' has a dtype that is not a string", op, path, name);
    EMBER_CHECK(dtype_from_code(dtype.get<std::string>(), &e.dtype),
                "{}: '{}': tensor '{}' has dtype {}; ember reads F32, F64, I64 and BOOL", op, path, name,
                dtype.get<std::string>());
    const json& shape = value["shape"];
    EMBER_CHECK(shape.is_array(), "{}: '{}': tensor '{}' has a shape that is not a list", op, path, name);
    uint64_t numel = 1;
    bool overflow = false;
    for (const json& d : shape) {
      EMBER_CHECK(d.is_number_unsigned() && d.get<uint64_t>() <= uint64_t(INT64_MAX),
                  "{}: '{}': tensor '{}' has shape {}, expected non-negative integers", op, path, name, shape.dump());
      uint64_t size = d.get<uint64_t>();
      overflow = overflow || __builtin_mul_overflow(numel, size, &numel);
      e.shape.push_back(int64_t(size));
    }
    uint64_t nbytes = 0;
    overflow = overflow || numel > uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, element_size(e.dtype), &nbytes);
    EMBER_CHECK(!overflow, "{}: '{}': tensor '{}' has shape {} whose size overflows", op, path, name, shape.dump());
    const json& offsets = value["data_offsets"];
    EMBER_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
                    offsets[1].is_number_unsigned(),
                "{}: '{}': tensor '{}' has data_offsets {}, expected [begin, end] of non-negative integers",
                op, path, name, offsets.dump());
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    EMBER_CHECK(e.begin <= e.end, "{}: '{}': tensor '{}' has data_offsets [{}, {}] with begin > end", op, path, name,
                e.begin, e.end);
    EMBER_CHECK(e.end <= data_size, "{}: '{}': tensor '{}' has data_offsets [{}, {}] past the end of the {}-byte data",
                op, path, name, e.begin, e.end, data_size);
    EMBER_CHECK(e.end - e.begin == nbytes,
                "{}: '{}': tensor '{}' holds {} bytes but dtype {} x shape {} needs {}", op, path, name,
                e.end - e.begin, dtype.get<std::string>(), shape.dump(), nbytes);
    entries.push_back(std::move(e));
  }

  // The byte ranges must tile the data exactly: no gaps, no overlaps, nothing left over.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    EMBER_CHECK(e.begin == expected,
                "{}: '{}': tensor '{}' starts at byte {} but the previous tensor ends at {} ({})", op, path, e.name,
                e.begin, expected, e.begin < expected ? "overlapping ranges" : "a gap");
    expected = e.end;
  }
  EMBER_CHECK(expected == data_size, "{}: '{}': the tensors cover {} bytes but the file holds {} bytes of data",
              op, path, expected, data_size);

  for (const Entry& e : entries) {
    Tensor t = make_tensor(e.shape, e.dtype);
    size_t nbytes = size_t(e.end - e.begin);
    if (e.dtype == Dtype::Bool) {
      // A byte other than 0 or 1 is not a valid C++ bool: read into a buffer and check first.
      std::vector<char> bytes(nbytes);
      read(bytes.data(), nbytes, 8 + header_len + e.begin);
      for (char b : bytes)
        EMBER_CHECK(b == 0 || b == 1, "{}: '{}': bool tensor '{}' holds the byte {}, expected 0 or 1", op, path,
                    e.name, int(static_cast<unsigned char>(b)));
      if (nbytes) std::memcpy(t.raw_data(), bytes.data(), nbytes);
    } else {
      read(static_cast<char*>(t.raw_data()), nbytes, 8 + header_len + e.begin);
    }
    out.tensors.emplace(e.name, t);
  }
  return out;
}


}  // namespace

namespace detail {

void write_safetensors(const char* op, const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata, const std::string& path) {
  check_path(op, path);
  std::vector<Tensor> data;
  std::string header;
  {
    NoGradGuard no_grad;
    header = header_json(op, tensors, metadata, &data);
  }

  // The temporary lives in the target's directory so the rename cannot cross file systems.
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  EMBER_CHECK(!base.empty(), "{}: '{}' names a directory, expected a file path", op, path);
  std::string prefix = "." + base + ".tmp." + host_name() + ".";
  remove_stale_temporaries(dir, prefix);
  std::random_device rd;
  std::string tmp =
      (dir == "/" ? "" : dir) + "/" + prefix + std::to_string(::getpid()) + "." + std::to_string(rd());

  Fd out;
  out.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  EMBER_CHECK_STATE(out.fd >= 0, "{}: cannot create a temporary file next to '{}': {}", op, path,
                    std::strerror(errno));
  try {
    uint64_t len = header.size();
    char len_bytes[8];
    std::memcpy(len_bytes, &len, 8);
    write_all(out.fd, len_bytes, 8, op, path);
    write_all(out.fd, header.data(), header.size(), op, path);
    for (const Tensor& t : data)
      write_all(out.fd, static_cast<const char*>(t.raw_data()), size_t(t.numel()) * element_size(t.dtype()), op,
                path);
    EMBER_CHECK_STATE(::fsync(out.fd) == 0, "{}: cannot sync '{}': {}", op, path, std::strerror(errno));
    int fd = out.fd;
    out.fd = -1;
    EMBER_CHECK_STATE(::close(fd) == 0, "{}: cannot close '{}': {}", op, path, std::strerror(errno));
    EMBER_CHECK_STATE(::rename(tmp.c_str(), path.c_str()) == 0, "{}: cannot rename the temporary over '{}': {}", op,
                      path, std::strerror(errno));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // The rename is durable only once the directory entry is synced.
  Fd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EMBER_CHECK_STATE(d.fd >= 0 && ::fsync(d.fd) == 0, "{}: cannot sync the directory of '{}': {}", op, path,
                    std::strerror(errno));
}

std::string safetensors_bytes(const char* op, const std::map<std::string, Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  std::vector<Tensor> data;
  std::string header;
  {
    NoGradGuard no_grad;
    header = header_json(op, tensors, metadata, &data);
  }
  uint64_t len = header.size();
  std::string out(reinterpret_cast<const char*>(&len), 8);
  out += header;
  for (const Tensor& t : data)
    out.append(static_cast<const char*>(t.raw_data()), size_t(t.numel()) * element_size(t.dtype()));
  return out;
}

TensorDict read_safetensors(const char* op, const std::string& path) {
  check_path(op, path);
  Fd in;
  in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EMBER_CHECK_STATE(in.fd >= 0, "{}: cannot open '{}': {}", op, path, std::strerror(errno));
  struct stat st {};
  EMBER_CHECK_STATE(::fstat(in.fd, &st) == 0, "{}: cannot stat '{}': {}", op, path, std::strerror(errno));
  EMBER_CHECK(S_ISREG(st.st_mode), "{}: '{}' is not a regular file", op, path);
  return parse(op, path, uint64_t(st.st_size),
               [&](char* buf, size_t n, uint64_t offset) { read_all(in.fd, buf, n, offset, op, path); });
}

TensorDict read_safetensors_buffer(const char* op, std::string_view bytes, const std::string& name) {
  return parse(op, name, bytes.size(), [&](char* buf, size_t n, uint64_t offset) {
    // parse checks every range against the size first; a short buffer is a truncated file all the same.
    EMBER_CHECK(offset <= bytes.size() && n <= bytes.size() - offset,
                "{}: '{}' is truncated (it ended while reading tensor data)", op, name);
    if (n) std::memcpy(buf, bytes.data() + offset, n);
  });
}

}  // namespace detail

void save_file(const std::map<std::string, Tensor>& tensors, const std::string& path,
               const std::map<std::string, std::string>& metadata) {
  detail::write_safetensors("save_file", tensors, metadata, path);
}

void save_file(const TensorDict& dict, const std::string& path) { save_file(dict.tensors, path, dict.metadata); }

std::string save_to_buffer(const TensorDict& dict) {
  return detail::safetensors_bytes("save_to_buffer", dict.tensors, dict.metadata);
}

TensorDict load_file_with_metadata(const std::string& path) { return detail::read_safetensors("load_file", path); }

TensorDict load_file_from_buffer(std::string_view bytes) {
  return detail::read_safetensors_buffer("load_file_from_buffer", bytes, "<buffer>");
}

std::map<std::string, Tensor> load_file(const std::string& path) { return load_file_with_metadata(path).tensors; }

}  // namespace ember
