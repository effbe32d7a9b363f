// Vectors of 16 floats (GCC vector extensions, no intrinsics) and the 16 x 16
// transpose that the float32 convolution kernels (ops/conv_direct.cpp,
// ops/conv_winograd.cpp) share. Internal.
#pragma once

#include <cstdint>
#include <utility>

namespace ember::conv {

constexpr int64_t V = 16;  // floats per vector: one AVX-512 register (two AVX2 ones, four SSE ones)
using vf = float __attribute__((vector_size(V * sizeof(float))));
using vf_unaligned = float __attribute__((vector_size(V * sizeof(float)), aligned(alignof(float)), may_alias));

// By reference, not by value: without AVX-512 a 64-byte vector passed or
// returned by value has a different ABI, which GCC warns about (-Wpsabi).
inline const vf_unaligned& load(const float* p) { return *reinterpret_cast<const vf_unaligned*>(p); }
inline void store(float* p, const vf& v) { *reinterpret_cast<vf_unaligned*>(p) = v; }

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// Two-vector shuffles (indices >= 16 pick from the second vector) for a
// 16 x 16 transpose in registers. __builtin_shufflevector takes its indices
// as constants, which GCC (12 on) and clang both accept; GCC's
// __builtin_shuffle with a mask vector is GCC's alone.
template <int... I>
using Lanes = std::integer_sequence<int, I...>;
using UnpackLo = Lanes<0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29>;
using UnpackHi = Lanes<2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31>;
using PairsLo = Lanes<0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29>;
using PairsHi = Lanes<2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31>;
using QuartersEven = Lanes<0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27>;
using QuartersOdd = Lanes<4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31>;

#ifdef __AVX512F__
template <int... I>
inline vf shuffle(const vf& a, const vf& b, Lanes<I...>) {
  return __builtin_shufflevector(a, b, I...);
}
#endif

/// dst[at(p) * ld + c] = src[c * ld_src + p] for c < C, p < P: rows of a
/// matrix to columns (channel-major planes to pixel-major rows, say; `at`
/// maps a source column to its destination row). 16 x 16 blocks go through
/// registers; edges element by element.
template <class At>
void transpose(float* dst, int64_t ld, const float* src, int64_t ld_src, int64_t C, int64_t P, At at) {
  int64_t c0 = 0;
#ifdef __AVX512F__
  for (; c0 + 16 <= C; c0 += 16) {
    int64_t p0 = 0;
    for (; p0 + 16 <= P; p0 += 16) {
      vf r[16], t[16];
      for (int i = 0; i < 16; ++i) r[i] = load(src + (c0 + i) * ld_src + p0);
      // The usual four rounds: interleave 32-bit elements, then 64-bit pairs,
      // then 128-bit quarters twice (unpack, shuffle_ps, shuffle_f32x4 x 2).
      for (int i = 0; i < 16; i += 2) {
        t[i] = shuffle(r[i], r[i + 1], UnpackLo{});
        t[i + 1] = shuffle(r[i], r[i + 1], UnpackHi{});
      }
      for (int i = 0; i < 16; i += 4)
        for (int k = 0; k < 2; ++k) {
          r[i + 2 * k] = shuffle(t[i + k], t[i + k + 2], PairsLo{});
          r[i + 2 * k + 1] = shuffle(t[i + k], t[i + k + 2], PairsHi{});
        }
      for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; ++i) {
          t[h + i] = shuffle(r[h + i], r[h + i + 4], QuartersEven{});
          t[h + i + 4] = shuffle(r[h + i], r[h + i + 4], QuartersOdd{});
        }
      for (int i = 0; i < 8; ++i) {
        r[i] = shuffle(t[i], t[i + 8], QuartersEven{});
        r[i + 8] = shuffle(t[i], t[i + 8], QuartersOdd{});
      }
      for (int j = 0; j < 16; ++j) store(dst + at(p0 + j) * ld + c0, r[j]);
    }
    for (; p0 < P; ++p0)
      for (int64_t c = c0; c < c0 + 16; ++c) dst[at(p0) * ld + c] = src[c * ld_src + p0];
  }
#endif
  for (; c0 < C; ++c0)
    for (int64_t p = 0; p < P; ++p) dst[at(p) * ld + c0] = src[c0 * ld_src + p];
}

}  // namespace ember::conv
