// Backend: the compute kernels of the Llama forward pass, behind one small interface so that
// fast CPU kernels (and later CUDA) replace the reference ones without touching model code.
//
// Shapes use the project letters: M rows (= B·T tokens), K/N GEMM dims, D hidden, H query
// heads, Hkv kv heads, Dh head dim. All buffers are row-major float arrays owned by the caller;
// in Precision::kBf16 every input holds bf16-representable values and every output is rounded
// to bf16 (see precision.h).
//
// Determinism contract (DESIGN.md §1): the value computed for one token (row) depends only on
// that row's inputs (and, in attention, on the earlier rows of the same sequence), never on M,
// B, the other sequences, or the number of threads. Reductions therefore run in a fixed order
// per output element.
#pragma once

#include <cstdint>
#include <memory>

#include "core/thread_pool.h"
#include "kernels/cpu_kernel_set.h"
#include "kernels/precision.h"
#include "kernels/weight_matrix.h"

namespace actcache::kernels {

// Thread-safety: one owner; calls run on the backend's thread pool and return when done.
class Backend {
public:
    virtual ~Backend() = default;

    // y[m][n] = R(Σ_k x[m][k] · w[n][k]), fp32 accumulation.   x [M, K], w [N, K], y [M, N].
    // REQUIRES: w.cols == K; in kBf16, w.type == kBf16.
    virtual void Matmul(Precision precision, const float* x, std::int64_t M, std::int64_t K,
                        const WeightMatrix& w, float* y) = 0;

    // LlamaRMSNorm (spec §4.2): y = R(w · R(x · rsqrt(mean(x²) + eps))).   x, y [M, D], w [D].
    virtual void RmsNorm(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                         const float* w, float eps, float* y) = 0;

    // Rotary embedding in place on x [B·T, n_heads, Dh], half-split convention (spec §4.3):
    // x'[j] = R(R(x[j]·cos[t][j]) + R(rot(x)[j]·sin[t][j])), rot(x) = [−x[Dh/2..], x[..Dh/2]].
    // cos, sin [T, Dh] hold the (already rounded) tables for positions 0..T−1.
    virtual void Rope(Precision precision, float* x, std::int64_t B, std::int64_t T,
                      std::int64_t n_heads, std::int64_t Dh, const float* cos,
                      const float* sin) = 0;

    // Causal grouped-query attention (spec §4.4–4.5, the sdpa path): for each sequence b, token
    // t, head h (kv head h / (H / Hkv)):
    //   s_j = scale · Σ_d q[t][h][d] · k[j][h'][d]   (fp32, j ≤ t)
    //   p_j = exp(s_j − max_j s_j)                     (fp32)
    //   out[t][h] = R((Σ_j R_P(p_j) · v[j][h']) / Σ_j p_j)
    // where R_P rounds the unnormalized probability to bf16 in kBf16 (as PyTorch's flash kernel
    // does before P·V) and is the identity in kF32.
    // q [B·T, H, Dh], k and v [B·T, Hkv, Dh], out [B·T, H·Dh].
    virtual void Attention(Precision precision, const float* q, const float* k, const float* v,
                           std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                           std::int64_t Dh, float scale, float* out) = 0;

    // SwiGLU product (spec §4.7): y = R(R(silu(g)) · u), silu(g) = g / (1 + exp(−g)) in fp32.
    // g, u, y [n] (y may alias g or u).
    virtual void SiluMul(Precision precision, const float* g, const float* u, std::int64_t n,
                         float* y) = 0;

    // Residual add: y = R(a + b). a, b, y [n] (y may alias a or b).
    virtual void Add(Precision precision, const float* a, const float* b, std::int64_t n,
                     float* y) = 0;

    // Readies Matmul for `w` in `precision` ahead of the first call (the CPU backend packs it
    // now). Returns whether Matmul will never read w's memory again — its owner may then release
    // it. The default: nothing to do, and w is read at every call.
    virtual bool PrepareWeight(Precision precision, const WeightMatrix& w) {
        (void)precision;
        (void)w;
        return false;
    }
};

// The scalar reference kernels: plain loops in the obvious order, spread over `pool` by rows.
// `pool` must outlive the backend.
std::unique_ptr<Backend> MakeReferenceBackend(ThreadPool& pool);

// (cpu_backend.cc) The kernels of `set` (cpu_kernel_set.h; SelectCpuKernelSet() picks the best
// this CPU runs): its bf16 GEMM and, from avx512 up, the AVX-512 attention and element-wise
// kernels; the reference kernels for everything else. Same determinism contract; results differ
// from the reference backend only by fp32 rounding order inside sums (and the attention's
// polynomial exp, ~1 ulp). REQUIRES: set <= DetectCpuKernelSet().
std::unique_ptr<Backend> MakeCpuBackend(ThreadPool& pool, CpuKernelSet set);

}  // namespace actcache::kernels
