// `actcache push` end to end: a folder written by `actcache run` (generated tiny model and
// corpus) pushed to the Hub upload emulation of tests/support/http_test_server.py, then read
// back through the resolve endpoint; the token never appears in the output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "support/dataset_files.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

namespace fs = std::filesystem;
using testing::ActcacheCommand;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunActcache;
using testing::RunShell;
using testing::ShellQuote;

constexpr const char* kToken = "hf_cliS3cretT0ken";

int CountLines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

class PushCommandTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        output_ = dir_->File("out");
        const std::string model = dir_->File("model");
        const std::string corpus = dir_->File("corpus.jsonl");
        ASSERT_EQ(RunActcache({"make-model", "--preset", "tiny", "--seed", "3", "--out", model})
                      .exit_code,
                  0);
        ASSERT_EQ(testing::MakePileCorpus(corpus, 40, 120, 5).exit_code, 0);
        testing::CommandResult run =
            RunActcache({"run", "--model", model, "--corpus", corpus, "--seq-len", "32",
                         "--shard-size", "300", "--output", output_, "--quiet", "--threads", "2",
                         "--batch", "4", "--hook", "model.layers.2.mlp"});
        ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    }
    static void TearDownTestSuite() { delete dir_; }

    // `actcache push` with HF_ENDPOINT at `server` and HF_TOKEN=`token` ("" for none).
    static testing::CommandResult Push(const testing::TestHttpServer& server,
                                       const std::string& token,
                                       std::vector<std::string> extra = {}) {
        const std::string url = server.Url("");
        std::vector<std::string> args = {"push", output_, "--repo", "org/acts"};
        args.insert(args.end(), extra.begin(), extra.end());
        return RunShell("env -u HUGGING_FACE_HUB_TOKEN HF_HOME=" +
                        ShellQuote(dir_->File("hf-home")) + " HF_TOKEN=" + ShellQuote(token) +
                        " HF_ENDPOINT=" + ShellQuote(url.substr(0, url.size() - 1)) + " " +
                        ActcacheCommand(args));
    }

    static testing::TempDir* dir_;
    static std::string output_;
};

testing::TempDir* PushCommandTest::dir_ = nullptr;
std::string PushCommandTest::output_;

TEST_F(PushCommandTest, PushesTheRunFolderByteIdenticalThenDoesNothing) {
    testing::TestHttpServer server(
        output_, {"--hub-upload", "--require-token", kToken, "--chunk-size", "4096",
                  "--multipart-threshold", "5000"});
    testing::CommandResult first = Push(server, kToken, {"--message", "first push"});
    ASSERT_EQ(first.exit_code, 0) << first.stderr_text;
    EXPECT_THAT(first.stdout_text, HasSubstr("repository created"));
    EXPECT_THAT(first.stdout_text + first.stderr_text, Not(HasSubstr(kToken)));

    std::map<std::string, std::string> local;
    for (const auto& entry : fs::recursive_directory_iterator(output_)) {
        const std::string relative = fs::relative(entry.path(), output_).generic_string();
        if (entry.is_regular_file() && !relative.starts_with("."))
            local[relative] = testing::ReadFile(entry.path());
    }
    ASSERT_GE(local.size(), 3u);
    EXPECT_TRUE(local.contains("README.md"));
    EXPECT_TRUE(local.contains("norm_stats.json"));
    for (const auto& [path, bytes] : local) {
        testing::CommandResult fetched =
            RunShell("curl -sf -H " + ShellQuote(std::string("authorization: Bearer ") + kToken) +
                     " " + ShellQuote(server.Url("datasets/org/acts/resolve/main/" + path)));
        EXPECT_EQ(fetched.exit_code, 0) << path;
        EXPECT_TRUE(fetched.stdout_text == bytes) << path << " differs after the push";
    }
    EXPECT_THAT(server.Log(), HasSubstr("/lfs-part/"));  // a shard went up in parts

    testing::CommandResult second = Push(server, kToken);
    ASSERT_EQ(second.exit_code, 0) << second.stderr_text;
    EXPECT_THAT(second.stdout_text, HasSubstr("0 files committed in 0 commits"));
    EXPECT_THAT(second.stdout_text, HasSubstr("0 LFS objects uploaded"));
}

TEST_F(PushCommandTest, WrongOrMissingTokenIsOneLineWithoutTheToken) {
    testing::TestHttpServer server(output_, {"--hub-upload", "--require-token", kToken});
    testing::CommandResult wrong = Push(server, "hf_wrongWrongWrong");
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_EQ(CountLines(wrong.stderr_text), 1) << wrong.stderr_text;
    EXPECT_THAT(wrong.stderr_text, HasSubstr("HTTP 401"));
    EXPECT_THAT(wrong.stderr_text, HasSubstr("set HF_TOKEN"));
    EXPECT_THAT(wrong.stdout_text + wrong.stderr_text, Not(HasSubstr("hf_wrongWrongWrong")));

    testing::CommandResult missing = Push(server, "");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(CountLines(missing.stderr_text), 1) << missing.stderr_text;
    EXPECT_THAT(missing.stderr_text, HasSubstr("no Hugging Face token"));
}

TEST_F(PushCommandTest, RepoIsRequiredUnlessTheFolderWasPushedBefore) {
    testing::TempDir never_pushed;
    testing::CommandResult result = RunActcache({"push", never_pushed.path()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(CountLines(result.stderr_text), 1) << result.stderr_text;
    EXPECT_THAT(result.stderr_text, HasSubstr("--repo: not given"));
}

}  // namespace
}  // namespace actcache
