// ComputeDevice: where the forward pass runs (--device cpu|cuda|auto), and the ForwardEngine
// for it. The one place that chooses between the CPU kernels and the CUDA backend.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "kernels/precision.h"
#include "model/forward_engine.h"
#include "model/llama_model.h"

namespace actcache::pipeline {

enum class ComputeDevice { kCpu, kCuda };

struct ResolvedDevice {
    ComputeDevice device = ComputeDevice::kCpu;
    // For logs and the run manifest: "cpu (avx512bf16 kernels, 2 threads)",
    // "cuda: NVIDIA H200 (sm_90, 139.8 GiB, driver 13.0)".
    std::string description;
};

// "cpu"; "cuda" (Unavailable, one line saying why, when this build or machine has no usable GPU;
// InvalidArgument with --dtype f32, which the GPU does not compute); "auto": cuda when a GPU is
// usable and the precision is bf16, else cpu. Anything else: InvalidArgument naming --device.
// `threads`: the CPU thread count, for the description.
Result<ResolvedDevice> ResolveComputeDevice(const std::string& requested, kernels::Precision precision,
                                            int threads);

// Shard encoder threads (ShardSinkOptions::writer_threads) when --writer-threads is not given. A
// GPU makes rows faster than one core encodes them: half the cores, up to 8. On the CPU the
// cores compute the forward pass and the writer thread encodes as rows arrive: 0.
int DefaultWriterThreads(ComputeDevice device);

// The engine for `device`. `pool` runs the CPU kernels (kCpu) or the host-side conversions
// (kCuda); it and `model` must outlive the engine.
Result<std::unique_ptr<model::ForwardEngine>> CreateForwardEngine(ComputeDevice device,
                                                                  const model::LlamaModel& model,
                                                                  model::ForwardOptions options,
                                                                  ThreadPool& pool);

}  // namespace actcache::pipeline
