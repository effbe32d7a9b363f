// Grad mode (thread-local, as in PyTorch) and anomaly mode (process-wide).
#pragma once

namespace ember {

namespace detail {
// Inline with constant initializers, so every op reads them without a call.
inline thread_local bool grad_enabled = true;
inline thread_local bool inference_enabled = false;
}  // namespace detail

struct GradMode {
  static bool is_enabled() { return detail::grad_enabled; }
  static void set_enabled(bool enabled) { detail::grad_enabled = enabled; }
};

/// Sets grad mode for a scope and restores the previous one (libtorch's AutoGradMode).
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

/// No op records history inside this scope.
struct NoGradGuard : AutoGradMode {
  NoGradGuard() : AutoGradMode(false) {}
};

/// PyTorch's inference mode (thread-local): nothing is recorded, and tensors
/// made inside are inference tensors, which autograd refuses to save for
/// backward and which may not be modified in place outside inference mode.
struct InferenceMode {
  static bool is_enabled() { return detail::inference_enabled; }
  static void set_enabled(bool enabled) { detail::inference_enabled = enabled; }
};

/// Inference mode on (or, with false, off) for a scope; grad mode is its opposite there.
class InferenceModeGuard {
 public:
  explicit InferenceModeGuard(bool enabled = true)
      : previous_(InferenceMode::is_enabled()), grad_mode_(!enabled) {
    InferenceMode::set_enabled(enabled);
  }
  ~InferenceModeGuard() { InferenceMode::set_enabled(previous_); }
  InferenceModeGuard(const InferenceModeGuard&) = delete;
  InferenceModeGuard& operator=(const InferenceModeGuard&) = delete;

 private:
  bool previous_;
  AutoGradMode grad_mode_;
};

/// When on, nodes remember the forward call that made them (for the error
/// report of a failing backward) and, with `check_nan`, backward checks every
/// gradient a node returns for NaN and names the node.
struct AnomalyMode {
  static bool is_enabled();
  static bool should_check_nan();
  static void set_enabled(bool enabled, bool check_nan = true);
};

/// Turns anomaly mode on for a scope (Python: `with ember.autograd.detect_anomaly():`).
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool check_nan = true)
      : previous_(AnomalyMode::is_enabled()), previous_check_nan_(AnomalyMode::should_check_nan()) {
    AnomalyMode::set_enabled(true, check_nan);
  }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_, previous_check_nan_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_, previous_check_nan_;
};

}  // namespace ember
