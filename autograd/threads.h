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

}  // namespace ember
