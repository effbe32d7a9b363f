// Direct stride-1 convolutions in float32. A sample's input planes are copied
// once into zero-padded planes with rows Wp apart; then output pixel (i, j)
// lives at flat index l = i*Wp + j, and kernel tap (p, q) reads the input at
// l + p*dH*Wp + q*dW. Seen flat, the convolution is a 1-d correlation with
// kH*kW fixed offsets, so a vector of 16 consecutive l (crossing rows; the
// Wp - oW columns past each row's end are computed and dropped) needs one
// unaligned load per tap and channel and no im2col.
//   forward:         y  = correlate(pad(x), w)
//   input gradient:  dx = correlate(pad(dy), w transposed to (C, O) and flipped)
//   weight gradient: dw[o, c, tap] = sum over samples and l of dy_flat[o, l] * x_flat[c, l + offset(tap)]
#include "ops/conv_direct.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "autograd/threads.h"
#include "ops/conv_simd.h"

namespace ember::conv {
namespace {

// Register blocking: the correlation keeps OB output channels x RB vectors of
// pixels in 24 accumulators.
constexpr int64_t OB = 4, RB = 6;

// One flat correlation: input planes of h x w placed at (top, left) of the
// zero-padded grid (oh + dH*(kH-1)) x (ow + dW*(kW-1)), stored row after row
// Wp apart; outputs oh x ow read at l = i*Wp + j for l < Lr (oh*Wp rounded up
// to whole vectors). Rows share their zero columns where both sides are
// padded (a row's right padding is the next row's left padding), so with
// 3x3 kernels and padding 1 only one column per row is computed and dropped.
struct Flat {
  int64_t oh, ow, h, w, top, left, Hp, Wp, plane, Lr;
  std::vector<int64_t> offsets;  // one per tap, row-major over (p, q)

  Flat(int64_t oh_, int64_t ow_, int64_t h_, int64_t w_, int64_t top_, int64_t left_, const ConvGeom& g)
      : oh(oh_), ow(ow_), h(h_), w(w_), top(top_), left(left_) {
    Hp = oh + g.dH * (g.kH - 1);
    const int64_t padded_w = ow + g.dW * (g.kW - 1), right = padded_w - left - w;
    // At most the kernel's extent less one, so that output rows (ow wide) do not overlap.
    const int64_t shared = std::max<int64_t>(0, std::min({left, right, g.dW * (g.kW - 1)}));
    Wp = padded_w - shared;
    Lr = round_up(oh * Wp, V);
    // The last read of a plane is at Lr - 1 + the largest offset; the zeros
    // after the last row reach it, so no read leaves the buffer.
    plane = std::max(Hp * Wp + shared, Lr + (Hp - oh) * Wp + g.dW * (g.kW - 1));
    for (int64_t p = 0; p < g.kH; ++p)
      for (int64_t q = 0; q < g.kW; ++q) offsets.push_back(p * g.dH * Wp + q * g.dW);
  }
  // Where source pixel (r, c) goes in a plane (it must not be cropped).
  int64_t at(int64_t r, int64_t c) const { return (r + top) * Wp + left + c; }
};

// dst (plane floats) = the source plane (h x w) placed as `f` says, zeros
// elsewhere; negative top/left crop the source (then no columns are shared).
void pad_plane(float* dst, const Flat& f, const float* src) {
  std::fill(dst, dst + f.plane, 0.0f);
  const int64_t c0 = std::max<int64_t>(0, -f.left), c1 = std::min(f.w, f.Wp - f.left);
  if (c1 <= c0) return;
  for (int64_t sr = std::max<int64_t>(0, -f.top); sr < f.h && sr + f.top < f.Hp; ++sr)
    std::memcpy(dst + f.at(sr, c0), src + sr * f.w + c0, sizeof(float) * size_t(c1 - c0));
}

// Weights as blocks of OB outputs: packed[ob_block][c][tap][ob] = weight(o, c, tap),
// zero for the outputs past `outs` (their planes are computed and dropped).
template <class Weight>
std::vector<float> pack_weights(int64_t outs, int64_t ins, int64_t taps, Weight weight) {
  std::vector<float> packed(size_t(round_up(outs, OB) * ins * taps), 0.0f);
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t c = 0; c < ins; ++c)
      for (int64_t t = 0; t < taps; ++t) packed[size_t(((o / OB * ins + c) * taps + t) * OB + o % OB)] = weight(o, c, t);
  return packed;
}

// R vectors of out[ob..ob+OB, l0..] (see correlate): OB x R accumulators.
template <int64_t R>
void correlate_step(float* out, int64_t l0, const float* in, int64_t ins, const float* wblock, const Flat& f) {
  const int64_t taps = int64_t(f.offsets.size());
  const int64_t* offsets = f.offsets.data();
  vf acc[OB][R] = {};
  for (int64_t c = 0; c < ins; ++c) {
    const float* x = in + c * f.plane + l0;
    const float* w = wblock + c * taps * OB;
    for (int64_t t = 0; t < taps; ++t, w += OB) {
      vf xv[R];
#pragma GCC unroll 8
      for (int64_t r = 0; r < R; ++r) xv[r] = load(x + offsets[t] + r * V);
#pragma GCC unroll 8
      for (int64_t o = 0; o < OB; ++o) {
        const float wo = w[o];
#pragma GCC unroll 8
        for (int64_t r = 0; r < R; ++r) acc[o][r] += wo * xv[r];
      }
    }
  }
#pragma GCC unroll 8
  for (int64_t o = 0; o < OB; ++o)
#pragma GCC unroll 8
    for (int64_t r = 0; r < R; ++r) store(out + o * f.Lr + l0 + r * V, acc[o][r]);
}

// out[o, l] = sum_{c, t} packed(o, c, t) * in[c, l + offsets[t]] for every
// output o (rounded up to OB) and l < Lr; output planes are Lr apart.
void correlate(float* out, const float* in, int64_t ins, const std::vector<float>& packed, int64_t outs, const Flat& f) {
  const int64_t taps = int64_t(f.offsets.size()), full = f.Lr / (RB * V) * (RB * V);
  using Step = void (*)(float*, int64_t, const float*, int64_t, const float*, const Flat&);
  static constexpr Step tails[] = {nullptr, correlate_step<1>, correlate_step<2>, correlate_step<3>,
                                   correlate_step<4>, correlate_step<5>};
  static_assert(RB <= 6, "one tail per remainder");
  for (int64_t ob = 0; ob < outs; ob += OB) {
    const float* wblock = packed.data() + ob * ins * taps;
    float* o = out + ob * f.Lr;
    for (int64_t l0 = 0; l0 < full; l0 += RB * V) correlate_step<RB>(o, l0, in, ins, wblock, f);
    if (full < f.Lr) tails[(f.Lr - full) / V](o, full, in, ins, wblock, f);
  }
}

// dst (outs, oh, ow) = the valid columns of the flat output planes, plus bias.
void unflatten(float* dst, const float* out, int64_t outs, const Flat& f, const float* bias) {
  for (int64_t o = 0; o < outs; ++o) {
    const float b = bias ? bias[o] : 0.0f;
    for (int64_t i = 0; i < f.oh; ++i) {
      const float* src = out + o * f.Lr + i * f.Wp;
      float* row = dst + (o * f.oh + i) * f.ow;
#pragma omp simd
      for (int64_t j = 0; j < f.ow; ++j) row[j] = src[j] + b;
    }
  }
}

// Per sample: pad `ins` planes of (h x w) from src, correlate, unflatten to dst.
void correlate_batch(float* dst, const float* src, int64_t N, int64_t ins, const std::vector<float>& packed,
                     int64_t outs, const Flat& f, const float* bias) {
  HostLockRelease unlocked;
#pragma omp parallel if (N > 1)
  {
    std::vector<float> padded(size_t(ins * f.plane)), flat(size_t(round_up(outs, OB) * f.Lr));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < ins; ++c)
        pad_plane(padded.data() + c * f.plane, f, src + (n * ins + c) * f.h * f.w);
      correlate(flat.data(), padded.data(), ins, packed, outs, f);
      unflatten(dst + n * outs * f.oh * f.ow, flat.data(), outs, f, bias);
    }
  }
}

bool direct_applies(const ConvGeom& g) {
  if (g.G != 1 || g.sH != 1 || g.sW != 1 || g.is_1x1()) return false;
  // Past some 64 input channels a GEMM's blocking beats re-reading the padded
  // planes for every block of outputs; a sample's planes should sit in L2.
  const Flat f(g.oH, g.oW, g.H, g.W, g.pH, g.pW, g);
  return g.C * g.kH * g.kW <= 64 * 9 && g.O * g.kH * g.kW <= 64 * 9 && g.C * f.plane * 4 <= (1 << 20);
}

void direct_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeom& g) {
  const Flat f(g.oH, g.oW, g.H, g.W, g.pH, g.pW, g);
  const int64_t taps = g.kH * g.kW;
  const auto packed = pack_weights(g.O, g.C, taps, [&](int64_t o, int64_t c, int64_t t) { return w[(o * g.C + c) * taps + t]; });
  correlate_batch(y, x, g.N, g.C, packed, g.O, f, bias);
}

// dx[c, i, j] = sum_{o, p, q} w[o, c, p, q] dy[o, i + pH - p*dH, j + pW - q*dW]: a
// correlation of dy padded by the kernel's extent less the forward padding,
// with the taps reversed.
void direct_backward_input(float* dx, const float* dy, const float* w, const ConvGeom& g) {
  const Flat f(g.H, g.W, g.oH, g.oW, g.dH * (g.kH - 1) - g.pH, g.dW * (g.kW - 1) - g.pW, g);
  const int64_t taps = g.kH * g.kW;
  const auto packed = pack_weights(g.C, g.O, taps, [&](int64_t c, int64_t o, int64_t t) {
    return w[(o * g.C + c) * taps + (taps - 1 - t)];
  });
  correlate_batch(dx, dy, g.N, g.O, packed, g.C, f, nullptr);
}

// The weight gradient as outer products: with x and dy pixel-major (channels
// innermost), dwt[t, c, o] += dy[pixel, o] * x[pixel + offset t, c] is one
// vector load of dy per OV*16 outputs and one broadcast of x per channel, no
// lane sums and no dropped columns. A tile holds OV vectors of outputs x NC
// channels (OV*NC <= 24 accumulators) for one tap.
struct WeightTile {
  const float* xt;   // (samples, Hp*Wp, Cp): padded x, pixel-major
  const float* dyt;  // (samples, oH*oW, Op): dy, pixel-major
  int64_t samples, Cp, Op;
  const Flat* f;
};

template <int64_t OV, int64_t NC>
void weight_tile(float* dwt, const WeightTile& w, int64_t offset, int64_t c0, int64_t o0) {
  vf acc[OV][NC];
#pragma GCC unroll 8
  for (int64_t v = 0; v < OV; ++v)
#pragma GCC unroll 32
    for (int64_t k = 0; k < NC; ++k) acc[v][k] = load(dwt + (c0 + k) * w.Op + o0 + v * V);
  const Flat& f = *w.f;
  for (int64_t n = 0; n < w.samples; ++n)
    for (int64_t i = 0; i < f.oh; ++i) {
      const float* a = w.dyt + (n * f.oh + i) * f.ow * w.Op + o0;
      const float* b = w.xt + (n * f.plane + i * f.Wp + offset) * w.Cp + c0;
      for (int64_t j = 0; j < f.ow; ++j, a += w.Op, b += w.Cp) {
        vf av[OV];
#pragma GCC unroll 8
        for (int64_t v = 0; v < OV; ++v) av[v] = load(a + v * V);
#pragma GCC unroll 32
        for (int64_t k = 0; k < NC; ++k) {
          const float bk = b[k];
#pragma GCC unroll 8
          for (int64_t v = 0; v < OV; ++v) acc[v][k] += av[v] * bk;
        }
      }
    }
#pragma GCC unroll 8
  for (int64_t v = 0; v < OV; ++v)
#pragma GCC unroll 32
    for (int64_t k = 0; k < NC; ++k) store(dwt + (c0 + k) * w.Op + o0 + v * V, acc[v][k]);
}

using WeightTileFn = void (*)(float*, const WeightTile&, int64_t, int64_t, int64_t);

// The tile for OV output vectors with the fewest loads per useful FMA: a
// pixel costs OV + NC loads for OV*NC FMAs, and C is padded to a multiple of
// NC (measured: 4 vectors x 6 channels beats 4 x 4 even for C = 32 or 64).
template <int64_t OV, int64_t... NC>
WeightTileFn pick_weight_tile(int64_t C, int64_t& nc) {
  WeightTileFn best = nullptr;
  double best_cost = 0;
  for (auto [width, fn] : {std::pair<int64_t, WeightTileFn>{NC, weight_tile<OV, NC>}...}) {
    const double cost = double(OV + width) / double(OV * width) * double(round_up(C, width));
    if (!best || cost < best_cost) best = fn, nc = width, best_cost = cost;
  }
  return best;
}

void direct_backward_weight(float* dw, const float* x, const float* dy, const ConvGeom& g) {
  const Flat f(g.oH, g.oW, g.H, g.W, g.pH, g.pW, g);
  const int64_t taps = g.kH * g.kW, Op = round_up(g.O, V), vectors = Op / V;
  const int64_t ov = vectors % 4 == 0 ? 4 : vectors % 3 == 0 ? 3 : vectors % 2 == 0 ? 2 : 1;
  int64_t nc = 1;
  const WeightTileFn tile = ov == 4   ? pick_weight_tile<4, 6, 4, 1>(g.C, nc)
                            : ov == 3 ? pick_weight_tile<3, 8, 4, 1>(g.C, nc)
                            : ov == 2 ? pick_weight_tile<2, 12, 8, 4, 1>(g.C, nc)
                                      : pick_weight_tile<1, 24, 16, 8, 4, 1>(g.C, nc);
  const int64_t Cp = round_up(g.C, nc);
  // Samples per pass: enough that the pass's pixel-major copies stay in L2
  // while every tile runs over them.
  const int64_t per_sample = (f.plane * Cp + g.L() * Op) * int64_t(sizeof(float));
  const int64_t nb = std::clamp<int64_t>((512 << 10) / per_sample, 1, std::max<int64_t>(g.N, 1));
  std::vector<std::vector<float>> partial(static_cast<size_t>(omp_get_max_threads()));
  HostLockRelease unlocked;
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t n_begin = g.N * id / threads, n_end = g.N * (id + 1) / threads;
    std::vector<float> xt(size_t(nb * f.plane * Cp)), dyt(size_t(nb * g.L() * Op));
    std::vector<float>& dwt = partial[size_t(id)];  // (taps, Cp, Op)
    dwt.assign(size_t(taps * Cp * Op), 0.0f);
    for (int64_t n0 = n_begin; n0 < n_end; n0 += nb) {
      const int64_t count = std::min(nb, n_end - n0);
      // Pixel-major copies. Borders, padded channels and padded outputs are
      // never written, so they keep the buffers' initial zeros and add nothing.
      for (int64_t n = 0; n < count; ++n) {
        // The forward's paddings are >= 0: no source pixel is cropped.
        transpose(xt.data() + n * f.plane * Cp, Cp, x + (n0 + n) * g.C * g.H * g.W, g.H * g.W, g.C, g.H * g.W,
                  [&](int64_t p) { return f.at(p / g.W, p % g.W); });
        transpose(dyt.data() + n * g.L() * Op, Op, dy + (n0 + n) * g.O * g.L(), g.L(), g.O, g.L(),
                  [](int64_t p) { return p; });
      }
      const WeightTile w{xt.data(), dyt.data(), count, Cp, Op, &f};
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t c0 = 0; c0 < Cp; c0 += nc)
          for (int64_t o0 = 0; o0 < Op; o0 += ov * V) tile(dwt.data() + t * Cp * Op, w, f.offsets[size_t(t)], c0, o0);
    }
  }
  // dw[o, c, t] = the threads' dwt[t, c, o] summed.
  std::fill(dw, dw + g.O * g.C * taps, 0.0f);
  for (const auto& dwt : partial) {
    if (dwt.empty()) continue;  // a thread the region did not start
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t t = 0; t < taps; ++t) dw[(o * g.C + c) * taps + t] += dwt[size_t((t * Cp + c) * Op + o)];
  }
}

}  // namespace

const Float32Kernels* direct_kernels(const ConvGeom& g) {
  static constexpr Float32Kernels kernels{direct_forward, direct_backward_input, direct_backward_weight};
  return direct_applies(g) ? &kernels : nullptr;
}

}  // namespace ember::conv
