// Storage of the grad and anomaly flags.
#include "autograd/grad_mode.h"

#include <atomic>

namespace ember {
namespace {
thread_local bool grad_enabled = true;
std::atomic<bool> anomaly_enabled{false};
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }
bool AnomalyMode::is_enabled() { return anomaly_enabled.load(); }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled.store(enabled); }

}  // namespace ember
