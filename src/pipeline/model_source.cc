#include "pipeline/model_source.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/mapped_file.h"
#include "core/sha256.h"
#include "hub/model_cache.h"
#include "hub/model_download.h"

namespace actcache::pipeline {

Result<std::string> ResolveModelDir(const std::string& model, const hub::HubSettings& hub, bool quiet) {
    std::error_code error;
    if (std::filesystem::is_directory(model, error)) return model;
    const std::size_t slash = model.find('/');
    const bool looks_like_id = slash != std::string::npos && slash > 0 &&
                               model.find('/', slash + 1) == std::string::npos &&
                               !model.starts_with(".") && !model.starts_with("/");
    if (!looks_like_id) return Status::NotFound("--model: '" + model + "' is not a folder");
    const std::size_t at = model.find('@');
    const std::string repo_id = model.substr(0, at);
    const std::string revision = at == std::string::npos ? "main" : model.substr(at + 1);
    const hub::ModelFileList files = hub::LlamaModelFiles();
    Result<std::string> cached = hub::FindCachedModel(hub, repo_id, revision, files);
    if (cached.ok() || cached.status().code() != StatusCode::kNotFound) return cached;
    if (hub.offline) {
        return Status::NotFound(cached.status().message() +
                                "; HF_HUB_OFFLINE is set, so it is not downloaded: unset it, or fetch it "
                                "with `huggingface-cli download " + repo_id + "` elsewhere");
    }
    hub::DownloadProgress progress;
    if (!quiet) {
        progress = [&repo_id](const hub::DownloadNotice& notice) {
            std::fprintf(stderr, "downloading %s: %s, %llu bytes", repo_id.c_str(), notice.path.c_str(),
                         static_cast<unsigned long long>(notice.size_bytes));
            if (notice.resume_from_bytes > 0) {
                std::fprintf(stderr, " (resuming at %llu)", static_cast<unsigned long long>(notice.resume_from_bytes));
            }
            std::fprintf(stderr, "\n");
        };
    }
    return hub::DownloadModelSnapshot(hub, repo_id, revision, files, progress);
}

std::string ResolveTokenizerPath(const std::string& tokenizer, const std::string& model_dir) {
    std::string path = tokenizer.empty() ? model_dir : tokenizer;
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) path += "/tokenizer.json";
    return path;
}

namespace {

Result<std::string> FileDigest(const std::string& path, std::size_t max_bytes) {
    ACT_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
    const auto bytes = file->bytes();
    Sha256 sha;
    sha.Update(std::string_view(reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), max_bytes)));
    return sha.HexDigest();
}

}  // namespace

Result<JsonValue> ModelIdentity(const std::string& model_dir, const std::string& tokenizer_path) {
    constexpr std::size_t kWhole = static_cast<std::size_t>(-1);
    JsonValue identity = JsonValue::Object();
    ACT_ASSIGN_OR_RETURN(std::string config, FileDigest(model_dir + "/config.json", kWhole));
    identity.Set("config_sha256", JsonValue::String(config));
    ACT_ASSIGN_OR_RETURN(std::string tokenizer, FileDigest(tokenizer_path, kWhole));
    identity.Set("tokenizer_sha256", JsonValue::String(tokenizer));

    std::vector<std::string> weight_files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(model_dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with(".safetensors")) weight_files.push_back(name);
    }
    if (error) return Status::IOError(model_dir + ": " + error.message());
    std::sort(weight_files.begin(), weight_files.end());
    JsonValue weights = JsonValue::Array();
    for (const std::string& name : weight_files) {
        const std::string path = model_dir + "/" + name;
        ACT_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
        const auto bytes = file->bytes();
        std::uint64_t header_size = 0;
        if (bytes.size() >= 8) std::memcpy(&header_size, bytes.data(), 8);
        const std::size_t prefix = static_cast<std::size_t>(
            std::min<std::uint64_t>(bytes.size(), 8 + std::min<std::uint64_t>(header_size, bytes.size()) + (1 << 20)));
        Sha256 sha;
        sha.Update(std::string_view(reinterpret_cast<const char*>(bytes.data()), prefix));
        JsonValue item = JsonValue::Object();
        item.Set("file", JsonValue::String(name));
        item.Set("bytes", JsonValue::Integer(static_cast<std::int64_t>(bytes.size())));
        item.Set("head_sha256", JsonValue::String(sha.HexDigest()));
        weights.Append(std::move(item));
    }
    identity.Set("weights", std::move(weights));
    return identity;
}

}  // namespace actcache::pipeline
