// Causal grouped-query attention on AVX-512 (fp32 FMA), the fast path of Backend::Attention.
//
// Scheme, per (sequence, kv head) — the group of query heads that share it reuses its keys:
//   1. K is transposed once into kT [Dh][T'] (T' = T rounded up to 16), so 16 keys' scores for
//      one query row build up in one zmm, d in order, with no horizontal sums.
//   2. For each query row t, for up to 4 query heads of the group at once (they share every
//      key and value loaded, which is what keeps the kernel off L2 bandwidth): scores
//      s_j = scale · Σ_d q_d k_jd for j ≤ t, 16 per zmm, d in order; their maximum;
//      p_j = exp(s_j − max) (a polynomial exp accurate to ~1 ulp) summed in 16 lanes; then
//      out = R(Σ_j R_P(p_j) · v_j / Σ p), j in order, Dh/16 zmm accumulators per head.
// The formulas, roundings and their order per row are those of AttentionHeadReference (two
// passes with the row's true maximum, R_P before P·V); only the fp32 summation order (16 lanes,
// fused multiply-adds) differs. A row's result depends only on its own sequence's rows ≤ t.
// Memory: kT and one row of scores per task, O(T·Dh) — never a T×T matrix.
#pragma once

#include <cstdint>

#include "kernels/precision.h"

namespace actcache::kernels {

// Whether this CPU executes AVX512F instructions.
bool CpuHasAvx512F();

// Whether AttentionAvx512 takes head dimension `Dh`: 16, 32, 64 (Llama 3.2 1B) or 128.
inline bool AttentionAvx512Supports(std::int64_t Dh) { return Dh == 16 || Dh == 32 || Dh == 64 || Dh == 128; }

// One sequence and one kv head: query heads [h_begin, h_end) of q (all of which map to this kv
// head). Layouts as Backend::Attention for a single sequence: q [T, H, Dh], k and v [T, Hkv, Dh]
// already offset to the kv head, out [T, H·Dh]. REQUIRES: CpuHasAvx512F(),
// AttentionAvx512Supports(Dh).
void AttentionAvx512(Precision precision, const float* q, const float* k, const float* v, std::int64_t T,
                     std::int64_t H, std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end,
                     float scale, float* out);

}  // namespace actcache::kernels
