// The avx512bf16 and avx512 GEMM kernels (gemm_bf16.h): one micro-kernel, two ways of
// multiplying a k pair.
//
// Tile: up to kTileRows rows × the panel's 64 columns, in kRows × 4 zmm fp32 accumulators. For
// each k pair the kernel loads the panel's 4 zmm of pairs (16 columns × 2 bf16 each) once and
// reuses them for every row of the tile; each row contributes one broadcast of its own pair.
//  - Bf16DotPairs (avx512bf16): vdpbf16ps adds both products of the pair per lane. 6 rows:
//    24 accumulators + 4 weight registers + 1 broadcast; 10 loads per 24 vdpbf16ps.
//  - WidenedFmaPairs (avx512): the pairs are split into fp32 even-k and odd-k vectors (a shift
//    left by 16 for the low half, a mask for the high half) and added with two FMAs, even k
//    first. 4 rows: 16 accumulators + 8 widened weights + 2 widened inputs.
//
// Only functions marked ACT_AVX512 use AVX-512, and none of them uses an AVX512-BF16 instruction
// except the one inline `vdpbf16ps` of Bf16DotPairs, which runs only where the CPU has it. The
// file is otherwise compiled for the baseline ISA, so nothing here leaks AVX-512 into a CPU
// without it.
#include <cstring>

#include "kernels/avx512_math.h"  // also: GCC 12's intrinsic-header warnings, silenced
#include "kernels/gemm_bf16.h"
#include "kernels/gemm_bf16_blocking.h"

#define ACT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline
#define ACT_AVX512_KERNEL __attribute__((target("avx512f,avx512bw,avx512vl")))

namespace actcache::kernels {
namespace {

constexpr int kPanelVectors = kPanelWidth / 16;  // zmm of fp32 outputs per panel row

// The k pair j of one row, both bf16 values in one 32-bit lane (even k low).
inline std::int32_t RowPair(const std::uint16_t* row, std::int64_t j) {
    std::int32_t pair;
    std::memcpy(&pair, row + 2 * j, 4);
    return pair;
}

struct Bf16DotPairs {
    static constexpr int kTileRows = 6;
    using Weight = __m512i;  // 16 columns' pairs
    using Input = __m512i;   // one row's pair in every lane

    ACT_AVX512 static Weight Load(const std::uint16_t* pairs) { return _mm512_loadu_si512(pairs); }
    ACT_AVX512 static Input Broadcast(std::int32_t pair) { return _mm512_set1_epi32(pair); }
    ACT_AVX512 static __m512 Accumulate(__m512 acc, Input x, Weight w) {
        // acc += x.even · w.even + x.odd · w.odd per lane (the AVX512-BF16 instruction, written
        // out so that no other code in this file is compiled for AVX512-BF16).
        asm("vdpbf16ps %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
        return acc;
    }
};

struct WidenedFmaPairs {
    static constexpr int kTileRows = 4;
    struct Weight {  // 16 columns' pairs as fp32
        __m512 even, odd;
    };
    using Input = Weight;  // one row's pair, each half in every lane

    // bf16 → fp32 is the bf16 bits in the high half of the fp32 word.
    ACT_AVX512 static Weight Widen(__m512i pairs) {
        return {_mm512_castsi512_ps(_mm512_slli_epi32(pairs, 16)),
                _mm512_castsi512_ps(_mm512_and_si512(pairs, _mm512_set1_epi32(static_cast<std::int32_t>(0xFFFF0000u))))};
    }
    ACT_AVX512 static Weight Load(const std::uint16_t* pairs) { return Widen(_mm512_loadu_si512(pairs)); }
    ACT_AVX512 static Input Broadcast(std::int32_t pair) { return Widen(_mm512_set1_epi32(pair)); }
    ACT_AVX512 static __m512 Accumulate(__m512 acc, const Input& x, const Weight& w) {
        return _mm512_fmadd_ps(x.odd, w.odd, _mm512_fmadd_ps(x.even, w.even, acc));
    }
};

template <class Pairs>
struct Avx512Kernel {
    static constexpr int kTileRows = Pairs::kTileRows;

    template <int kRows>
    ACT_AVX512_KERNEL static void Tile(const gemm::TileJob& job) {
        __m512 acc[kRows][kPanelVectors];
#pragma GCC unroll 6
        for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < kPanelVectors; ++v) {
                acc[r][v] = job.first ? _mm512_setzero_ps() : _mm512_loadu_ps(job.partial + r * kPanelWidth + 16 * v);
            }
        }
        for (std::int64_t j = job.pair_begin; j < job.pair_end; ++j) {
            const std::uint16_t* pairs = job.panel + j * (2 * kPanelWidth);
            typename Pairs::Weight w[kPanelVectors];
#pragma GCC unroll 4
            for (int v = 0; v < kPanelVectors; ++v) w[v] = Pairs::Load(pairs + 32 * v);
#pragma GCC unroll 6
            for (int r = 0; r < kRows; ++r) {
                const typename Pairs::Input x = Pairs::Broadcast(RowPair(job.x_bits + r * job.x_stride, j));
#pragma GCC unroll 4
                for (int v = 0; v < kPanelVectors; ++v) acc[r][v] = Pairs::Accumulate(acc[r][v], x, w[v]);
            }
        }
        alignas(64) float sums[kPanelWidth];
        for (int r = 0; r < kRows; ++r) {
            float* row_sums = job.last ? sums : job.partial + r * kPanelWidth;
#pragma GCC unroll 4
            for (int v = 0; v < kPanelVectors; ++v) _mm512_storeu_ps(row_sums + 16 * v, acc[r][v]);
            if (job.last) gemm::StoreRoundedRow(sums, job.columns, job.out + r * job.out_stride);
        }
    }
};

}  // namespace

void GemmBf16Avx512Bf16(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                        std::int64_t panel_begin, std::int64_t panel_end, float* y) {
    gemm::GemmPanels<Avx512Kernel<Bf16DotPairs>>(x_bits, M, w, panel_begin, panel_end, y);
}

void GemmBf16Avx512(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                    std::int64_t panel_begin, std::int64_t panel_end, float* y) {
    gemm::GemmPanels<Avx512Kernel<WidenedFmaPairs>>(x_bits, M, w, panel_begin, panel_end, y);
}

}  // namespace actcache::kernels
