// `actcache push DIR [--repo ORG/NAME]`: uploads a dataset folder written by `actcache run` to a
// Hub dataset repository (hub/upload.h), reusing the shard digests of .actcache/manifest.json.
// Without --repo it finishes what `run --push-to-hub` left (the repository of .actcache/push.json)
// and records what it pushed there.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "core/file_util.h"
#include "dataset/card_merge.h"
#include "hub/hub_api.h"
#include "hub/hub_settings.h"
#include "hub/upload.h"
#include "pipeline/manifest.h"
#include "pipeline/push_state.h"

namespace actcache::cli {
namespace {

struct PushCommandOptions {
    std::string dir;
    std::string repo;
    std::string revision;  // empty: push.json's, else main
    bool is_public = false;
    std::string message = "Upload dataset with actcache";
};

Status Push(PushCommandOptions options) {
    Result<pipeline::PushState> state = pipeline::LoadPushState(options.dir);
    if (!state.ok() && state.status().code() != StatusCode::kNotFound) return state.status();
    const bool same_target =
        state.ok() && (options.repo.empty() || options.repo == state->repo) &&
        (options.revision.empty() || options.revision == state->revision);
    if (options.repo.empty()) {
        if (!state.ok()) {
            return Status::InvalidArgument("--repo: not given, and " + options.dir +
                                           " was not pushed before (no .actcache/push.json)");
        }
        options.repo = state->repo;
    }
    if (options.revision.empty()) options.revision = same_target ? state->revision : "main";
    hub::UploadOptions upload;
    upload.is_private = !options.is_public;
    upload.commit_message = options.message;
    upload.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    // Shard digests the run already computed; a missing or unreadable manifest only costs hashing.
    Result<pipeline::RunManifest> manifest =
        pipeline::LoadManifest(pipeline::ManifestPath(options.dir));
    if (manifest.ok()) {
        for (const pipeline::CommittedShard& shard : manifest->shards) {
            upload.known_digests[shard.file] =
                hub::KnownDigest{.sha256 = shard.sha256, .size_bytes = shard.bytes};
        }
    }
    const hub::HubSettings settings = hub::ResolveHubSettings(hub::ProcessEnvironment());
    // The card goes up merged into the one on the Hub, keeping what others wrote there.
    ACT_RETURN_IF_ERROR(hub::CheckCanPush(settings, options.repo));
    if (Result<std::string> card = ReadFileToString(options.dir + "/README.md"); card.ok()) {
        ACT_ASSIGN_OR_RETURN(std::optional<std::string> remote,
                             hub::ReadRepoFile(settings, options.repo, options.revision, "README.md", upload.retry));
        if (remote) upload.content_overrides["README.md"] = dataset::MergeDatasetCard(*card, *remote);
    }
    ACT_ASSIGN_OR_RETURN(
        hub::UploadSummary summary,
        hub::UploadFolder(settings, options.repo, options.revision, options.dir, upload));
    // Every file of the folder is on the Hub now: record them (with what earlier pushes to the
    // same target recorded, such as shards deleted locally after their push).
    pipeline::PushState pushed;
    if (same_target) pushed = std::move(*state);
    pushed.repo = options.repo;
    pushed.revision = options.revision;
    pushed.head_commit = summary.head_commit;
    if (manifest.ok()) {
        for (const pipeline::CommittedShard& shard : manifest->shards) {
            std::error_code error;
            if (std::filesystem::exists(options.dir + "/" + shard.file, error)) {
                pushed.pushed[shard.file] = shard.sha256;
            }
        }
    }
    ACT_RETURN_IF_ERROR(pipeline::SavePushState(options.dir, pushed));
    std::printf(
        "pushed %s to %s/datasets/%s (%s): %d files committed in %d commits, %d unchanged, "
        "%d LFS objects uploaded (%lld bytes)%s\n",
        options.dir.c_str(), settings.endpoint.c_str(), options.repo.c_str(),
        options.revision.c_str(), summary.files_committed, summary.commits, summary.files_skipped,
        summary.lfs_objects_uploaded, static_cast<long long>(summary.bytes_uploaded),
        summary.repo_created ? ", repository created" : "");
    return Status::Ok();
}

}  // namespace

Subcommand AddPushCommand(CLI::App& parent) {
    auto options = std::make_shared<PushCommandOptions>();
    CLI::App* app =
        parent.add_subcommand("push", "Upload what a run left locally to the Hugging Face Hub");
    app->add_option("dir", options->dir, "Dataset folder written by actcache run")
        ->required()
        ->check(CLI::ExistingDirectory);
    app->add_option("--repo", options->repo,
                    "Hub dataset repository, ORG/NAME (created private if missing); default: the "
                    "one `run --push-to-hub` pushed this folder to");
    app->add_flag("--public", options->is_public,
                  "Create the repository public instead of private");
    app->add_option("--revision", options->revision,
                    "Branch to commit to (default: the one pushed to before, else main)");
    app->add_option("--message", options->message, "Commit message")->capture_default_str();
    return Subcommand{app, [options] { return Push(*options); }};  // a copy: Push fills defaults
}

}  // namespace actcache::cli
