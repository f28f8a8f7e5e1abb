// Causal grouped-query attention on AVX2 (fp32 FMA), the avx2 set's Backend::Attention.
//
// attention_rows_avx512.h's row-wise scheme on 8-lane vectors: per query row t of one sequence
// and kv head, for up to 4 query heads of the group at once, pass 1 builds 8 keys' scores per
// ymm from K transposed to kT [Dh][T'] (d in order, fused multiply-adds) and their maximum;
// pass 2 p = exp(s − max) (ExpAvx2) summed in 8 lanes, stored as R_P(p); pass 3 Σ_j R_P(p_j)·v_j
// in key order, one head at a time (AVX2's 16 registers hold one head's Dh/8 accumulators);
// pass 4 out = R(that / Σ p). Formulas and roundings are AttentionHeadReference's; only the
// fp32 summation order differs. Memory: kT and a row of scores per head, O(T·Dh).
#pragma once

#include <cstdint>

#include "kernels/precision.h"

namespace actcache::kernels {

// Whether AttentionAvx2 takes head dimension `Dh`: 16, 32, 64 (Llama 3.2 1B) or 128.
inline bool AttentionAvx2Supports(std::int64_t Dh) { return Dh == 16 || Dh == 32 || Dh == 64 || Dh == 128; }

// One sequence and one kv head, layouts as AttentionAvx512 (attention_avx512.h). REQUIRES: the
// CPU runs the avx2 kernel set, AttentionAvx2Supports(Dh).
void AttentionAvx2(Precision precision, const float* q, const float* k, const float* v, std::int64_t T,
                   std::int64_t H, std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end,
                   float scale, float* out);

}  // namespace actcache::kernels
