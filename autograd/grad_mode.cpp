// Storage of the anomaly flags (grad and inference mode are inline in the header).
#include "autograd/grad_mode.h"

#include <atomic>

namespace ember {
namespace {
std::atomic<bool> anomaly_enabled{false};
std::atomic<bool> anomaly_check_nan{true};
}  // namespace

bool AnomalyMode::is_enabled() { return anomaly_enabled.load(); }
bool AnomalyMode::should_check_nan() { return anomaly_check_nan.load(); }
void AnomalyMode::set_enabled(bool enabled, bool check_nan) {
  anomaly_enabled.store(enabled);
  anomaly_check_nan.store(check_nan);
}

}  // namespace ember
