// The avx2 GEMM kernel (gemm_bf16.h): bf16 widened to fp32 in registers, two FMAs per k pair.
//
// Tile: up to kTileRows = 4 rows × the panel's 64 columns, computed as four column groups of
// 16 (AVX2 has 16 ymm registers, too few for 64 columns at once). Per group, 4 rows × 2 ymm
// accumulators (8 registers) + the group's pairs widened to 2 even-k and 2 odd-k vectors + one
// row's widened input (2): 14 registers. For each k pair of the group's slice of the panel, the
// even-k products are added first, then the odd-k ones — the scalar reference's order.
//
// Only Tile uses AVX2/FMA instructions; the file is otherwise compiled for the baseline ISA.
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm_bf16.h"
#include "kernels/gemm_bf16_blocking.h"

#define ACT_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline
#define ACT_AVX2_KERNEL __attribute__((target("avx2,fma")))

namespace actcache::kernels {
namespace {

constexpr int kGroupColumns = 16;
constexpr int kGroupVectors = kGroupColumns / 8;  // ymm of fp32 outputs per group row

// bf16 → fp32 is the bf16 bits in the high half of the fp32 word (even k low, odd k high).
ACT_AVX2 __m256 EvenHalf(__m256i pairs) { return _mm256_castsi256_ps(_mm256_slli_epi32(pairs, 16)); }
ACT_AVX2 __m256 OddHalf(__m256i pairs) {
    return _mm256_castsi256_ps(_mm256_and_si256(pairs, _mm256_set1_epi32(static_cast<std::int32_t>(0xFFFF0000u))));
}

struct Avx2Kernel {
    static constexpr int kTileRows = 4;

    template <int kRows>
    ACT_AVX2_KERNEL static void Tile(const gemm::TileJob& job) {
        alignas(32) float sums[kPanelWidth];
        for (int group = 0; group < kPanelWidth / kGroupColumns; ++group) {
            const int column0 = group * kGroupColumns;
            __m256 acc[kRows][kGroupVectors];
#pragma GCC unroll 4
            for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 2
                for (int v = 0; v < kGroupVectors; ++v) {
                    acc[r][v] = job.first ? _mm256_setzero_ps()
                                          : _mm256_loadu_ps(job.partial + r * kPanelWidth + column0 + 8 * v);
                }
            }
            for (std::int64_t j = job.pair_begin; j < job.pair_end; ++j) {
                const std::uint16_t* pairs = job.panel + j * (2 * kPanelWidth) + 2 * column0;
                __m256 w_even[kGroupVectors], w_odd[kGroupVectors];
#pragma GCC unroll 2
                for (int v = 0; v < kGroupVectors; ++v) {
                    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs + 16 * v));
                    w_even[v] = EvenHalf(w);
                    w_odd[v] = OddHalf(w);
                }
#pragma GCC unroll 4
                for (int r = 0; r < kRows; ++r) {
                    std::int32_t pair;
                    std::memcpy(&pair, job.x_bits + r * job.x_stride + 2 * j, 4);
                    const __m256i x = _mm256_set1_epi32(pair);
                    const __m256 x_even = EvenHalf(x), x_odd = OddHalf(x);
#pragma GCC unroll 2
                    for (int v = 0; v < kGroupVectors; ++v) {
                        acc[r][v] = _mm256_fmadd_ps(x_odd, w_odd[v], _mm256_fmadd_ps(x_even, w_even[v], acc[r][v]));
                    }
                }
            }
            for (int r = 0; r < kRows; ++r) {
                float* row_sums = job.last ? sums : job.partial + r * kPanelWidth;
#pragma GCC unroll 2
                for (int v = 0; v < kGroupVectors; ++v) _mm256_storeu_ps(row_sums + column0 + 8 * v, acc[r][v]);
                if (job.last) StoreGroup(sums + column0, column0, job, r);
            }
        }
    }

    // The rounded outputs of one row's column group, within the panel's valid columns.
    static void StoreGroup(const float* group_sums, int column0, const gemm::TileJob& job, int r) {
        const std::int64_t columns = job.columns - column0 < kGroupColumns ? job.columns - column0 : kGroupColumns;
        if (columns > 0) gemm::StoreRoundedRow(group_sums, columns, job.out + r * job.out_stride + column0);
    }
};

}  // namespace

void GemmBf16Avx2(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w, std::int64_t panel_begin,
                  std::int64_t panel_end, float* y) {
    gemm::GemmPanels<Avx2Kernel>(x_bits, M, w, panel_begin, panel_end, y);
}

}  // namespace actcache::kernels
