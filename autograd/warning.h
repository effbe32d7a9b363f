// Warnings ember gives without failing (PyTorch's TORCH_WARN): anomaly mode's
// forward traceback, gradcheck on float32 inputs. They go to a handler:
// stderr by default; the Python bindings turn them into warnings.warn.
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace ember {

using WarningHandler = std::function<void(const std::string& message)>;

/// Reports `message` through the current handler.
void warn(const std::string& message);
/// PyTorch's TORCH_WARN_ONCE: reports `message` the first time `warned` (the
/// call site's flag) is seen, or every time while warn-always is on.
void warn_once(std::atomic<bool>& warned, const std::string& message);
/// PyTorch's torch.set_warn_always / is_warn_always_enabled.
void set_warn_always(bool enabled);
bool warn_always_enabled();
/// Reports `message` about an error that is on its way to the caller (anomaly
/// mode's traceback): while it runs, in_failure_report() is true, and a handler
/// that would fail (Python's "error" filter) reports that failure itself
/// instead of replacing the error (Python: printed to sys.stderr, as PyTorch does).
void warn_in_failure(const std::string& message);
bool in_failure_report();
/// Replaces the handler (nullptr restores the default, stderr); returns the previous one.
WarningHandler set_warning_handler(WarningHandler handler);

}  // namespace ember
