// The CUDA backend against the CPU kernels, on the GPU: each kernel against its scalar
// reference (kernels/reference_kernels.h), and the whole forward pass against the CPU engine —
// its error against the CPU float32 mode no worse than 1.25× the CPU bf16 mode's (issue #10),
// several hooks at once, and a token's values independent of the batch it shares.
// Every test skips itself when no CUDA device is visible (CI has none); scripts/device-check.sh
// runs them on a GPU machine.
#include <cuda_runtime_api.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/json.h"
#include "core/random.h"
#include "cuda/cuda_forward.h"
#include "cuda/elementwise_kernels.h"
#include "cuda/flash_attention.h"
#include "cuda/gemm_cublaslt.h"
#include "kernels/backend.h"
#include "kernels/reference_kernels.h"
#include "model/llama_forward.h"
#include "model/presets.h"
#include "model/random_model.h"
#include "support/temp_dir.h"

namespace actcache::cuda {
namespace {

using kernels::Precision;

#define SKIP_WITHOUT_DEVICE()                                                            \
    do {                                                                                 \
        if (!ProbeCudaDevice().available) GTEST_SKIP() << ProbeCudaDevice().description; \
    } while (false)

// bf16 values of N(0, scale²), as floats.
std::vector<float> RandomBf16(std::size_t n, std::uint64_t seed, double scale = 1.0) {
    NormalGenerator normal(seed);
    std::vector<float> values(n);
    for (float& v : values) v = Bf16ToFloat(RoundToBf16(static_cast<float>(normal.Next() * scale)));
    return values;
}

// A device copy of `values` as bf16 bits (or float), freed with the object.
class OnDevice {
public:
    explicit OnDevice(const std::vector<float>& values, bool as_float = false) : bytes_(values.size() * (as_float ? 4 : 2)) {
        EXPECT_EQ(cudaMalloc(&data_, bytes_), cudaSuccess);
        if (as_float) {
            EXPECT_EQ(cudaMemcpy(data_, values.data(), bytes_, cudaMemcpyHostToDevice), cudaSuccess);
        } else {
            std::vector<std::uint16_t> bits(values.size());
            for (std::size_t i = 0; i < values.size(); ++i) bits[i] = RoundToBf16(values[i]);
            EXPECT_EQ(cudaMemcpy(data_, bits.data(), bytes_, cudaMemcpyHostToDevice), cudaSuccess);
        }
    }
    ~OnDevice() { cudaFree(data_); }
    std::uint16_t* bits() { return static_cast<std::uint16_t*>(data_); }
    float* floats() { return static_cast<float*>(data_); }
    std::vector<float> Download() const {  // bf16 contents as floats
        EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        std::vector<std::uint16_t> bits(bytes_ / 2);
        EXPECT_EQ(cudaMemcpy(bits.data(), data_, bytes_, cudaMemcpyDeviceToHost), cudaSuccess);
        std::vector<float> values(bits.size());
        for (std::size_t i = 0; i < bits.size(); ++i) values[i] = Bf16ToFloat(bits[i]);
        return values;
    }

private:
    std::size_t bytes_;
    void* data_ = nullptr;
};

// Distance in bf16 steps between two bf16 values of the same sign (enough for these checks).
int Bf16Ulps(float a, float b) {
    return std::abs(static_cast<int>(RoundToBf16(a)) - static_cast<int>(RoundToBf16(b)));
}

double RelativeL2(const float* x, const float* reference, std::int64_t n) {
    double error = 0, norm = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        error += (static_cast<double>(x[i]) - reference[i]) * (static_cast<double>(x[i]) - reference[i]);
        norm += static_cast<double>(reference[i]) * reference[i];
    }
    return std::sqrt(error / std::max(norm, 1e-300));
}

TEST(CudaKernels, ElementwiseOpsEqualTheReferenceBitForBit) {
    SKIP_WITHOUT_DEVICE();
    const std::int64_t n = 4096 + 5;  // a tail past the 8-wide vectors
    auto a = RandomBf16(n, 1, 3.0), b = RandomBf16(n, 2, 3.0);
    OnDevice da(a), db(b), dy(a);
    std::vector<float> expected(n);

    ASSERT_EQ(LaunchAdd(da.bits(), db.bits(), n, dy.bits(), nullptr), cudaSuccess);
    kernels::AddReference(Precision::kBf16, a.data(), b.data(), n, expected.data());
    EXPECT_EQ(dy.Download(), expected) << "add";

    ASSERT_EQ(LaunchSiluMul(da.bits(), db.bits(), n, dy.bits(), nullptr), cudaSuccess);
    kernels::SiluMulReference(Precision::kBf16, a.data(), b.data(), n, expected.data());
    const auto silu = dy.Download();
    for (std::int64_t i = 0; i < n; ++i) {
        // expf and std::exp may differ by an fp32 ulp, which can move a bf16 rounding by one step.
        ASSERT_LE(Bf16Ulps(silu[i], expected[i]), 1) << "silu·u at " << i;
    }
}

TEST(CudaKernels, RmsNormAndRopeMatchTheReference) {
    SKIP_WITHOUT_DEVICE();
    const std::int64_t B = 2, T = 37, H = 3, Dh = 64, D = 320;
    auto x = RandomBf16(B * T * D, 3, 2.0), w = RandomBf16(D, 4);
    OnDevice dx(x), dw(w, true), dy(x);
    ASSERT_EQ(LaunchRmsNorm(dx.bits(), B * T, D, dw.floats(), 1e-5f, dy.bits(), nullptr), cudaSuccess);
    std::vector<float> expected(x.size());
    kernels::RmsNormReference(Precision::kBf16, x.data(), B * T, D, w.data(), 1e-5f, expected.data());
    const auto normed = dy.Download();
    for (std::size_t i = 0; i < x.size(); ++i) ASSERT_LE(Bf16Ulps(normed[i], expected[i]), 2) << "rmsnorm at " << i;

    model::LlamaConfig config = *model::PresetConfig("llama-3.2-1b");
    const model::RopeTables rope = model::ComputeRopeTables(config, T, Precision::kBf16);
    auto q = RandomBf16(B * T * H * Dh, 5);
    OnDevice dq(q), dcos(rope.cos, true), dsin(rope.sin, true);
    ASSERT_EQ(LaunchRope(dq.bits(), B * T, T, H, Dh, dcos.floats(), dsin.floats(), nullptr), cudaSuccess);
    for (std::int64_t b = 0; b < B; ++b) {
        kernels::RopeReference(Precision::kBf16, q.data() + b * T * H * Dh, T, H, Dh, rope.cos.data(), rope.sin.data());
    }
    EXPECT_EQ(dq.Download(), q) << "rope";
}

// Within the bound every correct fp32-accumulating bf16 GEMM meets against the exact (float64)
// dot product: half a bf16 step of the result for the final rounding, plus K·2⁻²⁴·Σ|x·w| for
// the fp32 sums in any order. The scalar reference is held to the same bound.
TEST(CudaKernels, GemmIsWithinTheFp32AccumulationBoundOfTheExactProduct) {
    SKIP_WITHOUT_DEVICE();
    const std::int64_t M = 100, K = 512, N = 384;
    auto x = RandomBf16(M * K, 6), w = RandomBf16(N * K, 7, 0.05);
    std::vector<std::uint16_t> w_bits(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) w_bits[i] = RoundToBf16(w[i]);
    OnDevice dx(x), dw(w), dy(std::vector<float>(M * N));
    auto gemm = GemmCublasLt::Create();
    ASSERT_TRUE(gemm.ok()) << gemm.status().message();
    ASSERT_TRUE((*gemm)->Prepare(N, K, 4096).ok());
    ASSERT_TRUE((*gemm)->Run(nullptr, dx.bits(), M, K, dw.bits(), N, dy.bits()).ok());
    const kernels::WeightMatrix weight{w_bits.data(), kernels::WeightType::kBf16, N, K};
    std::vector<float> reference(M * N);
    kernels::MatmulReference(Precision::kBf16, x.data(), M, K, weight, reference.data(), N);
    const auto y = dy.Download();
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t n = 0; n < N; ++n) {
            double exact = 0, magnitude = 0;
            for (std::int64_t k = 0; k < K; ++k) {
                exact += static_cast<double>(x[m * K + k]) * w[n * K + k];
                magnitude += std::abs(static_cast<double>(x[m * K + k]) * w[n * K + k]);
            }
            const double bound = std::abs(exact) * std::ldexp(1.0, -8) + static_cast<double>(K) * std::ldexp(1.0, -24) * magnitude;
            ASSERT_LE(std::abs(y[m * N + n] - exact), bound) << "(" << m << ", " << n << ") " << (*gemm)->Describe(N, K);
            ASSERT_LE(std::abs(reference[m * N + n] - exact), bound) << "reference (" << m << ", " << n << ")";
        }
    }
}

TEST(AttentionTiling, TheEnvironmentNamesATilingOrGetsOneClearLine) {
    EXPECT_EQ(*ParseAttentionTiling(nullptr), kDefaultAttentionTiling);
    EXPECT_EQ(*ParseAttentionTiling(""), kDefaultAttentionTiling);
    EXPECT_EQ(*ParseAttentionTiling("q64"), AttentionTiling::k64Queries);
    EXPECT_EQ(*ParseAttentionTiling("q128"), AttentionTiling::k128Queries);
    const auto bad = ParseAttentionTiling("128");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().message(), "ACTCACHE_CUDA_ATTENTION='128': expected q64 or q128 (queries per attention block)");
    EXPECT_TRUE(FlashAttentionSupportsTiling(64, AttentionTiling::k128Queries));
    EXPECT_FALSE(FlashAttentionSupportsTiling(128, AttentionTiling::k128Queries));
    EXPECT_TRUE(FlashAttentionSupportsTiling(128, AttentionTiling::k64Queries));
}

// Both tilings of the attention kernel: as close to float32 as the CPU's bf16 kernel, and the
// same bits as each other.
TEST(CudaKernels, AttentionIsAsCloseToFloat32AsTheCpuBf16Kernel) {
    SKIP_WITHOUT_DEVICE();
    for (const std::int64_t Dh : {16, 64, 128}) {
        const std::int64_t B = 2, T = 150, H = 4, Hkv = 2;
        auto q = RandomBf16(B * T * H * Dh, 8, 1.5), k = RandomBf16(B * T * Hkv * Dh, 9, 1.5),
             v = RandomBf16(B * T * Hkv * Dh, 10);
        OnDevice dq(q), dk(k), dv(v), dout(std::vector<float>(B * T * H * Dh));
        const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Dh)));
        ASSERT_EQ(LaunchFlashAttention(dq.bits(), dk.bits(), dv.bits(), B, T, H, Hkv, Dh, scale, dout.bits(), nullptr),
                  cudaSuccess);
        const auto gpu = dout.Download();
        // The 128-query tiling, where built, gives the same bits.
        if (FlashAttentionSupportsTiling(Dh, AttentionTiling::k128Queries)) {
            OnDevice dout128(std::vector<float>(B * T * H * Dh));
            for (const AttentionTiling tiling : {AttentionTiling::k64Queries, AttentionTiling::k128Queries}) {
                ASSERT_EQ(LaunchFlashAttention(dq.bits(), dk.bits(), dv.bits(), B, T, H, Hkv, Dh, scale, dout128.bits(),
                                               nullptr, tiling),
                          cudaSuccess);
                EXPECT_EQ(dout128.Download(), gpu) << "Dh " << Dh << ", tiling " << static_cast<int>(tiling);
            }
        }
        ThreadPool pool(2);
        auto reference = kernels::MakeReferenceBackend(pool);
        std::vector<float> f32(gpu.size()), bf16(gpu.size());
        reference->Attention(Precision::kF32, q.data(), k.data(), v.data(), B, T, H, Hkv, Dh, scale, f32.data());
        reference->Attention(Precision::kBf16, q.data(), k.data(), v.data(), B, T, H, Hkv, Dh, scale, bf16.data());
        const auto n = static_cast<std::int64_t>(gpu.size());
        const double gpu_error = RelativeL2(gpu.data(), f32.data(), n);
        const double cpu_error = RelativeL2(bf16.data(), f32.data(), n);
        EXPECT_LE(gpu_error, 1.25 * cpu_error) << "Dh " << Dh << ": gpu " << gpu_error << ", cpu bf16 " << cpu_error;
    }
}

// A generated model (tiny preset, optionally with 64-wide heads like Llama-3.2-1B) on disk.
class CudaForwardTest : public ::testing::TestWithParam<std::int64_t> {
protected:
    void SetUp() override {
        SKIP_WITHOUT_DEVICE();
        config_ = *model::PresetConfig("tiny");
        config_.head_dim = GetParam();
        config_.hidden_size = config_.num_attention_heads * config_.head_dim;
        config_.intermediate_size = 3 * config_.hidden_size;
        ASSERT_TRUE(WriteFileAtomically(dir_.File("config.json"), SerializeJson(model::LlamaConfigToJson(config_), 2)).ok());
        ThreadPool pool(2);
        ASSERT_TRUE(model::WriteRandomLlamaWeights(dir_.File("model.safetensors"), config_,
                                                   model::RandomModelOptions{.seed = 11}, pool).ok());
    }

    // Captures of `hooks` for `tokens` (B sequences), on the GPU or the CPU reference kernels.
    std::vector<std::vector<float>> Run(bool gpu, Precision precision, const std::vector<std::string>& hooks,
                                        const std::vector<std::int32_t>& tokens, std::int64_t B) {
        auto model = model::LlamaModel::Load(dir_.path(), precision, config_.num_hidden_layers, true);
        EXPECT_TRUE(model.ok()) << model.status().message();
        std::vector<model::HookSite> sites;
        for (const auto& hook : hooks) sites.push_back(*model::ParseHookSite(hook, config_));
        const auto T = static_cast<std::int64_t>(tokens.size()) / B;
        const model::ForwardOptions options{.hooks = sites, .max_batch = B, .max_tokens = T};
        ThreadPool pool(2);
        auto backend = kernels::MakeReferenceBackend(pool);
        Result<std::unique_ptr<model::ForwardEngine>> engine = Status::Internal("unset");
        if (gpu) {
            engine = CreateCudaForward(**model, options, pool);
        } else {
            auto cpu = model::LlamaForward::Create(**model, *backend, options);
            if (cpu.ok()) engine = std::unique_ptr<model::ForwardEngine>(std::move(*cpu));
        }
        EXPECT_TRUE(engine.ok()) << engine.status().message();
        const Status status = (*engine)->Run(tokens, B, T);
        EXPECT_TRUE(status.ok()) << status.message();
        std::vector<std::vector<float>> out;
        for (std::size_t i = 0; i < hooks.size(); ++i) {
            auto capture = (*engine)->capture(i);
            out.emplace_back(capture.begin(), capture.end());
            const auto bits = (*engine)->capture_bf16(i);
            if (gpu) {  // the bits the run pipeline stores are the floats' values
                std::vector<float> widened(bits.size());
                for (std::size_t e = 0; e < bits.size(); ++e) widened[e] = Bf16ToFloat(bits[e]);
                EXPECT_EQ(widened, out.back()) << hooks[i];
            }
        }
        return out;
    }

    std::vector<std::int32_t> Tokens(std::int64_t n, std::uint64_t seed) const {
        SplitMix64 rng(seed);
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (auto& id : ids) id = static_cast<std::int32_t>(rng.Next() % static_cast<std::uint64_t>(config_.vocab_size));
        return ids;
    }

    testing::TempDir dir_;
    model::LlamaConfig config_;
};

// Mean over tokens of the per-token relative L2 error of x against reference ([tokens, width]).
double MeanTokenError(const std::vector<float>& x, const std::vector<float>& reference, std::int64_t width) {
    const auto tokens = static_cast<std::int64_t>(x.size()) / width;
    double sum = 0;
    for (std::int64_t t = 0; t < tokens; ++t) sum += RelativeL2(x.data() + t * width, reference.data() + t * width, width);
    return sum / static_cast<double>(tokens);
}

TEST_P(CudaForwardTest, ErrorAgainstFloat32IsAtMost125PercentOfTheCpuBf16Error) {
    const std::vector<std::string> hooks = {"model.layers.3.mlp", "model.layers.1", "model.layers.2.self_attn.o_proj:input",
                                            "model.layers.0.self_attn.q_proj", "model.norm"};
    const auto tokens = Tokens(3 * 200, 1);
    const auto gpu = Run(true, Precision::kBf16, hooks, tokens, 3);
    const auto cpu_bf16 = Run(false, Precision::kBf16, hooks, tokens, 3);
    const auto cpu_f32 = Run(false, Precision::kF32, hooks, tokens, 3);
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        const auto width = static_cast<std::int64_t>(gpu[i].size() / tokens.size());
        const double gpu_error = MeanTokenError(gpu[i], cpu_f32[i], width);
        const double cpu_error = MeanTokenError(cpu_bf16[i], cpu_f32[i], width);
        EXPECT_LE(gpu_error, 1.25 * cpu_error) << hooks[i] << ": gpu " << gpu_error << ", cpu bf16 " << cpu_error;
        EXPECT_GT(cpu_error, 0) << hooks[i];
    }
}

TEST_P(CudaForwardTest, TokenValuesDoNotDependOnTheBatch) {
    const std::vector<std::string> hooks = {"model.layers.3.mlp", "model.layers.1.self_attn.k_proj"};
    const std::int64_t T = 130;
    auto a = Tokens(T, 2), b = Tokens(T, 3), c = Tokens(T, 4);
    std::vector<std::int32_t> batch = a;
    batch.insert(batch.end(), b.begin(), b.end());
    batch.insert(batch.end(), c.begin(), c.end());
    const auto together = Run(true, Precision::kBf16, hooks, batch, 3);
    const auto b_alone = Run(true, Precision::kBf16, hooks, b, 1);
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        const std::size_t n = b_alone[i].size();
        EXPECT_TRUE(std::equal(b_alone[i].begin(), b_alone[i].end(), together[i].begin() + static_cast<std::ptrdiff_t>(n)))
            << hooks[i];
    }
    EXPECT_EQ(together, Run(true, Precision::kBf16, hooks, batch, 3)) << "two runs differ";
}

// Start .. Finish as the run pipeline uses them, two passes in flight: each Finish gives the
// oldest pass's captures (bf16 bits and widened floats) as Run gives them, through both pass
// slots in turn, and the pass's GPU time.
TEST_P(CudaForwardTest, TwoPassesInFlightGiveWhatRunGives) {
    const std::vector<std::string> hooks = {"model.layers.3.mlp", "model.layers.1"};
    const std::int64_t T = 96;
    const std::vector<std::vector<std::int32_t>> inputs = {Tokens(2 * T, 5), Tokens(2 * T, 6), Tokens(T, 7)};
    std::vector<std::vector<std::vector<float>>> expected;
    for (const auto& tokens : inputs) {
        expected.push_back(Run(true, Precision::kBf16, hooks, tokens, static_cast<std::int64_t>(tokens.size()) / T));
    }
    auto model = model::LlamaModel::Load(dir_.path(), Precision::kBf16, config_.num_hidden_layers, true);
    ASSERT_TRUE(model.ok());
    std::vector<model::HookSite> sites;
    for (const auto& hook : hooks) sites.push_back(*model::ParseHookSite(hook, config_));
    ThreadPool pool(2);
    auto engine = CreateCudaForward(**model, model::ForwardOptions{.hooks = sites, .max_batch = 2, .max_tokens = T}, pool);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    model::ForwardEngine& forward = **engine;
    auto captures = [&] {
        std::vector<std::vector<float>> out;
        for (std::size_t i = 0; i < hooks.size(); ++i) {
            std::vector<float> widened;
            for (std::uint16_t bits : forward.capture_bf16(i)) widened.push_back(Bf16ToFloat(bits));
            EXPECT_TRUE(std::equal(widened.begin(), widened.end(), forward.capture(i).begin(), forward.capture(i).end()));
            out.push_back(std::move(widened));
        }
        return out;
    };
    // Passes 0..6 over the inputs in turn: Start(0), then Start(k+1) before each Finish(k).
    auto start = [&](int k) {
        const auto& tokens = inputs[static_cast<std::size_t>(k) % inputs.size()];
        return forward.Start(tokens, static_cast<std::int64_t>(tokens.size()) / T, T);
    };
    ASSERT_TRUE(start(0).ok());
    for (int k = 0; k < 7; ++k) {
        if (k + 1 < 7) {
            ASSERT_TRUE(start(k + 1).ok()) << "pass " << k + 1;
        }
        ASSERT_TRUE(forward.Finish().ok()) << "pass " << k;
        EXPECT_EQ(captures(), expected[static_cast<std::size_t>(k) % inputs.size()]) << "pass " << k;
        EXPECT_GT(forward.last_pass_seconds(), 0);
    }
}

INSTANTIATE_TEST_SUITE_P(HeadDims, CudaForwardTest, ::testing::Values(16, 64, 128));

}  // namespace
}  // namespace actcache::cuda
