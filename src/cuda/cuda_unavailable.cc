// The CUDA entry points of a build without CUDA (no nvcc at configure time, or
// -DACTCACHE_CUDA=OFF): the probe says so, and the engine cannot be created.
#include "cuda/cuda_forward.h"

namespace actcache::cuda {

CudaDeviceProbe ProbeCudaDevice() {
    return {false, "this actcache was built without CUDA (no nvcc when it was configured)"};
}

Result<std::unique_ptr<model::ForwardEngine>> CreateCudaForward(const model::LlamaModel&, model::ForwardOptions,
                                                                ThreadPool&) {
    return Status::Unimplemented(ProbeCudaDevice().description);
}

}  // namespace actcache::cuda
