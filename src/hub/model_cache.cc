#include "hub/model_cache.h"

#include <filesystem>

#include "core/file_util.h"

namespace actcache::hub {

Result<std::string> FindCachedModel(const HubSettings& settings, const std::string& repo_id,
                                    const std::string& revision, const ModelFileList& files) {
    if (settings.cache_dir.empty()) {
        return Status::NotFound("model " + repo_id + ": no HF cache folder (set HF_HOME or HF_HUB_CACHE)");
    }
    const std::string repo_dir = ModelRepoCacheDir(settings, repo_id);
    std::string commit = revision;
    if (!IsCommitHash(revision)) {
        Result<std::string> ref = ReadFileToString(repo_dir + "/refs/" + revision);
        if (!ref.ok()) {
            return Status::NotFound("model " + repo_id + "@" + revision + " is not in the HF cache " +
                                    settings.cache_dir + " (no " + repo_dir + "/refs/" + revision + ")");
        }
        commit = *ref;
        // huggingface_hub writes no newline; a hand-written ref may have one.
        while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
    }
    const std::string snapshot = repo_dir + "/snapshots/" + commit;
    std::error_code error;
    if (!std::filesystem::is_directory(snapshot, error)) {
        return Status::NotFound("model " + repo_id + "@" + revision + ": no snapshot folder " + snapshot);
    }
    const std::vector<std::string> missing = MissingModelFiles(snapshot, files);
    if (!missing.empty()) {
        std::string names;
        for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
        return Status::NotFound("model " + repo_id + "@" + revision + ": " + snapshot + " lacks " + names);
    }
    return snapshot;
}

}  // namespace actcache::hub
