// CudaForward: model::ForwardEngine on one GPU (contract in cuda_forward.h).
//
// Data flow of one pass: token ids → pinned buffer → device (async) → embedding gather → the
// decoder layers as in model/llama_forward.cc, every activation a bf16 device buffer sized once
// for max_batch × max_tokens rows → each capture copied on the device, when its site is
// computed, into a staging buffer (so later in-place updates and the next pass cannot reach it)
// → at the end of the pass the staged captures are downloaded into pinned host memory on a
// second stream, while the compute stream goes on with the next pass. Up to two passes are in
// flight (ForwardEngine::Start), each with its own token, staging and pinned capture buffers
// (a PassSlot); the slots are used in turn. Callers read the bf16 captures directly, or floats
// widened on first use. Weights are uploaded once at creation: bf16 matrices as stored, norms
// and RoPE tables as float, the embedding table as bf16 rows (converted on the host from any
// stored dtype).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <deque>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/bf16.h"
#include "core/check.h"
#include "cuda/cuda_forward.h"
#include "cuda/cuda_status.h"
#include "cuda/device_memory.h"
#include "cuda/elementwise_kernels.h"
#include "cuda/flash_attention.h"
#include "cuda/gemm_cublaslt.h"
#include "model/llama_forward.h"
#include "model/rope.h"

namespace actcache::cuda {
namespace {

using model::HookPoint;
using model::HookSite;

struct DeviceMatrix {
    DeviceArray<std::uint16_t> values;  // [rows, cols] bf16
    std::int64_t rows = 0, cols = 0;
};

struct DeviceLayer {
    DeviceMatrix q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj;
    DeviceArray<float> input_norm, post_attention_norm;
};

Status Upload(const void* host, std::size_t bytes, void* device, const std::string& what) {
    return CudaStatus(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (" + what + ")");
}

Result<DeviceMatrix> UploadMatrix(const kernels::WeightMatrix& w, const std::string& name) {
    ACT_CHECK(w.type == kernels::WeightType::kBf16);
    DeviceMatrix matrix;
    matrix.rows = w.rows;
    matrix.cols = w.cols;
    const auto count = static_cast<std::size_t>(w.rows * w.cols);
    ACT_RETURN_IF_ERROR(matrix.values.Allocate(count, name));
    ACT_RETURN_IF_ERROR(Upload(w.data, count * 2, matrix.values.data(), name));
    return matrix;
}

Result<DeviceArray<float>> UploadFloats(const std::vector<float>& values, const std::string& name) {
    DeviceArray<float> array;
    ACT_RETURN_IF_ERROR(array.Allocate(values.size(), name));
    ACT_RETURN_IF_ERROR(Upload(values.data(), values.size() * sizeof(float), array.data(), name));
    return array;
}

// The buffers and events of one pass in flight.
struct PassSlot {
    PinnedArray<std::int32_t> tokens;                   // the pass's token ids, for the upload
    std::vector<DeviceArray<std::uint16_t>> staged;     // per hook: its values, copied when computed
    std::vector<PinnedArray<std::uint16_t>> captures;   // per hook: the same, downloaded
    cudaEvent_t started = nullptr, computed = nullptr, downloaded = nullptr;
    std::int64_t rows = 0;                               // B·T of its pass
};

class CudaForward final : public model::ForwardEngine {
public:
    CudaForward(const model::LlamaModel& model, model::ForwardOptions options, ThreadPool& host_pool,
                AttentionTiling attention_tiling)
        : model_(model), options_(std::move(options)), host_pool_(host_pool), attention_tiling_(attention_tiling) {}
    ~CudaForward() override {
        for (cudaStream_t stream : {stream_, copy_stream_}) {
            if (stream != nullptr) {
                cudaStreamSynchronize(stream);
                cudaStreamDestroy(stream);
            }
        }
        for (PassSlot& slot : slots_) {
            for (cudaEvent_t event : {slot.started, slot.computed, slot.downloaded}) {
                if (event != nullptr) cudaEventDestroy(event);
            }
        }
    }

    Status Initialize();
    Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override;
    Status Start(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override;
    Status Finish() override;
    double last_pass_seconds() const override { return last_pass_seconds_; }
    std::span<const float> capture(std::size_t hook_index) const override;
    std::int64_t capture_width(std::size_t hook_index) const override { return widths_[hook_index]; }
    std::span<const std::uint16_t> capture_bf16(std::size_t hook_index) const override {
        const PassSlot& slot = slots_[static_cast<std::size_t>(ready_slot_)];
        return {slot.captures[hook_index].data(), static_cast<std::size_t>(slot.rows * widths_[hook_index])};
    }

private:
    Status UploadEmbedding();
    // Enqueues the whole pass (M_ rows of T tokens from slot.tokens) on stream_, then the download
    // of its captures on copy_stream_; Start has checked the input.
    Status Enqueue(PassSlot& slot, std::int64_t T);
    Status Gemm(const std::uint16_t* x, std::int64_t K, const DeviceMatrix& w, std::uint16_t* y);
    // Enqueues the copy of `values` [M, width] into the staging buffer of every hook at (point,
    // layer); true when the pass can stop (the last requested site is computed).
    Result<bool> Capture(HookPoint point, std::int64_t layer, const std::uint16_t* values);
    // Enqueues decoder layer `layer` on h_; true when the pass can stop.
    Result<bool> RunLayer(std::int64_t layer, std::int64_t T);

    const model::LlamaModel& model_;
    model::ForwardOptions options_;
    ThreadPool& host_pool_;
    const AttentionTiling attention_tiling_;
    HookSite last_site_;
    std::vector<std::int64_t> widths_;
    std::int64_t M_ = 0;  // rows of the pass being enqueued (Start)

    std::array<PassSlot, 2> slots_;
    std::deque<int> in_flight_;  // slots of the started passes, oldest first
    int next_slot_ = 0;          // the slot the next Start uses
    int ready_slot_ = 0;         // the slot of the last finished pass: what capture() reads
    double last_pass_seconds_ = 0;

    cudaStream_t stream_ = nullptr;       // the passes' computation, in order
    cudaStream_t copy_stream_ = nullptr;  // the captures' downloads, each after its pass
    std::unique_ptr<GemmCublasLt> gemm_;
    DeviceArray<std::uint16_t> embedding_;  // [V, D]
    std::vector<DeviceLayer> layers_;
    DeviceArray<float> final_norm_, rope_cos_, rope_sin_;
    DeviceArray<std::int32_t> tokens_;
    DeviceArray<std::uint16_t> h_, normed_, q_, k_, v_, attention_, projected_, gate_, up_;
    // Widened to float on first use after a pass (callers storing bf16 use capture_bf16).
    mutable std::vector<std::vector<float>> captures_;
    mutable std::vector<bool> widened_;
};

Status CudaForward::Initialize() {
    const model::LlamaConfig& c = model_.config();
    last_site_ = model::LastHookSite(options_.hooks);
    for (const HookSite& site : options_.hooks) widths_.push_back(site.Width(c));
    ACT_CUDA_RETURN_IF_ERROR(cudaSetDevice(0), "cudaSetDevice");
    ACT_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    ACT_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    for (PassSlot& slot : slots_) {
        for (cudaEvent_t* event : {&slot.started, &slot.computed, &slot.downloaded}) {
            ACT_CUDA_RETURN_IF_ERROR(cudaEventCreate(event), "cudaEventCreate");
        }
    }
    ACT_ASSIGN_OR_RETURN(gemm_, GemmCublasLt::Create());

    const model::RequiredWeights required = model::WeightsForHooks(options_.hooks);
    const std::int64_t rows = options_.max_batch * options_.max_tokens;
    for (std::int64_t l = 0; l < required.n_layers; ++l) {
        const model::LayerWeights& w = model_.layer(l);
        const std::string prefix = "model.layers." + std::to_string(l) + ".";
        DeviceLayer layer;
        ACT_ASSIGN_OR_RETURN(layer.q_proj, UploadMatrix(w.q_proj, prefix + "self_attn.q_proj"));
        ACT_ASSIGN_OR_RETURN(layer.k_proj, UploadMatrix(w.k_proj, prefix + "self_attn.k_proj"));
        ACT_ASSIGN_OR_RETURN(layer.v_proj, UploadMatrix(w.v_proj, prefix + "self_attn.v_proj"));
        ACT_ASSIGN_OR_RETURN(layer.o_proj, UploadMatrix(w.o_proj, prefix + "self_attn.o_proj"));
        ACT_ASSIGN_OR_RETURN(layer.gate_proj, UploadMatrix(w.gate_proj, prefix + "mlp.gate_proj"));
        ACT_ASSIGN_OR_RETURN(layer.up_proj, UploadMatrix(w.up_proj, prefix + "mlp.up_proj"));
        ACT_ASSIGN_OR_RETURN(layer.down_proj, UploadMatrix(w.down_proj, prefix + "mlp.down_proj"));
        ACT_ASSIGN_OR_RETURN(layer.input_norm, UploadFloats(w.input_norm, prefix + "input_layernorm"));
        ACT_ASSIGN_OR_RETURN(layer.post_attention_norm,
                             UploadFloats(w.post_attention_norm, prefix + "post_attention_layernorm"));
        for (const DeviceMatrix* m : {&layer.q_proj, &layer.k_proj, &layer.v_proj, &layer.o_proj, &layer.gate_proj,
                                      &layer.up_proj, &layer.down_proj}) {
            ACT_RETURN_IF_ERROR(gemm_->Prepare(m->rows, m->cols, rows));
        }
        layers_.push_back(std::move(layer));
    }
    if (required.final_norm) {
        ACT_ASSIGN_OR_RETURN(final_norm_, UploadFloats(model_.final_norm(), "model.norm"));
    }
    ACT_RETURN_IF_ERROR(UploadEmbedding());
    const model::RopeTables rope = model::ComputeRopeTables(c, options_.max_tokens, model_.precision());
    ACT_ASSIGN_OR_RETURN(rope_cos_, UploadFloats(rope.cos, "RoPE cos table"));
    ACT_ASSIGN_OR_RETURN(rope_sin_, UploadFloats(rope.sin, "RoPE sin table"));

    const std::int64_t D = c.hidden_size, F = c.intermediate_size;
    const std::int64_t q_width = c.num_attention_heads * c.head_dim, kv_width = c.num_key_value_heads * c.head_dim;
    auto allocate = [&](DeviceArray<std::uint16_t>& buffer, std::int64_t width, const char* name) {
        return buffer.Allocate(static_cast<std::size_t>(rows * width), name);
    };
    ACT_RETURN_IF_ERROR(tokens_.Allocate(static_cast<std::size_t>(rows), "token ids"));
    ACT_RETURN_IF_ERROR(allocate(h_, D, "residual stream"));
    ACT_RETURN_IF_ERROR(allocate(normed_, D, "normalized activations"));
    ACT_RETURN_IF_ERROR(allocate(projected_, D, "projections"));
    ACT_RETURN_IF_ERROR(allocate(q_, q_width, "queries"));
    ACT_RETURN_IF_ERROR(allocate(attention_, q_width, "attention output"));
    ACT_RETURN_IF_ERROR(allocate(k_, kv_width, "keys"));
    ACT_RETURN_IF_ERROR(allocate(v_, kv_width, "values"));
    if (required.n_layers > 0) {
        ACT_RETURN_IF_ERROR(allocate(gate_, F, "MLP gate"));
        ACT_RETURN_IF_ERROR(allocate(up_, F, "MLP up"));
    }
    for (PassSlot& slot : slots_) {
        ACT_RETURN_IF_ERROR(slot.tokens.Allocate(static_cast<std::size_t>(rows), "token ids"));
        for (std::int64_t width : widths_) {
            slot.staged.emplace_back();
            ACT_RETURN_IF_ERROR(slot.staged.back().Allocate(static_cast<std::size_t>(rows * width), "staged captures"));
            slot.captures.emplace_back();
            ACT_RETURN_IF_ERROR(slot.captures.back().Allocate(static_cast<std::size_t>(rows * width), "captures"));
        }
    }
    captures_.resize(widths_.size());
    widened_.assign(widths_.size(), false);
    return Status::Ok();
}

std::span<const float> CudaForward::capture(std::size_t hook_index) const {
    const std::span<const std::uint16_t> bits = capture_bf16(hook_index);
    const auto n = static_cast<std::int64_t>(bits.size());
    std::vector<float>& values = captures_[hook_index];
    if (!widened_[hook_index]) {
        values.resize(static_cast<std::size_t>(n));
        constexpr std::int64_t kChunk = std::int64_t{1} << 16;
        host_pool_.ParallelFor((n + kChunk - 1) / kChunk, [&](std::int64_t chunk) {
            const std::int64_t end = std::min(n, (chunk + 1) * kChunk);
            for (std::int64_t e = chunk * kChunk; e < end; ++e) values[static_cast<std::size_t>(e)] = Bf16ToFloat(bits[e]);
        });
        widened_[hook_index] = true;
    }
    return {values.data(), static_cast<std::size_t>(n)};
}

Status CudaForward::UploadEmbedding() {
    const model::LlamaConfig& c = model_.config();
    const std::int64_t V = c.vocab_size, D = c.hidden_size;
    ACT_RETURN_IF_ERROR(embedding_.Allocate(static_cast<std::size_t>(V * D), "model.embed_tokens"));
    // Row by row through LlamaModel::EmbeddingRow (any stored dtype), in chunks through a pinned
    // staging buffer.
    constexpr std::int64_t kChunkRows = 4096;
    PinnedArray<std::uint16_t> staging;
    ACT_RETURN_IF_ERROR(staging.Allocate(static_cast<std::size_t>(kChunkRows * D), "embedding staging"));
    for (std::int64_t first = 0; first < V; first += kChunkRows) {
        const std::int64_t n = std::min(kChunkRows, V - first);
        host_pool_.ParallelFor(n, [&](std::int64_t i) {
            std::vector<float> row(static_cast<std::size_t>(D));
            model_.EmbeddingRow(first + i, row.data());
            for (std::int64_t d = 0; d < D; ++d) staging.data()[i * D + d] = RoundToBf16(row[static_cast<std::size_t>(d)]);
        });
        ACT_RETURN_IF_ERROR(Upload(staging.data(), static_cast<std::size_t>(n * D) * 2, embedding_.data() + first * D,
                                   "model.embed_tokens"));
    }
    return Status::Ok();
}

Status CudaForward::Gemm(const std::uint16_t* x, std::int64_t K, const DeviceMatrix& w, std::uint16_t* y) {
    return gemm_->Run(stream_, x, M_, K, w.values.data(), w.rows, y);
}

Result<bool> CudaForward::Capture(HookPoint point, std::int64_t layer, const std::uint16_t* values) {
    for (std::size_t i = 0; i < options_.hooks.size(); ++i) {
        const HookSite& site = options_.hooks[i];
        if (site.point == point && site.layer == layer) {
            ACT_CUDA_RETURN_IF_ERROR(
                cudaMemcpyAsync(slots_[static_cast<std::size_t>(in_flight_.back())].staged[i].data(), values,
                                static_cast<std::size_t>(M_ * widths_[i]) * 2, cudaMemcpyDeviceToDevice, stream_),
                "cudaMemcpyAsync (capture of " + site.name + ")");
        }
    }
    return last_site_.point == point && last_site_.layer == layer;
}

Status CudaForward::Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) {
    ACT_CHECK(in_flight_.empty());
    ACT_RETURN_IF_ERROR(Start(tokens, B, T));
    return Finish();
}

Status CudaForward::Start(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) {
    ACT_CHECK(in_flight_.size() < 2);
    ACT_RETURN_IF_ERROR(model::CheckForwardInput(model_.config(), options_, tokens, B, T));
    // The slot's last pass was finished (its download waited for), so its buffers are free; the
    // captures of the last finished pass may be in it, and the contract ends their validity here.
    const int s = next_slot_;
    PassSlot& slot = slots_[static_cast<std::size_t>(s)];
    M_ = B * T;
    slot.rows = M_;
    std::memcpy(slot.tokens.data(), tokens.data(), tokens.size_bytes());
    in_flight_.push_back(s);
    if (Status status = Enqueue(slot, T); !status.ok()) {
        in_flight_.pop_back();
        return status;
    }
    next_slot_ = 1 - s;
    return Status::Ok();
}

Status CudaForward::Enqueue(PassSlot& slot, std::int64_t T) {
    const model::LlamaConfig& c = model_.config();
    const std::int64_t D = c.hidden_size;
    ACT_CUDA_RETURN_IF_ERROR(cudaEventRecord(slot.started, stream_), "cudaEventRecord");
    ACT_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(tokens_.data(), slot.tokens.data(), static_cast<std::size_t>(M_) * 4,
                                             cudaMemcpyHostToDevice, stream_),
                             "cudaMemcpyAsync (token ids)");
    ACT_CUDA_RETURN_IF_ERROR(LaunchEmbeddingGather(embedding_.data(), tokens_.data(), M_, D, h_.data(), stream_),
                             "embedding kernel");
    ACT_ASSIGN_OR_RETURN(bool done, Capture(HookPoint::kEmbedOutput, -1, h_.data()));
    for (std::int64_t layer = 0; !done && layer < static_cast<std::int64_t>(layers_.size()); ++layer) {
        ACT_ASSIGN_OR_RETURN(done, RunLayer(layer, T));
    }
    if (!done) {
        ACT_CUDA_RETURN_IF_ERROR(LaunchRmsNorm(h_.data(), M_, D, final_norm_.data(), static_cast<float>(c.rms_norm_eps),
                                               normed_.data(), stream_),
                                 "RMSNorm kernel (model.norm)");
        ACT_RETURN_IF_ERROR(Capture(HookPoint::kFinalNormOutput, c.num_hidden_layers, normed_.data()).status());
    }
    ACT_CUDA_RETURN_IF_ERROR(cudaEventRecord(slot.computed, stream_), "cudaEventRecord");
    // The download waits for the pass's computation only; the compute stream goes on at once.
    ACT_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(copy_stream_, slot.computed, 0), "cudaStreamWaitEvent");
    for (std::size_t i = 0; i < widths_.size(); ++i) {
        ACT_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slot.captures[i].data(), slot.staged[i].data(),
                                                 static_cast<std::size_t>(M_ * widths_[i]) * 2, cudaMemcpyDeviceToHost,
                                                 copy_stream_),
                                 "cudaMemcpyAsync (download of " + options_.hooks[i].name + ")");
    }
    ACT_CUDA_RETURN_IF_ERROR(cudaEventRecord(slot.downloaded, copy_stream_), "cudaEventRecord");
    return Status::Ok();
}

Status CudaForward::Finish() {
    ACT_CHECK(!in_flight_.empty());
    const int s = in_flight_.front();
    in_flight_.pop_front();
    PassSlot& slot = slots_[static_cast<std::size_t>(s)];
    ACT_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(slot.downloaded), "the forward pass on the GPU");
    float milliseconds = 0;
    ACT_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&milliseconds, slot.started, slot.computed), "cudaEventElapsedTime");
    last_pass_seconds_ = milliseconds / 1e3;
    ready_slot_ = s;
    std::fill(widened_.begin(), widened_.end(), false);
    return Status::Ok();
}

Result<bool> CudaForward::RunLayer(std::int64_t layer, std::int64_t T) {
    const model::LlamaConfig& c = model_.config();
    const DeviceLayer& w = layers_[static_cast<std::size_t>(layer)];
    const std::int64_t D = c.hidden_size, F = c.intermediate_size;
    const std::int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, Dh = c.head_dim;
    const float eps = static_cast<float>(c.rms_norm_eps);
    // sdpa's default scale 1/sqrt(Dh), computed in double, used in fp32 (as the CPU engine).
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Dh)));
    bool done = false;
#define ACT_CAPTURE(point, buffer)                                         \
    do {                                                                   \
        ACT_ASSIGN_OR_RETURN(done, Capture(HookPoint::point, layer, buffer)); \
        if (done) return true;                                             \
    } while (false)

    // Attention block: h = R(h + o_proj(attention(rope(q), rope(k), v))), q/k/v from norm(h).
    ACT_CAPTURE(kLayerInput, h_.data());
    ACT_CUDA_RETURN_IF_ERROR(LaunchRmsNorm(h_.data(), M_, D, w.input_norm.data(), eps, normed_.data(), stream_),
                             "RMSNorm kernel");
    ACT_CAPTURE(kInputNormOutput, normed_.data());
    ACT_RETURN_IF_ERROR(Gemm(normed_.data(), D, w.q_proj, q_.data()));
    ACT_RETURN_IF_ERROR(Gemm(normed_.data(), D, w.k_proj, k_.data()));
    ACT_RETURN_IF_ERROR(Gemm(normed_.data(), D, w.v_proj, v_.data()));
    ACT_CAPTURE(kQProj, q_.data());
    ACT_CAPTURE(kKProj, k_.data());
    ACT_CAPTURE(kVProj, v_.data());
    ACT_CUDA_RETURN_IF_ERROR(LaunchRope(q_.data(), M_, T, H, Dh, rope_cos_.data(), rope_sin_.data(), stream_),
                             "RoPE kernel");
    ACT_CUDA_RETURN_IF_ERROR(LaunchRope(k_.data(), M_, T, Hkv, Dh, rope_cos_.data(), rope_sin_.data(), stream_),
                             "RoPE kernel");
    ACT_CUDA_RETURN_IF_ERROR(
        LaunchFlashAttention(q_.data(), k_.data(), v_.data(), M_ / T, T, H, Hkv, Dh, scale, attention_.data(), stream_,
                             attention_tiling_),
        "attention kernel");
    ACT_CAPTURE(kOProjInput, attention_.data());
    ACT_RETURN_IF_ERROR(Gemm(attention_.data(), H * Dh, w.o_proj, projected_.data()));
    ACT_CAPTURE(kAttentionOutput, projected_.data());
    ACT_CUDA_RETURN_IF_ERROR(LaunchAdd(h_.data(), projected_.data(), M_ * D, h_.data(), stream_), "add kernel");
    ACT_CAPTURE(kResidualMid, h_.data());

    // MLP block: h = R(h + down(R(R(silu(gate(x))) · up(x)))), x = norm(h).
    ACT_CUDA_RETURN_IF_ERROR(
        LaunchRmsNorm(h_.data(), M_, D, w.post_attention_norm.data(), eps, normed_.data(), stream_), "RMSNorm kernel");
    ACT_CAPTURE(kPostNormOutput, normed_.data());
    ACT_RETURN_IF_ERROR(Gemm(normed_.data(), D, w.gate_proj, gate_.data()));
    ACT_RETURN_IF_ERROR(Gemm(normed_.data(), D, w.up_proj, up_.data()));
    ACT_CAPTURE(kGateProj, gate_.data());
    ACT_CAPTURE(kUpProj, up_.data());
    ACT_CUDA_RETURN_IF_ERROR(LaunchSiluMul(gate_.data(), up_.data(), M_ * F, gate_.data(), stream_), "SwiGLU kernel");
    ACT_CAPTURE(kMlpProduct, gate_.data());
    ACT_RETURN_IF_ERROR(Gemm(gate_.data(), F, w.down_proj, projected_.data()));
    ACT_CAPTURE(kMlpOutput, projected_.data());
    ACT_CUDA_RETURN_IF_ERROR(LaunchAdd(h_.data(), projected_.data(), M_ * D, h_.data(), stream_), "add kernel");
    ACT_CAPTURE(kLayerOutput, h_.data());
#undef ACT_CAPTURE
    return false;
}

}  // namespace

Result<std::unique_ptr<model::ForwardEngine>> CreateCudaForward(const model::LlamaModel& model,
                                                                model::ForwardOptions options, ThreadPool& host_pool) {
    const CudaDeviceProbe probe = ProbeCudaDevice();
    if (!probe.available) return Status::Unavailable("--device cuda: " + probe.description);
    if (model.precision() != kernels::Precision::kBf16) {
        return Status::InvalidArgument("--device cuda computes in bf16 only; --dtype f32 runs on the CPU (--device cpu)");
    }
    const model::LlamaConfig& c = model.config();
    ACT_RETURN_IF_ERROR(model::CheckForwardOptions(c, options));
    const model::RequiredWeights required = model::WeightsForHooks(options.hooks);
    if (required.n_layers > model.n_prepared_layers() || (required.final_norm && model.final_norm().empty())) {
        return Status::InvalidArgument("the model was loaded without the layers these hooks need");
    }
    if (!FlashAttentionSupportsHeadDim(c.head_dim)) {
        return Status::InvalidArgument("--device cuda: head_dim " + std::to_string(c.head_dim) +
                                       " is not one the CUDA attention kernel is built for (16, 32, 64, 96, 128)");
    }
    ACT_ASSIGN_OR_RETURN(const AttentionTiling tiling, ParseAttentionTiling(std::getenv("ACTCACHE_CUDA_ATTENTION")));
    if (!FlashAttentionSupportsTiling(c.head_dim, tiling)) {
        return Status::InvalidArgument(std::string("ACTCACHE_CUDA_ATTENTION=") + AttentionTilingName(tiling) +
                                       ": built for head dims up to 64; this model's is " + std::to_string(c.head_dim));
    }
    auto engine = std::make_unique<CudaForward>(model, std::move(options), host_pool, tiling);
    ACT_RETURN_IF_ERROR(engine->Initialize());
    return std::unique_ptr<model::ForwardEngine>(std::move(engine));
}

}  // namespace actcache::cuda
