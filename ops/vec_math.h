// exp and erfc for kernels, written so that loops over them vectorize (glibc
// only offers vector expf under -ffast-math, which would break NaN handling).
// float32 gets branch-free approximations accurate to a few ulp; float64 keeps
// the C library, since gradcheck needs every bit there.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember::vec {

/// e^x for float: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then
/// Cephes' degree-7 polynomial (about 1 ulp); saturates to 0 and inf, keeps NaN.
inline float exp(float x) {
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
  y = x > kMax ? INFINITY : y;
  return x != x ? x : y;
}

inline double exp(double x) { return std::exp(x); }

/// erfc for float: Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7
/// everywhere), with erfc(-z) = 2 - erfc(z); accurate in the tails where 1 - erf
/// cancels (a few ulp up to x = 9, where erfc is 4e-37).
inline float erfc(float x) {
  float z = x < 0 ? -x : x;
  z = z > 12.0f ? 12.0f : z;  // erfc(12) underflows float already
  float t = 1.0f / (1.0f + 0.5f * z);
  float poly = -1.26551223f +
               t * (1.00002368f +
                    t * (0.37409196f +
                         t * (0.09678418f +
                              t * (-0.18628806f +
                                   t * (0.27886807f +
                                        t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  // e^(-z²) with z² split as zh² + (z - zh)(z + zh), zh = z cut to 8 fraction
  // bits (12 significant bits for z < 16): zh² is exact, so the tail keeps its
  // relative accuracy.
  float zh = float(int32_t(z * 256.0f)) * (1.0f / 256.0f);
  float r = t * vec::exp(-zh * zh) * vec::exp((zh - z) * (zh + z) + poly);
  return x < 0 ? 2.0f - r : r;
}

inline double erfc(double x) { return std::erfc(x); }

}  // namespace ember::vec
