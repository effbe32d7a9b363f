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

constexpr float kExpMax = 88.3762626647949f, kExpMin = -87.3365447504f;

/// 2^n e^r for |r| <= ln2/2 (and a little more): Cephes' degree-7 polynomial
/// (about 1 ulp), scaled by building 2^n's exponent bits.
EMBER_VEC_INLINE float exp_reduced(float r, float n) {
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
  return p * scale;
}

// n = x / ln2 rounded to nearest with the 1.5 * 2^23 trick: no libcall, so it
// vectorizes on any SSE level. ln2 = kLn2Hi - kLn2Lo, kLn2Hi with few bits so
// that n * kLn2Hi is exact (Cody-Waite).
constexpr float kRoundShift = 12582912.0f, kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = 2.12194440e-4f;

/// e^(hi + lo) for float with hi + lo known more precisely than one float:
/// Cody-Waite reduction hi + lo = n ln2 + r, |r| <= ln2/2, with lo joining
/// after hi's exact step, so large arguments (hi = -81, say) keep their
/// relative accuracy; then exp_reduced. Saturates to 0 and inf, keeps NaN.
/// Needs |lo| <= 2.
EMBER_VEC_INLINE float exp(float hi, float lo) {
  float x = hi + lo;
  float xc = x < kExpMin ? kExpMin : (x > kExpMax ? kExpMax : x);
  float n = (xc * kLog2e + kRoundShift) - kRoundShift;
  // Past the range r is off (and p may overflow), but the selects below
  // replace that result with 0 or inf. NaN needs no case: it flows through r and p.
  float r = hi - n * kLn2Hi;
  r = r + (n * kLn2Lo + lo);
  float y = exp_reduced(r, n);
  y = x < kExpMin ? 0.0f : y;
  return x > kExpMax ? INFINITY : y;
}

/// e^x for float (about 1 ulp).
EMBER_VEC_INLINE float exp(float x) { return exp(x, 0.0f); }

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
  // The fit's degree-9 polynomial in t by Estrin's scheme: the same
  // operations as Horner's in a chain four deep instead of nine.
  float t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
  float p01 = -1.26551223f + t * 1.00002368f, p23 = 0.37409196f + t * 0.09678418f;
  float p45 = -0.18628806f + t * 0.27886807f, p67 = -1.13520398f + t * 1.48851587f;
  float p89 = -0.82215223f + t * 0.17087277f;
  float poly = (p01 + t2 * p23) + t4 * (p45 + t2 * p67) + t8 * p89;
  // e^(-z² + poly) with z² split as zh² + (z - zh)(z + zh), zh = z rounded
  // to 8 fraction bits (12 significant bits for z < 16): zh² is exact, so
  // one exp of (-zh², the rest) keeps the tail's relative accuracy.
  float zh = ((z * 256.0f + kRoundShift) - kRoundShift) * (1.0f / 256.0f);
  float r = t * vec::exp(-zh * zh, (zh - z) * (zh + z) + poly);
  float negative = x < 0 ? 1.0f : 0.0f;  // arithmetic, not a branch: keeps the loop vectorizable
  return r + negative * (2.0f - 2.0f * r);
}

inline double erfc(double x) { return std::erfc(x); }

#undef EMBER_VEC_INLINE

}  // namespace ember::vec
