// The CPU backend: the kernels of one CpuKernelSet (cpu_kernel_set.h), the reference kernels
// for what that set has no kernel for.
//
// Matmul in Precision::kBf16 goes to the set's bf16 GEMM (gemm_bf16.h); each weight is packed on
// first use and kept (weights live as long as the model, and a forward pass multiplies by each
// of them once per batch). In the avx512 and avx512bf16 sets, attention, RMSNorm, SwiGLU and the
// residual adds run the AVX-512 kernels of attention_avx512.h (attention_bf16_avx512.h for bf16
// in avx512bf16) and elementwise_avx512.h (both precisions), and so does RoPE; the avx2 set runs
// attention_avx2.h and elementwise_avx2.h. Matmuls in f32 mode run the reference kernels. The
// reference set is the reference backend itself.
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/attention_avx2.h"
#include "kernels/attention_avx512.h"
#include "kernels/attention_bf16_avx512.h"
#include "kernels/backend.h"
#include "kernels/elementwise_avx2.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/gemm_bf16.h"
#include "kernels/parallel_blocks.h"

namespace actcache::kernels {
namespace {

// Panels (64 columns each) per task: each block of x the task loads serves 4 panels
// (gemm_bf16_blocking.h), and the smallest weights (k/v, 8 panels) still give both threads of a
// 2-core machine a task. 8 measured slower (one task for k/v).
constexpr std::int64_t kPanelsPerTask = 4;

class CpuBackend final : public Backend {
public:
    CpuBackend(ThreadPool& pool, CpuKernelSet set)
        : pool_(pool),
          set_(set),
          avx512_(set >= CpuKernelSet::kAvx512),
          rows_(avx512_ ? RowKernels{RmsNormAvx512, RopeAvx512, SiluMulAvx512, AddAvx512}
                        : RowKernels{RmsNormAvx2, RopeAvx2, SiluMulAvx2, AddAvx2}),
          reference_(MakeReferenceBackend(pool)) {}

    void Matmul(Precision precision, const float* x, std::int64_t M, std::int64_t K,
                const WeightMatrix& w, float* y) override {
        if (precision != Precision::kBf16 || w.type != WeightType::kBf16) {
            reference_->Matmul(precision, x, M, K, w, y);
            return;
        }
        ACT_CHECK(w.cols == K);
        const PackedBf16Weight& packed = Packed(w);
        x_bits_.resize(static_cast<std::size_t>(M * 2 * packed.k_pairs));
        const std::int64_t x_stride = 2 * packed.k_pairs;
        ForBlocks(pool_, M, kPackRowBlock, [&](std::int64_t m0, std::int64_t m1) {
            PackBf16Rows(set_, x + m0 * K, m1 - m0, K, x_bits_.data() + m0 * x_stride);
        });
        const std::int64_t tasks = (packed.panels + kPanelsPerTask - 1) / kPanelsPerTask;
        pool_.ParallelFor(tasks, [&](std::int64_t task) {
            const std::int64_t begin = task * kPanelsPerTask;
            const std::int64_t end = begin + kPanelsPerTask < packed.panels ? begin + kPanelsPerTask : packed.panels;
            GemmBf16(set_, x_bits_.data(), M, packed, begin, end, y);
        });
    }

    // bf16 weights are packed (else on first use); f32-mode weights are read in place.
    bool PrepareWeight(Precision precision, const WeightMatrix& w) override {
        if (precision != Precision::kBf16 || w.type != WeightType::kBf16) return false;
        Packed(w);
        return true;
    }

    void RmsNorm(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                 const float* w, float eps, float* y) override {
        ForBlocks(pool_, M, kRowBlock, [&](std::int64_t m0, std::int64_t m1) {
            rows_.rms_norm(precision, x + m0 * D, m1 - m0, D, w, eps, y + m0 * D);
        });
    }
    void Rope(Precision precision, float* x, std::int64_t B, std::int64_t T, std::int64_t n_heads,
              std::int64_t Dh, const float* cos, const float* sin) override {
        if (Dh % 2 != 0) {
            reference_->Rope(precision, x, B, T, n_heads, Dh, cos, sin);
            return;
        }
        // Blocks of positions within one sequence: row m of a block is position t0 + m.
        const std::int64_t blocks_per_sequence = (T + kRowBlock - 1) / kRowBlock;
        pool_.ParallelFor(B * blocks_per_sequence, [&](std::int64_t task) {
            const std::int64_t b = task / blocks_per_sequence;
            const std::int64_t t0 = (task % blocks_per_sequence) * kRowBlock;
            const std::int64_t t1 = T - t0 < kRowBlock ? T : t0 + kRowBlock;
            rows_.rope(precision, x + (b * T + t0) * n_heads * Dh, t1 - t0, n_heads, Dh, cos + t0 * Dh, sin + t0 * Dh);
        });
    }
    void Attention(Precision precision, const float* q, const float* k, const float* v,
                   std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                   std::int64_t Dh, float scale, float* out) override {
        const AttentionKernel kernel = AttentionKernelFor(precision, H, Hkv, Dh);
        if (kernel == nullptr) {
            reference_->Attention(precision, q, k, v, B, T, H, Hkv, Dh, scale, out);
            return;
        }
        // One task per (sequence, kv head): its query heads reuse the transposed keys.
        const std::int64_t group = H / Hkv;
        pool_.ParallelFor(B * Hkv, [&](std::int64_t task) {
            const std::int64_t b = task / Hkv, h_kv = task % Hkv;
            kernel(precision, q + b * T * H * Dh, k + b * T * Hkv * Dh + h_kv * Dh, v + b * T * Hkv * Dh + h_kv * Dh, T,
                   H, Hkv, Dh, h_kv * group, (h_kv + 1) * group, scale, out + b * T * H * Dh);
        });
    }
    void SiluMul(Precision precision, const float* g, const float* u, std::int64_t n,
                 float* y) override {
        ForBlocks(pool_, n, kElementBlock, [&](std::int64_t i0, std::int64_t i1) {
            rows_.silu_mul(precision, g + i0, u + i0, i1 - i0, y + i0);
        });
    }
    void Add(Precision precision, const float* a, const float* b, std::int64_t n,
             float* y) override {
        ForBlocks(pool_, n, kElementBlock, [&](std::int64_t i0, std::int64_t i1) {
            rows_.add(precision, a + i0, b + i0, i1 - i0, y + i0);
        });
    }

private:
    // The set's row-wise and element-wise kernels (elementwise_avx512.h or elementwise_avx2.h).
    struct RowKernels {
        decltype(&RmsNormAvx512) rms_norm;
        decltype(&RopeAvx512) rope;
        decltype(&SiluMulAvx512) silu_mul;
        decltype(&AddAvx512) add;
    };

    // One sequence and kv head of attention (the signature of AttentionAvx512 and its siblings).
    using AttentionKernel = void (*)(Precision, const float*, const float*, const float*, std::int64_t,
                                     std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, float,
                                     float*);

    // The set's attention kernel for these shapes, or null for the reference.
    AttentionKernel AttentionKernelFor(Precision precision, std::int64_t H, std::int64_t Hkv, std::int64_t Dh) const {
        if (H % Hkv != 0 || !AttentionAvx512Supports(Dh) || !AttentionAvx2Supports(Dh)) return nullptr;
        if (set_ == CpuKernelSet::kAvx512Bf16 && precision == Precision::kBf16) return AttentionBf16Avx512;
        if (avx512_) return AttentionAvx512;
        if (set_ == CpuKernelSet::kAvx2) return AttentionAvx2;
        return nullptr;
    }

    // Rows per task for RMSNorm, elements per task for the element-wise ops: blocks whose
    // arithmetic does not depend on how many there are.
    static constexpr std::int64_t kRowBlock = 16;
    static constexpr std::int64_t kElementBlock = 1 << 16;
    static constexpr std::int64_t kPackRowBlock = 256;  // rows per task when packing a GEMM's input

    // The packed copy of `w`, made on first use. Keyed by the weight's address: a model's
    // weights do not move while a backend uses them.
    const PackedBf16Weight& Packed(const WeightMatrix& w) {
        auto it = packed_.find(w.data);
        if (it == packed_.end()) it = packed_.emplace(w.data, PackBf16Weight(w)).first;
        ACT_CHECK(it->second.n == w.rows && it->second.k == w.cols);
        return it->second;
    }

    ThreadPool& pool_;
    const CpuKernelSet set_;
    const bool avx512_;  // the AVX-512 attention and element-wise kernels run (else the AVX2 ones)
    const RowKernels rows_;
    std::unique_ptr<Backend> reference_;
    std::unordered_map<const void*, PackedBf16Weight> packed_;
    std::vector<std::uint16_t> x_bits_;  // scratch: the input rows as bf16
};

}  // namespace

std::unique_ptr<Backend> MakeCpuBackend(ThreadPool& pool, CpuKernelSet set) {
    ACT_CHECK(set <= DetectCpuKernelSet());
    if (set == CpuKernelSet::kReference) return MakeReferenceBackend(pool);
    return std::make_unique<CpuBackend>(pool, set);
}

}  // namespace actcache::kernels
