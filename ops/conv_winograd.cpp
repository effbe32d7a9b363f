// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2016). In one dimension, two outputs
// of a 3-tap correlation, y_i = sum_k g_k d_(i+k), from four inputs are
//   y = At [(G g) . (Bt d)],   Bt = | 1  0 -1  0 |   G = | 1   0   0 |   At = | 1 1  1  0 |
//                                   | 0  1  1  0 |       | .5  .5  .5 |        | 0 1 -1 -1 |
//                                   | 0 -1  1  0 |       | .5 -.5  .5 |
//                                   | 0  1  0 -1 |       | 0   0   1 |
// four multiplications instead of six; nested over rows and columns, 16
// instead of 36 for a 2x2 output tile. Each of the 16 positions xi of the
// transformed 4x4 tiles is then an independent matrix product over channels:
//   M[xi](tiles, O) = V[xi](tiles, C) U[xi](C, O),  V = Bt d B,  U = G w Gt,
// and the output tile is At M A. The input gradient is the same correlation
// of dy with the weights transposed and flipped; the weight gradient is its
// adjoint: dU[xi] = V[xi]^T (A dy At)[xi], dw = Gt dU G.
//
// The transforms run on pixel-major copies (channels innermost), so each of
// a tile's 16 pixels is a contiguous run of channels and every transform is
// vector adds across 16 channels. Tiles are processed a chunk of samples at
// a time, so V and M stay in cache between the transforms and the products.
#include "ops/conv_winograd.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "autograd/threads.h"
#include "ops/conv_simd.h"

namespace ember::conv {
namespace {

constexpr int64_t kPositions = 16;  // of a transformed 4x4 tile

// A correlation out (oh x ow) = sum over channels of `in` (h x w, placed at
// (top, left) of a zero grid) correlated with 3x3 weights, cut into 2x2
// output tiles, th x tw per sample; tile (ti, tj) reads grid rows 2ti..2ti+3
// and columns 2tj..2tj+3 of the Hp x Wp grid.
struct Tiling {
  int64_t oh, ow, h, w, top, left, th, tw, Hp, Wp;
  Tiling(int64_t oh_, int64_t ow_, int64_t h_, int64_t w_, int64_t top_, int64_t left_)
      : oh(oh_), ow(ow_), h(h_), w(w_), top(top_), left(left_) {
    th = (oh + 1) / 2, tw = (ow + 1) / 2;
    Hp = 2 * th + 2, Wp = 2 * tw + 2;
  }
  int64_t tiles() const { return th * tw; }
  int64_t grid() const { return Hp * Wp; }
  // The grid row of source pixel p (row-major in h x w).
  int64_t at(int64_t p) const { return (p / w + top) * Wp + left + p % w; }
  // Output pixels of tile (ti, tj) inside oh x ow: rows and columns, 1 or 2.
  int64_t rows_in(int64_t ti) const { return std::min<int64_t>(2, oh - 2 * ti); }
  int64_t cols_in(int64_t tj) const { return std::min<int64_t>(2, ow - 2 * tj); }
  // The first pixel of tile (ti, tj) of sample n in (samples, oh, ow) outputs.
  int64_t out_at(int64_t n, int64_t ti, int64_t tj) const { return (n * oh + 2 * ti) * ow + 2 * tj; }
};

// f(tile, n, ti, tj) for every tile of `count` samples, tile = its row in V and M.
template <class F>
void for_each_tile(const Tiling& t, int64_t count, F f) {
  for (int64_t n = 0; n < count; ++n)
    for (int64_t ti = 0; ti < t.th; ++ti)
      for (int64_t tj = 0; tj < t.tw; ++tj) f((n * t.th + ti) * t.tw + tj, n, ti, tj);
}

// Buffers of one thread: pixel-major grids of a chunk's samples (zero outside
// the placed pixels and past `ins` channels), the transformed tiles V and the
// products M (kPositions blocks of `rows` tiles), pixel-major outputs.
struct Chunk {
  int64_t rows = 0, Cp = 0, Op = 0;
  std::vector<float> grid, transformed, products, out;  // grids, V, M, outputs
  std::vector<int64_t> grid_key;                        // what the grids' zeros were laid out for
};

// The calling thread's Chunk, kept between calls: a network runs the same
// convolutions again and again, and fresh buffers cost a page fault per 4 KB.
// Only placed pixels are ever written, so the grids are zeroed when the
// layout changes and not otherwise.
Chunk& thread_chunk(const Tiling& t, int64_t samples, int64_t rows, int64_t ins, int64_t outs) {
  thread_local Chunk c;
  c.rows = rows, c.Cp = round_up(ins, V), c.Op = round_up(outs, V);
  const std::vector<int64_t> key{t.Hp, t.Wp, t.top, t.left, t.h, t.w, ins, c.Cp, samples};
  if (key != c.grid_key) {
    c.grid.assign(size_t(samples * t.grid() * c.Cp), 0.0f);
    c.grid_key = key;
  }
  c.transformed.resize(size_t(kPositions * rows * c.Cp));
  c.products.resize(size_t(kPositions * rows * c.Op));
  c.out.resize(size_t(samples * t.oh * t.ow * c.Op));
  return c;
}

// Samples per chunk: about 128 tiles, so that V and M fit in L2 with room.
int64_t chunk_samples(const Tiling& t, int64_t N) { return std::clamp<int64_t>(128 / t.tiles(), 1, std::max<int64_t>(N, 1)); }

// The chunk's grids: samples n0..n0+count of src (N, ins, h, w), pixel-major.
void place_inputs(Chunk& c, const Tiling& t, const float* src, int64_t ins, int64_t n0, int64_t count) {
  for (int64_t n = 0; n < count; ++n)
    transpose(c.grid.data() + n * t.grid() * c.Cp, c.Cp, src + (n0 + n) * ins * t.h * t.w, t.h * t.w, ins, t.h * t.w,
              [&](int64_t p) { return t.at(p); });
}

// V[xi][tile][channels] = Bt d B for every tile of the chunk's `count`
// samples, d the tile's 4x4 window of the pixel-major grids.
void transform_input(Chunk& c, const Tiling& t, int64_t count) {
  const int64_t Cp = c.Cp, plane = c.rows * Cp, row = t.Wp * Cp;
  for_each_tile(t, count, [&](int64_t tile, int64_t n, int64_t ti, int64_t tj) {
    const float* d0 = c.grid.data() + (n * t.grid() + 2 * ti * t.Wp + 2 * tj) * Cp;
    float* v0 = c.transformed.data() + tile * Cp;
    for (int64_t ch = 0; ch < Cp; ch += V) {
      vf e[4][4];
      for (int j = 0; j < 4; ++j) {  // Bt d, column by column
        const float* d = d0 + j * Cp + ch;
        const vf r0 = load(d), r1 = load(d + row), r2 = load(d + 2 * row), r3 = load(d + 3 * row);
        e[0][j] = r0 - r2, e[1][j] = r1 + r2, e[2][j] = r2 - r1, e[3][j] = r1 - r3;
      }
      for (int i = 0; i < 4; ++i) {  // (Bt d) B, row by row
        float* v = v0 + i * 4 * plane + ch;
        store(v, e[i][0] - e[i][2]);
        store(v + plane, e[i][1] + e[i][2]);
        store(v + 2 * plane, e[i][2] - e[i][1]);
        store(v + 3 * plane, e[i][1] - e[i][3]);
      }
    }
  });
}

// M = V U for every position, over the first `tiles` rows: one GEMM each
// (OpenBLAS runs it on the calling thread inside a parallel region).
void multiply(Chunk& c, const float* U, int64_t ins, int64_t tiles) {
  for (int64_t xi = 0; xi < kPositions; ++xi)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(tiles), int(c.Op), int(ins), 1.0f,
                c.transformed.data() + xi * c.rows * c.Cp, int(c.Cp), U + xi * c.Cp * c.Op, int(c.Op), 0.0f,
                c.products.data() + xi * c.rows * c.Op, int(c.Op));
}

// out[sample][pixel][outputs] = At M A (+ bias) for the pixels inside oh x ow.
void transform_output(Chunk& c, const Tiling& t, int64_t count, const float* bias_padded) {
  const int64_t Op = c.Op, plane = c.rows * Op;
  for_each_tile(t, count, [&](int64_t tile, int64_t n, int64_t ti, int64_t tj) {
    const int64_t rows = t.rows_in(ti), cols = t.cols_in(tj);
    const float* m0 = c.products.data() + tile * Op;
    float* y0 = c.out.data() + t.out_at(n, ti, tj) * Op;
    for (int64_t o = 0; o < Op; o += V) {
      vf s[2][4];
      for (int j = 0; j < 4; ++j) {  // At m, column by column
        const float* m = m0 + j * plane + o;
        const vf r0 = load(m), r1 = load(m + 4 * plane), r2 = load(m + 8 * plane), r3 = load(m + 12 * plane);
        s[0][j] = r0 + r1 + r2, s[1][j] = r1 - r2 - r3;
      }
      const vf b = bias_padded ? load(bias_padded + o) : vf{};
      for (int64_t i = 0; i < rows; ++i) {  // (At m) A, row by row
        float* y = y0 + i * t.ow * Op + o;
        store(y, s[i][0] + s[i][1] + s[i][2] + b);
        if (cols == 2) store(y + Op, s[i][1] - s[i][2] - s[i][3] + b);
      }
    }
  });
}

// U[xi][c][o] = (G w(o, c) Gt)[xi], zero past `ins` and `outs`; w(o, c, p, q) reads a weight.
template <class Weight>
std::vector<float> transform_weights(int64_t outs, int64_t ins, Weight w) {
  const int64_t Cp = round_up(ins, V), Op = round_up(outs, V);
  std::vector<float> U(size_t(kPositions * Cp * Op), 0.0f);
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t c = 0; c < ins; ++c) {
      double r[4][3], u[4][4];
      for (int q = 0; q < 3; ++q) {  // G g, column by column
        const double g0 = w(o, c, 0, q), g1 = w(o, c, 1, q), g2 = w(o, c, 2, q);
        r[0][q] = g0, r[1][q] = 0.5 * (g0 + g1 + g2), r[2][q] = 0.5 * (g0 - g1 + g2), r[3][q] = g2;
      }
      for (int a = 0; a < 4; ++a) {  // (G g) Gt, row by row
        u[a][0] = r[a][0], u[a][1] = 0.5 * (r[a][0] + r[a][1] + r[a][2]);
        u[a][2] = 0.5 * (r[a][0] - r[a][1] + r[a][2]), u[a][3] = r[a][2];
      }
      for (int xi = 0; xi < kPositions; ++xi) U[size_t((xi * Cp + c) * Op + o)] = float(u[xi / 4][xi % 4]);
    }
  return U;
}

// out (N, outs, oh, ow) = the correlation of in (N, ins, h, w) with the
// transformed weights U (+ bias).
void correlate(float* out, const float* in, int64_t N, int64_t ins, int64_t outs, const std::vector<float>& U,
               const Tiling& t, const float* bias) {
  const int64_t nb = chunk_samples(t, N), chunks = (N + nb - 1) / nb, rows = nb * t.tiles();
  std::vector<float> bias_padded;
  if (bias) {
    bias_padded.assign(size_t(round_up(outs, V)), 0.0f);
    std::copy(bias, bias + outs, bias_padded.begin());
  }
  HostLockRelease unlocked;
#pragma omp parallel if (chunks > 1)
  {
    Chunk& c = thread_chunk(t, nb, rows, ins, outs);
#pragma omp for schedule(static)
    for (int64_t k = 0; k < chunks; ++k) {
      const int64_t n0 = k * nb, count = std::min(nb, N - n0), L = t.oh * t.ow;
      place_inputs(c, t, in, ins, n0, count);
      transform_input(c, t, count);
      multiply(c, U.data(), ins, count * t.tiles());
      transform_output(c, t, count, bias ? bias_padded.data() : nullptr);
      for (int64_t n = 0; n < count; ++n)
        transpose(out + (n0 + n) * outs * L, L, c.out.data() + n * L * c.Op, c.Op, L, outs, [](int64_t p) { return p; });
    }
  }
}

// The forward's correlation (x padded by p) and the input gradient's (dy
// padded by 2 - p); the weight gradient tiles the forward's output.
Tiling forward_tiling(const ConvGeom& g) { return Tiling(g.oH, g.oW, g.H, g.W, g.pH, g.pW); }
Tiling input_gradient_tiling(const ConvGeom& g) { return Tiling(g.H, g.W, g.oH, g.oW, 2 - g.pH, 2 - g.pW); }

bool winograd_applies(const ConvGeom& g) {
  if (g.G != 1 || g.kH != 3 || g.kW != 3 || g.sH != 1 || g.sW != 1 || g.dH != 1 || g.dW != 1) return false;
  // Below 32 channels the products are too short for the transforms to pay
  // (16 -> 16 on 32x32 planes ran slower than the direct kernels).
  if (g.C < 32 || g.O < 32) return false;
  // A chunk holds a whole sample's tiles: keep V and M for planes up to
  // 64x64 at 64 channels (4 MB each).
  const int64_t tiles = std::max(forward_tiling(g).tiles(), input_gradient_tiling(g).tiles());
  if (tiles * round_up(std::max(g.C, g.O), V) > 64 * 1024) return false;
  // Paddings of at most 2 on every side: then the input gradient's grid
  // (dy padded by 2 - p) crops nothing either.
  const int64_t bottom = g.oH + 2 - g.H - g.pH, right = g.oW + 2 - g.W - g.pW;
  return g.pH <= 2 && g.pW <= 2 && bottom >= 0 && bottom <= 2 && right >= 0 && right <= 2;
}

void winograd_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeom& g) {
  const auto U = transform_weights(g.O, g.C, [&](int64_t o, int64_t c, int p, int q) {
    return w[((o * g.C + c) * 3 + p) * 3 + q];
  });
  correlate(y, x, g.N, g.C, g.O, U, forward_tiling(g), bias);
}

// dx[c, i, j] = sum_{o, p, q} w[o, c, p, q] dy[o, i + pH - p, j + pW - q]: dy
// padded by 2 - p, correlated with the weights transposed and flipped.
void winograd_backward_input(float* dx, const float* dy, const float* w, const ConvGeom& g) {
  const auto U = transform_weights(g.C, g.O, [&](int64_t c, int64_t o, int p, int q) {
    return w[((o * g.C + c) * 3 + 2 - p) * 3 + 2 - q];
  });
  correlate(dx, dy, g.N, g.O, g.C, U, input_gradient_tiling(g), nullptr);
}

// M[xi][tile][outputs] = (A d At)[xi] for every tile, d the tile's 2x2
// of dy from the pixel-major c.out (zero past oh x ow).
void transform_output_gradient(Chunk& c, const Tiling& t, int64_t count) {
  const int64_t Op = c.Op, plane = c.rows * Op;
  for_each_tile(t, count, [&](int64_t tile, int64_t n, int64_t ti, int64_t tj) {
    const int64_t rows = t.rows_in(ti), cols = t.cols_in(tj);
    const float* d0 = c.out.data() + t.out_at(n, ti, tj) * Op;
    float* m0 = c.products.data() + tile * Op;
    for (int64_t o = 0; o < Op; o += V) {
      vf d[2][2] = {};
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) d[i][j] = load(d0 + (i * t.ow + j) * Op + o);
      vf e[4][2];
      for (int j = 0; j < 2; ++j)  // A d, column by column
        e[0][j] = d[0][j], e[1][j] = d[0][j] + d[1][j], e[2][j] = d[0][j] - d[1][j], e[3][j] = -d[1][j];
      for (int a = 0; a < 4; ++a) {  // (A d) At, row by row
        float* m = m0 + a * 4 * plane + o;
        store(m, e[a][0]);
        store(m + plane, e[a][0] + e[a][1]);
        store(m + 2 * plane, e[a][0] - e[a][1]);
        store(m + 3 * plane, -e[a][1]);
      }
    }
  });
}

void winograd_backward_weight(float* dw, const float* x, const float* dy, const ConvGeom& g) {
  const Tiling t = forward_tiling(g);
  const int64_t nb = chunk_samples(t, g.N), chunks = (g.N + nb - 1) / nb, rows = nb * t.tiles();
  const int64_t Cp = round_up(g.C, V), Op = round_up(g.O, V), L = g.L();
  std::vector<std::vector<float>> partial(static_cast<size_t>(omp_get_max_threads()));
  HostLockRelease unlocked;
#pragma omp parallel if (chunks > 1)
  {
    Chunk& c = thread_chunk(t, nb, rows, g.C, g.O);
    std::vector<float>& dU = partial[size_t(omp_get_thread_num())];  // (positions, Cp, Op)
    dU.assign(size_t(kPositions * Cp * Op), 0.0f);
#pragma omp for schedule(static)
    for (int64_t k = 0; k < chunks; ++k) {
      const int64_t n0 = k * nb, count = std::min(nb, g.N - n0), tiles = count * t.tiles();
      place_inputs(c, t, x, g.C, n0, count);
      for (int64_t n = 0; n < count; ++n)
        transpose(c.out.data() + n * L * Op, Op, dy + (n0 + n) * g.O * L, L, g.O, L, [](int64_t p) { return p; });
      transform_input(c, t, count);
      transform_output_gradient(c, t, count);
      for (int64_t xi = 0; xi < kPositions; ++xi)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(g.C), int(Op), int(tiles), 1.0f,
                    c.transformed.data() + xi * c.rows * Cp, int(Cp), c.products.data() + xi * c.rows * Op, int(Op), 1.0f,
                    dU.data() + xi * Cp * Op, int(Op));
    }
  }
  // dw[o, c] = Gt dU[., c, o] G with dU the threads' partials summed.
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c) {
      double d[4][4] = {}, r[3][4];
      for (const auto& dU : partial) {
        if (dU.empty()) continue;  // a thread the region did not start
        for (int xi = 0; xi < kPositions; ++xi) d[xi / 4][xi % 4] += dU[size_t((xi * Cp + c) * Op + o)];
      }
      for (int b = 0; b < 4; ++b)  // Gt dU, column by column
        r[0][b] = d[0][b] + 0.5 * (d[1][b] + d[2][b]), r[1][b] = 0.5 * (d[1][b] - d[2][b]),
        r[2][b] = 0.5 * (d[1][b] + d[2][b]) + d[3][b];
      float* out = dw + (o * g.C + c) * 9;
      for (int p = 0; p < 3; ++p) {  // (Gt dU) G, row by row
        out[p * 3] = float(r[p][0] + 0.5 * (r[p][1] + r[p][2]));
        out[p * 3 + 1] = float(0.5 * (r[p][1] - r[p][2]));
        out[p * 3 + 2] = float(0.5 * (r[p][1] + r[p][2]) + r[p][3]);
      }
    }
}

}  // namespace

const Float32Kernels* winograd_kernels(const ConvGeom& g) {
  static constexpr Float32Kernels kernels{winograd_forward, winograd_backward_input, winograd_backward_weight};
  return winograd_applies(g) ? &kernels : nullptr;
}

}  // namespace ember::conv
