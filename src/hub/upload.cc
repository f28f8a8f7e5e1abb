#include "hub/upload.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "core/file_util.h"
#include "core/sha256.h"
#include "hub/hub_api.h"

namespace actcache::hub {
namespace {

constexpr std::int64_t kSampleBytes = 512;  // preupload "sample" (§C.2)

struct LocalFile {
    std::string path;  // relative, '/'-separated
    std::string full_path;
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

Result<std::vector<LocalFile>> ListLocalFiles(const std::string& dir,
                                              const UploadOptions& options) {
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error))
        return Status::NotFound(dir + ": no such folder");
    std::vector<LocalFile> files;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        const std::filesystem::path relative = std::filesystem::relative(it->path(), dir);
        if (Excluded(relative)) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file()) continue;
        LocalFile file;
        file.path = relative.generic_string();
        file.full_path = it->path().string();
        file.size_bytes = static_cast<std::int64_t>(it->file_size());
        auto known = options.known_digests.find(file.path);
        if (known != options.known_digests.end() && known->second.size_bytes == file.size_bytes) {
            file.sha256 = known->second.sha256;
            std::ifstream in(file.full_path, std::ios::binary);
            file.sample.resize(static_cast<std::size_t>(std::min(kSampleBytes, file.size_bytes)));
            in.read(file.sample.data(), static_cast<std::streamsize>(file.sample.size()));
            if (!in) return Status::IOError(file.full_path + ": read failed");
        } else {
            ACT_ASSIGN_OR_RETURN(file.sha256, HashFile(file.full_path, &file.sample));
        }
        files.push_back(std::move(file));
    }
    if (error) return Status::IOError(dir + ": cannot list: " + error.message());
    std::sort(files.begin(), files.end(),
              [](const LocalFile& a, const LocalFile& b) { return a.path < b.path; });
    return files;
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

// Commits `operations` (≤ max_files_per_commit each), re-reading the head after a conflict.
Status CommitAll(const HubSettings& settings, const std::string& repo, const std::string& revision,
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

}  // namespace

Result<UploadSummary> UploadFolder(const HubSettings& settings, const std::string& repo,
                                   const std::string& revision, const std::string& dir,
                                   const UploadOptions& options) {
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
    ACT_ASSIGN_OR_RETURN(std::vector<LocalFile> files, ListLocalFiles(dir, options));
    if (files.empty()) return Status::InvalidArgument(dir + ": nothing to push (no files)");

    UploadSummary summary;
    ACT_ASSIGN_OR_RETURN(summary.repo_created,
                         CreateDatasetRepo(settings, repo, options.is_private, options.retry));

    // Which files are LFS, and which the repository already holds at their path.
    std::vector<PreuploadFile> asked;
    for (const LocalFile& file : files)
        asked.push_back({.path = file.path, .sample = file.sample, .size_bytes = file.size_bytes});
    ACT_ASSIGN_OR_RETURN(std::vector<PreuploadAnswer> modes,
                         Preupload(settings, repo, revision, asked, options.retry));
    std::vector<std::string> contents(files.size());  // regular files' bytes
    for (std::size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
        LocalFile& file = files[file_idx];
        file.lfs = modes[file_idx].lfs;
        if (modes[file_idx].should_ignore) {
            file.skip = true;
        } else if (file.lfs) {
            file.skip = modes[file_idx].remote_oid == file.sha256;
        } else {
            ACT_ASSIGN_OR_RETURN(contents[file_idx], ReadFileToString(file.full_path));
            file.skip = !modes[file_idx].remote_oid.empty() &&
                        modes[file_idx].remote_oid == GitBlobOid(contents[file_idx]);
        }
        if (file.skip) ++summary.files_skipped;
    }

    // LFS contents the server does not hold yet.
    std::vector<LfsObjectId> objects;
    std::vector<const LocalFile*> object_files;
    std::set<std::string> asked_oids;  // identical files share one object
    for (const LocalFile& file : files) {
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
            const LocalFile& file = *object_files[object_idx];
            Status sent =
                UploadLfsObject(settings, batch[object_idx], file.full_path, options.retry);
            if (!sent.ok()) return sent.WithContext("dataset " + repo + ": " + file.path);
            ++summary.lfs_objects_uploaded;
            summary.bytes_uploaded += file.size_bytes;
            if (options.progress) {
                options.progress("uploaded " + file.path + " (" + std::to_string(object_idx + 1) +
                                 "/" + std::to_string(batch.size()) + ", " +
                                 std::to_string(file.size_bytes) + " bytes)");
            }
        }
    }

    std::vector<CommitOperation> operations;
    for (std::size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
        const LocalFile& file = files[file_idx];
        if (file.skip) continue;
        operations.push_back(
            CommitOperation{.path = file.path,
                            .lfs = file.lfs,
                            .oid = file.lfs ? file.sha256 : "",
                            .size_bytes = file.size_bytes,
                            .content = file.lfs ? "" : std::move(contents[file_idx])});
    }
    summary.files_committed = static_cast<int>(operations.size());
    if (operations.empty()) {
        ACT_ASSIGN_OR_RETURN(summary.head_commit,
                             HeadCommit(settings, repo, revision, options.retry));
        return summary;
    }
    ACT_RETURN_IF_ERROR(CommitAll(settings, repo, revision, operations, options, &summary));
    return summary;
}

}  // namespace actcache::hub
