// cuda_kernels_bench: each CUDA kernel of the forward pass on the Llama-3.2-1B shapes, timed with
// CUDA events on the device (one table): the cuBLASLt GEMM of every weight shape and the flash
// attention in TFLOP/s, the memory-bound kernels and the capture download in GB/s, and the sum
// per decoder layer — where the forward pass's time goes.
//
//   cuda_kernels_bench [--batch 16] [--seq-len 4096] [--iterations 10]
//
// FLOPs: 2·M·N·K per GEMM; attention 4·B·H·Dh·Σ_t (t+1) (QKᵀ and P·V over the causal half),
// the count bench/README.md uses. Bytes: what each kernel must read and write once.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cuda/elementwise_kernels.h"
#include "cuda/flash_attention.h"
#include "cuda/gemm_cublaslt.h"
#include "model/presets.h"

namespace {

using actcache::cuda::GemmCublasLt;

void Check(cudaError_t error, const char* what) {
    if (error != cudaSuccess) {
        std::fprintf(stderr, "cuda_kernels_bench: %s: %s\n", what, cudaGetErrorString(error));
        std::exit(1);
    }
}

// A device buffer of n bf16 values, filled with small random-ish bit patterns (finite values).
std::uint16_t* Bf16Buffer(std::size_t n) {
    void* p = nullptr;
    Check(cudaMalloc(&p, n * 2), "cudaMalloc");
    std::vector<std::uint16_t> host(n);
    std::uint32_t state = 12345;
    for (auto& v : host) {
        state = state * 1664525u + 1013904223u;
        v = static_cast<std::uint16_t>(0x3c00u + (state >> 24) - 128u);  // ±[2^-8, 2^-6] · (1..2)
    }
    Check(cudaMemcpy(p, host.data(), n * 2, cudaMemcpyHostToDevice), "cudaMemcpy");
    return static_cast<std::uint16_t*>(p);
}

float* FloatBuffer(std::size_t n, float value) {
    std::vector<float> host(n, value);
    void* p = nullptr;
    Check(cudaMalloc(&p, n * 4), "cudaMalloc");
    Check(cudaMemcpy(p, host.data(), n * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
    return static_cast<float*>(p);
}

// Milliseconds per call of `work` (enqueued on the default stream), after two warm-ups.
double TimeMs(int iterations, const std::function<void()>& work) {
    work();
    work();
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    cudaEventRecord(start);
    for (int i = 0; i < iterations; ++i) work();
    cudaEventRecord(stop);
    Check(cudaEventSynchronize(stop), "kernel");
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms / iterations;
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t B = 16, T = 4096;
    int iterations = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--batch")) B = std::atoll(argv[i + 1]);
        if (!std::strcmp(argv[i], "--seq-len")) T = std::atoll(argv[i + 1]);
        if (!std::strcmp(argv[i], "--iterations")) iterations = std::atoi(argv[i + 1]);
    }
    const auto c = *actcache::model::PresetConfig("llama-3.2-1b");
    const std::int64_t M = B * T, D = c.hidden_size, F = c.intermediate_size;
    const std::int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, Dh = c.head_dim;
    cudaDeviceProp properties{};
    Check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
    std::printf("%s; Llama-3.2-1B shapes, batch %lld x seq_len %lld = %lld tokens; %d iterations\n\n",
                properties.name, static_cast<long long>(B), static_cast<long long>(T), static_cast<long long>(M),
                iterations);
    std::printf("| kernel | ms | per layer | rate |\n|---|---|---|---|\n");
    double layer_ms = 0;
    // `amount`: FLOPs (reported in TFLOP/s) or bytes (GB/s) of one call.
    auto report = [&](const std::string& name, double ms, int per_layer, double amount, const char* unit) {
        layer_ms += ms * per_layer;
        const double per_second = amount / (ms * 1e-3);
        const bool flops = std::string(unit) == "TFLOP/s";
        std::printf("| %s | %.3f | x%d | %.1f %s |\n", name.c_str(), ms, per_layer, per_second / (flops ? 1e12 : 1e9), unit);
    };

    auto gemm = GemmCublasLt::Create();
    if (!gemm.ok()) {
        std::fprintf(stderr, "cuda_kernels_bench: %s\n", gemm.status().message().c_str());
        return 1;
    }
    std::uint16_t* x = Bf16Buffer(static_cast<std::size_t>(M * F));
    std::uint16_t* y = Bf16Buffer(static_cast<std::size_t>(M * F));
    std::uint16_t* w = Bf16Buffer(static_cast<std::size_t>(F * D));
    struct Shape {
        const char* name;
        std::int64_t N, K;
        int per_layer;
    };
    for (const Shape& s : {Shape{"GEMM q_proj / o_proj [2048, 2048]", H * Dh, D, 2},
                           Shape{"GEMM k_proj / v_proj [512, 2048]", Hkv * Dh, D, 2},
                           Shape{"GEMM gate_proj / up_proj [8192, 2048]", F, D, 2},
                           Shape{"GEMM down_proj [2048, 8192]", D, F, 1}}) {
        if (!(*gemm)->Prepare(s.N, s.K, M).ok()) return 1;
        const double ms = TimeMs(iterations, [&] { (void)(*gemm)->Run(nullptr, x, M, s.K, w, s.N, y); });
        report(std::string(s.name) + " (" + (*gemm)->Describe(s.N, s.K) + ")", ms, s.per_layer,
               2.0 * static_cast<double>(M) * static_cast<double>(s.N) * static_cast<double>(s.K), "TFLOP/s");
    }

    std::uint16_t* q = Bf16Buffer(static_cast<std::size_t>(M * H * Dh));
    std::uint16_t* k = Bf16Buffer(static_cast<std::size_t>(M * Hkv * Dh));
    std::uint16_t* v = Bf16Buffer(static_cast<std::size_t>(M * Hkv * Dh));
    const double attention_flops = 4.0 * static_cast<double>(B * H * Dh) * static_cast<double>(T) * static_cast<double>(T + 1) / 2;
    const double attention_ms = TimeMs(iterations, [&] {
        Check(actcache::cuda::LaunchFlashAttention(q, k, v, B, T, H, Hkv, Dh, 0.125f, y, nullptr), "attention");
    });
    report("flash attention (causal GQA, Dh 64)", attention_ms, 1, attention_flops, "TFLOP/s");
    // The other tiling, side by side (x0: not in the layer's sum); the engine uses the default.
    for (const auto tiling : {actcache::cuda::AttentionTiling::k64Queries, actcache::cuda::AttentionTiling::k128Queries}) {
        if (tiling == actcache::cuda::kDefaultAttentionTiling) continue;
        const double ms = TimeMs(iterations, [&] {
            Check(actcache::cuda::LaunchFlashAttention(q, k, v, B, T, H, Hkv, Dh, 0.125f, y, nullptr, tiling), "attention");
        });
        report(std::string("flash attention, ") +
                   (tiling == actcache::cuda::AttentionTiling::k128Queries ? "128" : "64") +
                   " queries per block (not the default)",
               ms, 0, attention_flops, "TFLOP/s");
    }

    float* norm_weight = FloatBuffer(static_cast<std::size_t>(D), 1.0f);
    const double bytes_d = static_cast<double>(M * D) * 2;
    report("RMSNorm [M, 2048]", TimeMs(iterations, [&] {
               Check(actcache::cuda::LaunchRmsNorm(x, M, D, norm_weight, 1e-5f, y, nullptr), "rmsnorm");
           }), 2, 2 * bytes_d, "GB/s");
    float* table = FloatBuffer(static_cast<std::size_t>(T * Dh), 0.5f);
    report("RoPE q and k", TimeMs(iterations, [&] {
               Check(actcache::cuda::LaunchRope(q, M, T, H, Dh, table, table, nullptr), "rope");
               Check(actcache::cuda::LaunchRope(k, M, T, Hkv, Dh, table, table, nullptr), "rope");
           }), 1, 2.0 * static_cast<double>(M * (H + Hkv) * Dh) * 2, "GB/s");
    report("SwiGLU [M, 8192]", TimeMs(iterations, [&] {
               Check(actcache::cuda::LaunchSiluMul(x, y, M * F, y, nullptr), "silu");
           }), 1, 3.0 * static_cast<double>(M * F) * 2, "GB/s");
    report("residual add [M, 2048]", TimeMs(iterations, [&] {
               Check(actcache::cuda::LaunchAdd(x, y, M * D, y, nullptr), "add");
           }), 2, 3 * bytes_d, "GB/s");
    const double decoder_ms = layer_ms;

    void* pinned = nullptr;
    Check(cudaMallocHost(&pinned, static_cast<std::size_t>(M * D) * 2), "cudaMallocHost");
    report("capture download [M, 2048] to pinned memory", TimeMs(iterations, [&] {
               Check(cudaMemcpyAsync(pinned, y, static_cast<std::size_t>(M * D) * 2, cudaMemcpyDeviceToHost), "copy");
           }), 0, bytes_d, "GB/s");
    const double flops_layer = 2.0 * static_cast<double>(M) * (2 * H * Dh * D + 2 * Hkv * Dh * D + 3 * D * F) + attention_flops;
    std::printf("\none decoder layer, sum of the kernels: %.2f ms = %.1f TFLOP/s; 9 layers (the layer-8 hook): %.1f ms "
                "per batch = %.0f tokens/s\n",
                decoder_ms, flops_layer / (decoder_ms * 1e-3) / 1e12, 9 * decoder_ms, static_cast<double>(M) / (9 * decoder_ms / 1e3));
    return 0;
}
