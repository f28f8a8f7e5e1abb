#include "hub/model_cache.h"

#include <filesystem>

#include "core/file_util.h"

namespace actcache::hub {
namespace {

bool IsCommitHash(const std::string& text) {
    if (text.size() != 40) return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace

Result<std::string> FindCachedModel(const HubSettings& settings, const std::string& repo_id,
                                    const std::string& revision) {
    const std::string how =
        " (downloading models is not built yet: fetch it with `huggingface-cli download " + repo_id +
        "`, or pass a local HF-format folder to --model)";
    if (settings.cache_dir.empty()) {
        return Status::NotFound("model '" + repo_id + "': no HF cache folder (set HF_HOME)" + how);
    }
    std::string folder = repo_id;
    for (std::size_t at = folder.find('/'); at != std::string::npos; at = folder.find('/', at + 2)) {
        folder.replace(at, 1, "--");
    }
    const std::string repo_dir = settings.cache_dir + "/models--" + folder;
    std::string commit = revision;
    if (!IsCommitHash(revision)) {
        Result<std::string> ref = ReadFileToString(repo_dir + "/refs/" + revision);
        if (!ref.ok()) {
            return Status::NotFound("model '" + repo_id + "' is not in the HF cache " +
                                    settings.cache_dir + how);
        }
        commit = *ref;
        while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
    }
    const std::string snapshot = repo_dir + "/snapshots/" + commit;
    std::error_code error;
    if (!std::filesystem::exists(snapshot + "/config.json", error)) {
        return Status::NotFound("model '" + repo_id + "': " + snapshot + "/config.json is missing" + how);
    }
    return snapshot;
}

}  // namespace actcache::hub
