// The process-wide warning handler (stderr unless the bindings set one).
#include "autograd/warning.h"

#include <cstdio>
#include <mutex>

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

WarningHandler set_warning_handler(WarningHandler handler) {
  std::lock_guard<std::mutex> lock(handler_mutex);
  std::swap(handler, current_handler);
  return handler;
}

}  // namespace ember
