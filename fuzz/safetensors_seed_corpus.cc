// Writes a small seed corpus for safetensors_header_fuzz: valid files made by our writer (the
// fuzzer mutates them toward the interesting edges) plus a few hand-made near-misses.
// Usage: safetensors_seed_corpus <output folder>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "model/safetensors_writer.h"

namespace {

using actcache::model::Dtype;
using actcache::model::TensorSpec;

std::string ValidFile(const std::vector<TensorSpec>& specs,
                      const std::map<std::string, std::string>& metadata) {
    std::string file = actcache::model::BuildSafetensorsHeader(specs, metadata);
    for (const TensorSpec& spec : specs) file += std::string(spec.size_bytes(), '\x3f');
    return file;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output folder>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::vector<std::string> seeds = {
        ValidFile({{"model.embed_tokens.weight", Dtype::kBF16, {4, 2}},
                   {"model.norm.weight", Dtype::kF32, {2}}},
                  {{"format", "pt"}}),
        ValidFile({{"scalar", Dtype::kF64, {}}, {"empty", Dtype::kU8, {0, 3}}}, {}),
        ValidFile({{"ids", Dtype::kI64, {2}}, {"mask", Dtype::kBool, {3}}}, {}),
        ValidFile({}, {}),
    };
    // Near-misses: a gap, an unknown dtype, a truncated header.
    std::string gap = ValidFile({{"a", Dtype::kF16, {2}}, {"b", Dtype::kF16, {2}}}, {});
    gap.replace(gap.find("[4,8]"), 5, "[5,8]");
    seeds.push_back(gap);
    std::string unknown = ValidFile({{"q", Dtype::kU8, {4}}}, {});
    unknown.replace(unknown.find("\"U8\""), 4, "\"Q4\"");
    seeds.push_back(unknown);
    seeds.push_back(seeds[0].substr(0, 20));

    if (!actcache::CreateDirectories(dir).ok()) return 1;
    for (std::size_t seed_idx = 0; seed_idx < seeds.size(); ++seed_idx) {
        const std::string path = dir + "/seed-" + std::to_string(seed_idx) + ".safetensors";
        actcache::Status status = actcache::WriteFileAtomically(path, seeds[seed_idx]);
        if (!status.ok()) {
            std::fprintf(stderr, "%s\n", status.message().c_str());
            return 1;
        }
    }
    std::printf("wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
    return 0;
}
