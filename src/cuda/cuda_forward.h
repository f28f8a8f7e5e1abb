// The CUDA forward engine: the Llama forward pass with hook capture on one NVIDIA GPU
// (model::ForwardEngine's contract), and the probe that says whether a GPU is there.
//
// This header needs no CUDA headers: the rest of actcache includes it whether or not the build
// has CUDA. Without CUDA (cuda_unavailable.cc), ProbeCudaDevice says why and CreateCudaForward
// returns Unimplemented.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "cuda/attention_tiling.h"
#include "model/forward_engine.h"
#include "model/llama_model.h"

namespace actcache::cuda {

struct CudaDeviceProbe {
    bool available = false;
    // Available: the device, "NVIDIA H200 (sm_90, 139.8 GiB, driver 13.0)". Otherwise why not:
    // "this actcache was built without CUDA", "no CUDA device is visible (cudaGetDeviceCount:
    // CUDA driver version is insufficient for CUDA runtime version)".
    std::string description;
};

// Looks for device 0 (CUDA_VISIBLE_DEVICES applies). Cheap after the first call.
CudaDeviceProbe ProbeCudaDevice();

// The value of ACTCACHE_CUDA_ATTENTION, which CreateCudaForward reads to override the attention
// kernel's tiling (so that a GPU session can measure one against the other without a rebuild):
// null or empty gives kDefaultAttentionTiling; "q64" and "q128" name a tiling; anything else is
// InvalidArgument naming the variable and its values.
Result<AttentionTiling> ParseAttentionTiling(const char* value);

// Uploads the weights the hooks need (model must be loaded in Precision::kBf16) and sizes the
// device buffers for options.max_batch × options.max_tokens tokens. `host_pool` does the
// host-side conversions (the embedding table, captures back to float) and must outlive the
// engine; so must `model`. Errors: InvalidArgument for an f32 model or a head_dim the attention
// kernel lacks; Unavailable without a device; ResourceExhausted naming the buffer that did not
// fit in GPU memory.
Result<std::unique_ptr<model::ForwardEngine>> CreateCudaForward(const model::LlamaModel& model,
                                                                 model::ForwardOptions options,
                                                                 ThreadPool& host_pool);

}  // namespace actcache::cuda
