#include "kernels/attention_bf16_avx512.h"

#include <immintrin.h>

#include <cstring>
#include <limits>
#include <vector>

#include "kernels/attention_rows_avx512.h"

// Only functions marked ACT_AVX512BF16 use AVX-512; the file compiles for the baseline ISA.
#define ACT_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

namespace actcache::kernels {
namespace {

using attention::kKeys;

// The bf16 bits of a bf16-valued float.
inline std::uint32_t Bf16Bits(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, 4);
    return bits >> 16;
}

// Two bf16-valued floats as one 32-bit pair lane, `low` in the low half.
inline std::uint32_t PairOf(float low, float high) { return Bf16Bits(low) | (Bf16Bits(high) << 16); }

struct Bf16Kernel {
    // Query heads [h0, h0 + kHeads) of one kv head, every row t; kVectors = Dh / 16.
    // kT [Dh/2][kT_stride] and v_pairs [T/2][Dh] pair lanes; scores fp32 and probabilities bf16
    // bits, [kHeads][scores_stride] each.
    template <int kHeads, int kVectors>
    ACT_AVX512BF16 static void Rows(const float* q, const std::uint32_t* v_pairs, const std::uint32_t* kT,
                                    std::int64_t kT_stride, std::int64_t T, std::int64_t H, std::int64_t h0,
                                    float scale, float* scores, std::uint16_t* probabilities,
                                    std::int64_t scores_stride, float* out) {
        constexpr std::int64_t Dh = 16 * kVectors;
        constexpr std::int64_t kDimPairs = Dh / 2;
        for (std::int64_t t = 0; t < T; ++t) {
            std::uint32_t q_pairs[kHeads][kDimPairs];
            for (int g = 0; g < kHeads; ++g) {
                const float* q_g = q + (t * H + h0 + g) * Dh;
                for (std::int64_t i = 0; i < kDimPairs; ++i) q_pairs[g][i] = PairOf(q_g[2 * i], q_g[2 * i + 1]);
            }
            const std::int64_t blocks = t / kKeys + 1;  // key blocks holding j ≤ t
            // Pass 1: scores, 16 keys per zmm, d pairs in order, up to two key blocks × kHeads heads at a time.
            __m512 max_lanes[kHeads];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) max_lanes[g] = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
            for (std::int64_t block = 0; block < blocks; block += 2) {
                const bool two = block + 1 < blocks;
                const std::uint32_t* column = kT + block * kKeys;
                __m512 dot0[kHeads], dot1[kHeads];
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) dot0[g] = dot1[g] = _mm512_setzero_ps();
                for (std::int64_t i = 0; i < kDimPairs; ++i) {
                    const __m512bh k0 = (__m512bh)_mm512_loadu_si512(column + i * kT_stride);
                    const __m512bh k1 = (__m512bh)_mm512_loadu_si512(column + i * kT_stride + kKeys);
#pragma GCC unroll 4
                    for (int g = 0; g < kHeads; ++g) {
                        const __m512bh q_i = (__m512bh)_mm512_set1_epi32(static_cast<int>(q_pairs[g][i]));
                        dot0[g] = _mm512_dpbf16_ps(dot0[g], q_i, k0);
                        dot1[g] = _mm512_dpbf16_ps(dot1[g], q_i, k1);
                    }
                }
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) {
                    attention::FinishScores(dot0[g], scale, t, block, scores + g * scores_stride, max_lanes[g]);
                    if (two) {
                        attention::FinishScores(dot1[g], scale, t, block + 1, scores + g * scores_stride, max_lanes[g]);
                    }
                }
            }
            // Pass 2, per head: R_P(p) as bf16 bits.
            float inverse_sum[kHeads];
            for (int g = 0; g < kHeads; ++g) {
                std::uint16_t* probabilities_g = probabilities + g * scores_stride;
                inverse_sum[g] = attention::SoftmaxRow(
                    Precision::kBf16, scores + g * scores_stride, t, blocks, max_lanes[g],
                    [&](std::int64_t b, __m512 p) ACT_AVX512BF16 {
                        const __m512i bits = _mm512_srli_epi32(_mm512_castps_si512(p), 16);
                        _mm256_storeu_si256(reinterpret_cast<__m256i*>(probabilities_g + b * kKeys),
                                            _mm512_cvtepi32_epi16(bits));
                    });
            }
            // Pass 3: Σ_j R_P(p_j) · v_j over key pairs in order, each pair of values loaded once
            // for the kHeads heads. Keys past t have p = 0.
            __m512 acc[kHeads][kVectors];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) {
#pragma GCC unroll 16
                for (int i = 0; i < kVectors; ++i) acc[g][i] = _mm512_setzero_ps();
            }
            for (std::int64_t m = 0; 2 * m <= t; ++m) {
                const std::uint32_t* v_m = v_pairs + m * Dh;
                __m512bh v_vectors[kVectors];
#pragma GCC unroll 16
                for (int i = 0; i < kVectors; ++i) v_vectors[i] = (__m512bh)_mm512_loadu_si512(v_m + 16 * i);
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) {
                    std::int32_t p_pair;
                    std::memcpy(&p_pair, probabilities + g * scores_stride + 2 * m, 4);
                    const __m512bh p = (__m512bh)_mm512_set1_epi32(p_pair);
#pragma GCC unroll 16
                    for (int i = 0; i < kVectors; ++i) acc[g][i] = _mm512_dpbf16_ps(acc[g][i], p, v_vectors[i]);
                }
            }
            // Pass 4.
            for (int g = 0; g < kHeads; ++g) {
                attention::StoreOutputRow<kVectors>(Precision::kBf16, acc[g], inverse_sum[g],
                                                    out + (t * H + h0 + g) * Dh);
            }
        }
    }
};

}  // namespace

void AttentionBf16Avx512(Precision precision, const float* q, const float* k, const float* v, std::int64_t T,
                         std::int64_t H, std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end,
                         float scale, float* out) {
    ACT_CHECK(precision == Precision::kBf16);
    const std::int64_t T_padded = (T + kKeys - 1) / kKeys * kKeys;
    // One cache line more than T_padded, so that the rows read for one key block do not all
    // map to the same L1 set.
    const std::int64_t kT_stride = T_padded + kKeys;
    const std::int64_t kv_stride = Hkv * Dh;
    std::vector<std::uint32_t> kT(static_cast<std::size_t>(Dh / 2 * kT_stride), 0);
    for (std::int64_t j = 0; j < T; ++j) {
        for (std::int64_t i = 0; i < Dh / 2; ++i) {
            kT[static_cast<std::size_t>(i * kT_stride + j)] = PairOf(k[j * kv_stride + 2 * i], k[j * kv_stride + 2 * i + 1]);
        }
    }
    const std::int64_t key_pairs = (T + 1) / 2;
    std::vector<std::uint32_t> v_pairs(static_cast<std::size_t>(key_pairs * Dh));
    for (std::int64_t m = 0; m < key_pairs; ++m) {
        const float* v_even = v + 2 * m * kv_stride;
        for (std::int64_t d = 0; d < Dh; ++d) {
            const float odd = 2 * m + 1 < T ? v_even[kv_stride + d] : 0.0f;
            v_pairs[static_cast<std::size_t>(m * Dh + d)] = PairOf(v_even[d], odd);
        }
    }
    const std::int64_t vectors = Dh / 16;
    const int heads = attention::HeadsPerCall(h_end - h_begin, vectors);
    std::vector<float> scores(static_cast<std::size_t>(heads * T_padded));
    std::vector<std::uint16_t> probabilities(static_cast<std::size_t>(heads * T_padded));
    for (std::int64_t h = h_begin; h < h_end; h += heads) {
        attention::DispatchRows<Bf16Kernel>(heads, vectors, q, v_pairs.data(), kT.data(), kT_stride, T, H, h, scale,
                                            scores.data(), probabilities.data(), T_padded, out);
    }
}

}  // namespace actcache::kernels
