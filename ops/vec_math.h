// exp and the normal distribution for kernels, written so that loops over
// them vectorize (glibc only offers vector expf under -ffast-math, which
// would break NaN handling).
// float32 gets branch-free approximations accurate to a few ulp; float64 keeps
// the C library, since gradcheck needs every bit there.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember::vec {

// Always inlined: a call inside a loop would stop it from vectorizing.
#define EMBER_VEC_INLINE inline __attribute__((always_inline))

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
/// relative accuracy; then exp_reduced. Saturates to 0 (below about -87.7)
/// and inf (above about 88.4), keeps NaN. Needs |lo| <= 0.25.
EMBER_VEC_INLINE float exp(float hi, float lo) {
  // With hi in [-88, 88.5] and |lo| <= 0.25, n stays in [-127, 128], where
  // 2^n builds as +0 and inf at the ends: the result saturates without a
  // select on it. NaN passes these comparisons unchanged.
  hi = hi < -88.0f ? -88.0f : hi;
  hi = hi > 88.5f ? 88.5f : hi;
  float n = ((hi + lo) * kLog2e + kRoundShift) - kRoundShift;
  float r = hi - n * kLn2Hi;
  r = r + (n * kLn2Lo + lo);
  return exp_reduced(r, n);
}

/// e^x for float (about 1 ulp).
EMBER_VEC_INLINE float exp(float x) { return exp(x, 0.0f); }

inline double exp(double x) { return std::exp(x); }

/// x² = hi + lo exactly (x² finite).
EMBER_VEC_INLINE void square_split(float x, float& hi, float& lo) {
  hi = x * x;
#ifdef __FP_FAST_FMAF
  lo = std::fma(x, x, -hi);
#else
  // Without a hardware fma, split x into xh (12 significant bits for
  // |x| < 16, so xh² is exact) and x - xh: the rest, (x - xh)(x + xh), is
  // far below xh², where its own rounding no longer matters.
  float xh = ((x * 256.0f + kRoundShift) - kRoundShift) * (1.0f / 256.0f);
  hi = xh * xh;
  lo = (x - xh) * (x + xh);
#endif
}

/// erfc(z) e^(z²) / t for t = 1 / (1 + z/2), z in [0, 10] (t in [1/6, 1]):
/// smooth in t, so one polynomial fits it, to a relative 5e-8 (Lawson's
/// weighted least squares against mpmath; coefficients rounded to float).
EMBER_VEC_INLINE float erfc_scaled_poly(float t) {
  float p = -0.059761784970760345f;
  p = p * t + 0.28777754306793213f;
  p = p * t - 0.4934357702732086f;
  p = p * t + 0.2847181260585785f;
  p = p * t - 0.030855223536491394f;
  p = p * t + 0.20432090759277344f;
  p = p * t + 0.2427310198545456f;
  p = p * t + 0.2824210226535797f;
  p = p * t + 0.2820841073989868f;
  return p;
}

constexpr double kInvSqrt2Pi = 0.3989422804014327;  // 1 / sqrt(2 pi), the density at 0

/// The standard normal distribution's cdf Φ(x) and density φ(x).
template <class T>
struct NormalCdfPdf {
  T cdf, pdf;
};

/// Φ and φ for float, a few ulp everywhere: Φ(-w) = erfc(w/√2)/2 =
/// t Q(t) e^(-w²/2) / 2 with Q = erfc_scaled_poly, and w²/2 taken exactly
/// from w, not from a rounded w/√2, whose rounding error z² would magnify to
/// tens of ulp in the tail (Φ(-10) = 7.6e-24 keeps its relative accuracy).
/// The density is the same exponential. ±inf give cdf 0 and 1; NaN gives NaN.
EMBER_VEC_INLINE NormalCdfPdf<float> normal_cdf_pdf(float x) {
  float w = std::fabs(x);
  float t = 1.0f / (1.0f + float(0.5 * M_SQRT1_2) * w);
  // Φ(-14) = 8e-45 is float's last nonzero: past it w² only has to stay finite.
  float wc = w > 14.0f ? 14.0f : w;
  float h, l;
  square_split(wc, h, l);
  float density = exp(-0.5f * h, -0.5f * l);  // e^(-w²/2); halving is exact
  float tail = t * erfc_scaled_poly(t) * density * 0.5f;
  return {x < 0 ? tail : 1.0f - tail, float(kInvSqrt2Pi) * density};
}

inline NormalCdfPdf<double> normal_cdf_pdf(double x) {
  return {0.5 * std::erfc(-x * M_SQRT1_2), kInvSqrt2Pi * std::exp(-0.5 * x * x)};
}

#undef EMBER_VEC_INLINE

}  // namespace ember::vec
