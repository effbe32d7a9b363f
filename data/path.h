// The check every file-taking function makes of its path before using it.
#pragma once

#include <string>

#include "autograd/error.h"

namespace ember {

/// A path with a NUL byte in it would be cut there by the operating system
/// (saving or loading another file than the one named): refused, as Python's
/// open() refuses it.
inline void check_path(const char* op, const std::string& path) {
  EMBER_CHECK(path.find('\0') == std::string::npos, "{}: embedded null byte in path '{}'", op,
              path.substr(0, path.find('\0')));
}

}  // namespace ember
