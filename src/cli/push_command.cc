// `actcache push DIR --repo ORG/NAME`: uploads a dataset folder written by `actcache run` to a
// Hub dataset repository (hub/upload.h), reusing the shard digests of .actcache/manifest.json.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "hub/hub_settings.h"
#include "hub/upload.h"
#include "pipeline/manifest.h"

namespace actcache::cli {
namespace {

struct PushCommandOptions {
    std::string dir;
    std::string repo;
    std::string revision = "main";
    bool is_public = false;
    std::string message = "Upload dataset with actcache";
};

Status Push(const PushCommandOptions& options) {
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
    ACT_ASSIGN_OR_RETURN(
        hub::UploadSummary summary,
        hub::UploadFolder(settings, options.repo, options.revision, options.dir, upload));
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
                    "Hub dataset repository, ORG/NAME (created private if missing)")
        ->required();
    app->add_flag("--public", options->is_public,
                  "Create the repository public instead of private");
    app->add_option("--revision", options->revision, "Branch to commit to")->capture_default_str();
    app->add_option("--message", options->message, "Commit message")->capture_default_str();
    return Subcommand{app, [options] { return Push(*options); }};
}

}  // namespace actcache::cli
