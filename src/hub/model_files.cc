#include "hub/model_files.h"

#include <algorithm>
#include <filesystem>

#include "core/file_util.h"
#include "core/json.h"

namespace actcache::hub {
namespace {

bool SafeRelativePath(const std::string& path) {
    if (path.empty() || path.front() == '/' || path.back() == '/') return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        const std::string part = path.substr(start, slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = slash + 1;
    }
    return true;
}

}  // namespace

ModelFileList LlamaModelFiles() {
    return ModelFileList{.required = {"config.json", "tokenizer.json", "tokenizer_config.json"},
                         .optional = {"generation_config.json"},
                         .safetensors_weights = true};
}

bool IsCommitHash(const std::string& text) {
    if (text.size() != 40) return false;
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string ModelRepoCacheDir(const HubSettings& settings, const std::string& repo_id) {
    std::string folder = repo_id;
    for (std::size_t at = folder.find('/'); at != std::string::npos; at = folder.find('/', at + 2)) {
        folder.replace(at, 1, "--");
    }
    return settings.cache_dir + "/models--" + folder;
}

Result<std::vector<std::string>> ShardFileNames(const std::string& index_json, const std::string& where) {
    Result<JsonValue> index = ParseJson(index_json);
    const JsonValue* map = index.ok() && index->is_object() ? index->Find("weight_map") : nullptr;
    if (map == nullptr || !map->is_object()) {
        return Status::Corruption(where + ": not a JSON object with a weight_map object");
    }
    std::vector<std::string> names;
    for (const auto& [tensor, file] : map->members()) {
        if (!file.is_string() || !SafeRelativePath(file.as_string())) {
            return Status::Corruption(where + ": weight_map." + tensor +
                                      ": expected a relative file name inside the model folder");
        }
        names.push_back(file.as_string());
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.empty()) return Status::Corruption(where + ": weight_map names no shard");
    return names;
}

std::vector<std::string> MissingModelFiles(const std::string& dir, const ModelFileList& list) {
    std::vector<std::string> missing;
    std::error_code error;
    for (const std::string& name : list.required) {
        if (!std::filesystem::exists(dir + "/" + name, error)) missing.push_back(name);
    }
    if (!list.safetensors_weights || std::filesystem::exists(dir + "/" + kSingleWeightsFile, error)) {
        return missing;
    }
    Result<std::string> index = ReadFileToString(dir + "/" + kWeightsIndexFile);
    Result<std::vector<std::string>> shards =
        index.ok() ? ShardFileNames(*index, kWeightsIndexFile) : index.status();
    if (!shards.ok()) {
        missing.push_back(std::string(kSingleWeightsFile) + " (or " + kWeightsIndexFile + ")");
        return missing;
    }
    for (const std::string& shard : *shards) {
        if (!std::filesystem::exists(dir + "/" + shard, error)) missing.push_back(shard);
    }
    return missing;
}

}  // namespace actcache::hub
