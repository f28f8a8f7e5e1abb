// ProbeCudaDevice for CUDA builds (contract in cuda_forward.h).
#include <cuda_runtime_api.h>

#include <cstdio>
#include <string>

#include "cuda/cuda_forward.h"

namespace actcache::cuda {
namespace {

CudaDeviceProbe Probe() {
    int count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error != cudaSuccess) {
        return {false, std::string("no CUDA device is visible (cudaGetDeviceCount: ") + cudaGetErrorString(error) + ")"};
    }
    if (count == 0) return {false, "no CUDA device is visible (cudaGetDeviceCount found none)"};
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) {
        return {false, "CUDA device 0 does not answer (cudaGetDeviceProperties failed)"};
    }
    const std::string arch = "sm_" + std::to_string(properties.major) + std::to_string(properties.minor);
    if (properties.major < 8) {
        return {false, std::string(properties.name) + " (" + arch +
                           ") lacks the bf16 tensor cores the CUDA kernels need (sm_80 or newer)"};
    }
    int driver = 0;
    cudaDriverGetVersion(&driver);
    char memory[32];
    std::snprintf(memory, sizeof(memory), "%.1f GiB", static_cast<double>(properties.totalGlobalMem) / (1 << 30));
    return {true, std::string(properties.name) + " (" + arch + ", " + memory + ", driver " +
                      std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10) + ")"};
}

}  // namespace

CudaDeviceProbe ProbeCudaDevice() {
    static const CudaDeviceProbe probe = Probe();
    return probe;
}

}  // namespace actcache::cuda
