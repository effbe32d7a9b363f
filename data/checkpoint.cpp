// Checkpoints as one safetensors file: tensors and metadata of each part are
// stored under "<part>/<name>", the checkpoint's own metadata under "/<key>".
#include "data/checkpoint.h"

namespace ember {
namespace {

// Splits "<part>/<name>" at the first '/'; false when there is none.
bool split(const std::string& key, std::string& part, std::string& name) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return false;
  part = key.substr(0, slash);
  name = key.substr(slash + 1);
  return true;
}

}  // namespace

void save_checkpoint(const Checkpoint& checkpoint, const std::string& path) {
  TensorDict file;
  for (const auto& [part, dict] : checkpoint.parts) {
    EMBER_CHECK(!part.empty() && part.find('/') == std::string::npos,
                "save_checkpoint: expected part names without '/', got '{}'", part);
    for (const auto& [name, t] : dict.tensors) file.tensors[part + "/" + name] = t;
    for (const auto& [key, value] : dict.metadata) file.metadata[part + "/" + key] = value;
  }
  for (const auto& [key, value] : checkpoint.metadata) file.metadata["/" + key] = value;
  file.metadata["format"] = "ember.checkpoint.v1";
  save_file(file, path);
}

Checkpoint load_checkpoint(const std::string& path) {
  TensorDict file = load_file_with_metadata(path);
  auto format = file.metadata.find("format");
  EMBER_CHECK(format != file.metadata.end() && format->second == "ember.checkpoint.v1",
              "load_checkpoint: {} is a safetensors file but not an ember checkpoint (no format 'ember.checkpoint.v1')",
              path);
  Checkpoint checkpoint;
  std::string part, name;
  for (const auto& [key, t] : file.tensors) {
    EMBER_CHECK(split(key, part, name) && !part.empty(), "load_checkpoint: {}: tensor '{}' belongs to no part", path,
                key);
    checkpoint.parts[part].tensors[name] = t;
  }
  for (const auto& [key, value] : file.metadata) {
    if (key == "format") continue;
    EMBER_CHECK(split(key, part, name), "load_checkpoint: {}: metadata key '{}' belongs to no part", path, key);
    if (part.empty()) checkpoint.metadata[name] = value;
    else checkpoint.parts[part].metadata[name] = value;
  }
  return checkpoint;
}

}  // namespace ember
