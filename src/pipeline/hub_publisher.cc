#include "pipeline/hub_publisher.h"

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "core/file_util.h"
#include "dataset/card_merge.h"
#include "hub/hub_api.h"

namespace actcache::pipeline {
namespace {

constexpr const char* kCardFile = "README.md";
constexpr const char* kNormStatsFile = "norm_stats.json";

std::string SplitRange(const std::deque<CommittedShard>& shards) {
    if (shards.size() == 1) return shards.front().split;
    return shards.front().split + ".." + shards.back().split;
}

}  // namespace

HubPublisher::HubPublisher(hub::HubSettings settings, HubPublisherOptions options,
                           const RunManifest& manifest)
    : settings_(std::move(settings)),
      options_(std::move(options)),
      upload_pool_(std::max(1, options_.concurrent_uploads)) {
    upload_options_.is_private = options_.is_private;
    upload_options_.retry = options_.retry;
    upload_options_.commit_message = "Upload activation dataset with actcache";
    upload_options_.max_files_per_commit = options_.shards_per_commit + 2;

    // What earlier sessions pushed to this repository and branch.
    Result<PushState> loaded = LoadPushState(options_.output_dir);
    if (loaded.ok() && loaded->repo == options_.repo && loaded->revision == options_.revision) {
        state_ = std::move(*loaded);
    } else {
        state_.repo = options_.repo;
        state_.revision = options_.revision;
    }
    // Written now, so that `actcache push DIR` knows where to even if no commit ever succeeds.
    if (Status saved = SavePushState(options_.output_dir, state_); !saved.ok()) RecordFailure(saved);
    for (const CommittedShard& shard : manifest.shards) {
        auto pushed = state_.pushed.find(shard.file);
        if (pushed != state_.pushed.end() && pushed->second == shard.sha256) {
            ++report_.shards_pushed;
        } else {
            PendingShard pending;
            pending.shard = shard;
            pending_.push_back(std::move(pending));
        }
    }
    if (!pending_.empty()) {
        // The backlog goes up with the card and statistics of the whole manifest: those on disk
        // (ShardSink rewrote them from it before this starts).
        Result<std::string> card = ReadFileToString(options_.output_dir + "/" + kCardFile);
        Result<std::string> stats = ReadFileToString(options_.output_dir + "/" + kNormStatsFile);
        if (card.ok() && stats.ok()) {
            pending_.back().snapshot = Snapshot{std::move(*card), std::move(*stats)};
        } else {
            RecordFailure(card.ok() ? stats.status() : card.status());
        }
    }
    commit_interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options_.commit_interval_seconds));
    last_commit_ = std::chrono::steady_clock::now();
    thread_ = std::jthread([this] { Loop(); });
}

HubPublisher::~HubPublisher() {
    if (!finished_) Finish();
}

void HubPublisher::ShardCommitted(const CommittedShard& shard, std::string card,
                                  std::string norm_stats) {
    {
        std::lock_guard lock(mu_);
        PendingShard pending;
        pending.shard = shard;
        pending.snapshot = Snapshot{std::move(card), std::move(norm_stats)};
        incoming_.push_back(std::move(pending));
    }
    wake_.notify_one();
}

PublishReport HubPublisher::Finish() {
    {
        std::lock_guard lock(mu_);
        finishing_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    finished_ = true;
    report_.shards_not_pushed = static_cast<std::int64_t>(pending_.size());
    if (report_.shards_not_pushed == 0) report_.last_error.clear();
    return report_;
}

void HubPublisher::Loop() {
    while (true) {
        bool final = false;
        {
            std::unique_lock lock(mu_);
            auto has_work = [&] { return finishing_ || !incoming_.empty(); };
            // A timed wake only commits uploaded shards that wait; after a failure the next try
            // waits for the next shard (or the end), so an outage is not hammered.
            const bool commit_waits = !round_failed_ && !pending_.empty() && pending_.front().staged;
            if (commit_waits) {
                wake_.wait_until(lock, last_commit_ + commit_interval_, has_work);
            } else {
                wake_.wait(lock, has_work);
            }
            for (PendingShard& shard : incoming_) pending_.push_back(std::move(shard));
            incoming_.clear();
            final = finishing_;
        }
        round_failed_ = false;
        PublishRound(final);
        if (final) return;
    }
}

void HubPublisher::PublishRound(bool final) {
    if (pending_.empty() || !EnsureRepository()) return;
    StageShards();
    while (CommitDueGroup(final)) {
    }
}

bool HubPublisher::EnsureRepository() {
    if (repo_ready_) return true;
    Result<bool> created =
        hub::CreateDatasetRepo(settings_, options_.repo, options_.is_private, options_.retry);
    if (!created.ok()) {
        RecordFailure(created.status());
        return false;
    }
    report_.repo_created = *created;
    // A card already there keeps its own keys and prose: ours is merged into it at each commit.
    Result<std::optional<std::string>> card =
        hub::ReadRepoFile(settings_, options_.repo, options_.revision, kCardFile, options_.retry);
    if (!card.ok()) {
        RecordFailure(card.status());
        return false;
    }
    remote_card_ = std::move(*card);
    repo_ready_ = true;
    return true;
}

void HubPublisher::StageShards() {
    // Up to concurrent_uploads shards at a time, in order; a failed one stays unstaged, and the
    // shards not started yet wait for the next round (an outage costs one retry cycle per
    // round, not one per pending shard).
    std::vector<PendingShard*> unstaged;
    for (PendingShard& pending : pending_) {
        if (!pending.staged) unstaged.push_back(&pending);
    }
    std::vector<Status> results(unstaged.size());
    std::vector<std::int64_t> bytes(unstaged.size(), 0);
    std::atomic<bool> failed{false};
    upload_pool_.ParallelFor(static_cast<std::int64_t>(unstaged.size()), [&](std::int64_t i) {
        if (failed) return;
        PendingShard& pending = *unstaged[static_cast<std::size_t>(i)];
        hub::UploadItem item;
        item.path = pending.shard.file;
        item.local_path = options_.output_dir + "/" + pending.shard.file;
        item.known = hub::KnownDigest{.sha256 = pending.shard.sha256, .size_bytes = pending.shard.bytes};
        Result<hub::StagedFiles> staged =
            hub::StageFiles(settings_, options_.repo, options_.revision, {item}, upload_options_);
        if (!staged.ok()) {
            results[static_cast<std::size_t>(i)] = staged.status();
            failed = true;
            return;
        }
        pending.operations = std::move(staged->operations);
        bytes[static_cast<std::size_t>(i)] = staged->bytes_uploaded;
        pending.staged = true;
    });
    for (std::size_t i = 0; i < unstaged.size(); ++i) {
        report_.bytes_uploaded += bytes[i];
        if (!results[i].ok()) {
            RecordFailure(results[i]);
            break;  // one line per round is enough
        }
    }
}

bool HubPublisher::CommitDueGroup(bool final) {
    // The group: staged shards at the front, ending at one that carries a snapshot — the last
    // such within shards_per_commit, so that uploads running ahead of commits do not make
    // commits bigger. Every shard of this session carries one; of a backlog left by an earlier
    // session only the last does, so a backlog goes as one group, which CommitFiles splits into
    // commits of at most max_files_per_commit files.
    const auto limit = static_cast<std::size_t>(options_.shards_per_commit);
    std::size_t staged = 0;
    while (staged < pending_.size() && pending_[staged].staged) ++staged;
    std::size_t group = 0;
    for (std::size_t i = 0; i < staged; ++i) {
        if (pending_[i].snapshot && (group == 0 || i + 1 <= limit)) group = i + 1;
    }
    if (group == 0) return false;
    const bool due = final || group >= limit || std::chrono::steady_clock::now() >= last_commit_ + commit_interval_;
    if (!due) return false;

    const Snapshot& snapshot = *pending_[group - 1].snapshot;
    std::vector<hub::UploadItem> derived(2);
    derived[0].path = kCardFile;
    derived[0].content = remote_card_ ? dataset::MergeDatasetCard(snapshot.card, *remote_card_) : snapshot.card;
    derived[1].path = kNormStatsFile;
    derived[1].content = snapshot.norm_stats;
    Result<hub::StagedFiles> derived_staged =
        hub::StageFiles(settings_, options_.repo, options_.revision, derived, upload_options_);
    if (!derived_staged.ok()) {
        RecordFailure(derived_staged.status());
        return false;
    }
    std::vector<hub::CommitOperation> operations;
    std::deque<CommittedShard> shards;
    for (std::size_t i = 0; i < group; ++i) {
        for (hub::CommitOperation& operation : pending_[i].operations) operations.push_back(operation);
        shards.push_back(pending_[i].shard);
    }
    for (hub::CommitOperation& operation : derived_staged->operations) {
        operations.push_back(std::move(operation));
    }
    hub::UploadSummary summary;
    if (!operations.empty()) {
        upload_options_.commit_message = "Add " + SplitRange(shards) + " (actcache)";
        Status committed = hub::CommitFiles(settings_, options_.repo, options_.revision, operations,
                                            upload_options_, &summary);
        if (!committed.ok()) {
            RecordFailure(committed);
            return false;
        }
    }
    last_commit_ = std::chrono::steady_clock::now();
    report_.commits += summary.commits;
    report_.shards_pushed += static_cast<std::int64_t>(group);
    if (!summary.head_commit.empty()) state_.head_commit = summary.head_commit;
    for (const CommittedShard& shard : shards) state_.pushed[shard.file] = shard.sha256;
    state_.pushed[kCardFile] = "";
    state_.pushed[kNormStatsFile] = "";
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(group));
    if (Status saved = SavePushState(options_.output_dir, state_); !saved.ok()) RecordFailure(saved);
    if (options_.log) {
        options_.log("pushed " + SplitRange(shards) + " to " + options_.repo +
                     (summary.head_commit.empty() ? " (already there)" : " (commit " + summary.head_commit.substr(0, 12) + ")"));
    }
    if (options_.delete_local_after_push) {
        for (const CommittedShard& shard : shards) {
            std::error_code error;
            std::filesystem::remove(options_.output_dir + "/" + shard.file, error);
            if (error) RecordFailure(Status::IOError(options_.output_dir + "/" + shard.file + ": cannot remove: " + error.message()));
        }
    }
    return true;
}

void HubPublisher::RecordFailure(const Status& status) {
    round_failed_ = true;
    report_.last_error = status.ToString();
    if (options_.log) {
        options_.log("push to " + options_.repo + " failed (shards stay on local disk; tried again with the next shard and at the end): " +
                     report_.last_error);
    }
}

}  // namespace actcache::pipeline
