// `actcache run --model ORG/NAME` as a user runs it: the model comes from a local Hub emulation
// (tests/support/http_test_server.py --model-repo) into the standard HF cache, and later runs,
// offline or with no Hub at all, read it from there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ActcacheCommand;
using testing::RunShell;
using testing::ShellQuote;

constexpr const char* kToken = "hf_Xy9s3cretT0kenValue";

class ModelDownloadCommandTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(testing::RunActcache({"make-model", "--preset", "tiny", "--seed", "4", "--out", model_}).exit_code, 0);
        std::string corpus;
        for (int doc = 0; doc < 6; ++doc) {
            corpus += R"({"text": "Document )" + std::to_string(doc) +
                      R"( talks about caches, downloads and the weather in some detail."})" + "\n";
        }
        testing::WriteFile(corpus_, corpus);
    }
    // `actcache run --model MODEL` with the HF variables `env` ("NAME=value ..."), HF_HOME
    // pointing into the scratch folder.
    testing::CommandResult Run(const std::string& model, const std::string& env, const std::string& output) {
        return RunShell("env -u HF_TOKEN -u HF_HUB_OFFLINE -u HF_HUB_CACHE -u HUGGINGFACE_HUB_CACHE HF_HOME=" +
                        ShellQuote(home_) + " " + env + " " +
                        ActcacheCommand({"run", "--model", model, "--corpus", corpus_, "--seq-len", "16",
                                         "--max-tokens", "40", "--hook", "model.layers.1.mlp", "--output",
                                         dir_.File(output), "--threads", "1"}));
    }
    std::string Endpoint(const testing::TestHttpServer& server) {
        const std::string url = server.Url("");
        return "HF_ENDPOINT=" + ShellQuote(url.substr(0, url.size() - 1));
    }

    testing::TempDir dir_;
    std::string model_ = dir_.File("model"), corpus_ = dir_.File("corpus.jsonl"), home_ = dir_.File("hf-home");
};

TEST_F(ModelDownloadCommandTest, DownloadsOnceThenRunsOfflineFromTheCache) {
    auto server = std::make_unique<testing::TestHttpServer>(model_, std::vector<std::string>{
        "--model-repo", "org/tiny=" + model_ + ":gated", "--require-token", kToken});
    const std::string endpoint = Endpoint(*server);
    testing::CommandResult denied = Run("org/tiny", endpoint, "denied");
    EXPECT_NE(denied.exit_code, 0);
    EXPECT_THAT(denied.stderr_text, HasSubstr("/org/tiny"));
    EXPECT_THAT(denied.stderr_text, HasSubstr("HF_TOKEN"));

    testing::CommandResult first = Run("org/tiny", endpoint + " HF_TOKEN=" + kToken, "first");
    ASSERT_EQ(first.exit_code, 0) << first.stderr_text;
    EXPECT_THAT(first.stderr_text, HasSubstr("downloading org/tiny: model.safetensors"));
    EXPECT_THAT(first.stdout_text + first.stderr_text, Not(HasSubstr(kToken)));
    const std::string snapshots = home_ + "/hub/models--org--tiny/snapshots";
    ASSERT_TRUE(fs::is_directory(snapshots));
    for (const auto& snapshot : fs::directory_iterator(snapshots)) {
        for (const char* file : {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
            EXPECT_TRUE(testing::ReadFile(snapshot.path().string() + "/" + file) ==
                        testing::ReadFile(model_ + "/" + file)) << file;
        }
    }
    // Nothing under the cache or the dataset holds the token.
    EXPECT_EQ(RunShell("grep -r -l " + ShellQuote(kToken) + " " + ShellQuote(home_) + " " +
                       ShellQuote(dir_.File("first"))).exit_code, 1);

    server.reset();  // no Hub from here on
    testing::CommandResult offline = Run("org/tiny", endpoint + " HF_HUB_OFFLINE=1", "offline");
    ASSERT_EQ(offline.exit_code, 0) << offline.stderr_text;
    EXPECT_THAT(offline.stderr_text, Not(HasSubstr("downloading")));
    EXPECT_FALSE(fs::is_empty(dir_.File("offline/data")));
    // `forward` takes the Hub id the same way.
    testing::CommandResult forward =
        RunShell("HF_HOME=" + ShellQuote(home_) + " HF_HUB_OFFLINE=1 " +
                 ActcacheCommand({"forward", "--model", "org/tiny", "--hook", "model.layers.0", "--tokens", "1,2,3",
                                  "--out", dir_.File("forward.npy")}));
    EXPECT_EQ(forward.exit_code, 0) << forward.stderr_text;
    EXPECT_TRUE(fs::exists(dir_.File("forward.npy")));

    testing::CommandResult missing = Run("org/other", endpoint + " HF_HUB_OFFLINE=1", "missing");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_THAT(missing.stderr_text, HasSubstr("models--org--other"));
    EXPECT_THAT(missing.stderr_text, HasSubstr("HF_HUB_OFFLINE"));
}

TEST_F(ModelDownloadCommandTest, AShardedModelIsDownloadedShardByShard) {
    const std::string sharded = dir_.File("sharded");
    fs::copy(model_, sharded);
    ASSERT_EQ(RunShell("python3 " + ShellQuote(std::string(ACTCACHE_SOURCE_DIR) + "/tests/support/split_safetensors.py") +
                       " " + ShellQuote(sharded)).exit_code, 0);
    ASSERT_FALSE(fs::exists(sharded + "/model.safetensors"));
    testing::TestHttpServer server(sharded, {"--model-repo", "org/sharded=" + sharded});
    testing::CommandResult run = Run("org/sharded", Endpoint(server), "sharded-run");
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stderr_text, HasSubstr("model-00001-of-00002.safetensors"));
    EXPECT_THAT(run.stderr_text, HasSubstr("model-00002-of-00002.safetensors"));
    // The same activations as the single-file model gives (a run of it through a local folder).
    testing::CommandResult single = Run(model_, "", "single-run");
    ASSERT_EQ(single.exit_code, 0) << single.stderr_text;
    ASSERT_FALSE(fs::is_empty(dir_.File("single-run/data")));
    for (const auto& entry : fs::directory_iterator(dir_.File("single-run/data"))) {
        EXPECT_TRUE(testing::ReadFile(entry.path().string()) ==
                    testing::ReadFile(dir_.File("sharded-run/data/") + entry.path().filename().string()))
            << entry.path().filename();
    }
}

TEST_F(ModelDownloadCommandTest, ACacheWrittenByPythonToolsIsUsedWithoutAnyRequest) {
    // The layout huggingface_hub writes (§D.2): blobs named by etag, relative symlinks, refs/main.
    // The blob names here are not real digests: a cached file is trusted, not re-hashed.
    const std::string repo = home_ + "/hub/models--org--py";
    const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
    fs::create_directories(repo + "/blobs");
    fs::create_directories(repo + "/refs");
    fs::create_directories(repo + "/snapshots/" + commit);
    testing::WriteFile(repo + "/refs/main", commit);
    int blob = 0;
    for (const char* file : {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) {
        const std::string etag = std::string(40, static_cast<char>('a' + blob++));
        fs::copy_file(model_ + "/" + file, repo + "/blobs/" + etag);
        fs::create_symlink("../../blobs/" + etag, repo + "/snapshots/" + commit + "/" + file);
    }
    // An endpoint where nothing listens: any request would fail the run.
    testing::CommandResult run = Run("org/py", "HF_ENDPOINT=http://127.0.0.1:9", "py");
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_THAT(run.stderr_text, Not(HasSubstr("downloading")));
    testing::CommandResult pinned = Run("org/py@" + commit, "HF_ENDPOINT=http://127.0.0.1:9", "pinned");
    ASSERT_EQ(pinned.exit_code, 0) << pinned.stderr_text;
}

}  // namespace
}  // namespace actcache
