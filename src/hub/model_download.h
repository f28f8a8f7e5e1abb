// DownloadModelSnapshot: fetches the files of a Hub model repository into the standard HF cache
// exactly as huggingface_hub lays it out (reference/hf-formats-and-hub.md §D.1–D.2), so a model
// downloaded by Python tools is reused here and the other way round.
//
//   blobs/<etag>                          the bytes (etag: sha256 for LFS files, git blob sha1
//                                         for regular ones), verified before they appear
//   blobs/<etag>.<8hex>.incomplete        a download in progress; resumed with Range next time
//   snapshots/<commit>/<path>             relative symlink ../../blobs/<etag>
//   refs/<revision>                       the commit (40 hex, no newline), written atomically
//   .no_exist/<commit>/<path>             an optional file the repository does not have
//   <cache>/.locks/models--ORG--NAME/<etag>.lock   flock held while a blob is written
//
// Knows nothing of the pipeline: what to fetch is a ModelFileList (hub/model_files.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "hub/hub_settings.h"
#include "hub/model_files.h"

namespace actcache::hub {

// Told before the bytes of one file are fetched (not for files already in the cache).
struct DownloadNotice {
    std::string path;                     // in the repository, e.g. "model.safetensors"
    std::uint64_t size_bytes = 0;         // as the Hub announced; 0 when it did not say
    std::uint64_t resume_from_bytes = 0;  // bytes already on disk from an interrupted download
};
using DownloadProgress = std::function<void(const DownloadNotice& notice)>;

// Downloads what `files` names of model `repo_id` ("ORG/NAME") at `revision` (branch, tag or
// 40-hex commit) into settings.cache_dir and returns the snapshot folder
// <cache_dir>/models--ORG--NAME/snapshots/<commit>. Files already in blobs/ are linked, not
// fetched again. A branch or tag is resolved by the Hub's X-Repo-Commit and refs/<revision> is
// written once every file is in place. `progress` may be empty.
// The token (settings.token) is sent to the Hub only, never to the CDN an LFS file redirects
// to, and never appears in a message.
// Errors, each naming the repository: Unavailable when settings.offline or the Hub cannot be
// reached (a partial download stays for the next try); InvalidArgument on 401/403 (private or
// gated: says to accept the license on the model page and set HF_TOKEN); NotFound for a missing
// repository, revision or required file; Corruption naming the file when its bytes do not match
// the sha256 / git blob sha1 the Hub announced (the partial download is removed) or the Hub's
// answer lacks X-Repo-Commit; Cancelled when InterruptSignal() (core/interrupt.h) is set while
// bytes arrive (the partial download is kept); IOError / ResourceExhausted for the cache folder.
// Several processes may download into one cache at once: each blob is written under its
// .locks flock (the lock huggingface_hub takes too) and appears by rename.
Result<std::string> DownloadModelSnapshot(const HubSettings& settings, const std::string& repo_id,
                                          const std::string& revision, const ModelFileList& files,
                                          const DownloadProgress& progress);

}  // namespace actcache::hub
