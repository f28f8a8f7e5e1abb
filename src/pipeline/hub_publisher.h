// HubPublisher: pushes a running job's shards to a Hub dataset repository while the job goes on.
//
// Each shard committed on local disk is uploaded at once (its LFS object; a few transfers at a
// time), and uploaded shards are committed in groups of at most shards_per_commit (a backlog
// from an earlier session excepted: see CommitDueGroup) — when shards_per_commit are waiting, or
// commit_interval after the last commit, and at the end — together with README.md and
// norm_stats.json as they were right after the group's last shard, so every commit leaves a
// dataset that loads (the card names exactly the splits the Hub holds). A README.md already on
// the Hub is kept: the card is merged into it (dataset/card_merge.h). Group commits keep a
// fast run within the Hub's commit rate limits; the shard digests come from the writer.
//
// Nothing is lost: a shard is complete on local disk before it is handed here. A failed upload
// or commit (after the HTTP retries) leaves it pending: it is tried again with the next shard
// and once more at the end, and what is still not pushed then is reported — `actcache push DIR`
// uploads exactly that. OUT/.actcache/push.json (pipeline/push_state.h) records what each
// successful commit put on the Hub.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "http/retry_policy.h"
#include "hub/hub_settings.h"
#include "hub/upload.h"
#include "pipeline/manifest.h"
#include "pipeline/push_state.h"

namespace actcache::pipeline {

struct HubPublisherOptions {
    std::string output_dir;
    std::string repo;  // "ORG/NAME"
    std::string revision = "main";
    bool is_private = true;      // for a repository the push creates (the seed's private=True)
    int shards_per_commit = 48;  // + README.md and norm_stats.json: the Hub's 50 files a commit
    double commit_interval_seconds = 180;
    int concurrent_uploads = 2;
    bool delete_local_after_push = false;  // a shard's file, once a commit holding it succeeded
    http::RetryPolicy retry;
    // One line per event worth a log entry (a commit, a failure); may be empty.
    std::function<void(const std::string& line)> log;
};

struct PublishReport {
    std::int64_t shards_pushed = 0;      // of the run's shards, on the Hub now
    std::int64_t shards_not_pushed = 0;  // left on local disk for `actcache push`
    int commits = 0;                     // made by this session
    std::int64_t bytes_uploaded = 0;     // LFS bytes sent by this session
    bool repo_created = false;
    std::string last_error;  // why the last attempt failed, when shards_not_pushed > 0
};

class HubPublisher {
public:
    // Starts publishing for the run whose committed state is `manifest`: the shards push.json
    // does not list (for this repo and revision) are pushed first, with the card and statistics
    // now on disk. REQUIRES: hub::CheckCanPush(settings, options.repo) is Ok.
    HubPublisher(hub::HubSettings settings, HubPublisherOptions options, const RunManifest& manifest);
    ~HubPublisher();  // Finish() unless called
    HubPublisher(const HubPublisher&) = delete;
    HubPublisher& operator=(const HubPublisher&) = delete;

    // `shard` is committed on local disk; `card` and `norm_stats` are README.md and
    // norm_stats.json as written right after it. Returns at once. Called by one thread.
    void ShardCommitted(const CommittedShard& shard, std::string card, std::string norm_stats);

    // Pushes what is pending (one last attempt), stops the publishing thread and reports.
    PublishReport Finish();

private:
    struct Snapshot {
        std::string card, norm_stats;
    };
    struct PendingShard {
        CommittedShard shard;
        std::optional<Snapshot> snapshot;  // absent for a backlog shard other than the last
        bool staged = false;               // its content is on the Hub, commit pending
        std::vector<hub::CommitOperation> operations;  // when staged: 0 (already there) or 1
    };

    void Loop();
    // One round: create the repository if needed, upload the shards not yet uploaded, commit
    // the groups that are due (all of them when `final`). Failures are recorded and logged, not
    // returned.
    void PublishRound(bool final);
    bool EnsureRepository();
    void StageShards();
    // Commits the group at the front if it is due; returns whether it did (another may be due).
    bool CommitDueGroup(bool final);
    void RecordFailure(const Status& status);

    hub::HubSettings settings_;
    HubPublisherOptions options_;
    hub::UploadOptions upload_options_;
    ThreadPool upload_pool_;

    // Shared with the caller's thread.
    std::mutex mu_;
    std::condition_variable wake_;
    std::deque<PendingShard> incoming_;
    bool finishing_ = false;
    bool finished_ = false;

    // The publishing thread's own.
    std::deque<PendingShard> pending_;  // in shard order
    PushState state_;
    bool repo_ready_ = false;
    std::optional<std::string> remote_card_;  // README.md on the Hub when pushing started
    bool round_failed_ = false;
    std::chrono::steady_clock::duration commit_interval_{};
    std::chrono::steady_clock::time_point last_commit_;
    PublishReport report_;
    std::jthread thread_;  // started by the constructor once everything it uses is set
};

}  // namespace actcache::pipeline
