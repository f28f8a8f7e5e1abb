#include "kernels/attention_avx512.h"

#include <immintrin.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/bf16.h"

// GCC 12's own intrinsic headers trip -Wmaybe-uninitialized (their _mm512_undefined_ps
// placeholders, in reduce/roundscale/scalef); nothing here reads an uninitialized value.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Only functions marked ACT_AVX512F use AVX-512; the file compiles for the baseline ISA.
#define ACT_AVX512F __attribute__((target("avx512f")))
#define ACT_AVX512F_LAMBDA __attribute__((target("avx512f")))

namespace actcache::kernels {
namespace {

constexpr std::int64_t kKeys = 16;  // keys per zmm of scores

// exp(x) for x ≤ 0 (x = s − max), ~1 ulp: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so
// n·ln2_hi is exact), e^r by its Taylor series to r⁷ (truncation < 3e-9 relative, below fp32's
// half ulp), times 2ⁿ with scalef (which underflows to zero as expf does).
ACT_AVX512F __m512 ExpNonPositive(__m512 x) {
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);   // ln2_hi: 11 bits
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);       // ln2_lo
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// bf16 rounding of 16 lanes (round to nearest even, as RoundToBf16 for finite values; p is
// finite and non-negative here).
ACT_AVX512F __m512 RoundLanesToBf16(__m512 x) {
    const __m512i bits = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), lsb));
    return _mm512_castsi512_ps(_mm512_and_si512(rounded, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
}

// kVectors = Dh / 16, a template argument so that the P·V accumulators live in registers.
template <int kVectors>
ACT_AVX512F void AttentionRows(Precision precision, const float* q, const float* v, const float* kT,
                               std::int64_t kT_stride, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                               std::int64_t Dh, std::int64_t h, float scale, float* scores, float* out) {
    constexpr int vectors = kVectors;
    const std::int64_t kv_stride = Hkv * Dh;
    for (std::int64_t t = 0; t < T; ++t) {
        const float* q_t = q + (t * H + h) * Dh;
        const std::int64_t blocks = t / kKeys + 1;  // key blocks holding j ≤ t
        // Pass 1: scores, 16 keys per zmm, d in order; four blocks at a time so that four
        // independent FMA chains hide the FMA latency. Keys past t are masked to −inf.
        __m512 max_lanes = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
        auto finish_block = [&](std::int64_t index, __m512 dot) ACT_AVX512F_LAMBDA {
            __m512 s = _mm512_mul_ps(dot, _mm512_set1_ps(scale));
            const std::int64_t valid = t - index * kKeys + 1;
            if (valid < kKeys) {
                const __mmask16 visible = static_cast<__mmask16>((1u << valid) - 1);
                s = _mm512_mask_mov_ps(_mm512_set1_ps(-std::numeric_limits<float>::infinity()), visible, s);
            }
            _mm512_storeu_ps(scores + index * kKeys, s);
            max_lanes = _mm512_max_ps(max_lanes, s);
        };
        std::int64_t block = 0;
        for (; block + 4 <= blocks; block += 4) {
            const float* column = kT + block * kKeys;
            __m512 dot0 = _mm512_setzero_ps(), dot1 = dot0, dot2 = dot0, dot3 = dot0;
            for (std::int64_t d = 0; d < Dh; ++d) {
                const __m512 q_d = _mm512_set1_ps(q_t[d]);
                const float* row = column + d * kT_stride;
                dot0 = _mm512_fmadd_ps(q_d, _mm512_loadu_ps(row), dot0);
                dot1 = _mm512_fmadd_ps(q_d, _mm512_loadu_ps(row + 16), dot1);
                dot2 = _mm512_fmadd_ps(q_d, _mm512_loadu_ps(row + 32), dot2);
                dot3 = _mm512_fmadd_ps(q_d, _mm512_loadu_ps(row + 48), dot3);
            }
            finish_block(block, dot0);
            finish_block(block + 1, dot1);
            finish_block(block + 2, dot2);
            finish_block(block + 3, dot3);
        }
        for (; block < blocks; ++block) {
            const float* column = kT + block * kKeys;
            __m512 dot = _mm512_setzero_ps();
            for (std::int64_t d = 0; d < Dh; ++d) {
                dot = _mm512_fmadd_ps(_mm512_set1_ps(q_t[d]), _mm512_loadu_ps(column + d * kT_stride), dot);
            }
            finish_block(block, dot);
        }
        const __m512 max_score = _mm512_set1_ps(_mm512_reduce_max_ps(max_lanes));
        // Pass 2: p_j = exp(s_j − max) (masked keys: 0), summed in 16 lanes.
        __m512 sum_lanes = _mm512_setzero_ps();
        for (std::int64_t key_block = 0; key_block < blocks; ++key_block) {
            const std::int64_t valid = t - key_block * kKeys + 1;
            const __mmask16 visible = valid < kKeys ? static_cast<__mmask16>((1u << valid) - 1) : 0xFFFF;
            const __m512 s = _mm512_loadu_ps(scores + key_block * kKeys);
            const __m512 p = _mm512_maskz_mov_ps(visible, ExpNonPositive(_mm512_sub_ps(s, max_score)));
            sum_lanes = _mm512_add_ps(sum_lanes, p);
            _mm512_storeu_ps(scores + key_block * kKeys,
                             precision == Precision::kBf16 ? RoundLanesToBf16(p) : p);  // R_P
        }
        const float inverse_sum = 1.0f / _mm512_reduce_add_ps(sum_lanes);
        // Pass 3: Σ_j R_P(p_j) · v_j in two interleaved partial sums (even and odd j, each in
        // order, added at the end) so that 2·Dh/16 FMA chains hide the latency.
        __m512 even[kVectors], odd[kVectors];
#pragma GCC unroll 16
        for (int i = 0; i < vectors; ++i) even[i] = odd[i] = _mm512_setzero_ps();
        std::int64_t j = 0;
        for (; j + 1 <= t; j += 2) {
            const __m512 p0 = _mm512_set1_ps(scores[j]), p1 = _mm512_set1_ps(scores[j + 1]);
            const float* v0 = v + j * kv_stride;
            const float* v1 = v0 + kv_stride;
#pragma GCC unroll 16
            for (int i = 0; i < vectors; ++i) {
                even[i] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v0 + 16 * i), even[i]);
                odd[i] = _mm512_fmadd_ps(p1, _mm512_loadu_ps(v1 + 16 * i), odd[i]);
            }
        }
        if (j == t) {
            const __m512 p0 = _mm512_set1_ps(scores[j]);
#pragma GCC unroll 16
            for (int i = 0; i < vectors; ++i) even[i] = _mm512_fmadd_ps(p0, _mm512_loadu_ps(v + j * kv_stride + 16 * i), even[i]);
        }
        __m512 acc[kVectors];
#pragma GCC unroll 16
        for (int i = 0; i < vectors; ++i) acc[i] = _mm512_add_ps(even[i], odd[i]);
        // Pass 4: normalize by the fp32 sum, round to the output precision.
        float* out_t = out + (t * H + h) * Dh;
        for (int i = 0; i < vectors; ++i) {
            alignas(64) float lanes[16];
            _mm512_store_ps(lanes, _mm512_mul_ps(acc[i], _mm512_set1_ps(inverse_sum)));
            for (int lane = 0; lane < 16; ++lane) out_t[16 * i + lane] = RoundTo(precision, lanes[lane]);
        }
    }
}

}  // namespace

bool CpuHasAvx512F() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

void AttentionAvx512(Precision precision, const float* q, const float* k, const float* v, std::int64_t T,
                     std::int64_t H, std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end,
                     float scale, float* out) {
    const std::int64_t T_padded = (T + kKeys - 1) / kKeys * kKeys;
    // One cache line more than T_padded: with a power-of-two row stride the Dh rows read for
    // one key block would all map to the same L1 set and evict each other.
    const std::int64_t kT_stride = T_padded + kKeys;
    std::vector<float> kT(static_cast<std::size_t>(Dh * kT_stride), 0.0f);
    for (std::int64_t j = 0; j < T; ++j) {
        for (std::int64_t d = 0; d < Dh; ++d) kT[static_cast<std::size_t>(d * kT_stride + j)] = k[j * Hkv * Dh + d];
    }
    std::vector<float> scores(static_cast<std::size_t>(T_padded));
    for (std::int64_t h = h_begin; h < h_end; ++h) {
        switch (Dh / 16) {
#define ACT_ROWS(N)                                                                                     \
    case N:                                                                                             \
        AttentionRows<N>(precision, q, v, kT.data(), kT_stride, T, H, Hkv, Dh, h, scale, scores.data(), out); \
        break;
            ACT_ROWS(1) ACT_ROWS(2) ACT_ROWS(3) ACT_ROWS(4) ACT_ROWS(5) ACT_ROWS(6) ACT_ROWS(7) ACT_ROWS(8)
            ACT_ROWS(9) ACT_ROWS(10) ACT_ROWS(11) ACT_ROWS(12) ACT_ROWS(13) ACT_ROWS(14) ACT_ROWS(15) ACT_ROWS(16)
#undef ACT_ROWS
            default: break;  // excluded by AttentionAvx512Supports
        }
    }
}

}  // namespace actcache::kernels
