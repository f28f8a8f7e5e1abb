// Uploads to a Hub dataset repository with the legacy LFS protocol (reference/
// hf-formats-and-hub.md §C.7), idempotently: a file whose remote oid at its path already equals
// the local one is neither uploaded nor committed, so a second push of an unchanged folder sends
// no bytes and makes no commit.
//
// UploadFolder does it all for a folder. StageFiles and CommitFiles are its two halves, for a
// caller that uploads files as they appear and commits them in groups later (a running job).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/retry_policy.h"
#include "hub/hub_api.h"
#include "hub/hub_settings.h"

namespace actcache::hub {

struct KnownDigest {
    std::string sha256;  // hex, trusted only when the file still has size_bytes
    std::int64_t size_bytes = 0;
};

struct UploadOptions {
    bool is_private = true;  // for a repository this push creates
    std::string commit_message = "Upload dataset with actcache";
    std::string commit_description;
    int max_files_per_commit = 50;  // Hub: "commit size < 100 files" (§C.7)
    int max_commit_conflicts = 5;   // 409/412 answers survived (head re-read each time)
    // Digests already computed (e.g. from .actcache/manifest.json), by path in the folder
    // (UploadFolder only).
    std::map<std::string, KnownDigest> known_digests;
    // Bytes to push instead of a local file's, by path in the folder (UploadFolder only): a
    // README.md merged with the one on the Hub, say.
    std::map<std::string, std::string> content_overrides;
    http::RetryPolicy retry;
    // Called with one line of progress ("uploaded data/x.parquet (3/12, 524288000 bytes)") after
    // each LFS object and each commit; may be empty.
    std::function<void(const std::string& line)> progress;
};

struct UploadSummary {
    int files_committed = 0;          // added or changed by this push
    int files_skipped = 0;            // identical remotely, or ignored by the server
    int lfs_objects_uploaded = 0;     // bytes sent (the others were stored already)
    std::int64_t bytes_uploaded = 0;  // LFS bytes sent
    int commits = 0;
    bool repo_created = false;
    std::string head_commit;  // the revision's head after the push
};

// A file to put in the repository: a local file, or bytes held in memory (a card rendered for
// the shards pushed so far, say).
struct UploadItem {
    std::string path;        // in the repository, '/'-separated
    std::string local_path;  // read from here unless `content` is set
    std::optional<std::string> content;
    std::optional<KnownDigest> known;  // a local file's digest computed earlier (else it is hashed)
};

// Items whose content is on the Hub, ready to be committed.
struct StagedFiles {
    std::vector<CommitOperation> operations;  // one per item not already identical remotely
    int files_skipped = 0;
    int lfs_objects_uploaded = 0;
    std::int64_t bytes_uploaded = 0;
};

// Whether pushing to `repo` can start: a valid "ORG/NAME", a token, not offline. The errors
// are those UploadFolder documents.
Status CheckCanPush(const HubSettings& settings, const std::string& repo);

// Preuploads `items` and sends the LFS content the Hub lacks; commits nothing (until a commit
// names them, uploaded objects are invisible). REQUIRES: the repository exists.
Result<StagedFiles> StageFiles(const HubSettings& settings, const std::string& repo,
                               const std::string& revision, const std::vector<UploadItem>& items,
                               const UploadOptions& options);

// Commits `operations` in commits of at most options.max_files_per_commit files, each on top of
// the head read just before it (re-read after a 409/412 conflict). Adds to summary->commits
// and sets summary->head_commit.
Status CommitFiles(const HubSettings& settings, const std::string& repo,
                   const std::string& revision, const std::vector<CommitOperation>& operations,
                   const UploadOptions& options, UploadSummary* summary);

// Uploads every regular file under `dir` (recursively, paths relative to it, skipping hidden
// names such as .actcache/ and temporary "*.tmp-*" files) to `revision` of dataset `repo`
// ("ORG/NAME"), creating the repository when missing. REQUIRES: settings.token for writing.
// Errors: InvalidArgument for a missing token, a bad repo id or a refused request (401/403
// telling to set HF_TOKEN); NotFound/IOError for the folder; Unavailable when the Hub cannot be
// reached or HF_HUB_OFFLINE is set; each names the repository and the file or URL.
Result<UploadSummary> UploadFolder(const HubSettings& settings, const std::string& repo,
                                   const std::string& revision, const std::string& dir,
                                   const UploadOptions& options);

}  // namespace actcache::hub
