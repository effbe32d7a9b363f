// When a loop runs on OpenMP threads, decided in one place. A loop too small
// to split runs inline, outside any OpenMP region: entering a region costs
// about 250 ns even when its `if` clause is false (libgomp still builds a
// one-thread team), which is most of a one-element op's kernel time.
#pragma once

#include <cstdint>

#include "autograd/threads.h"

namespace ember {

/// Below this many elements (or units of comparable work) a loop runs on one thread.
constexpr int64_t kParallelGrain = 32768;

/// The grain of loops that pass over each element several times (batch_norm's
/// per-channel statistics then normalization, softmax's max, exp-sum and write):
/// a quarter of kParallelGrain elements is as much work.
constexpr int64_t kMultiPassGrain = kParallelGrain / 4;

/// body(i) for every i in [0, n): split across OpenMP threads when `parallel`, inline otherwise.
template <class F>
inline void parallel_for(int64_t n, bool parallel, F&& body) {
  if (!parallel || n <= 1) {
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
  HostLockRelease unlocked;  // a threaded loop is long enough to let other Python threads run
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) body(i);
}

/// body() once on each OpenMP thread when `parallel`, once inline otherwise; an
/// `omp for` inside body() splits its loop among the threads, or runs it whole.
/// For loops that give each thread its own scratch buffers.
template <class F>
inline void parallel_region(bool parallel, F&& body) {
  if (!parallel) {
    body();
    return;
  }
  HostLockRelease unlocked;
#pragma omp parallel
  body();
}

// `omp simd` has GCC vectorize even through calls it has vector forms of
// (glibc's libmvec exp, log, ...). clang has none of those and warns
// (-Wpass-failed) where it cannot honour the request, so for clang the loop is
// left to its own auto-vectorizer.
#if defined(__clang__)
#define EMBER_OMP_SIMD
#define EMBER_OMP_PARALLEL_FOR_SIMD _Pragma("omp parallel for")
#else
#define EMBER_OMP_SIMD _Pragma("omp simd")
#define EMBER_OMP_PARALLEL_FOR_SIMD _Pragma("omp parallel for simd")
#endif

/// body(i) for every i in [0, n) of an elementwise loop: vectorized, and split
/// across threads from kParallelGrain elements on.
template <class F>
inline void parallel_for_simd(int64_t n, F&& body) {
  if (n < kParallelGrain) {
    EMBER_OMP_SIMD
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
  HostLockRelease unlocked;
  EMBER_OMP_PARALLEL_FOR_SIMD
  for (int64_t i = 0; i < n; ++i) body(i);
}

}  // namespace ember
