// Causal grouped-query attention on the GPU in the flash-attention style (tiles in shared
// memory, online softmax in fp32, tensor-core products, no T×T matrix in memory), in the
// numerics of kernels/backend.h's bf16 mode (reference/llama32-spec.md §4.4–4.5):
//   s_j = scale · q·k_j (fp32 accumulation), j ≤ t
//   out = R((Σ_j R(p_j) · v_j) / Σ_j p_j),  p_j = exp(s_j − m)
// where m is the running maximum: as in PyTorch's flash kernels, the unnormalized probabilities
// are rounded to bf16 against the maximum known when their key tile is processed, and earlier
// tiles' sums are rescaled by exp(m_old − m_new) in fp32. Query head h reads kv head
// h / (H / Hkv).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/attention_tiling.h"

namespace actcache::cuda {

// Whether the kernel is built for this head dimension (16, 32, 64, 96, 128).
bool FlashAttentionSupportsHeadDim(std::int64_t Dh);
// Whether it is built for this head dimension with this tiling.
bool FlashAttentionSupportsTiling(std::int64_t Dh, AttentionTiling tiling);

// q [B·T, H, Dh], k and v [B·T, Hkv, Dh], out [B·T, H·Dh]; device pointers, bf16 bits.
// REQUIRES: FlashAttentionSupportsTiling(Dh, tiling), H % Hkv == 0.
cudaError_t LaunchFlashAttention(const std::uint16_t* q, const std::uint16_t* k,
                                 const std::uint16_t* v, std::int64_t B, std::int64_t T,
                                 std::int64_t H, std::int64_t Hkv, std::int64_t Dh, float scale,
                                 std::uint16_t* out, cudaStream_t stream,
                                 AttentionTiling tiling = kDefaultAttentionTiling);

}  // namespace actcache::cuda
