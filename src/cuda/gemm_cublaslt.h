// GemmCublasLt: the forward pass's linear layers on the GPU through cuBLASLt,
//   y[m][n] = R(Σ_k x[m][k] · w[n][k]),   x [M, K], w [N, K] (nn.Linear layout), y [M, N],
// bf16 inputs and output, fp32 accumulation and scale (CUBLAS_COMPUTE_32F), one rounding at
// the end — the same op as PyTorch's bf16 F.linear on CUDA.
//
// Row-major data in cuBLASLt's column-major terms: y as column-major is yᵀ [N, M] (ld N),
// x is xᵀ [K, M] (ld K) and w is wᵀ [K, N] (ld K), so yᵀ = op(wᵀ)·xᵀ with op = transpose:
// the "TN" product, m = N, n = M, k = K.
//
// Determinism (DESIGN.md §1): the algorithm for a weight shape (N, K) is chosen once, at
// Prepare, for the largest M the caller will use, and then used for every M, restricted to
// algorithms without split-K reduction. One algorithm computes each output element as one
// dot product over k in a fixed order, so a token's row does not depend on how many other
// rows share the call. (tests/cuda checks this on the device.)
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "core/status.h"
#include "cuda/device_memory.h"

namespace actcache::cuda {

// One owner; calls are enqueued on the stream given to Run.
class GemmCublasLt {
public:
    static Result<std::unique_ptr<GemmCublasLt>> Create();
    ~GemmCublasLt();
    GemmCublasLt(const GemmCublasLt&) = delete;
    GemmCublasLt& operator=(const GemmCublasLt&) = delete;

    // Chooses the algorithm for weights of shape [N, K] and inputs of up to max_M rows.
    // Internal naming the shape when cuBLASLt offers none.
    Status Prepare(std::int64_t N, std::int64_t K, std::int64_t max_M);

    // Enqueues y = R(x · wᵀ) on `stream`. Device pointers; bf16 bit patterns.
    // REQUIRES: Prepare(N, K, max_M) with M <= max_M.
    Status Run(cudaStream_t stream, const std::uint16_t* x, std::int64_t M, std::int64_t K,
               const std::uint16_t* w, std::int64_t N, std::uint16_t* y);

    // The algorithm chosen for (N, K), for logs: "algo 21 tile 24 stages 8 splitK 1".
    std::string Describe(std::int64_t N, std::int64_t K) const;

private:
    GemmCublasLt() = default;

    cublasLtHandle_t handle_ = nullptr;
    cublasLtMatmulDesc_t operation_ = nullptr;
    DeviceArray<std::byte> workspace_;
    std::map<std::pair<std::int64_t, std::int64_t>, cublasLtMatmulAlgo_t> algorithms_;
};

}  // namespace actcache::cuda
