#include "model/random_model.h"

#include <cstring>
#include <vector>

#include "core/bf16.h"
#include "core/random.h"
#include "model/llama_weights.h"
#include "model/safetensors_writer.h"

namespace actcache::model {
namespace {

bool IsNormWeight(std::string_view name) {
    return name.ends_with("layernorm.weight") || name == "model.norm.weight";
}

std::uint64_t BlockSeed(std::uint64_t seed, std::uint64_t name_hash, std::int64_t block) {
    return SplitMix64::Mix(seed ^ SplitMix64::Mix(name_hash ^
                                                  SplitMix64::Mix(static_cast<std::uint64_t>(block))));
}

}  // namespace

std::uint64_t Fnv1a64(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

void FillRandomTensor(std::string_view name, std::int64_t first_element, Dtype dtype,
                      double std_dev, double mean, std::uint64_t seed, ThreadPool& pool,
                      std::span<std::byte> out) {
    ACT_CHECK(dtype == Dtype::kBF16 || dtype == Dtype::kF32);
    const std::int64_t element_bytes = DtypeSizeBytes(dtype);
    const std::int64_t count = static_cast<std::int64_t>(out.size()) / element_bytes;
    if (count == 0) return;
    const std::uint64_t name_hash = Fnv1a64(name);
    const std::int64_t first_block = first_element / kRandomBlockElements;
    const std::int64_t last_block = (first_element + count - 1) / kRandomBlockElements;

    pool.ParallelFor(last_block - first_block + 1, [&](std::int64_t task) {
        const std::int64_t block = first_block + task;
        const std::int64_t block_start = block * kRandomBlockElements;
        // Elements of this block that fall inside [first_element, first_element + count).
        const std::int64_t begin = std::max(block_start, first_element);
        const std::int64_t end = std::min(block_start + kRandomBlockElements, first_element + count);
        NormalGenerator normal(BlockSeed(seed, name_hash, block));
        for (std::int64_t e = block_start; e < begin; ++e) normal.Next();  // skip to `begin`
        std::byte* dst = out.data() + (begin - first_element) * element_bytes;
        for (std::int64_t e = begin; e < end; ++e, dst += element_bytes) {
            float value = static_cast<float>(mean + std_dev * normal.Next());
            if (dtype == Dtype::kBF16) {
                Bf16Bits bits = RoundToBf16(value);
                std::memcpy(dst, &bits, sizeof bits);
            } else {
                std::memcpy(dst, &value, sizeof value);
            }
        }
    });
}

Status WriteRandomLlamaWeights(const std::string& path, const LlamaConfig& config,
                               const RandomModelOptions& options, ThreadPool& pool) {
    ACT_CHECK(options.dtype == Dtype::kBF16 || options.dtype == Dtype::kF32);
    const std::vector<TensorSpec> specs = LlamaTensorInventory(config, options.dtype);
    const std::int64_t element_bytes = DtypeSizeBytes(options.dtype);
    auto fill = [&](std::size_t tensor_index, std::int64_t byte_offset, std::span<std::byte> out) {
        const TensorSpec& spec = specs[tensor_index];
        const bool norm = IsNormWeight(spec.name);
        FillRandomTensor(spec.name, byte_offset / element_bytes, options.dtype,
                         norm ? 0.1 : config.initializer_range, norm ? 1.0 : 0.0, options.seed,
                         pool, out);
    };
    return WriteSafetensors(path, specs, {{"format", "pt"}}, fill);
}

}  // namespace actcache::model
