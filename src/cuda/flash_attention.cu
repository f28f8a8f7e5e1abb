// Causal GQA flash attention on tensor cores with mma.sync (contract in flash_attention.h).
//
// Blocking. One thread block computes 64·R queries of one (sequence b, head h) with 4 warps of
// 16·R queries each (R = 1 or 2 row tiles per warp: AttentionTiling), walking the key tiles of 64
// keys from key 0 up to its last query (causal). With R = 2 each K and V fragment a warp loads
// from shared memory feeds two products instead of one.
// K and V tiles are double-buffered in shared memory: the block copies tile i+1 with cp.async
// while it computes tile i. Per warp and tile, everything stays in registers:
//   S = Q·Kᵀ  [16 queries, 64 keys] per row tile: 8 × 4 mma.m16n8k16 (bf16 in, fp32 out); Q's fragments
//             are loaded once (ldmatrix), K's per tile (ldmatrix: K rows are Kᵀ's columns);
//   softmax   in the C-fragment layout: thread (g = lane/4, t = lane%4) holds rows g and g+8,
//             keys 8n+2t and 8n+2t+1 of every 8-key block n. Scores are scaled by scale·log2(e)
//             and masked (key > query: −inf); the row's running max m (the 4 threads of a row
//             combined by shuffles), p = exp2(s − m) in fp32 — one MUFU op, relative error ~1e-7,
//             far below the bf16 rounding of P that follows — the thread's partial row sums
//             l = l·exp2(m_old − m) + Σp, and O scaled by exp2(m_old − m);
//   O += P·V  [16, Dh]: P = R(p) packed to bf16 pairs straight from S's C fragments into A
//             fragments (the two layouts coincide for m16n8k16), V's fragments by
//             ldmatrix.trans (V rows are keys: the k dimension of this product).
// At the end the row sums are combined across the row's 4 threads and out = R(O / l).
// A key tile past a row's query gives it p = 0 exactly (masked to −inf), so a row's values do not
// depend on R: both tilings give the same bits. Shared memory: Q [64·R, Dh+8], K and V
// [2][64, Dh+8] bf16; the 8-element pad makes the 8 row addresses of each ldmatrix fall in
// distinct banks.
#include <cuda_bf16.h>

#include <cmath>
#include <cstdint>

#include "cuda/flash_attention.h"

namespace actcache::cuda {
namespace {

using bf16 = __nv_bfloat16;

constexpr int kTile = 64;  // keys per tile; queries per block per row tile
constexpr int kWarps = 4;  // 16 query rows per row tile each
constexpr int kThreads = kWarps * 32;

template <int Dh, int kRowTiles>
struct Layout {
    static constexpr int kQueries = kTile * kRowTiles;   // per block
    static constexpr int kLd = Dh + 8;                   // bf16 row stride in shared memory
    static constexpr int kTileElements = kTile * kLd;    // one [64, Dh+8] tile
    static constexpr int kBytes = (kRowTiles + 4) * kTileElements * 2;  // Q, K[2], V[2]
};

__device__ __forceinline__ std::uint32_t SharedAddress(const void* pointer) {
    return static_cast<std::uint32_t>(__cvta_generic_to_shared(pointer));
}

// Four 8×8 bf16 matrices from shared memory; lane l gives the address of row l%8 of matrix l/8.
__device__ __forceinline__ void LdMatrixX4(std::uint32_t (&r)[4], const bf16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(SharedAddress(row)));
}
// The same, each matrix transposed.
__device__ __forceinline__ void LdMatrixX4Trans(std::uint32_t (&r)[4], const bf16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(SharedAddress(row)));
}

// d += a · b for one m16n8k16 tile: a 16×16 bf16 (row), b 16×8 bf16 (col), d 16×8 fp32.
__device__ __forceinline__ void Mma(float (&d)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 16 bytes global → shared without passing through registers; zeros when !valid.
__device__ __forceinline__ void CopyAsync16(bf16* destination, const bf16* source, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(SharedAddress(destination)), "l"(source),
                 "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void CopyAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int kPending>
__device__ __forceinline__ void CopyAsyncWait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
}

// R(lo), R(hi) as one bf16 pair (lo in the low half: the lower column of an mma fragment).
__device__ __forceinline__ std::uint32_t PackBf16(float lo, float hi) {
    const __nv_bfloat162 pair = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const std::uint32_t*>(&pair);
}

// Starts the copy of rows [row0, row0 + kRows) of one head (`row_stride` elements between tokens)
// into tile[kRows][Dh+8]; rows at or past `rows` become zeros.
template <int Dh, int kRows>
__device__ __forceinline__ void LoadTileAsync(const bf16* __restrict__ source, std::int64_t row_stride, int row0,
                                              int rows, bf16* tile) {
    constexpr int kChunksPerRow = Dh / 8;
    for (int i = threadIdx.x; i < kRows * kChunksPerRow; i += kThreads) {
        const int r = i / kChunksPerRow, c = i % kChunksPerRow;
        const bool valid = row0 + r < rows;
        const bf16* from = source + (valid ? row0 + r : 0) * row_stride + c * 8;
        CopyAsync16(tile + r * (Dh + 8) + c * 8, from, valid);
    }
}

template <int Dh, int kRowTiles>
__global__ void __launch_bounds__(kThreads) FlashAttentionKernel(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                                                 const bf16* __restrict__ v, int T, int H, int Hkv,
                                                                 float scale_log2, bf16* __restrict__ out) {
    using L = Layout<Dh, kRowTiles>;
    constexpr int kKSteps = Dh / 16;  // k-steps of S = Q·Kᵀ
    constexpr int kDBlocks = Dh / 8;  // 8-wide column blocks of O
    constexpr int kWarpRows = 16 * kRowTiles;
    extern __shared__ __align__(128) unsigned char shared[];
    bf16* q_tile = reinterpret_cast<bf16*>(shared);
    bf16* k_tiles = q_tile + kRowTiles * L::kTileElements;  // [2] stages
    bf16* v_tiles = k_tiles + 2 * L::kTileElements;          // [2] stages

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, t = lane % 4;
    // Heaviest query tiles (most keys) first, so the short ones fill the last wave.
    const int query0 = (gridDim.x - 1 - blockIdx.x) * L::kQueries;
    const int h = blockIdx.y, b = blockIdx.z;
    const int kv_head = h / (H / Hkv);
    const std::int64_t q_stride = static_cast<std::int64_t>(H) * Dh, kv_stride = static_cast<std::int64_t>(Hkv) * Dh;
    const bf16* q_head = q + static_cast<std::int64_t>(b) * T * q_stride + h * Dh;
    const bf16* k_head = k + static_cast<std::int64_t>(b) * T * kv_stride + kv_head * Dh;
    const bf16* v_head = v + static_cast<std::int64_t>(b) * T * kv_stride + kv_head * Dh;

    const int last_query = min(query0 + L::kQueries - 1, T - 1);
    const int n_tiles = last_query / kTile + 1;
    LoadTileAsync<Dh, L::kQueries>(q_head, q_stride, query0, T, q_tile);
    LoadTileAsync<Dh, kTile>(k_head, kv_stride, 0, T, k_tiles);
    LoadTileAsync<Dh, kTile>(v_head, kv_stride, 0, T, v_tiles);
    CopyAsyncCommit();

    const int warp_query0 = query0 + warp * kWarpRows;
    // Q's fragments stay in registers with one row tile; with two, they are read from shared
    // memory at each k-step instead (kept, they would spill: 32 more registers).
    constexpr bool kQInRegisters = kRowTiles == 1;
    std::uint32_t q_fragments[kQInRegisters ? kKSteps : 1][4];
    float o[kRowTiles][kDBlocks][4];
    float running_max[kRowTiles][2], running_sum[kRowTiles][2];  // rows g and g + 8 of each row tile
#pragma unroll
    for (int mi = 0; mi < kRowTiles; ++mi) {
#pragma unroll
        for (int n = 0; n < kDBlocks; ++n) o[mi][n][0] = o[mi][n][1] = o[mi][n][2] = o[mi][n][3] = 0.0f;
        running_max[mi][0] = running_max[mi][1] = -INFINITY;
        running_sum[mi][0] = running_sum[mi][1] = 0.0f;  // this thread's share of the row sums
    }

    for (int tile = 0; tile < n_tiles; ++tile) {
        const int stage = tile % 2;
        if (tile + 1 < n_tiles) {
            LoadTileAsync<Dh, kTile>(k_head, kv_stride, (tile + 1) * kTile, T, k_tiles + (1 - stage) * L::kTileElements);
            LoadTileAsync<Dh, kTile>(v_head, kv_stride, (tile + 1) * kTile, T, v_tiles + (1 - stage) * L::kTileElements);
            CopyAsyncCommit();
            CopyAsyncWait<1>();  // everything but the tile just started
        } else {
            CopyAsyncWait<0>();
        }
        __syncthreads();
        // The A fragment of row tile mi, k-step `step` of Q (rows of this warp).
        auto load_q = [&](std::uint32_t (&fragment)[4], int mi, int step) {
            const int m = lane / 8, r = lane % 8;
            LdMatrixX4(fragment, q_tile + (warp * kWarpRows + mi * 16 + (m % 2) * 8 + r) * L::kLd + step * 16 + (m / 2) * 8);
        };
        if (kQInRegisters && tile == 0) {
#pragma unroll
            for (int step = 0; step < kKSteps; ++step) load_q(q_fragments[kQInRegisters ? step : 0], 0, step);
        }
        const int key0 = tile * kTile;
        if (key0 <= warp_query0 + kWarpRows - 1) {  // else every key of the tile is in this warp's future
            const bf16* k_tile = k_tiles + stage * L::kTileElements;
            const bf16* v_tile = v_tiles + stage * L::kTileElements;

            // S = Q·Kᵀ: s[mi][n] is the 16×8 block of row tile mi and keys key0 + 8n .. +7.
            float s[kRowTiles][kTile / 8][4];
#pragma unroll
            for (int mi = 0; mi < kRowTiles; ++mi) {
#pragma unroll
                for (int n = 0; n < kTile / 8; ++n) s[mi][n][0] = s[mi][n][1] = s[mi][n][2] = s[mi][n][3] = 0.0f;
            }
#pragma unroll
            for (int step = 0; step < kKSteps; ++step) {
                std::uint32_t q_step[kRowTiles][4];
#pragma unroll
                for (int mi = 0; mi < kRowTiles; ++mi) {
                    if constexpr (kQInRegisters) {
#pragma unroll
                        for (int e = 0; e < 4; ++e) q_step[mi][e] = q_fragments[step][e];
                    } else {
                        load_q(q_step[mi], mi, step);
                    }
                }
#pragma unroll
                for (int n = 0; n < kTile / 8; n += 2) {  // two 8-key blocks per ldmatrix.x4
                    const int m = lane / 8, r = lane % 8;
                    std::uint32_t kf[4];
                    LdMatrixX4(kf, k_tile + (n * 8 + (m / 2) * 8 + r) * L::kLd + step * 16 + (m % 2) * 8);
#pragma unroll
                    for (int mi = 0; mi < kRowTiles; ++mi) {
                        Mma(s[mi][n], q_step[mi], kf[0], kf[1]);
                        Mma(s[mi][n + 1], q_step[mi], kf[2], kf[3]);
                    }
                }
            }

            // Online softmax, per row tile mi, rows i = 0 (g) and 1 (g + 8): elements
            // s[mi][n][2i], s[mi][n][2i+1]. Only a tile reaching past the row tile's first query
            // needs the causal mask.
#pragma unroll
            for (int mi = 0; mi < kRowTiles; ++mi) {
                const int tile_query0 = warp_query0 + mi * 16;
                const bool diagonal = key0 + kTile - 1 > tile_query0;
#pragma unroll
                for (int i = 0; i < 2; ++i) {
                    const int query = tile_query0 + g + 8 * i;
                    float tile_max = -INFINITY;
#pragma unroll
                    for (int n = 0; n < kTile / 8; ++n) {
#pragma unroll
                        for (int e = 0; e < 2; ++e) {
                            const int key = key0 + n * 8 + 2 * t + e;
                            float& value = s[mi][n][2 * i + e];
                            value = !diagonal || key <= query ? __fmul_rn(value, scale_log2) : -INFINITY;
                            tile_max = fmaxf(tile_max, value);
                        }
                    }
                    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
                    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
                    // Finite: key 0 (tile 0) is visible to every row, and a later tile wholly in
                    // this row's future leaves the maximum as it was.
                    const float new_max = fmaxf(running_max[mi][i], tile_max);
                    const float rescale = exp2f(running_max[mi][i] - new_max);  // 0 on the first tile
                    running_max[mi][i] = new_max;
                    float sum = 0.0f;
#pragma unroll
                    for (int n = 0; n < kTile / 8; ++n) {
#pragma unroll
                        for (int e = 0; e < 2; ++e) {
                            float& value = s[mi][n][2 * i + e];
                            value = exp2f(value - new_max);
                            sum += value;
                        }
                    }
                    running_sum[mi][i] = running_sum[mi][i] * rescale + sum;
#pragma unroll
                    for (int n = 0; n < kDBlocks; ++n) {
                        o[mi][n][2 * i] *= rescale;
                        o[mi][n][2 * i + 1] *= rescale;
                    }
                }
            }

            // O += P·V, 16 keys per k-step: P's A fragment from the C fragments of S blocks 2j, 2j+1.
#pragma unroll
            for (int j = 0; j < kTile / 16; ++j) {
                std::uint32_t p[kRowTiles][4];
#pragma unroll
                for (int mi = 0; mi < kRowTiles; ++mi) {
                    p[mi][0] = PackBf16(s[mi][2 * j][0], s[mi][2 * j][1]);
                    p[mi][1] = PackBf16(s[mi][2 * j][2], s[mi][2 * j][3]);
                    p[mi][2] = PackBf16(s[mi][2 * j + 1][0], s[mi][2 * j + 1][1]);
                    p[mi][3] = PackBf16(s[mi][2 * j + 1][2], s[mi][2 * j + 1][3]);
                }
#pragma unroll
                for (int n = 0; n < kDBlocks; n += 2) {  // two 8-column blocks of V per ldmatrix.x4
                    const int m = lane / 8, r = lane % 8;
                    std::uint32_t vf[4];
                    LdMatrixX4Trans(vf, v_tile + (j * 16 + (m % 2) * 8 + r) * L::kLd + n * 8 + (m / 2) * 8);
#pragma unroll
                    for (int mi = 0; mi < kRowTiles; ++mi) {
                        Mma(o[mi][n], p[mi], vf[0], vf[1]);
                        Mma(o[mi][n + 1], p[mi], vf[2], vf[3]);
                    }
                }
            }
        }
        __syncthreads();  // this stage is overwritten by the copy started in the next iteration
    }

#pragma unroll
    for (int mi = 0; mi < kRowTiles; ++mi) {
#pragma unroll
        for (int i = 0; i < 2; ++i) {
            float sum = running_sum[mi][i];
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            const int query = warp_query0 + mi * 16 + g + 8 * i;
            if (query >= T) continue;
            bf16* row = out + (static_cast<std::int64_t>(b) * T + query) * q_stride + h * Dh + 2 * t;
#pragma unroll
            for (int n = 0; n < kDBlocks; ++n) {
                *reinterpret_cast<std::uint32_t*>(row + n * 8) =
                    PackBf16(__fdiv_rn(o[mi][n][2 * i], sum), __fdiv_rn(o[mi][n][2 * i + 1], sum));
            }
        }
    }
}

template <int Dh, int kRowTiles>
cudaError_t Launch(const bf16* q, const bf16* k, const bf16* v, std::int64_t B, std::int64_t T, std::int64_t H,
                   std::int64_t Hkv, float scale, bf16* out, cudaStream_t stream) {
    using L = Layout<Dh, kRowTiles>;
    static const cudaError_t configured =
        cudaFuncSetAttribute(FlashAttentionKernel<Dh, kRowTiles>, cudaFuncAttributeMaxDynamicSharedMemorySize, L::kBytes);
    if (configured != cudaSuccess) return configured;
    const dim3 grid(static_cast<unsigned>((T + L::kQueries - 1) / L::kQueries), static_cast<unsigned>(H),
                    static_cast<unsigned>(B));
    const float scale_log2 = scale * 1.44269504088896340736f;  // scale · log2(e)
    FlashAttentionKernel<Dh, kRowTiles><<<grid, kThreads, L::kBytes, stream>>>(
        q, k, v, static_cast<int>(T), static_cast<int>(H), static_cast<int>(Hkv), scale_log2, out);
    return cudaGetLastError();
}

// Two row tiles per warp hold twice the S and O fragments in registers: built for Dh <= 64 only
// (at 96 and 128 they would spill).
template <int Dh>
cudaError_t LaunchTiling(AttentionTiling tiling, const bf16* q, const bf16* k, const bf16* v, std::int64_t B,
                         std::int64_t T, std::int64_t H, std::int64_t Hkv, float scale, bf16* out, cudaStream_t stream) {
    if constexpr (Dh <= 64) {
        if (tiling == AttentionTiling::k128Queries) return Launch<Dh, 2>(q, k, v, B, T, H, Hkv, scale, out, stream);
    }
    if (tiling != AttentionTiling::k64Queries) return cudaErrorInvalidValue;
    return Launch<Dh, 1>(q, k, v, B, T, H, Hkv, scale, out, stream);
}

}  // namespace

bool FlashAttentionSupportsHeadDim(std::int64_t Dh) {
    return Dh == 16 || Dh == 32 || Dh == 64 || Dh == 96 || Dh == 128;
}

bool FlashAttentionSupportsTiling(std::int64_t Dh, AttentionTiling tiling) {
    return FlashAttentionSupportsHeadDim(Dh) && (tiling == AttentionTiling::k64Queries || Dh <= 64);
}

cudaError_t LaunchFlashAttention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                 std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv, std::int64_t Dh,
                                 float scale, std::uint16_t* out, cudaStream_t stream, AttentionTiling tiling) {
    const auto* q16 = reinterpret_cast<const bf16*>(q);
    const auto* k16 = reinterpret_cast<const bf16*>(k);
    const auto* v16 = reinterpret_cast<const bf16*>(v);
    auto* out16 = reinterpret_cast<bf16*>(out);
    switch (Dh) {
        case 16: return LaunchTiling<16>(tiling, q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 32: return LaunchTiling<32>(tiling, q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 64: return LaunchTiling<64>(tiling, q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 96: return LaunchTiling<96>(tiling, q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 128: return LaunchTiling<128>(tiling, q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        default: return cudaErrorInvalidValue;
    }
}

}  // namespace actcache::cuda
