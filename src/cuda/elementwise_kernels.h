// The forward pass's memory-bound ops on the GPU, in the numerics of kernels/backend.h's bf16
// mode: every op computes in fp32 from bf16 inputs and rounds its result to bf16 once
// (reference/llama32-spec.md §4). Reductions differ from the CPU reference only in fp32
// summation order.
//
// All pointers are device pointers; bf16 values are passed as their uint16 bit patterns.
// Each function enqueues one kernel on `stream` and returns the launch error (cudaSuccess when
// the launch was accepted; execution errors surface at the next synchronization).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace actcache::cuda {

// out[m] = table[tokens[m]] for m < M; table [V, D], out [M, D]. Token ids were checked on
// the host (model::CheckForwardInput).
cudaError_t LaunchEmbeddingGather(const std::uint16_t* table, const std::int32_t* tokens,
                                  std::int64_t M, std::int64_t D, std::uint16_t* out,
                                  cudaStream_t stream);

// LlamaRMSNorm per row: r = 1 / sqrt(Σ_d x² / D + eps) (fp32), y = R(w · R(x · r)).
// x, y [M, D]; w [D] float (bf16 values).
cudaError_t LaunchRmsNorm(const std::uint16_t* x, std::int64_t M, std::int64_t D,
                          const float* w, float eps, std::uint16_t* y, cudaStream_t stream);

// Rotary embedding in place, half-split convention: for x [B·T, n_heads, Dh], token m at
// position t = m mod T, j < Dh/2, h = Dh/2:
//   x'[j]   = R(R(x[j]·cos[t][j])     − R(x[j+h]·sin[t][j]))
//   x'[j+h] = R(R(x[j+h]·cos[t][j+h]) + R(x[j]·sin[t][j+h]))
// cos, sin [T, Dh] float (bf16 values).
cudaError_t LaunchRope(std::uint16_t* x, std::int64_t M, std::int64_t T, std::int64_t n_heads,
                       std::int64_t Dh, const float* cos, const float* sin, cudaStream_t stream);

// y = R(R(silu(g)) · u), silu(g) = g / (1 + exp(−g)) in fp32. y may alias g or u.
cudaError_t LaunchSiluMul(const std::uint16_t* g, const std::uint16_t* u, std::int64_t n,
                          std::uint16_t* y, cudaStream_t stream);

// y = R(a + b). y may alias a or b.
cudaError_t LaunchAdd(const std::uint16_t* a, const std::uint16_t* b, std::int64_t n,
                      std::uint16_t* y, cudaStream_t stream);

}  // namespace actcache::cuda
