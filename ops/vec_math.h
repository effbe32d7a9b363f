// exp and erfc for kernels, written so that loops over them vectorize (glibc
// only offers vector expf under -ffast-math, which would break NaN handling).
// float32 gets branch-free approximations accurate to a few ulp; float64 keeps
// the C library, since gradcheck needs every bit there.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember::vec {

// Always inlined: a call inside a loop would stop it from vectorizing.
#define EMBER_VEC_INLINE inline __attribute__((always_inline))

/// e^x for float: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then
/// Cephes' degree-7 polynomial (about 1 ulp); saturates to 0 and inf, keeps NaN.
EMBER_VEC_INLINE float exp(float x) {
  constexpr float kMax = 88.3762626647949f, kMin = -87.3365447504f;
  float xc = x < kMin ? kMin : (x > kMax ? kMax : x);
  // Round to nearest with the 1.5 * 2^23 trick: no libcall, so it vectorizes on any SSE level.
  constexpr float kShift = 12582912.0f;
  float n = (xc * 1.44269504088896341f + kShift) - kShift;
  float r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float y = p * scale;
  y = x < kMin ? 0.0f : y;
  return x > kMax ? INFINITY : y;  // NaN needs no case: it flows through r and p
}

inline double exp(double x) { return std::exp(x); }

/// erfc for float: Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7
/// everywhere), with erfc(-z) = 2 - erfc(z); accurate in the tails where 1 - erf
/// cancels (a few ulp up to x = 9, where erfc is 4e-37). ±inf gives NaN, as
/// does gelu(-inf) in PyTorch.
EMBER_VEC_INLINE float erfc(float x) {
  // No clamp on z (a select here stops GCC vectorizing the loop): huge z just
  // drives both exponentials to 0.
  float z = std::fabs(x);
  float t = 1.0f / (1.0f + 0.5f * z);
  float poly = -1.26551223f +
               t * (1.00002368f +
                    t * (0.37409196f +
                         t * (0.09678418f +
                              t * (-0.18628806f +
                                   t * (0.27886807f +
                                        t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  // e^(-z²) with z² split as zh² + (z - zh)(z + zh), zh = z rounded to 8
  // fraction bits (the 1.5 * 2^23 trick; 12 significant bits for z < 16): zh² is
  // exact, so the tail keeps its relative accuracy.
  constexpr float kShift = 12582912.0f;
  float zh = ((z * 256.0f + kShift) - kShift) * (1.0f / 256.0f);
  float r = t * vec::exp(-zh * zh) * vec::exp((zh - z) * (zh + z) + poly);
  float negative = x < 0 ? 1.0f : 0.0f;  // arithmetic, not a branch: keeps the loop vectorizable
  return r + negative * (2.0f - 2.0f * r);
}

inline double erfc(double x) { return std::erfc(x); }

#undef EMBER_VEC_INLINE

}  // namespace ember::vec
