#include "cuda/cuda_status.h"

namespace actcache::cuda {

Status CudaStatus(cudaError_t error, const std::string& what) {
    if (error == cudaSuccess) return Status::Ok();
    const std::string message = what + ": " + cudaGetErrorString(error);
    if (error == cudaErrorMemoryAllocation) return Status::ResourceExhausted(message);
    return Status::Internal(message);
}

Status CublasStatus(cublasStatus_t status, const std::string& what) {
    if (status == CUBLAS_STATUS_SUCCESS) return Status::Ok();
    const std::string message = what + ": " + cublasLtGetStatusString(status);
    if (status == CUBLAS_STATUS_ALLOC_FAILED) return Status::ResourceExhausted(message);
    return Status::Internal(message);
}

}  // namespace actcache::cuda
