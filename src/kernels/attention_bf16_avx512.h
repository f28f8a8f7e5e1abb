// Causal grouped-query attention on AVX512-BF16 (vdpbf16ps), the fast path of
// Backend::Attention in Precision::kBf16 in the avx512bf16 kernel set.
//
// The row-wise scheme of attention_rows_avx512.h with attention_avx512.h's task split (one
// sequence and kv head per call, up to 4 query heads of its group at once), but every product
// is taken on bf16 pairs, two multiply-adds per lane per instruction:
//   - pass 1 reads K transposed into pairs of d: kT [Dh/2][T'] 32-bit lanes (k_j[2i], k_j[2i+1]),
//     so one zmm holds 16 keys' pair i and vdpbf16ps adds q[2i]·k[2i] + q[2i+1]·k[2i+1];
//   - pass 3 reads V in pairs of keys: [T/2][Dh] lanes (v_2m[d], v_2m+1[d]), and the row's R_P(p)
//     as bf16 pairs, so one vdpbf16ps adds p_2m·v_2m[d] + p_2m+1·v_2m+1[d].
// In Precision::kBf16 q, k, v and R_P(p) are bf16 values already, so the products are those of
// the fp32 kernel; only the fp32 summation order (pairs, then in order) differs, plus
// vdpbf16ps's flushing of denormal inputs and sums to zero (a p below 2^-126 contributes 0
// instead of under 2^-126·|v|). Memory: the pair copies of K and V, O(T·Dh) bf16.
#pragma once

#include <cstdint>

#include "kernels/precision.h"

namespace actcache::kernels {

// One sequence and one kv head, as AttentionAvx512. REQUIRES: precision == Precision::kBf16, the
// CPU runs the avx512bf16 kernel set, AttentionAvx512Supports(Dh).
void AttentionBf16Avx512(Precision precision, const float* q, const float* k, const float* v, std::int64_t T, std::int64_t H,
                         std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end, float scale,
                         float* out);

}  // namespace actcache::kernels
