// Warnings ember gives without failing (PyTorch's TORCH_WARN): anomaly mode's
// forward traceback, gradcheck on float32 inputs. They go to a handler:
// stderr by default; the Python bindings turn them into warnings.warn.
#pragma once

#include <functional>
#include <string>

namespace ember {

using WarningHandler = std::function<void(const std::string& message)>;

/// Reports `message` through the current handler.
void warn(const std::string& message);
/// Replaces the handler (nullptr restores the default, stderr); returns the previous one.
WarningHandler set_warning_handler(WarningHandler handler);

}  // namespace ember
