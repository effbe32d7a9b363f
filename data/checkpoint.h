// Training checkpoints: several named groups of tensors (model, optimizer, ...)
// and string metadata (epoch, RNG states, scheduler state) in one safetensors
// file, written atomically, so a crash or kill never leaves a half-written
// checkpoint and a run resumes exactly where it stopped.
#pragma once

#include <map>
#include <string>

#include "data/safetensors.h"

namespace ember {

/// `parts["model"]` holds model.state_dict(), `parts["optimizer"]` an
/// optimizer's TensorDict; `metadata` anything else, as strings.
struct Checkpoint {
  std::map<std::string, TensorDict> parts;
  std::map<std::string, std::string> metadata;
};

/// Writes every part under "<part>/" names in one file (temp file, fsync, rename).
void save_checkpoint(const Checkpoint& checkpoint, const std::string& path);
/// Reads a file save_checkpoint wrote; throws ValueError if it is not one.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace ember
