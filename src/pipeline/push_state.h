// PushState: which files of a run's output folder are on the Hub, in OUT/.actcache/push.json.
//
// The manifest says what is complete on local disk; this file says where the run pushes and
// what of it a commit on the Hub holds. It is written (atomically) when pushing starts and after
// each commit that succeeded, so a file it names is on the Hub — the reverse may lag (a commit
// whose answer was lost), which costs only an idempotent re-push. `actcache push DIR` reads the repository from it and adds what it pushes.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace actcache::pipeline {

struct PushState {
    static constexpr int kVersion = 1;

    std::string repo;      // "ORG/NAME"
    std::string revision;  // branch committed to
    std::map<std::string, std::string> pushed;  // path in OUT → sha256 (LFS) or "" (regular file)
    std::string head_commit;                    // after the last commit made
};

// The file's path inside an output folder.
std::string PushStatePath(const std::string& output_dir);

Status SavePushState(const std::string& output_dir, const PushState& state);

// NotFound when the folder has none; Corruption naming the file and field when it is malformed.
Result<PushState> LoadPushState(const std::string& output_dir);

}  // namespace actcache::pipeline
