// The reference backend: reference_kernels.h spread over a thread pool. Work is split into
// slices whose arithmetic does not depend on how many there are (output-column blocks, row
// blocks, (sequence, head) pairs), so results are identical for any thread count.
#include <algorithm>
#include <vector>

#include "kernels/backend.h"
#include "kernels/parallel_blocks.h"
#include "kernels/reference_kernels.h"

namespace actcache::kernels {
namespace {

// Output columns per Matmul task: a 64-row slice of a 2048-wide bf16 weight is 256 KB, small
// enough to stay in L2 while every input row streams past it.
constexpr std::int64_t kMatmulColumnBlock = 64;
// Rows per task for the row-wise ops.
constexpr std::int64_t kRowBlock = 16;

class ReferenceBackend final : public Backend {
public:
    explicit ReferenceBackend(ThreadPool& pool) : pool_(pool) {}

    void Matmul(Precision precision, const float* x, std::int64_t M, std::int64_t K,
                const WeightMatrix& w, float* y) override {
        ACT_CHECK(w.cols == K);
        ACT_CHECK(precision == Precision::kF32 || w.type == WeightType::kBf16);
        const std::int64_t N = w.rows;
        const std::int64_t element_bytes = w.type == WeightType::kBf16 ? 2 : 4;
        ForBlocks(pool_, N, kMatmulColumnBlock, [&](std::int64_t n0, std::int64_t n1) {
            WeightMatrix slice = w;
            slice.data = static_cast<const std::byte*>(w.data) + n0 * K * element_bytes;
            slice.rows = n1 - n0;
            MatmulReference(precision, x, M, K, slice, y + n0, N);
        });
    }

    void RmsNorm(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                 const float* w, float eps, float* y) override {
        ForBlocks(pool_, M, kRowBlock, [&](std::int64_t m0, std::int64_t m1) {
            RmsNormReference(precision, x + m0 * D, m1 - m0, D, w, eps, y + m0 * D);
        });
    }

    void Rope(Precision precision, float* x, std::int64_t B, std::int64_t T, std::int64_t n_heads,
              std::int64_t Dh, const float* cos, const float* sin) override {
        // Row blocks never straddle sequences: one task per (sequence, block of positions).
        const std::int64_t blocks_per_sequence = (T + kRowBlock - 1) / kRowBlock;
        pool_.ParallelFor(B * blocks_per_sequence, [&](std::int64_t task) {
            const std::int64_t b = task / blocks_per_sequence;
            const std::int64_t t0 = (task % blocks_per_sequence) * kRowBlock;
            const std::int64_t t1 = std::min(T, t0 + kRowBlock);
            RopeReference(precision, x + (b * T + t0) * n_heads * Dh, t1 - t0, n_heads, Dh,
                          cos + t0 * Dh, sin + t0 * Dh);
        });
    }

    void Attention(Precision precision, const float* q, const float* k, const float* v,
                   std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                   std::int64_t Dh, float scale, float* out) override {
        ACT_CHECK(H % Hkv == 0);
        const std::int64_t group = H / Hkv;  // query heads per kv head (repeat_kv)
        pool_.ParallelFor(B * H, [&](std::int64_t task) {
            const std::int64_t b = task / H;
            const std::int64_t h = task % H;
            const std::int64_t h_kv = h / group;
            std::vector<float> scratch(2 * T);
            AttentionHeadReference(precision, q + (b * T * H + h) * Dh, H * Dh,
                                   k + (b * T * Hkv + h_kv) * Dh, v + (b * T * Hkv + h_kv) * Dh,
                                   Hkv * Dh, T, Dh, scale, out + (b * T * H + h) * Dh, H * Dh,
                                   scratch.data(), scratch.data() + T);
        });
    }

    void SiluMul(Precision precision, const float* g, const float* u, std::int64_t n,
                 float* y) override {
        ForBlocks(pool_, n, kElementBlock, [&](std::int64_t i0, std::int64_t i1) {
            SiluMulReference(precision, g + i0, u + i0, i1 - i0, y + i0);
        });
    }

    void Add(Precision precision, const float* a, const float* b, std::int64_t n,
             float* y) override {
        ForBlocks(pool_, n, kElementBlock, [&](std::int64_t i0, std::int64_t i1) {
            AddReference(precision, a + i0, b + i0, i1 - i0, y + i0);
        });
    }

private:
    static constexpr std::int64_t kElementBlock = 1 << 16;

    ThreadPool& pool_;
};

}  // namespace

std::unique_ptr<Backend> MakeReferenceBackend(ThreadPool& pool) {
    return std::make_unique<ReferenceBackend>(pool);
}

}  // namespace actcache::kernels
