// Threads of ember's OpenMP kernels and of OpenBLAS, set together so the two
// never oversubscribe the cores.
#pragma once

namespace ember {

/// Sets the threads of ember's kernels and of OpenBLAS (n >= 1).
void set_num_threads(int n);
/// The current thread count (default: the machine's cores, or OMP_NUM_THREADS).
int get_num_threads();
/// The CPU core type OpenBLAS chose (e.g. "Haswell", "Cooperlake").
const char* blas_core_name();

/// The lock of an interpreter ember runs in (Python's GIL), which ember's long
/// kernels (threaded loops, GEMM) let go of so the interpreter's other threads
/// run meanwhile. The Python extension sets it; C++ programs have none.
struct HostLock {
  /// Lets go of the lock if this thread holds it; returns what reacquire needs, or null.
  void* (*release)() = nullptr;
  void (*reacquire)(void* state) = nullptr;
};
void set_host_lock(HostLock lock);

/// Lets go of the host lock for its lifetime when `active` (a no-op without one,
/// or when this thread does not hold it, as inside an already released region).
class HostLockRelease {
 public:
  explicit HostLockRelease(bool active = true);
  ~HostLockRelease();
  HostLockRelease(const HostLockRelease&) = delete;
  HostLockRelease& operator=(const HostLockRelease&) = delete;

 private:
  void* state_ = nullptr;
};

}  // namespace ember
