// `actcache run --push-to-hub` end to end against the Hub upload emulation of
// tests/support/http_test_server.py: shards go up while the run goes on, in group commits; the
// Hub ends with exactly the local files (read back through the tree and resolve endpoints); faults
// are retried; a lasting outage leaves everything local, the summary names the command that
// finishes, and `actcache push DIR` then completes with nothing lost or duplicated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "core/json.h"
#include "support/card_data_files.h"
#include "support/dataset_files.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::DatasetFiles;
using testing::RunShell;
using testing::ShellQuote;

constexpr const char* kToken = "hf_runPushS3cret";
constexpr const char* kRepo = "org/acts";

int Count(const std::string& text, const std::string& needle) {
    int count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
}

class RunPushTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        ASSERT_EQ(testing::RunActcache({"make-model", "--preset", "tiny", "--seed", "3", "--out", dir_->File("model")})
                      .exit_code,
                  0);
        ASSERT_EQ(testing::MakePileCorpus(dir_->File("corpus.jsonl"), 40, 120, 5).exit_code, 0);
    }
    static void TearDownTestSuite() { delete dir_; }

    // Runs `actcache ARGS` with HF_ENDPOINT at `server` (or an unreachable port) and HF_TOKEN.
    static testing::CommandResult Actcache(const testing::TestHttpServer* server, std::vector<std::string> args,
                                           const std::string& prefix = "") {
        std::string endpoint = "http://127.0.0.1:9";  // discard port: nothing listens
        if (server != nullptr) {
            endpoint = server->Url("");
            endpoint.pop_back();
        }
        return RunShell(prefix + "env -u HUGGING_FACE_HUB_TOKEN HF_HOME=" + ShellQuote(dir_->File("hf-home")) +
                        " HF_TOKEN=" + kToken + " HF_ENDPOINT=" + ShellQuote(endpoint) + " " +
                        testing::ActcacheCommand(args));
    }

    // `run` of the tiny model over the corpus into `out`: 5,119 rows, 18 shards of 300 rows.
    static std::vector<std::string> RunArgs(const std::string& out, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"run", "--model", dir_->File("model"), "--corpus", dir_->File("corpus.jsonl"),
                                         "--seq-len", "32", "--shard-size", "300", "--output", out, "--quiet",
                                         "--threads", "2", "--batch", "4", "--hook", "model.layers.2.mlp",
                                         "--push-to-hub", kRepo};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    // Fetches `path` of the repository through the resolve endpoint; nullopt when it is not there.
    static std::optional<std::string> Remote(const testing::TestHttpServer& server, const std::string& path) {
        testing::CommandResult fetched =
            RunShell("curl -sf -H " + ShellQuote(std::string("authorization: Bearer ") + kToken) + " " +
                     ShellQuote(server.Url(std::string("datasets/") + kRepo + "/resolve/main/" + path)));
        if (fetched.exit_code != 0) return std::nullopt;
        return fetched.stdout_text;
    }

    // The paths the repository's tree lists.
    static std::set<std::string> RemotePaths(const testing::TestHttpServer& server) {
        testing::CommandResult tree =
            RunShell("curl -sf -H " + ShellQuote(std::string("authorization: Bearer ") + kToken) + " " +
                     ShellQuote(server.Url(std::string("api/datasets/") + kRepo + "/tree/main")));
        std::set<std::string> paths;
        const std::regex path_field("\"path\": \"([^\"]+)\"");
        for (auto it = std::sregex_iterator(tree.stdout_text.begin(), tree.stdout_text.end(), path_field);
             it != std::sregex_iterator(); ++it) {
            paths.insert((*it)[1]);
        }
        return paths;
    }

    // The Hub holds exactly the local dataset files (and its own .gitattributes), byte for byte,
    // and the remote card names only splits whose files are there (what load_dataset needs, §A.6).
    static void ExpectHubEqualsLocal(const testing::TestHttpServer& server,
                                     const std::map<std::string, std::string>& local) {
        std::set<std::string> expected = {".gitattributes"};
        for (const auto& [path, bytes] : local) {
            expected.insert(path);
            std::optional<std::string> remote = Remote(server, path);
            ASSERT_TRUE(remote.has_value()) << path << " is not on the Hub";
            EXPECT_TRUE(*remote == bytes) << path << " differs on the Hub";
        }
        EXPECT_EQ(RemotePaths(server), expected);
        CheckLoadableCard(Remote(server, "README.md").value_or(""), expected);
    }

    // What load_dataset(repo, split="train_00000") requires of the card (§A.6): the splits of
    // dataset_info are exactly those of the default config's data_files, each of which resolves
    // (as `datasets` resolves patterns: support/card_data_files.h) to exactly its own shard on the
    // Hub, and the "all" config's train split to every shard.
    static void CheckLoadableCard(const std::string& card, const std::set<std::string>& remote_paths) {
        testing::TempDir dir;
        testing::WriteFile(dir.File("README.md"), card);
        std::vector<std::string> shards;
        for (const std::string& path : remote_paths) {  // the Hub's paths as empty files
            fs::create_directories(fs::path(dir.File("repo/" + path)).parent_path());
            testing::WriteFile(dir.File("repo/" + path), "");
            if (path.ends_with(".parquet")) shards.push_back(path);
        }
        testing::CommandResult parsed = RunShell("cd " + ShellQuote(std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles") +
                                                 " && node parse_yaml.mjs " + ShellQuote(dir.File("README.md")));
        ASSERT_EQ(parsed.exit_code, 0) << parsed.stderr_text;
        Result<JsonValue> yaml = ParseJson(parsed.stdout_text);
        ASSERT_TRUE(yaml.ok());
        // One config: an object; several: a list with config_name (§A.3).
        const JsonValue* info = yaml->Find("dataset_info");
        ASSERT_TRUE(info != nullptr);
        if (info->is_array()) {
            const auto& configs = info->items();
            auto it = std::find_if(configs.begin(), configs.end(), [](const JsonValue& config) {
                return config.Find("config_name")->as_string() == "default";
            });
            ASSERT_TRUE(it != configs.end());
            info = &*it;
        }
        std::set<std::string> info_splits, file_splits;
        for (const JsonValue& split : info->Find("splits")->items()) info_splits.insert(split.Find("name")->as_string());
        const auto resolved = testing::ResolveCardDataFiles(dir.File("README.md"), dir.File("repo"));
        ASSERT_TRUE(resolved.ok()) << resolved.status().message();
        for (const auto& [config_split, files] : *resolved) {
            if (config_split == "all/train") {
                EXPECT_EQ(files, shards) << "the all config";
                continue;
            }
            ASSERT_TRUE(config_split.starts_with("default/")) << config_split;
            const std::string split = config_split.substr(8);
            file_splits.insert(split);
            ASSERT_EQ(files.size(), 1u) << split << " resolves to " << files.size() << " files";
            EXPECT_TRUE(fs::path(files[0]).filename().string().starts_with(split + "-")) << split << ": " << files[0];
        }
        EXPECT_FALSE(info_splits.empty());
        EXPECT_EQ(info_splits, file_splits);
    }

    static testing::TempDir* dir_;
};

testing::TempDir* RunPushTest::dir_ = nullptr;

TEST_F(RunPushTest, ShardsGoUpInGroupCommitsAndTheHubEqualsTheFolder) {
    testing::TempDir work;
    const std::string out = work.File("out");
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken, "--chunk-size", "16000",
                                                 "--multipart-threshold", "30000"});
    testing::CommandResult run = Actcache(&server, RunArgs(out, {"--push-shards-per-commit", "4"}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stdout_text, HasSubstr("hub: 18 of 18 shards on org/acts"));
    EXPECT_THAT(run.stdout_text + run.stderr_text, Not(HasSubstr(kToken)));
    ExpectHubEqualsLocal(server, DatasetFiles(out));

    // 18 shards, 4 a commit however far the uploads run ahead: 5 commits, each with the card
    // of its shards.
    const std::string log = server.Log();
    EXPECT_EQ(Count(log, "/commit/main"), 5) << log;
    EXPECT_EQ(Count(log, "PUT /lfs-put/") + Count(log, "POST /lfs-complete/"), 18);  // each shard once
    EXPECT_THAT(log, HasSubstr("/lfs-part/"));  // the larger shards went up in parts

    // The same command again: complete, nothing to push, no request that changes anything.
    testing::CommandResult again = Actcache(&server, RunArgs(out, {"--push-shards-per-commit", "4"}));
    ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
    EXPECT_THAT(again.stdout_text, HasSubstr("already complete"));
    EXPECT_THAT(again.stdout_text, HasSubstr("hub: 18 of 18 shards"));
    EXPECT_EQ(server.Log(), log);
}

// A fanned-out data/ (--shards-per-folder 5: shards 0-4 in data/, then folders of 5) goes up
// as it is, and its card loads every split from its sub-folder.
TEST_F(RunPushTest, FannedOutShardFoldersGoUpAndTheirCardResolves) {
    testing::TempDir work;
    const std::string out = work.File("out");
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken});
    testing::CommandResult run = Actcache(&server, RunArgs(out, {"--shards-per-folder", "5"}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stdout_text, HasSubstr("hub: 18 of 18 shards on org/acts"));
    std::set<std::string> data_entries;
    for (const auto& entry : fs::directory_iterator(out + "/data")) data_entries.insert(entry.path().filename().string());
    EXPECT_EQ(data_entries.size(), 5u + 3u);  // shards 0-4, folders 00005-00009, 00010-00014, 00015-00019
    EXPECT_TRUE(fs::exists(out + "/data/00015-00019/train_00017-00000-of-00001.parquet"));
    ExpectHubEqualsLocal(server, DatasetFiles(out));
}

TEST_F(RunPushTest, FaultsAreRetried) {
    testing::TempDir work;
    const std::string out = work.File("out");
    // The first 3 requests of each kind below answer 500, then a reset connection, then 429.
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken, "--faults", "3",
                                                 "--status", "500"});
    testing::CommandResult run = Actcache(&server, RunArgs(out));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stdout_text, HasSubstr("hub: 18 of 18 shards"));
    ExpectHubEqualsLocal(server, DatasetFiles(out));

    testing::TempDir work2;
    const std::string out2 = work2.File("out");
    testing::TestHttpServer limited(work2.path(), {"--hub-upload", "--require-token", kToken, "--faults", "2",
                                                   "--status", "429", "--retry-after", "1", "--fault-path", "/api/datasets/"});
    testing::CommandResult run2 = Actcache(&limited, RunArgs(out2, {"--max-shards", "3"}));
    ASSERT_EQ(run2.exit_code, 0) << run2.stderr_text;
    EXPECT_THAT(run2.stdout_text, HasSubstr("hub: 3 of 3 shards"));
    ExpectHubEqualsLocal(limited, DatasetFiles(out2));
}

TEST_F(RunPushTest, OutageKeepsEverythingLocalAndPushFinishesIt) {
    testing::TempDir work;
    const std::string out = work.File("out");
    {
        // Every upload of content fails: the repository exists, no shard reaches it.
        testing::TestHttpServer down(work.path(), {"--hub-upload", "--require-token", kToken, "--faults", "100000",
                                                   "--status", "503", "--fault-path", "/lfs-put/"});
        testing::CommandResult run = Actcache(&down, RunArgs(out, {"--push-retries", "2", "--shard-size", "1000"}));
        ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
        EXPECT_THAT(run.stdout_text, HasSubstr("hub: 0 of 6 shards"));
        EXPECT_THAT(run.stderr_text, HasSubstr("6 shards are NOT on the Hub"));
        EXPECT_THAT(run.stderr_text, HasSubstr("Finish with: actcache push " + out));
        EXPECT_THAT(run.stdout_text + run.stderr_text, Not(HasSubstr(kToken)));
    }
    const std::map<std::string, std::string> local = DatasetFiles(out);
    EXPECT_EQ(local.size(), 8u);  // 6 shards, card, statistics: all complete locally

    // The Hub is back (a fresh one: nothing of the failed attempts is there).
    testing::TestHttpServer up(work.path(), {"--hub-upload", "--require-token", kToken});
    testing::CommandResult push = Actcache(&up, {"push", out});
    ASSERT_EQ(push.exit_code, 0) << push.stderr_text;
    EXPECT_THAT(push.stdout_text, HasSubstr("8 files committed in 1 commits"));
    ExpectHubEqualsLocal(up, local);
    testing::CommandResult again = Actcache(&up, {"push", out});
    ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
    EXPECT_THAT(again.stdout_text, HasSubstr("0 files committed in 0 commits"));
    // And the run command itself now finds everything pushed.
    testing::CommandResult rerun = Actcache(&up, RunArgs(out, {"--shard-size", "1000"}));
    ASSERT_EQ(rerun.exit_code, 0) << rerun.stderr_text;
    EXPECT_THAT(rerun.stdout_text, HasSubstr("hub: 6 of 6 shards"));
}

TEST_F(RunPushTest, KilledRunPushesItsBacklogWhenResumed) {
    testing::TempDir work;
    const std::string out = work.File("out");
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken});
    // Killed (SIGKILL) right after the 4th shard's manifest: whatever was pushed, the rest is not.
    testing::CommandResult killed = Actcache(&server, RunArgs(out), "ACTCACHE_CRASH_AT=manifest-saved:4 ");
    ASSERT_NE(killed.exit_code, 0);
    testing::CommandResult resumed = Actcache(&server, RunArgs(out));
    ASSERT_EQ(resumed.exit_code, 0) << resumed.stderr_text;
    EXPECT_THAT(resumed.stdout_text, HasSubstr("hub: 18 of 18 shards"));
    ExpectHubEqualsLocal(server, DatasetFiles(out));
}

TEST_F(RunPushTest, DeleteLocalAfterPushKeepsOnlyWhatTheHubLacks) {
    testing::TempDir work;
    const std::string out = work.File("out");
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken});
    testing::CommandResult run =
        Actcache(&server, RunArgs(out, {"--delete-local-after-push", "--push-shards-per-commit", "5"}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stdout_text, HasSubstr("hub: 18 of 18 shards"));
    const std::map<std::string, std::string> local = DatasetFiles(out);
    EXPECT_EQ(local.size(), 2u);  // README.md, norm_stats.json
    std::set<std::string> remote = RemotePaths(server);
    EXPECT_EQ(remote.size(), 18u + 3u);
    EXPECT_EQ(Remote(server, "README.md").value_or(""), local.at("README.md"));
    EXPECT_EQ(Remote(server, "norm_stats.json").value_or(""), local.at("norm_stats.json"));
    testing::CommandResult inspect = testing::RunActcache({"inspect", out});
    EXPECT_THAT(inspect.stderr_text, HasSubstr("all 18 were deleted locally after their push"));
    // Nothing to redo: the manifest keeps the shards' records.
    testing::CommandResult again = Actcache(&server, RunArgs(out, {"--delete-local-after-push"}));
    ASSERT_EQ(again.exit_code, 0) << again.stderr_text;
    EXPECT_THAT(again.stdout_text, HasSubstr("already complete"));
}

TEST_F(RunPushTest, ACardAlreadyOnTheHubIsMergedNotReplaced) {
    testing::TempDir work;
    const std::string theirs = work.File("theirs");
    fs::create_directories(theirs);
    testing::WriteFile(theirs + "/README.md", "---\nlicense: mit\n---\n# Notes by the owner\n");
    testing::TestHttpServer server(work.path(), {"--hub-upload", "--require-token", kToken});
    ASSERT_EQ(Actcache(&server, {"push", theirs, "--repo", kRepo}).exit_code, 0);

    const std::string out = work.File("out");
    testing::CommandResult run = Actcache(&server, RunArgs(out, {"--max-shards", "3"}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    const std::string card = Remote(server, "README.md").value_or("");
    EXPECT_TRUE(card.starts_with("---\nlicense: mit\ndataset_info:\n")) << card;
    EXPECT_THAT(card, HasSubstr("---\n# Notes by the owner\n"));
    EXPECT_EQ(Count(card, "- split: train_"), 3);
    CheckLoadableCard(card, RemotePaths(server));
    EXPECT_THAT(card, HasSubstr("3 shards"));

    // `push` merges the same way, so nothing is left to commit.
    testing::CommandResult push = Actcache(&server, {"push", out});
    ASSERT_EQ(push.exit_code, 0) << push.stderr_text;
    EXPECT_THAT(push.stdout_text, HasSubstr("0 files committed in 0 commits"));
    EXPECT_EQ(Remote(server, "README.md").value_or(""), card);
}

TEST_F(RunPushTest, NoTokenOrOfflineStopsBeforeAnyWork) {
    testing::TempDir work;
    const std::string out = work.File("out");
    testing::CommandResult no_token =
        RunShell("env -u HUGGING_FACE_HUB_TOKEN -u HF_TOKEN HF_HOME=" + ShellQuote(work.File("empty-home")) + " " +
                 testing::ActcacheCommand(RunArgs(out)));
    EXPECT_NE(no_token.exit_code, 0);
    EXPECT_EQ(Count(no_token.stderr_text, "\n"), 1) << no_token.stderr_text;
    EXPECT_THAT(no_token.stderr_text, HasSubstr("--push-to-hub"));
    EXPECT_THAT(no_token.stderr_text, HasSubstr("HF_TOKEN"));
    EXPECT_FALSE(fs::exists(out));

    testing::CommandResult offline = Actcache(nullptr, RunArgs(out), "HF_HUB_OFFLINE=1 ");
    EXPECT_NE(offline.exit_code, 0);
    EXPECT_THAT(offline.stderr_text, HasSubstr("HF_HUB_OFFLINE"));
    EXPECT_THAT(offline.stderr_text, Not(HasSubstr(kToken)));
    EXPECT_FALSE(fs::exists(out));

    testing::CommandResult stray = testing::RunActcache(
        {"run", "--output", out, "--corpus", dir_->File("corpus.jsonl"), "--delete-local-after-push"});
    EXPECT_NE(stray.exit_code, 0);
    EXPECT_THAT(stray.stderr_text, HasSubstr("--delete-local-after-push: needs --push-to-hub"));
}

}  // namespace
}  // namespace actcache
