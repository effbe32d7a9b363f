// One thread count for OpenMP kernels and OpenBLAS. OpenBLAS (the pthread
// build) runs its own pool; ember never calls GEMM from inside an OpenMP
// region, so the two pools take turns rather than competing.
#include "autograd/threads.h"

#include <cblas.h>
#include <omp.h>

#include "autograd/error.h"

namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got {}", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

const char* blas_core_name() { return openblas_get_corename(); }

namespace {
HostLock host_lock;  // set once, when the Python extension loads
}  // namespace

void set_host_lock(HostLock lock) { host_lock = lock; }

HostLockRelease::HostLockRelease(bool active) {
  if (active && host_lock.release) state_ = host_lock.release();
}

HostLockRelease::~HostLockRelease() {
  if (state_) host_lock.reacquire(state_);
}

}  // namespace ember
