// AttentionTiling: how the CUDA flash attention blocks its queries (flash_attention.h). Plain
// C++17 without CUDA headers: the kernels' translation units and the host code both include it
// (the engine reads its override, ACTCACHE_CUDA_ATTENTION: cuda_forward.h).
#pragma once

namespace actcache::cuda {

// Queries per thread block: 64 (4 warps of 16 rows), or 128 (4 warps of 32 rows: each K and V
// fragment loaded from shared memory feeds two products; head dims up to 64). Both give the
// same bits; bench/cuda/cuda_kernels_bench times them side by side.
enum class AttentionTiling { k64Queries, k128Queries };

// What the engine uses: the tiling measured fastest on the 1B shape (Dh 64) so far.
inline constexpr AttentionTiling kDefaultAttentionTiling = AttentionTiling::k64Queries;

// "q64", "q128".
inline const char* AttentionTilingName(AttentionTiling tiling) {
    return tiling == AttentionTiling::k128Queries ? "q128" : "q64";
}

}  // namespace actcache::cuda
