// Storage of the grad and anomaly flags.
#include "autograd/grad_mode.h"

#include <atomic>

namespace ember {
namespace {
thread_local bool grad_enabled = true;
thread_local bool inference_enabled = false;
std::atomic<bool> anomaly_enabled{false};
std::atomic<bool> anomaly_check_nan{true};
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }
bool InferenceMode::is_enabled() { return inference_enabled; }
void InferenceMode::set_enabled(bool enabled) { inference_enabled = enabled; }
bool AnomalyMode::is_enabled() { return anomaly_enabled.load(); }
bool AnomalyMode::should_check_nan() { return anomaly_check_nan.load(); }
void AnomalyMode::set_enabled(bool enabled, bool check_nan) {
  anomaly_enabled.store(enabled);
  anomaly_check_nan.store(check_nan);
}

}  // namespace ember
