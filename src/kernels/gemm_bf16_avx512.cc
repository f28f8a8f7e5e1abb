#include "kernels/gemm_bf16_avx512.h"

#include <immintrin.h>

#include <cstring>

#include "core/bf16.h"
#include "core/check.h"

// Only the functions marked ACT_AVX512BF16 use AVX-512 instructions; the file is compiled for
// the baseline ISA, so nothing here (or an inline function it instantiates) can leak AVX-512
// code into a CPU without it.
#define ACT_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

namespace actcache::kernels {
namespace {

constexpr int kTileRows = 6;                      // rows per micro-tile
constexpr int kPanelVectors = kPanelWidth / 16;   // zmm of fp32 outputs per panel row
// k pairs per pass over a row block: 128 pairs of a panel are 32 KB, which stay in L1 while
// every tile of the row block uses them.
constexpr std::int64_t kPairBlock = 128;
// Rows per block: their fp32 partial sums (kRowBlock × 64 × 4 bytes = 96 KB) stay in L2
// between k blocks.
constexpr std::int64_t kRowBlock = 384;

// rows × 64 outputs of one panel over k pairs [pair_begin, pair_end): the fp32 sums continue
// from `partial` (unless first) and go back to it, or, after the last k block, are rounded to
// bf16 into `out`. Storing and reloading an fp32 sum is exact, so the blocking does not change
// any result.
template <int kRows>
ACT_AVX512BF16 void MicroKernel(const std::uint16_t* x_bits, std::int64_t x_stride, const std::uint16_t* panel,
                                std::int64_t pair_begin, std::int64_t pair_end, bool first, bool last,
                                float* partial, float* out, std::int64_t out_stride, std::int64_t columns) {
    __m512 acc[kRows][kPanelVectors];
#pragma GCC unroll 6
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
        for (int v = 0; v < kPanelVectors; ++v) {
            acc[r][v] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(partial + r * kPanelWidth + 16 * v);
        }
    }
    for (std::int64_t j = pair_begin; j < pair_end; ++j) {
        const std::uint16_t* b = panel + j * (2 * kPanelWidth);
        __m512bh w[kPanelVectors];
#pragma GCC unroll 4
        for (int v = 0; v < kPanelVectors; ++v) w[v] = (__m512bh)_mm512_loadu_si512(b + 32 * v);
#pragma GCC unroll 6
        for (int r = 0; r < kRows; ++r) {
            std::int32_t pair;
            std::memcpy(&pair, x_bits + r * x_stride + 2 * j, 4);
            const __m512bh x = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 4
            for (int v = 0; v < kPanelVectors; ++v) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], x, w[v]);
        }
    }
    if (!last) {
#pragma GCC unroll 6
        for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < kPanelVectors; ++v) _mm512_storeu_ps(partial + r * kPanelWidth + 16 * v, acc[r][v]);
        }
        return;
    }
    // The op's single rounding to bf16, as the scalar kernels do it.
    alignas(64) float lanes[kPanelWidth];
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
        for (int v = 0; v < kPanelVectors; ++v) _mm512_store_ps(lanes + 16 * v, acc[r][v]);
        for (std::int64_t c = 0; c < columns; ++c) out[r * out_stride + c] = Bf16ToFloat(RoundToBf16(lanes[c]));
    }
}

// Rows [0, rows) of a row block, one k block, in tiles of kTileRows (the rest in one tile).
void RowBlock(const std::uint16_t* x_bits, std::int64_t x_stride, std::int64_t rows, const std::uint16_t* panel,
              std::int64_t pair_begin, std::int64_t pair_end, bool first, bool last, float* partial, float* out,
              std::int64_t out_stride, std::int64_t columns) {
    std::int64_t m = 0;
    for (; m + kTileRows <= rows; m += kTileRows) {
        MicroKernel<kTileRows>(x_bits + m * x_stride, x_stride, panel, pair_begin, pair_end, first, last,
                               partial + m * kPanelWidth, out + m * out_stride, out_stride, columns);
    }
    const std::uint16_t* x_rest = x_bits + m * x_stride;
    float* partial_rest = partial + m * kPanelWidth;
    float* out_rest = out + m * out_stride;
#define ACT_REST_TILE(R)                                                                                      \
    MicroKernel<R>(x_rest, x_stride, panel, pair_begin, pair_end, first, last, partial_rest, out_rest, out_stride, \
                   columns)
    switch (rows - m) {
        case 5: ACT_REST_TILE(5); break;
        case 4: ACT_REST_TILE(4); break;
        case 3: ACT_REST_TILE(3); break;
        case 2: ACT_REST_TILE(2); break;
        case 1: ACT_REST_TILE(1); break;
        default: break;
    }
#undef ACT_REST_TILE
}

}  // namespace

bool CpuHasAvx512Bf16() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

PackedBf16Weight PackBf16Weight(const WeightMatrix& w) {
    ACT_CHECK(w.type == WeightType::kBf16);
    PackedBf16Weight packed;
    packed.n = w.rows;
    packed.k = w.cols;
    packed.k_pairs = (w.cols + 1) / 2;
    packed.panels = (w.rows + kPanelWidth - 1) / kPanelWidth;
    packed.data.assign(static_cast<std::size_t>(packed.panels * packed.k_pairs * 2 * kPanelWidth), 0);
    const auto* source = static_cast<const std::uint16_t*>(w.data);
    for (std::int64_t n = 0; n < w.rows; ++n) {
        const std::int64_t panel = n / kPanelWidth, column = n % kPanelWidth;
        std::uint16_t* destination = packed.data.data() + panel * packed.k_pairs * 2 * kPanelWidth + 2 * column;
        for (std::int64_t k = 0; k < w.cols; ++k) {
            std::uint16_t bits;
            std::memcpy(&bits, source + n * w.cols + k, 2);
            destination[(k / 2) * 2 * kPanelWidth + (k % 2)] = bits;
        }
    }
    return packed;
}

void PackBf16Rows(const float* x, std::int64_t M, std::int64_t K, std::uint16_t* x_bits) {
    const std::int64_t stride = 2 * ((K + 1) / 2);
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t k = 0; k < K; ++k) {
            std::uint32_t bits;
            std::memcpy(&bits, x + m * K + k, 4);
            x_bits[m * stride + k] = static_cast<std::uint16_t>(bits >> 16);  // exact: x is bf16
        }
        if (stride != K) x_bits[m * stride + K] = 0;
    }
}

void GemmBf16Avx512(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                    std::int64_t panel_begin, std::int64_t panel_end, float* y) {
    const std::int64_t x_stride = 2 * w.k_pairs;
    std::vector<float> partial(static_cast<std::size_t>(kRowBlock * kPanelWidth));
    for (std::int64_t panel = panel_begin; panel < panel_end; ++panel) {
        const std::uint16_t* panel_data = w.data.data() + panel * w.k_pairs * 2 * kPanelWidth;
        const std::int64_t column0 = panel * kPanelWidth;
        const std::int64_t columns = w.n - column0 < kPanelWidth ? w.n - column0 : kPanelWidth;
        for (std::int64_t m0 = 0; m0 < M; m0 += kRowBlock) {
            const std::int64_t rows = M - m0 < kRowBlock ? M - m0 : kRowBlock;
            for (std::int64_t j0 = 0; j0 < w.k_pairs; j0 += kPairBlock) {
                const std::int64_t j1 = w.k_pairs - j0 < kPairBlock ? w.k_pairs : j0 + kPairBlock;
                RowBlock(x_bits + m0 * x_stride, x_stride, rows, panel_data, j0, j1, j0 == 0, j1 == w.k_pairs,
                         partial.data(), y + m0 * w.n + column0, w.n, columns);
            }
        }
    }
}

}  // namespace actcache::kernels
