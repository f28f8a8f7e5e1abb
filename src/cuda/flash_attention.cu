// Causal GQA flash attention with WMMA tensor-core tiles (contract in flash_attention.h).
//
// Blocking. One thread block computes 128 queries of one (sequence b, head h) with 8 warps of 16
// queries each (128 rather than 64 halves the K/V traffic from L2, which bounds this kernel at
// long sequences). It walks the key tiles of 64 keys from key 0 up to its last query (causal):
//   1. the block loads the tile's K and V [64, Dh] into shared memory (rows past T as zeros);
//   2. each warp computes S = Q_w · Kᵀ [16, 64] in fp32 with 16×16×16 bf16 WMMA products and
//      stores it to its shared scratch;
//   3. softmax step, two lanes per query row (32 keys each): s·scale, causal mask, the row's
//      new running max m' (lane pair combined by a shuffle), p = exp(s − m') in fp32 (as
//      exp2((s·scale − m')·log2 e) with the factor folded into the scale: one MUFU op, relative
//      error ~1e-7, far below the bf16 rounding of P that follows), the
//      running sum l = l·exp(m − m') + Σp, P = R(p) stored as bf16, and the lane's share of the
//      output accumulator O (row r, Dh/2 columns, in registers) scaled by exp(m − m');
//   4. each warp computes P·V [16, Dh] with WMMA into its scratch and the lanes add it to O.
// At the end out = R(O / l). Shared memory: the Q tile [128, Dh+8] and K, V tiles [64, Dh+8]
// bf16 (the 8-element pad staggers rows across banks), per warp an fp32 scratch
// [16, max(64, Dh)+4] and P [16, 72].
#include <cuda_bf16.h>
#include <mma.h>

#include <cmath>

#include "cuda/flash_attention.h"

namespace actcache::cuda {
namespace {

using bf16 = __nv_bfloat16;
namespace wmma = nvcuda::wmma;

constexpr int kTile = 64;     // keys per tile
constexpr int kWarps = 8;     // 16 query rows each
constexpr int kRowsPerWarp = 16;
constexpr int kQueries = kWarps * kRowsPerWarp;  // per block
constexpr int kThreads = kWarps * 32;
constexpr int kPLd = kTile + 8;  // bf16 P row stride

template <int Dh>
struct Layout {
    static constexpr int kLd = Dh + 8;                                    // bf16 Q/K/V row stride
    static constexpr int kScratchLd = (Dh > kTile ? Dh : kTile) + 4;      // fp32 scratch stride
    static constexpr int kQkvBytes = (kQueries + 2 * kTile) * kLd * 2;
    static constexpr int kScratchBytes = kWarps * kRowsPerWarp * kScratchLd * 4;
    static constexpr int kPBytes = kWarps * kRowsPerWarp * kPLd * 2;
    static constexpr int kBytes = kQkvBytes + kScratchBytes + kPBytes;
};

// Copies rows [row0, row0+kRows) of one head ([rows, Dh] with `row_stride` elements between
// consecutive tokens) into shared memory tile[kRows][Dh+8]; rows at or past `rows` become zeros.
template <int Dh, int kRows>
__device__ void LoadTile(const bf16* __restrict__ source, std::int64_t row_stride, int row0, int rows,
                         bf16* tile) {
    constexpr int kVectorsPerRow = Dh / 8;  // 16-byte vectors
    for (int i = threadIdx.x; i < kRows * kVectorsPerRow; i += kThreads) {
        const int r = i / kVectorsPerRow, c = i % kVectorsPerRow;
        uint4 value = make_uint4(0, 0, 0, 0);
        if (row0 + r < rows) value = reinterpret_cast<const uint4*>(source + (row0 + r) * row_stride)[c];
        *reinterpret_cast<uint4*>(tile + r * Layout<Dh>::kLd + c * 8) = value;
    }
}

template <int Dh>
__global__ void __launch_bounds__(kThreads) FlashAttentionKernel(const bf16* __restrict__ q, const bf16* __restrict__ k,
                                                                 const bf16* __restrict__ v, int T, int H, int Hkv,
                                                                 float scale, bf16* __restrict__ out) {
    using L = Layout<Dh>;
    extern __shared__ __align__(128) unsigned char shared[];
    bf16* q_tile = reinterpret_cast<bf16*>(shared);
    bf16* k_tile = q_tile + kQueries * L::kLd;
    bf16* v_tile = k_tile + kTile * L::kLd;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    float* scratch = reinterpret_cast<float*>(shared + L::kQkvBytes) + warp * kRowsPerWarp * L::kScratchLd;
    bf16* p_tile = reinterpret_cast<bf16*>(shared + L::kQkvBytes + L::kScratchBytes) + warp * kRowsPerWarp * kPLd;

    // Heaviest query tiles (most keys) first, so the short ones fill the last wave.
    const int query0 = (gridDim.x - 1 - blockIdx.x) * kQueries;
    const int h = blockIdx.y, b = blockIdx.z;
    const int kv_head = h / (H / Hkv);
    const bf16* q_head = q + (static_cast<std::int64_t>(b) * T * H + h) * Dh;
    const bf16* k_head = k + (static_cast<std::int64_t>(b) * T * Hkv + kv_head) * Dh;
    const bf16* v_head = v + (static_cast<std::int64_t>(b) * T * Hkv + kv_head) * Dh;
    LoadTile<Dh, kQueries>(q_head, static_cast<std::int64_t>(H) * Dh, query0, T, q_tile);
    const float scale_log2 = scale * 1.44269504088896340736f;  // scale · log2(e)

    // This lane's query row and half of the columns.
    const int row = lane / 2, half = lane % 2;
    const int t = query0 + warp * kRowsPerWarp + row;  // may be >= T: computed, never stored
    const int warp_last_query = query0 + warp * kRowsPerWarp + kRowsPerWarp - 1;
    float o[Dh / 2];
#pragma unroll
    for (int i = 0; i < Dh / 2; ++i) o[i] = 0.0f;
    float running_max = -INFINITY, running_sum = 0.0f;

    const int last_query = min(query0 + kQueries - 1, T - 1);
    for (int key0 = 0; key0 <= last_query; key0 += kTile) {
        __syncthreads();  // the previous tile's K/V are no longer read
        LoadTile<Dh, kTile>(k_head, static_cast<std::int64_t>(Hkv) * Dh, key0, T, k_tile);
        LoadTile<Dh, kTile>(v_head, static_cast<std::int64_t>(Hkv) * Dh, key0, T, v_tile);
        __syncthreads();
        if (key0 > warp_last_query) continue;  // every key of this tile is in this warp's future

        // 2. S = Q_w · Kᵀ, one 16×16 block of keys at a time (one accumulator live: registers
        //    stay free for O).
#pragma unroll
        for (int n = 0; n < kTile / 16; ++n) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> s;
            wmma::fill_fragment(s, 0.0f);
#pragma unroll
            for (int d = 0; d < Dh; d += 16) {
                wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> a;
                wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> kt;
                wmma::load_matrix_sync(a, q_tile + warp * kRowsPerWarp * L::kLd + d, L::kLd);
                wmma::load_matrix_sync(kt, k_tile + n * 16 * L::kLd + d, L::kLd);
                wmma::mma_sync(s, a, kt, s);
            }
            wmma::store_matrix_sync(scratch + n * 16, s, L::kScratchLd, wmma::mem_row_major);
        }
        __syncwarp();

        // 3. Online softmax on this lane's 32 scores.
        // Scores are read twice from the scratch (max, then exp) rather than held in registers.
        const float* s_row = scratch + row * L::kScratchLd + half * 32;
        const int visible = t - (key0 + half * 32);  // this lane's keys c <= visible are causal
        // In log2 units: score(c) = s · scale · log2(e).
        auto score = [&](int c) { return c <= visible ? __fmul_rn(s_row[c], scale_log2) : -INFINITY; };
        float tile_max = -INFINITY;
#pragma unroll
        for (int c = 0; c < 32; ++c) tile_max = fmaxf(tile_max, score(c));
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
        const float new_max = fmaxf(running_max, tile_max);  // finite: key 0 is visible to every row
        const float rescale = exp2f(running_max - new_max);  // 0 on the first tile
        float lane_sum = 0.0f;
        bf16* p_row = p_tile + row * kPLd + half * 32;
#pragma unroll
        for (int c = 0; c < 32; ++c) {
            const float p = exp2f(score(c) - new_max);
            lane_sum += p;
            p_row[c] = __float2bfloat16_rn(p);
        }
        running_sum = running_sum * rescale + (lane_sum + __shfl_xor_sync(0xffffffffu, lane_sum, 1));
        running_max = new_max;
#pragma unroll
        for (int i = 0; i < Dh / 2; ++i) o[i] *= rescale;
        __syncwarp();

        // 4. O += P · V, one 16-column block of V at a time.
#pragma unroll
        for (int n = 0; n < Dh / 16; ++n) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> pv;
            wmma::fill_fragment(pv, 0.0f);
#pragma unroll
            for (int j = 0; j < kTile; j += 16) {
                wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> p;
                wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> vt;
                wmma::load_matrix_sync(p, p_tile + j, kPLd);
                wmma::load_matrix_sync(vt, v_tile + j * L::kLd + n * 16, L::kLd);
                wmma::mma_sync(pv, p, vt, pv);
            }
            wmma::store_matrix_sync(scratch + n * 16, pv, L::kScratchLd, wmma::mem_row_major);
        }
        __syncwarp();
        const float* pv_row = scratch + row * L::kScratchLd + half * (Dh / 2);
#pragma unroll
        for (int i = 0; i < Dh / 2; ++i) o[i] += pv_row[i];
        __syncwarp();  // the scratch is overwritten by the next tile's S
    }

    if (t < T) {
        bf16* destination = out + ((static_cast<std::int64_t>(b) * T + t) * H + h) * Dh + half * (Dh / 2);
#pragma unroll
        for (int i = 0; i < Dh / 2; ++i) destination[i] = __float2bfloat16_rn(__fdiv_rn(o[i], running_sum));
    }
}

template <int Dh>
cudaError_t Launch(const bf16* q, const bf16* k, const bf16* v, std::int64_t B, std::int64_t T, std::int64_t H,
                   std::int64_t Hkv, float scale, bf16* out, cudaStream_t stream) {
    constexpr int kBytes = Layout<Dh>::kBytes;
    static const cudaError_t configured =
        cudaFuncSetAttribute(FlashAttentionKernel<Dh>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes);
    if (configured != cudaSuccess) return configured;
    const dim3 grid(static_cast<unsigned>((T + kQueries - 1) / kQueries), static_cast<unsigned>(H),
                    static_cast<unsigned>(B));
    FlashAttentionKernel<Dh><<<grid, kThreads, kBytes, stream>>>(q, k, v, static_cast<int>(T), static_cast<int>(H),
                                                                 static_cast<int>(Hkv), scale, out);
    return cudaGetLastError();
}

}  // namespace

bool FlashAttentionSupportsHeadDim(std::int64_t Dh) {
    return Dh == 16 || Dh == 32 || Dh == 64 || Dh == 96 || Dh == 128;
}

cudaError_t LaunchFlashAttention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                 std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv, std::int64_t Dh,
                                 float scale, std::uint16_t* out, cudaStream_t stream) {
    const auto* q16 = reinterpret_cast<const bf16*>(q);
    const auto* k16 = reinterpret_cast<const bf16*>(k);
    const auto* v16 = reinterpret_cast<const bf16*>(v);
    auto* out16 = reinterpret_cast<bf16*>(out);
    switch (Dh) {
        case 16: return Launch<16>(q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 32: return Launch<32>(q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 64: return Launch<64>(q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 96: return Launch<96>(q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        case 128: return Launch<128>(q16, k16, v16, B, T, H, Hkv, scale, out16, stream);
        default: return cudaErrorInvalidValue;
    }
}

}  // namespace actcache::cuda
