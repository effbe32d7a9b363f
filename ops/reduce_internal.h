// The reduction driver shared by ops/reduce.cpp (sum, mean, prod, all, any),
// ops/reduce_stats.cpp (var, std) and ops/reduce_extreme.cpp (max, min, arg*,
// logsumexp): an op splits its input's dims into kept and reduced ones
// (coalesced), then run() walks them in the cheapest order and hands the
// elements to a small "reducer". Internal.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <omp.h>

#include "autograd/tensor.h"
#include "ops/parallel.h"

namespace ember::reduce_internal {

// Kept dims K and reduced dims R, each coalesced and in x's order; output
// element k (row-major over K) reduces the N elements r (row-major over R).
struct Plan {
  Shape kshape, rshape;
  Strides kstride, rstride;
  int64_t M = 1, N = 1;
};

struct Reduction {
  Shape keep_shape;  // x's shape with reduced dims set to 1
  Shape out_shape;   // keep_shape, or without the reduced dims unless keepdim
  Plan plan;
};

// The Reduction of x over `dims` (every dim when empty); `op` names the caller in messages.
Reduction prepare(const char* op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);

// Element offset of multi-index `i` (row-major over `shape`).
inline int64_t offset_of(int64_t i, const Shape& shape, const Strides& strides) {
  int64_t off = 0;
  for (size_t d = shape.size(); d-- > 0;) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

// Feeds elements r0..r1 (row-major over R) of the group starting at `base` to acc.
template <class T, class Red>
void accumulate(const Red& red, typename Red::Acc& acc, const T* base, const Plan& p, int64_t r0, int64_t r1) {
  if (p.rshape.empty()) {
    if (r0 < r1) red.step(acc, base[0], 0);
    return;
  }
  const int64_t inner = p.rshape.back(), st = p.rstride.back();
  for (int64_t r = r0; r < r1;) {
    const int64_t i0 = r % inner, len = std::min(inner - i0, r1 - r);
    red.row(acc, base + offset_of(r, p.rshape, p.rstride), len, st, r);
    r += len;
  }
}

// Outputs per block in the column mode: their accumulators stay in L1.
constexpr int64_t kColumnBlock = 512;

// Runs `red` over x: out k receives init(k), every element of its group, write(k).
template <class T, class Red>
void run(const Red& red, const Tensor& x, const Plan& p) {
  using Acc = typename Red::Acc;
  const T* px = x.data_ptr<T>();
  const bool big = p.M * p.N >= kParallelGrain;
  if (p.M == 0) return;
  if (p.M == 1) {
    // Everything into one output: threads take contiguous ranges of r, merged in order.
    const int64_t chunks = big ? std::min<int64_t>(omp_get_max_threads(), p.N / 4096 + 1) : 1;
    std::vector<Acc> part(chunks, red.init(0));
    parallel_for(chunks, chunks > 1,
                 [&](int64_t c) { accumulate(red, part[c], px, p, p.N * c / chunks, p.N * (c + 1) / chunks); });
    for (int64_t c = 1; c < chunks; ++c) red.merge(part[0], part[c]);
    red.write(0, part[0]);
    return;
  }
  const bool columns = !p.rshape.empty() && p.kstride.back() == 1 && p.rstride.back() != 1;
  if (!columns) {
    // Each output's group in turn (reduced dims innermost, e.g. the last dim).
    parallel_for(p.M, big, [&](int64_t k) {
      Acc acc = red.init(k);
      accumulate(red, acc, px + offset_of(k, p.kshape, p.kstride), p, 0, p.N);
      red.write(k, acc);
    });
    return;
  }
  // The innermost kept dim is contiguous (e.g. reducing dim 0): sweep the
  // reduced elements once, updating a block of neighbouring outputs per element.
  const int64_t L = p.kshape.back(), blocks = (L + kColumnBlock - 1) / kColumnBlock, rows = p.M / L;
  const Shape oshape(p.kshape.begin(), p.kshape.end() - 1);
  const Strides ostride(p.kstride.begin(), p.kstride.end() - 1);
  const int64_t inner = p.rshape.back(), st = p.rstride.back();
  parallel_for(rows * blocks, big, [&](int64_t item) {
    const int64_t row = item / blocks, j0 = (item % blocks) * kColumnBlock, len = std::min(kColumnBlock, L - j0);
    const int64_t k0 = row * L + j0;
    const T* base = px + offset_of(row, oshape, ostride) + j0;
    std::vector<Acc> acc(len);
    for (int64_t j = 0; j < len; ++j) acc[j] = red.init(k0 + j);
    for (int64_t r = 0; r < p.N; r += inner) {
      const T* q = base + offset_of(r, p.rshape, p.rstride);
      for (int64_t i = 0; i < inner; ++i)
        for (int64_t j = 0; j < len; ++j) red.step(acc[j], q[i * st + j], r + i);
    }
    for (int64_t j = 0; j < len; ++j) red.write(k0 + j, acc[j]);
  });
}

// Σ f(q[i·st]) in double over independent partial sums: one accumulator
// would leave the loop bound by the latency of each add.
template <class T, class F>
double sum_row(const T* q, int64_t n, int64_t st, F f) {
  constexpr int64_t kLanes = 8;
  double part[kLanes] = {};
  int64_t i = 0;
  if (st == 1) {
    for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
      for (int64_t l = 0; l < kLanes; ++l) part[l] += f(q[i + l]);
    }
  }
  for (; i < n; ++i) part[0] += f(q[i * st]);
  double s = 0;
  for (double p : part) s += p;
  return s;
}

// Kernel sum/mean into a fresh tensor of `shape` (same numel as the output).
Tensor sum_kernel(const Tensor& x, const Reduction& r, const Shape& shape, bool mean);

// Group means in double, one per output (the first pass of var).
std::vector<double> group_means(const Tensor& x, const Reduction& r);

// The gradient of a reduced output, viewed with size-1 reduced dims so it broadcasts against x.
Tensor unreduce(const Tensor& g, const Shape& keep_shape);

// d mean = g / N, spread over the reduced dims; `keep`: the result's shape with those dims kept as 1.
Tensor mean_backward(const Tensor& g, const Shape& keep, const Shape& shape, double n);

}  // namespace ember::reduce_internal
