// UploadFolder against the Hub upload emulation of tests/support/http_test_server.py
// (--hub-upload): the pushed files read back byte-identical through the tree and resolve
// endpoints, pushes are idempotent, and faults (5xx, 429, commit conflicts) are survived.
#include "hub/upload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "http/get_stream.h"
#include "hub/dataset_files.h"
#include "hub/hub_api.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::hub {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "hf_s3cretT0kenForTests";
constexpr const char* kParquetA = "data/train_00000-00000-of-00001.parquet";
constexpr const char* kParquetB = "data/train_00001-00000-of-00001.parquet";

std::string RandomBytes(std::size_t n, unsigned seed) {
    std::mt19937 generator(seed);
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(generator() & 0xff);
    return bytes;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
    int count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1))
        ++count;
    return count;
}

class UploadTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_.File("data"));
        std::filesystem::create_directories(dir_.File(".actcache"));
        // 600 KB with 256 KiB parts above a 300 KB threshold: three parts, the last one short.
        files_ = {{"README.md", "---\nconfigs: []\n---\n# acts\n"},
                  {"norm_stats.json", "{\"tokens\": 12, \"rms\": [1.5]}\n"},
                  {kParquetA, RandomBytes(600000, 1)},
                  {kParquetB, RandomBytes(5000, 2)}};
        for (const auto& [path, bytes] : files_) testing::WriteFile(dir_.File(path), bytes);
        testing::WriteFile(dir_.File(".actcache/manifest.json"), "{}");
        testing::WriteFile(dir_.File("data/train_00002-00000-of-00001.parquet.tmp-123"), "partial");
    }

    std::vector<std::string> ServerArgs(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--hub-upload", "--require-token", kToken,
                                         "--chunk-size", "262144",          "--multipart-threshold",
                                         "300000"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    HubSettings Settings(const testing::TestHttpServer& server) {
        HubSettings settings;
        const std::string url = server.Url("");
        settings.endpoint = url.substr(0, url.size() - 1);
        settings.token = kToken;
        return settings;
    }
    UploadOptions Options() {
        UploadOptions options;
        options.retry.sleep = [this](std::int64_t ms) { sleeps_ms_.push_back(ms); };
        return options;
    }
    // The bytes of `path` in the pushed repository, through the resolve endpoint.
    std::string Download(const HubSettings& settings, const std::string& repo,
                         const std::string& path) {
        http::GetOptions options;
        options.headers = settings.AuthHeaders();
        auto stream = http::GetStream::Open(DatasetFileUrl(settings, repo, "main", path), options);
        EXPECT_TRUE(stream.ok());
        if (!stream.ok()) return "";
        std::string bytes;
        std::vector<std::byte> buffer(1 << 16);
        while (true) {
            auto n = (*stream)->Read(buffer);
            EXPECT_TRUE(n.ok()) << path << ": " << n.status().message();
            if (!n.ok() || *n == 0) break;
            bytes.append(reinterpret_cast<const char*>(buffer.data()), *n);
        }
        return bytes;
    }
    void ExpectRepositoryHoldsTheFolder(const HubSettings& settings, const std::string& repo) {
        auto listed = ListDatasetFiles(settings, repo, "main");
        ASSERT_TRUE(listed.ok()) << listed.status().message();
        std::vector<std::string> paths;
        for (const HubFile& file : *listed) paths.push_back(file.path);
        EXPECT_EQ(paths, (std::vector<std::string>{".gitattributes", "README.md", kParquetA,
                                                   kParquetB, "norm_stats.json"}));
        for (const auto& [path, bytes] : files_)
            EXPECT_EQ(Download(settings, repo, path), bytes) << path;
    }

    testing::TempDir dir_;
    std::vector<std::pair<std::string, std::string>> files_;
    std::vector<std::int64_t> sleeps_ms_;
};

TEST_F(UploadTest, PushedFilesReadBackByteIdenticalWithBasicAndMultipartUploads) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_TRUE(summary->repo_created);
    EXPECT_EQ(summary->files_committed, 4);
    EXPECT_EQ(summary->files_skipped, 0);
    EXPECT_EQ(summary->lfs_objects_uploaded, 2);
    EXPECT_EQ(summary->bytes_uploaded, 605000);
    EXPECT_EQ(summary->commits, 1);
    EXPECT_EQ(summary->head_commit.size(), 40u);
    ExpectRepositoryHoldsTheFolder(settings, "org/acts");
    const std::string log = server.Log();
    EXPECT_EQ(CountOccurrences(log, "PUT /lfs-part/"), 3);  // ceil(600000 / 262144)
    EXPECT_EQ(CountOccurrences(log, "POST /lfs-complete/"), 1);
    EXPECT_EQ(CountOccurrences(log, "PUT /lfs-put/"), 1);
    EXPECT_EQ(CountOccurrences(log, "POST /lfs-verify/"), 2);
    EXPECT_THAT(log, Not(HasSubstr(".actcache")));
    EXPECT_THAT(log, Not(HasSubstr(".tmp-")));
}

TEST_F(UploadTest, ProgressNamesEachUploadAndCommit) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    std::vector<std::string> lines;
    UploadOptions options = Options();
    options.progress = [&lines](const std::string& line) { lines.push_back(line); };
    ASSERT_TRUE(UploadFolder(Settings(server), "org/acts", "main", dir_.path(), options).ok());
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], std::string("uploaded ") + kParquetA + " (1/2, 600000 bytes)");
    EXPECT_EQ(lines[1], std::string("uploaded ") + kParquetB + " (2/2, 5000 bytes)");
    EXPECT_THAT(lines[2], HasSubstr("committed 4 files to main ("));
}

TEST_F(UploadTest, SecondPushOfAnUnchangedFolderSendsNothingAndMakesNoCommit) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    ASSERT_TRUE(UploadFolder(settings, "org/acts", "main", dir_.path(), Options()).ok());
    const std::string head = *HeadCommit(settings, "org/acts", "main", {});
    const std::size_t log_before = server.Log().size();
    auto again = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_FALSE(again->repo_created);
    EXPECT_EQ(again->files_committed, 0);
    EXPECT_EQ(again->files_skipped, 4);
    EXPECT_EQ(again->lfs_objects_uploaded, 0);
    EXPECT_EQ(again->commits, 0);
    EXPECT_EQ(again->head_commit, head);
    const std::string second = server.Log().substr(log_before);
    EXPECT_THAT(second, Not(HasSubstr("PUT ")));
    EXPECT_THAT(second, Not(HasSubstr("/commit/")));
    EXPECT_THAT(second, Not(HasSubstr("/lfs/objects/batch")));
}

TEST_F(UploadTest, ChangedRegularFileAndRenamedLfsContentAreCommittedWithoutResendingBytes) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    ASSERT_TRUE(UploadFolder(settings, "org/acts", "main", dir_.path(), Options()).ok());
    testing::WriteFile(dir_.File("README.md"), "# acts, second edition\n");
    std::filesystem::copy_file(dir_.File(kParquetB), dir_.File("data/copy-00000-of-00001.parquet"));
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->files_committed,
              2);  // README.md and the copy (its object is stored already)
    EXPECT_EQ(summary->lfs_objects_uploaded, 0);
    EXPECT_EQ(Download(settings, "org/acts", "README.md"), "# acts, second edition\n");
    EXPECT_EQ(Download(settings, "org/acts", "data/copy-00000-of-00001.parquet"), files_[3].second);
}

// Each endpoint of the sequence in turn answers two faults (500, then a dropped connection).
class UploadFaultTest : public UploadTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(UploadFaultTest, FaultsAreRetried) {
    for (const char* status : {"500", "0"}) {
        SCOPED_TRACE(std::string("status ") + status);
        sleeps_ms_.clear();
        testing::TestHttpServer server(dir_.path(), ServerArgs({"--faults", "2", "--status", status,
                                                                "--fault-path", GetParam()}));
        const HubSettings settings = Settings(server);
        auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
        ASSERT_TRUE(summary.ok()) << summary.status().message();
        EXPECT_EQ(sleeps_ms_.size(), 2u);
        ExpectRepositoryHoldsTheFolder(settings, "org/acts");
    }
}

INSTANTIATE_TEST_SUITE_P(Endpoints, UploadFaultTest,
                         ::testing::Values("/api/repos/create", "/api/datasets/org/acts/preupload/",
                                           "/datasets/org/acts.git/info/lfs/objects/batch",
                                           "/lfs-put/", "/lfs-part/", "/lfs-complete/",
                                           "/lfs-verify/", "/api/datasets/org/acts/revision/",
                                           "/api/datasets/org/acts/commit/"));

TEST_F(UploadTest, RateLimitWaitsAtLeastRetryAfter) {
    testing::TestHttpServer server(
        dir_.path(), ServerArgs({"--faults", "2", "--status", "429", "--retry-after", "3"}));
    const HubSettings settings = Settings(server);
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    ASSERT_EQ(sleeps_ms_.size(), 2u);
    EXPECT_GE(sleeps_ms_[0], 3000);
    EXPECT_GE(sleeps_ms_[1], 3000);
}

TEST_F(UploadTest, PersistentServerErrorIsUnavailableNamingTheRequest) {
    testing::TestHttpServer server(dir_.path(), ServerArgs({"--faults", "100", "--status", "503"}));
    auto summary = UploadFolder(Settings(server), "org/acts", "main", dir_.path(), Options());
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(summary.status().message(), HasSubstr("/api/repos/create"));
    EXPECT_THAT(summary.status().message(), HasSubstr("HTTP 503"));
}

TEST_F(UploadTest, ParentCommitConflictsAreRetriedOnTheNewHead) {
    testing::TestHttpServer server(dir_.path(), ServerArgs({"--commit-conflicts", "2"}));
    const HubSettings settings = Settings(server);
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->commits, 1);
    EXPECT_EQ(CountOccurrences(server.Log(), "POST /api/datasets/org/acts/commit/main"), 3);
    ExpectRepositoryHoldsTheFolder(settings, "org/acts");
}

TEST_F(UploadTest, EndlessConflictsGiveUp) {
    testing::TestHttpServer server(dir_.path(), ServerArgs({"--commit-conflicts", "100"}));
    UploadOptions options = Options();
    options.max_commit_conflicts = 3;
    auto summary = UploadFolder(Settings(server), "org/acts", "main", dir_.path(), options);
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(summary.status().message(), HasSubstr("conflicted 4 times"));
}

TEST_F(UploadTest, ManyFilesAreSplitIntoSeveralCommits) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    UploadOptions options = Options();
    options.max_files_per_commit = 3;
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), options);
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->commits, 2);
    ExpectRepositoryHoldsTheFolder(settings, "org/acts");
}

TEST_F(UploadTest, RepositoryIsPrivateUnlessAskedOtherwise) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    ASSERT_TRUE(UploadFolder(settings, "org/private", "main", dir_.path(), Options()).ok());
    UploadOptions public_options = Options();
    public_options.is_private = false;
    ASSERT_TRUE(UploadFolder(settings, "org/public", "main", dir_.path(), public_options).ok());
    HubSettings anonymous = settings;
    anonymous.token.reset();
    EXPECT_EQ(ListDatasetFiles(anonymous, "org/private", "main").status().code(),
              StatusCode::kNotFound);
    EXPECT_TRUE(ListDatasetFiles(anonymous, "org/public", "main").ok());
}

TEST_F(UploadTest, KnownDigestsAreUsedOnlyWhenTheSizeMatches) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    UploadOptions options = Options();
    // A stale manifest entry (another size): the file is hashed instead, and the server accepts it.
    options.known_digests[kParquetA] = KnownDigest{.sha256 = std::string(64, 'a'), .size_bytes = 1};
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), options);
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    ExpectRepositoryHoldsTheFolder(settings, "org/acts");
}

TEST_F(UploadTest, MissingOrWrongTokenIsAClearErrorThatNeverShowsTheToken) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    HubSettings settings = Settings(server);
    settings.token.reset();
    auto missing = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(missing.status().message(), HasSubstr("set HF_TOKEN"));
    settings.token = "hf_wrongTokenValue";
    auto wrong = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(wrong.status().message(), HasSubstr("HTTP 401"));
    EXPECT_THAT(wrong.status().message(), HasSubstr("set HF_TOKEN"));
    EXPECT_THAT(wrong.status().message(), Not(HasSubstr("hf_wrongTokenValue")));
}

TEST_F(UploadTest, ExistingRepositoryNeedsNoCreateRight) {
    testing::TestHttpServer server(dir_.path(),
                                   ServerArgs({"--deny-create", "--existing-repo", "org/acts"}));
    const HubSettings settings = Settings(server);
    auto summary = UploadFolder(settings, "org/acts", "main", dir_.path(), Options());
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_FALSE(summary->repo_created);
    ExpectRepositoryHoldsTheFolder(settings, "org/acts");
    auto denied = UploadFolder(settings, "org/other", "main", dir_.path(), Options());
    EXPECT_EQ(denied.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(denied.status().message(), HasSubstr("HTTP 403"));
    EXPECT_THAT(denied.status().message(), HasSubstr("rights to create"));
}

TEST_F(UploadTest, XetOnlyAnswerIsUnimplemented) {
    testing::TestHttpServer server(dir_.path(), ServerArgs({"--batch-transfer", "xet"}));
    auto summary = UploadFolder(Settings(server), "org/acts", "main", dir_.path(), Options());
    EXPECT_EQ(summary.status().code(), StatusCode::kUnimplemented);
    EXPECT_THAT(summary.status().message(), HasSubstr("'xet'"));
}

TEST_F(UploadTest, BadArgumentsAreRejectedBeforeAnyRequest) {
    testing::TestHttpServer server(dir_.path(), ServerArgs());
    const HubSettings settings = Settings(server);
    EXPECT_THAT(
        UploadFolder(settings, "no-slash", "main", dir_.path(), Options()).status().message(),
        HasSubstr("expected ORG/NAME"));
    EXPECT_EQ(
        UploadFolder(settings, "org/acts", "main", dir_.File("absent"), Options()).status().code(),
        StatusCode::kNotFound);
    HubSettings offline = settings;
    offline.offline = true;
    EXPECT_THAT(
        UploadFolder(offline, "org/acts", "main", dir_.path(), Options()).status().message(),
        HasSubstr("HF_HUB_OFFLINE"));
    EXPECT_EQ(server.Log(), "");
}

}  // namespace
}  // namespace actcache::hub
