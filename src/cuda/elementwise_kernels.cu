// Memory-bound kernels of the forward pass (contracts in elementwise_kernels.h).
//
// Elementwise ops move 8 bf16 (16 bytes) per thread per step when the length allows, so each
// warp issues full 512-byte transactions; RMSNorm runs one block per row with a warp-shuffle
// reduction. Products and sums are written as separate, explicitly rounded steps (__fmul_rn,
// __fadd_rn) wherever the reference rounds in between, so nvcc cannot contract them into FMAs.
#include <cuda_bf16.h>

#include <algorithm>

#include "cuda/elementwise_kernels.h"

namespace actcache::cuda {
namespace {

using bf16 = __nv_bfloat16;

// R(·): round an fp32 value to bf16 (nearest, ties to even), back in fp32.
__device__ __forceinline__ float Round(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

constexpr int kThreads = 256;

int Blocks(std::int64_t work_items) {
    // Grid-stride loops below; a few waves of blocks are plenty for these bandwidth-bound ops.
    return static_cast<int>(std::min<std::int64_t>((work_items + kThreads - 1) / kThreads, 65535));
}

// Eight bf16 values as one 16-byte load/store.
struct alignas(16) Bf16x8 {
    bf16 v[8];
};

__global__ void EmbeddingGatherKernel(const bf16* __restrict__ table, const std::int32_t* __restrict__ tokens,
                                      std::int64_t M, std::int64_t D, bf16* __restrict__ out) {
    for (std::int64_t m = blockIdx.x; m < M; m += gridDim.x) {
        const bf16* row = table + static_cast<std::int64_t>(tokens[m]) * D;
        bf16* destination = out + m * D;
        if (D % 8 == 0) {
            for (std::int64_t i = threadIdx.x; i < D / 8; i += blockDim.x) {
                reinterpret_cast<Bf16x8*>(destination)[i] = reinterpret_cast<const Bf16x8*>(row)[i];
            }
        } else {
            for (std::int64_t i = threadIdx.x; i < D; i += blockDim.x) destination[i] = row[i];
        }
    }
}

// Sum of `value` over the block (every thread gets it). `scratch`: 32 floats of shared memory.
__device__ float BlockSum(float value, float* scratch) {
    for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(0xffffffffu, value, offset);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) scratch[warp] = value;
    __syncthreads();
    const int warps = blockDim.x / 32;
    value = lane < warps ? scratch[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(0xffffffffu, value, offset);
    __syncthreads();  // scratch may be reused by the caller
    return value;
}

__global__ void RmsNormKernel(const bf16* __restrict__ x, std::int64_t M, std::int64_t D,
                              const float* __restrict__ w, float eps, bf16* __restrict__ y) {
    __shared__ float scratch[32];
    for (std::int64_t m = blockIdx.x; m < M; m += gridDim.x) {
        const bf16* row = x + m * D;
        float sum = 0.0f;
        for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) {
            const float v = __bfloat162float(row[d]);
            sum = __fadd_rn(sum, __fmul_rn(v, v));
        }
        sum = BlockSum(sum, scratch);
        // var + eps, then 1/sqrt: IEEE sqrt and division (nvcc's defaults), as PyTorch's CPU path.
        const float r = 1.0f / sqrtf(__fadd_rn(__fdiv_rn(sum, static_cast<float>(D)), eps));
        for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) {
            const float normalized = Round(__fmul_rn(__bfloat162float(row[d]), r));
            y[m * D + d] = __float2bfloat16_rn(__fmul_rn(w[d], normalized));
        }
    }
}

__global__ void RopeKernel(bf16* __restrict__ x, std::int64_t pairs, std::int64_t T, std::int64_t n_heads,
                           std::int64_t Dh, const float* __restrict__ cos, const float* __restrict__ sin) {
    const std::int64_t half = Dh / 2;
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < pairs;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        const std::int64_t j = i % half;
        const std::int64_t head_row = i / half;          // m · n_heads + head
        const std::int64_t t = (head_row / n_heads) % T;  // position of token m
        bf16* v = x + head_row * Dh;
        const float a = __bfloat162float(v[j]), b = __bfloat162float(v[j + half]);
        const float* c = cos + t * Dh;
        const float* s = sin + t * Dh;
        v[j] = __float2bfloat16_rn(__fsub_rn(Round(__fmul_rn(a, c[j])), Round(__fmul_rn(b, s[j]))));
        v[j + half] = __float2bfloat16_rn(__fadd_rn(Round(__fmul_rn(b, c[j + half])), Round(__fmul_rn(a, s[j + half]))));
    }
}

struct SiluMulOp {
    __device__ float operator()(float g, float u) const {
        const float silu = __fdiv_rn(g, __fadd_rn(1.0f, expf(-g)));
        return __fmul_rn(Round(silu), u);
    }
};
struct AddOp {
    __device__ float operator()(float a, float b) const { return __fadd_rn(a, b); }
};

// y[i] = R(op(a[i], b[i])), 8 elements per thread per step, the tail one by one.
template <typename Op>
__global__ void BinaryKernel(const bf16* a, const bf16* b, std::int64_t n, bf16* y, Op op) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t vectors = n / 8;
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < vectors; i += stride) {
        const Bf16x8 va = reinterpret_cast<const Bf16x8*>(a)[i];
        const Bf16x8 vb = reinterpret_cast<const Bf16x8*>(b)[i];
        Bf16x8 out;
#pragma unroll
        for (int e = 0; e < 8; ++e) {
            out.v[e] = __float2bfloat16_rn(op(__bfloat162float(va.v[e]), __bfloat162float(vb.v[e])));
        }
        reinterpret_cast<Bf16x8*>(y)[i] = out;
    }
    for (std::int64_t i = vectors * 8 + blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += stride) {
        y[i] = __float2bfloat16_rn(op(__bfloat162float(a[i]), __bfloat162float(b[i])));
    }
}

const bf16* AsBf16(const std::uint16_t* p) { return reinterpret_cast<const bf16*>(p); }
bf16* AsBf16(std::uint16_t* p) { return reinterpret_cast<bf16*>(p); }

}  // namespace

cudaError_t LaunchEmbeddingGather(const std::uint16_t* table, const std::int32_t* tokens, std::int64_t M,
                                  std::int64_t D, std::uint16_t* out, cudaStream_t stream) {
    EmbeddingGatherKernel<<<static_cast<int>(std::min<std::int64_t>(M, 65535)), kThreads, 0, stream>>>(
        AsBf16(table), tokens, M, D, AsBf16(out));
    return cudaGetLastError();
}

cudaError_t LaunchRmsNorm(const std::uint16_t* x, std::int64_t M, std::int64_t D, const float* w, float eps,
                          std::uint16_t* y, cudaStream_t stream) {
    RmsNormKernel<<<static_cast<int>(std::min<std::int64_t>(M, 65535)), kThreads, 0, stream>>>(AsBf16(x), M, D, w,
                                                                                             eps, AsBf16(y));
    return cudaGetLastError();
}

cudaError_t LaunchRope(std::uint16_t* x, std::int64_t M, std::int64_t T, std::int64_t n_heads, std::int64_t Dh,
                       const float* cos, const float* sin, cudaStream_t stream) {
    const std::int64_t pairs = M * n_heads * (Dh / 2);
    RopeKernel<<<Blocks(pairs), kThreads, 0, stream>>>(AsBf16(x), pairs, T, n_heads, Dh, cos, sin);
    return cudaGetLastError();
}

cudaError_t LaunchSiluMul(const std::uint16_t* g, const std::uint16_t* u, std::int64_t n, std::uint16_t* y,
                          cudaStream_t stream) {
    BinaryKernel<<<Blocks(n / 8 + 1), kThreads, 0, stream>>>(AsBf16(g), AsBf16(u), n, AsBf16(y), SiluMulOp{});
    return cudaGetLastError();
}

cudaError_t LaunchAdd(const std::uint16_t* a, const std::uint16_t* b, std::int64_t n, std::uint16_t* y,
                      cudaStream_t stream) {
    BinaryKernel<<<Blocks(n / 8 + 1), kThreads, 0, stream>>>(AsBf16(a), AsBf16(b), n, AsBf16(y), AddOp{});
    return cudaGetLastError();
}

}  // namespace actcache::cuda
