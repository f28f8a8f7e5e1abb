// Seeded random Llama weights, bit-identical on every machine, compiler and thread count.
//
// Each tensor is cut into blocks of kRandomBlockElements; block b of tensor `name` is filled
// from its own NormalGenerator seeded with Mix(seed, FNV-1a(name), b). A value therefore depends
// only on (seed, tensor name, element index), never on the order or the thread that computed it.
//   projections and embeddings:  N(0, initializer_range^2)   (transformers' _init_weights)
//   RMSNorm weights:             1 + 0.1 * N(0, 1)            (near 1 but not all equal, so a
//                                                              wrong weight index shows up)
// Each value is computed in double, rounded to float, then to bf16 (ties to even) for BF16.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/thread_pool.h"
#include "model/config.h"
#include "model/safetensors_format.h"

namespace actcache::model {

inline constexpr std::int64_t kRandomBlockElements = 1 << 16;

struct RandomModelOptions {
    std::uint64_t seed = 0;
    Dtype dtype = Dtype::kBF16;  // kBF16 or kF32
};

// Fills `out` (count elements of `dtype`) with the values of elements [first_element,
// first_element + count) of tensor `name`, using `pool` for the blocks.
// REQUIRES: dtype is kBF16 or kF32; out.size() is a multiple of the element size.
void FillRandomTensor(std::string_view name, std::int64_t first_element, Dtype dtype,
                      double std_dev, double mean, std::uint64_t seed, ThreadPool& pool,
                      std::span<std::byte> out);

// Writes `path` (a model.safetensors) with the full inventory of `config` filled as described
// above, metadata {"format": "pt"} as transformers writes. Errors: IOError / ResourceExhausted
// naming the path; nothing is left under `path` on failure.
Status WriteRandomLlamaWeights(const std::string& path, const LlamaConfig& config,
                               const RandomModelOptions& options, ThreadPool& pool);

// 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
std::uint64_t Fnv1a64(std::string_view text);

}  // namespace actcache::model
