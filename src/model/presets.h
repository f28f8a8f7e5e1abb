// Named model configurations for make-model: the exact Llama-3.2-1B shape and small test models.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/config.h"

namespace actcache::model {

// "tiny": 4 layers, D=64, F=192, H=4, Hkv=2 (GQA), Dh=16, V=512, llama3 RoPE scaling with a
//         short original context (256) so positions past it exercise the scaled bands;
//         tied embeddings. Small enough for float64 reference tests at T >= 1024.
// "llama-3.2-1b": the config of meta-llama/Llama-3.2-1B (reference/llama32-spec.md §1).
// InvalidArgument listing the known names for anything else.
Result<LlamaConfig> PresetConfig(std::string_view name);

std::vector<std::string_view> PresetNames();

}  // namespace actcache::model
