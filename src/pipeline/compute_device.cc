#include "pipeline/compute_device.h"

#include <algorithm>
#include <utility>

#include "cuda/cuda_forward.h"
#include "kernels/backend.h"
#include "model/llama_forward.h"

namespace actcache::pipeline {
namespace {

// LlamaForward together with the CPU backend it runs on.
class CpuForwardEngine final : public model::ForwardEngine {
public:
    CpuForwardEngine(std::unique_ptr<kernels::Backend> backend, std::unique_ptr<model::LlamaForward> forward)
        : backend_(std::move(backend)), forward_(std::move(forward)) {}

    Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override {
        return forward_->Run(tokens, B, T);
    }
    std::span<const float> capture(std::size_t hook_index) const override { return forward_->capture(hook_index); }
    std::int64_t capture_width(std::size_t hook_index) const override { return forward_->capture_width(hook_index); }

private:
    std::unique_ptr<kernels::Backend> backend_;  // declared before forward_: outlives it
    std::unique_ptr<model::LlamaForward> forward_;
};

Result<ResolvedDevice> Cpu(int threads) {
    ACT_ASSIGN_OR_RETURN(const kernels::CpuKernelSet set, kernels::SelectCpuKernelSet());
    return ResolvedDevice{ComputeDevice::kCpu, "cpu (" + std::string(kernels::CpuKernelSetName(set)) + " kernels, " +
                                                   std::to_string(threads) + (threads == 1 ? " thread)" : " threads)")};
}

// Has the backend take each linear weight of the prepared layers now, before any activation
// buffer exists, and lets the mapped checkpoint pages of those it copied leave memory weight by
// weight: for layers 0-8 of Llama-3.2-1B the packed copy is 1.1 GB, and the mapped original no
// longer sits beside it (nor beside a batch's activations).
void PrepareWeights(const model::LlamaModel& model, kernels::Backend& backend) {
    for (std::int64_t layer = 0; layer < model.n_prepared_layers(); ++layer) {
        const model::LayerWeights& weights = model.layer(layer);
        for (const kernels::WeightMatrix* w : {&weights.q_proj, &weights.k_proj, &weights.v_proj, &weights.o_proj,
                                               &weights.gate_proj, &weights.up_proj, &weights.down_proj}) {
            if (backend.PrepareWeight(model.precision(), *w)) model.ReleaseMappedPages(*w);
        }
    }
}

}  // namespace

Result<ResolvedDevice> ResolveComputeDevice(const std::string& requested, kernels::Precision precision,
                                            int threads) {
    if (requested == "cpu") return Cpu(threads);
    if (requested != "cuda" && requested != "auto") {
        return Status::InvalidArgument("--device: '" + requested + "' is not cpu, cuda or auto");
    }
    const cuda::CudaDeviceProbe probe = cuda::ProbeCudaDevice();
    if (requested == "auto") {
        if (probe.available && precision == kernels::Precision::kBf16) {
            return ResolvedDevice{ComputeDevice::kCuda, "cuda: " + probe.description};
        }
        return Cpu(threads);
    }
    if (!probe.available) return Status::Unavailable("--device cuda: " + probe.description);
    if (precision != kernels::Precision::kBf16) {
        return Status::InvalidArgument("--device cuda computes in bf16 only; --dtype f32 runs on the CPU (--device cpu)");
    }
    return ResolvedDevice{ComputeDevice::kCuda, "cuda: " + probe.description};
}

int DefaultWriterThreads(ComputeDevice device) {
    return device == ComputeDevice::kCuda ? std::clamp(ThreadPool::HardwareThreads() / 2, 1, 8) : 0;
}

Result<std::unique_ptr<model::ForwardEngine>> CreateForwardEngine(ComputeDevice device, const model::LlamaModel& model,
                                                                  model::ForwardOptions options, ThreadPool& pool) {
    if (device == ComputeDevice::kCuda) return cuda::CreateCudaForward(model, std::move(options), pool);
    ACT_ASSIGN_OR_RETURN(const kernels::CpuKernelSet set, kernels::SelectCpuKernelSet());
    std::unique_ptr<kernels::Backend> backend = kernels::MakeCpuBackend(pool, set);
    PrepareWeights(model, *backend);
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<model::LlamaForward> forward,
                         model::LlamaForward::Create(model, *backend, std::move(options)));
    return std::unique_ptr<model::ForwardEngine>(new CpuForwardEngine(std::move(backend), std::move(forward)));
}

}  // namespace actcache::pipeline
