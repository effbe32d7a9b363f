// Helpers shared by ops/index.cpp (x[...], index_put) and ops/index_scatter.cpp
// (index_select, index_add, gather, scatter): reading an index tensor's
// positions and walking the rows they pick. Internal.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "ops/parallel.h"

namespace ember::index_internal {

template <class V>
V erase_range(V v, int64_t start, int64_t count) {
  v.erase(v.begin() + start, v.begin() + start + count);
  return v;
}

// The values of an int64 index, each checked against `size`; `wrap` lets
// negative values count from the end, as Python indexing does.
std::vector<int64_t> read_positions(const Tensor& index, int64_t size, bool wrap, const char* op, int64_t dim);

// Element offsets of a tensor of `shape`/`strides`, in row-major order.
std::vector<int64_t> element_offsets(const Shape& shape, const Strides& strides);

// Pairs row k of `a` (starting at a_rows[k]) with row k of `b`; a row is every
// element of the dims left over by the indexing (rest_shape, with each
// tensor's strides), and f(a_elem, b_elem) runs on each pair. `a` is written:
// rows may run in parallel only when no two a_rows coincide.
template <class T, class U, class F>
void for_row_pairs(T* a, const std::vector<int64_t>& a_rows, const Strides& a_rest, U* b,
                   const std::vector<int64_t>& b_rows, const Strides& b_rest, const Shape& rest_shape,
                   bool parallel, F f) {
  // Coalesce the rest dims both tensors walk as one, then loop the last with its strides.
  Shape dims;
  Strides sa, sb;
  for (size_t d = 0; d < rest_shape.size(); ++d) {
    if (rest_shape[d] == 1) continue;
    if (!dims.empty() && sa.back() == a_rest[d] * rest_shape[d] && sb.back() == b_rest[d] * rest_shape[d]) {
      dims.back() *= rest_shape[d];
      sa.back() = a_rest[d];
      sb.back() = b_rest[d];
    } else {
      dims.push_back(rest_shape[d]);
      sa.push_back(a_rest[d]);
      sb.push_back(b_rest[d]);
    }
  }
  int64_t len = 1, ia = 0, ib = 0;
  if (!dims.empty()) {
    len = dims.back();
    ia = sa.back();
    ib = sb.back();
    dims.pop_back();
    sa.pop_back();
    sb.pop_back();
  }
  std::vector<int64_t> ao = element_offsets(dims, sa), bo = element_offsets(dims, sb);
  int64_t n = int64_t(a_rows.size()), m = int64_t(ao.size());
  parallel_for(n, parallel && n * m * len >= kParallelGrain, [&](int64_t k) {
    for (int64_t r = 0; r < m; ++r) {
      T* ra = a + a_rows[k] + ao[r];
      U* rb = b + b_rows[k] + bo[r];
      if (ia == 1 && ib == 1) {
        for (int64_t i = 0; i < len; ++i) f(ra[i], rb[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) f(ra[i * ia], rb[i * ib]);
      }
    }
  });
}

}  // namespace ember::index_internal
