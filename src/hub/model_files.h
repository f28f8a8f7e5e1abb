// Which files of a Hub model repository make a usable snapshot, and where a snapshot of one
// lives in the standard HF cache (reference/hf-formats-and-hub.md §D.2). Shared by the cache
// lookup and the download so both agree on "complete".
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "hub/hub_settings.h"

namespace actcache::hub {

inline constexpr const char* kSingleWeightsFile = "model.safetensors";
inline constexpr const char* kWeightsIndexFile = "model.safetensors.index.json";

struct ModelFileList {
    std::vector<std::string> required;  // each must exist in the repository
    std::vector<std::string> optional;  // fetched when the repository has them
    // Also the weights: model.safetensors, or when the repository has none,
    // model.safetensors.index.json and every shard its weight_map names.
    bool safetensors_weights = true;
};

// What a Llama forward pass reads: config.json, tokenizer.json, tokenizer_config.json, the
// safetensors weights; generation_config.json when present.
ModelFileList LlamaModelFiles();

// Whether `text` is a commit id (40 lower-case hex digits).
bool IsCommitHash(const std::string& text);

// <cache_dir>/models--ORG--NAME for repo_id "ORG/NAME".
std::string ModelRepoCacheDir(const HubSettings& settings, const std::string& repo_id);

// The distinct shard file names of a model.safetensors.index.json (its weight_map values),
// sorted. Corruption naming `where` when the JSON has no weight_map of strings, or a shard name
// would leave the snapshot folder (absolute, "..", empty component).
Result<std::vector<std::string>> ShardFileNames(const std::string& index_json, const std::string& where);

// The files of `list` missing from the model folder `dir` (relative paths; an unreadable index
// counts its shards as unknown and reports the index itself). Empty when complete.
std::vector<std::string> MissingModelFiles(const std::string& dir, const ModelFileList& list);

}  // namespace actcache::hub
