#include "hub/upload.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <vector>

#include "core/file_util.h"
#include "core/sha256.h"
#include "hub/hub_api.h"

namespace actcache::hub {
namespace {

constexpr std::int64_t kSampleBytes = 512;  // preupload "sample" (§C.2)

struct PreparedItem {
    std::string path;  // in the repository
    std::string local_path;
    std::optional<std::string> content;  // in memory (else read from local_path when regular)
    std::int64_t size_bytes = 0;
    std::string sha256;
    std::string sample;
    bool lfs = false;
    bool skip = false;
};

// Hidden names (.actcache/, .git) and temporary files of an atomic write are not the dataset.
bool Excluded(const std::filesystem::path& relative) {
    for (const auto& part : relative) {
        const std::string name = part.string();
        if (name.starts_with(".") || name.find(".tmp-") != std::string::npos) return true;
    }
    return false;
}

Result<std::string> HashFile(const std::string& path, std::string* sample) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IOError(path + ": cannot open");
    Sha256 sha;
    std::vector<char> buffer(1 << 20);
    sample->clear();
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const std::size_t got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        if (static_cast<std::int64_t>(sample->size()) < kSampleBytes) {
            sample->append(buffer.data(),
                           std::min<std::size_t>(got, kSampleBytes - sample->size()));
        }
        sha.Update(std::string_view(buffer.data(), got));
    }
    if (in.bad()) return Status::IOError(path + ": read failed");
    return sha.HexDigest();
}

Result<std::vector<UploadItem>> ListFolder(const std::string& dir, const UploadOptions& options) {
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error))
        return Status::NotFound(dir + ": no such folder");
    std::vector<UploadItem> items;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        const std::filesystem::path relative = std::filesystem::relative(it->path(), dir);
        if (Excluded(relative)) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file()) continue;
        UploadItem item;
        item.path = relative.generic_string();
        item.local_path = it->path().string();
        if (auto known = options.known_digests.find(item.path); known != options.known_digests.end())
            item.known = known->second;
        if (auto content = options.content_overrides.find(item.path); content != options.content_overrides.end())
            item.content = content->second;
        items.push_back(std::move(item));
    }
    if (error) return Status::IOError(dir + ": cannot list: " + error.message());
    std::sort(items.begin(), items.end(),
              [](const UploadItem& a, const UploadItem& b) { return a.path < b.path; });
    return items;
}

// Size, sha256 and preupload sample of `item` (a known digest is trusted when the size matches).
Result<PreparedItem> Prepare(const UploadItem& item) {
    PreparedItem prepared;
    prepared.path = item.path;
    prepared.local_path = item.local_path;
    prepared.content = item.content;
    if (item.content) {
        prepared.size_bytes = static_cast<std::int64_t>(item.content->size());
        Sha256 sha;
        sha.Update(*item.content);
        prepared.sha256 = sha.HexDigest();
        prepared.sample = item.content->substr(0, static_cast<std::size_t>(kSampleBytes));
        return prepared;
    }
    std::error_code error;
    const auto size = std::filesystem::file_size(item.local_path, error);
    if (error) return Status::IOError(item.local_path + ": " + error.message());
    prepared.size_bytes = static_cast<std::int64_t>(size);
    if (item.known && item.known->size_bytes == prepared.size_bytes) {
        prepared.sha256 = item.known->sha256;
        std::ifstream in(item.local_path, std::ios::binary);
        prepared.sample.resize(static_cast<std::size_t>(std::min(kSampleBytes, prepared.size_bytes)));
        in.read(prepared.sample.data(), static_cast<std::streamsize>(prepared.sample.size()));
        if (!in) return Status::IOError(item.local_path + ": read failed");
    } else {
        ACT_ASSIGN_OR_RETURN(prepared.sha256, HashFile(item.local_path, &prepared.sample));
    }
    return prepared;
}

// Sends an LFS object from its local file; an in-memory item (rare: a card over the Hub's LFS
// threshold) goes through a temporary file, removed afterwards.
Status UploadLfsItem(const HubSettings& settings, const LfsBatchObject& object,
                     const PreparedItem& item, const http::RetryPolicy& retry) {
    if (!item.content) return UploadLfsObject(settings, object, item.local_path, retry);
    const std::string temp = (std::filesystem::temp_directory_path() /
                              ("actcache-upload-" + item.sha256)).string();
    ACT_RETURN_IF_ERROR(WriteFileAtomically(temp, *item.content));
    Status sent = UploadLfsObject(settings, object, temp, retry);
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return sent;
}

bool ValidRepoId(const std::string& repo) {
    const std::size_t slash = repo.find('/');
    return slash != std::string::npos && slash > 0 && slash + 1 < repo.size() &&
           repo.find('/', slash + 1) == std::string::npos &&
           std::all_of(repo.begin(), repo.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                      c == '.' || c == '/';
           });
}

}  // namespace

Status CommitFiles(const HubSettings& settings, const std::string& repo, const std::string& revision,
                 const std::vector<CommitOperation>& operations, const UploadOptions& options,
                 UploadSummary* summary) {
    const std::size_t per_commit =
        static_cast<std::size_t>(std::max(1, options.max_files_per_commit));
    const std::size_t n_commits = (operations.size() + per_commit - 1) / per_commit;
    int conflicts = 0;
    for (std::size_t commit_idx = 0; commit_idx < n_commits; ++commit_idx) {
        const auto begin =
            operations.begin() + static_cast<std::ptrdiff_t>(commit_idx * per_commit);
        const auto end =
            operations.begin() +
            static_cast<std::ptrdiff_t>(std::min(operations.size(), (commit_idx + 1) * per_commit));
        const std::vector<CommitOperation> batch(begin, end);
        std::string summary_line = options.commit_message;
        if (n_commits > 1) {
            summary_line += " (part " + std::to_string(commit_idx + 1) + " of " +
                            std::to_string(n_commits) + ")";
        }
        while (true) {
            ACT_ASSIGN_OR_RETURN(std::string parent,
                                 HeadCommit(settings, repo, revision, options.retry));
            ACT_ASSIGN_OR_RETURN(CommitAnswer answer,
                                 Commit(settings, repo, revision, summary_line,
                                        options.commit_description, parent, batch, options.retry));
            if (!answer.conflict) {
                summary->head_commit = answer.commit_oid;
                ++summary->commits;
                if (options.progress) {
                    options.progress("committed " + std::to_string(batch.size()) + " files to " +
                                     revision + " (" + answer.commit_oid + ")");
                }
                break;
            }
            if (++conflicts > options.max_commit_conflicts) {
                return Status::Unavailable(
                    "dataset " + repo + ": the commit conflicted " + std::to_string(conflicts) +
                    " times (others keep committing to " + revision + "); try again");
            }
        }
    }
    return Status::Ok();
}


Status CheckCanPush(const HubSettings& settings, const std::string& repo) {
    if (!ValidRepoId(repo)) {
        return Status::InvalidArgument("--repo '" + repo +
                                       "': expected ORG/NAME (letters, digits, '-', '_', '.')");
    }
    if (settings.offline)
        return Status::Unavailable("dataset " + repo + ": HF_HUB_OFFLINE is set, cannot push");
    if (!settings.token) {
        return Status::InvalidArgument("dataset " + repo +
                                       ": no Hugging Face token; set HF_TOKEN (or run "
                                       "`huggingface-cli login`) to a token with write access");
    }
    return Status::Ok();
}

Result<StagedFiles> StageFiles(const HubSettings& settings, const std::string& repo,
                               const std::string& revision, const std::vector<UploadItem>& items,
                               const UploadOptions& options) {
    std::vector<PreparedItem> files;
    for (const UploadItem& item : items) {
        ACT_ASSIGN_OR_RETURN(PreparedItem prepared, Prepare(item));
        files.push_back(std::move(prepared));
    }
    StagedFiles staged;
    if (files.empty()) return staged;

    // Which files are LFS, and which the repository already holds at their path.
    std::vector<PreuploadFile> asked;
    for (const PreparedItem& file : files)
        asked.push_back({.path = file.path, .sample = file.sample, .size_bytes = file.size_bytes});
    ACT_ASSIGN_OR_RETURN(std::vector<PreuploadAnswer> modes,
                         Preupload(settings, repo, revision, asked, options.retry));
    for (std::size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
        PreparedItem& file = files[file_idx];
        file.lfs = modes[file_idx].lfs;
        if (modes[file_idx].should_ignore) {
            file.skip = true;
        } else if (file.lfs) {
            file.skip = modes[file_idx].remote_oid == file.sha256;
        } else {
            if (!file.content) {
                ACT_ASSIGN_OR_RETURN(file.content, ReadFileToString(file.local_path));
            }
            file.skip = !modes[file_idx].remote_oid.empty() &&
                        modes[file_idx].remote_oid == GitBlobOid(*file.content);
        }
        if (file.skip) ++staged.files_skipped;
    }

    // LFS contents the server does not hold yet.
    std::vector<LfsObjectId> objects;
    std::vector<const PreparedItem*> object_files;
    std::set<std::string> asked_oids;  // identical files share one object
    for (const PreparedItem& file : files) {
        if (file.skip || !file.lfs) continue;
        if (!asked_oids.insert(file.sha256).second) continue;
        objects.push_back({.oid = file.sha256, .size_bytes = file.size_bytes});
        object_files.push_back(&file);
    }
    if (!objects.empty()) {
        ACT_ASSIGN_OR_RETURN(std::vector<LfsBatchObject> batch,
                             LfsBatch(settings, repo, revision, objects, options.retry));
        for (std::size_t object_idx = 0; object_idx < batch.size(); ++object_idx) {
            if (!batch[object_idx].upload) continue;
            const PreparedItem& file = *object_files[object_idx];
            Status sent = UploadLfsItem(settings, batch[object_idx], file, options.retry);
            if (!sent.ok()) return sent.WithContext("dataset " + repo + ": " + file.path);
            ++staged.lfs_objects_uploaded;
            staged.bytes_uploaded += file.size_bytes;
            if (options.progress) {
                options.progress("uploaded " + file.path + " (" + std::to_string(object_idx + 1) +
                                 "/" + std::to_string(batch.size()) + ", " +
                                 std::to_string(file.size_bytes) + " bytes)");
            }
        }
    }

    for (PreparedItem& file : files) {
        if (file.skip) continue;
        staged.operations.push_back(
            CommitOperation{.path = file.path,
                            .lfs = file.lfs,
                            .oid = file.lfs ? file.sha256 : "",
                            .size_bytes = file.size_bytes,
                            .content = file.lfs ? "" : std::move(*file.content)});
    }
    return staged;
}

Result<UploadSummary> UploadFolder(const HubSettings& settings, const std::string& repo,
                                   const std::string& revision, const std::string& dir,
                                   const UploadOptions& options) {
    ACT_RETURN_IF_ERROR(CheckCanPush(settings, repo));
    ACT_ASSIGN_OR_RETURN(std::vector<UploadItem> items, ListFolder(dir, options));
    if (items.empty()) return Status::InvalidArgument(dir + ": nothing to push (no files)");

    UploadSummary summary;
    ACT_ASSIGN_OR_RETURN(summary.repo_created,
                         CreateDatasetRepo(settings, repo, options.is_private, options.retry));
    ACT_ASSIGN_OR_RETURN(StagedFiles staged, StageFiles(settings, repo, revision, items, options));
    summary.files_skipped = staged.files_skipped;
    summary.lfs_objects_uploaded = staged.lfs_objects_uploaded;
    summary.bytes_uploaded = staged.bytes_uploaded;
    summary.files_committed = static_cast<int>(staged.operations.size());
    if (staged.operations.empty()) {
        ACT_ASSIGN_OR_RETURN(summary.head_commit,
                             HeadCommit(settings, repo, revision, options.retry));
        return summary;
    }
    ACT_RETURN_IF_ERROR(
        CommitFiles(settings, repo, revision, staged.operations, options, &summary));
    return summary;
}

}  // namespace actcache::hub
