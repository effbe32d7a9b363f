// The process-wide warning handler (stderr unless the bindings set one).
#include "autograd/warning.h"

#include <cstdio>
#include <mutex>
#include <utility>

namespace ember {
namespace {
std::mutex handler_mutex;
WarningHandler current_handler;
}  // namespace

void warn(const std::string& message) {
  WarningHandler handler;
  {
    std::lock_guard<std::mutex> lock(handler_mutex);
    handler = current_handler;
  }
  if (handler) handler(message);
  else std::fprintf(stderr, "ember warning: %s\n", message.c_str());
}

namespace {
thread_local bool reporting_failure = false;
std::atomic<bool> warn_always{false};
}  // namespace

void warn_once(std::atomic<bool>& warned, const std::string& message) {
  if (warn_always.load(std::memory_order_relaxed) || !warned.exchange(true)) warn(message);
}

void set_warn_always(bool enabled) { warn_always = enabled; }
bool warn_always_enabled() { return warn_always; }

void warn_in_failure(const std::string& message) {
  struct Restore {
    bool previous;
    ~Restore() { reporting_failure = previous; }
  } restore{std::exchange(reporting_failure, true)};
  warn(message);
}

bool in_failure_report() { return reporting_failure; }

WarningHandler set_warning_handler(WarningHandler handler) {
  std::lock_guard<std::mutex> lock(handler_mutex);
  std::swap(handler, current_handler);
  return handler;
}

}  // namespace ember
