// CUDA and cuBLASLt errors as Status: one line naming the call that failed and the library's
// own words for why ("cudaMalloc (activations, 1.5 GiB): out of memory").
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <string>

#include "core/status.h"

namespace actcache::cuda {

// Ok for cudaSuccess; else Internal (ResourceExhausted for out-of-memory) with `what`.
Status CudaStatus(cudaError_t error, const std::string& what);
Status CublasStatus(cublasStatus_t status, const std::string& what);

}  // namespace actcache::cuda

#define ACT_CUDA_RETURN_IF_ERROR(call, what) \
    ACT_RETURN_IF_ERROR(::actcache::cuda::CudaStatus((call), (what)))
#define ACT_CUBLAS_RETURN_IF_ERROR(call, what) \
    ACT_RETURN_IF_ERROR(::actcache::cuda::CublasStatus((call), (what)))
