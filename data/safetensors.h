// safetensors reading and writing: named tensors (float32, float64, int64,
// bool) plus string metadata in the format of the `safetensors` package, so
// checkpoints move between ember, PyTorch and NumPy. Writes are atomic; reads
// validate every field of the file before touching tensor memory.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "autograd/tensor.h"

namespace ember {

/// Named tensors and the file's `__metadata__` strings, as one value.
struct TensorDict {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Writes `tensors` (any layout; stored row-major) and `metadata` to `path`
/// as safetensors. The file is written to a temporary next to `path`, synced
/// and renamed over it, so `path` holds either the old or the new contents.
/// `ember::save_file({{"weight", w}}, "model.safetensors");`
void save_file(const std::map<std::string, Tensor>& tensors, const std::string& path,
               const std::map<std::string, std::string>& metadata = {});
void save_file(const TensorDict& dict, const std::string& path);

/// Reads every tensor of a safetensors file, by name. Throws ValueError
/// naming the file, the tensor and the problem if anything in it is invalid.
std::map<std::string, Tensor> load_file(const std::string& path);
/// Reads the tensors and the `__metadata__` strings.
TensorDict load_file_with_metadata(const std::string& path);

/// The bytes save_file would write (safetensors' `save`), and their reading
/// back with load_file's checks (safetensors' `load`; fuzzers need no files).
std::string save_to_buffer(const TensorDict& dict);
TensorDict load_file_from_buffer(std::string_view bytes);

namespace detail {
/// save_file, its bytes, load_file and its buffer form with `op` naming the
/// caller in errors (ember::save and ember::load build on them); `name` names
/// the buffer's source (a file object) in errors.
void write_safetensors(const char* op, const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata, const std::string& path);
std::string safetensors_bytes(const char* op, const std::map<std::string, Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata);
TensorDict read_safetensors(const char* op, const std::string& path);
TensorDict read_safetensors_buffer(const char* op, std::string_view bytes, const std::string& name);
/// Nesting depth of a JSON text (brackets outside strings): checked before parsing untrusted JSON.
int json_depth(const std::string& text);
}  // namespace detail

}  // namespace ember
