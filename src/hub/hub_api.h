// Typed calls of the Hub's upload API (reference/hf-formats-and-hub.md §C.1–C.5): create a
// dataset repository, read a revision's head commit, preupload, LFS batch, commit. Each call
// sends `authorization: Bearer <token>` when settings has a token; the token never appears in a
// returned message. HTTP 408/429/5xx and network errors are retried per `retry`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/retry_policy.h"
#include "hub/hub_settings.h"

namespace actcache::hub {

// Creates dataset `repo` ("ORG/NAME"); one that already exists (409, or 401/403 while the
// repository can be read) is success. Returns true when it was created. InvalidArgument on
// other 401/403 answers (saying the token lacks write access).
Result<bool> CreateDatasetRepo(const HubSettings& settings, const std::string& repo,
                               bool is_private, const http::RetryPolicy& retry);

// The head commit (40 hex, JSON field "sha") of `revision` of dataset `repo`.
// NotFound for a missing repository or revision.
Result<std::string> HeadCommit(const HubSettings& settings, const std::string& repo,
                               const std::string& revision, const http::RetryPolicy& retry);

// The content of small file `path` at `revision` of dataset `repo` (resolve endpoint, redirects
// followed); nullopt when the repository, the revision or the file does not exist.
Result<std::optional<std::string>> ReadRepoFile(const HubSettings& settings, const std::string& repo,
                                                const std::string& revision, const std::string& path,
                                                const http::RetryPolicy& retry);

struct PreuploadFile {
    std::string path;    // in the repository, '/'-separated
    std::string sample;  // the first 512 bytes (fewer for a smaller file)
    std::int64_t size_bytes = 0;
};

struct PreuploadAnswer {
    std::string path;
    bool lfs = false;            // uploadMode "lfs" (else "regular")
    bool should_ignore = false;  // the server will not take this path
    std::string remote_oid;  // of the file at this path now: sha256 (lfs) or git blob sha1; "" none
};

// Asks how each file is to be uploaded, 256 files per request (the Hub's limit). Answers are in
// the order of `files`. Size-0 files are regular whatever the server says (as huggingface_hub).
Result<std::vector<PreuploadAnswer>> Preupload(const HubSettings& settings, const std::string& repo,
                                               const std::string& revision,
                                               const std::vector<PreuploadFile>& files,
                                               const http::RetryPolicy& retry);

struct LfsAction {
    std::string href;  // "https://huggingface.co" already rewritten to settings.endpoint
    std::vector<std::pair<std::string, std::string>> header;  // in server order
};

struct LfsBatchObject {
    std::string oid;  // sha256 hex
    std::int64_t size_bytes = 0;
    std::optional<LfsAction> upload;  // absent: the content is already stored, nothing to send
    std::optional<LfsAction> verify;
};

struct LfsObjectId {
    std::string oid;
    std::int64_t size_bytes = 0;
};

// LFS batch "upload" for `objects` (256 per request), advertising transfers basic and multipart.
// Answers are in the order of `objects`; a per-object error is InvalidArgument naming the oid;
// a transfer other than basic/multipart (e.g. "xet") is Unimplemented.
Result<std::vector<LfsBatchObject>> LfsBatch(const HubSettings& settings, const std::string& repo,
                                             const std::string& revision,
                                             const std::vector<LfsObjectId>& objects,
                                             const http::RetryPolicy& retry);

// (lfs_upload.cc) Sends the bytes of `object` from file `path` (basic PUT or multipart), then its
// verify action, if any. REQUIRES: object.upload. Unavailable when the retries are spent;
// Corruption when a multipart answer is malformed (parts count, missing ETag).
Status UploadLfsObject(const HubSettings& settings, const LfsBatchObject& object,
                       const std::string& path, const http::RetryPolicy& retry);

struct CommitOperation {
    std::string path;
    bool lfs = false;
    std::string oid;              // lfs: sha256 hex
    std::int64_t size_bytes = 0;  // lfs
    std::string content;          // regular: the bytes (sent base64)
};

struct CommitAnswer {
    bool conflict = false;   // 409/412: the head moved since parent_commit; read it and retry
    std::string commit_oid;  // when !conflict
};

// One commit of `operations` on top of `parent_commit` (NDJSON, §C.4).
Result<CommitAnswer> Commit(const HubSettings& settings, const std::string& repo,
                            const std::string& revision, const std::string& summary,
                            const std::string& description, const std::string& parent_commit,
                            const std::vector<CommitOperation>& operations,
                            const http::RetryPolicy& retry);

// The git blob id of `content`: sha1("blob <size>\0" + content), what the Hub reports as the
// oid of a regular file.
std::string GitBlobOid(const std::string& content);

}  // namespace actcache::hub
