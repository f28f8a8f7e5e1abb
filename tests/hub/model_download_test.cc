// DownloadModelSnapshot and FindCachedModel against the Hub emulation of
// tests/support/http_test_server.py (--model-repo): the HF cache layout of
// reference/hf-formats-and-hub.md §D.2, resume, verification, access errors, offline lookup.
#include "hub/model_download.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <map>

#include "core/random.h"
#include "hub/model_cache.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::hub {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
    SplitMix64 rng(seed);
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Next());
    return bytes;
}

// An independent digest (OpenSSL one-shot) of `data`, as hex.
std::string Digest(const EVP_MD* md, const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        hex += pair;
    }
    return hex;
}
std::string Sha256Hex(const std::string& data) { return Digest(EVP_sha256(), data); }
std::string GitBlobSha1(const std::string& data) {
    return Digest(EVP_sha1(), "blob " + std::to_string(data.size()) + std::string(1, '\0') + data);
}

class ModelDownloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        files_ = {{"config.json", R"({"model_type": "llama"})"},
                  {"tokenizer.json", R"({"model": {"type": "BPE"}})"},
                  {"tokenizer_config.json", R"({"bos_token": "<s>"})"},
                  {"model.safetensors", RandomBytes(600000, 1)}};
        WriteModel(model_.path(), files_);
        settings_.cache_dir = cache_.File("hub");
        settings_.token = "hf_s3cret-t0ken";
    }
    static void WriteModel(const std::string& dir, const std::map<std::string, std::string>& files) {
        for (const auto& [path, data] : files) {
            fs::create_directories(fs::path(dir + "/" + path).parent_path());
            testing::WriteFile(dir + "/" + path, data);
        }
    }
    void PointAt(const testing::TestHttpServer& server) {
        const std::string url = server.Url("");
        settings_.endpoint = url.substr(0, url.size() - 1);
    }
    Result<std::string> Download(const std::string& repo = "org/tiny", const std::string& revision = "main") {
        return DownloadModelSnapshot(settings_, repo, revision, LlamaModelFiles(),
                                     [this](const DownloadNotice& notice) { notices_.push_back(notice); });
    }
    std::string RepoDir() const { return settings_.cache_dir + "/models--org--tiny"; }

    testing::TempDir model_, cache_;
    std::map<std::string, std::string> files_;
    HubSettings settings_;
    std::vector<DownloadNotice> notices_;
};

TEST_F(ModelDownloadTest, WritesTheHfCacheLayoutWithRelativeSymlinksNamedByEtag) {
    testing::TestHttpServer server(model_.path(), {"--model-repo", "org/tiny=" + model_.path()});
    PointAt(server);
    auto snapshot = Download();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    const std::string commit = testing::ReadFile(RepoDir() + "/refs/main");
    ASSERT_EQ(commit.size(), 40u) << "refs/main holds the 40-hex commit and no newline";
    EXPECT_EQ(*snapshot, RepoDir() + "/snapshots/" + commit);
    for (const auto& [path, data] : files_) {
        const std::string link = *snapshot + "/" + path;
        ASSERT_TRUE(fs::is_symlink(link)) << link;
        const std::string etag = path.ends_with(".safetensors") ? Sha256Hex(data) : GitBlobSha1(data);
        EXPECT_EQ(fs::read_symlink(link).string(), "../../blobs/" + etag) << path;
        EXPECT_TRUE(fs::is_regular_file(RepoDir() + "/blobs/" + etag)) << path;
        EXPECT_TRUE(testing::ReadFile(link) == data) << path;
    }
    // The optional file the repository lacks is recorded as huggingface_hub does.
    EXPECT_TRUE(fs::is_regular_file(RepoDir() + "/.no_exist/" + commit + "/generation_config.json"));
    std::size_t blob_count = 0;
    for (const auto& entry : fs::directory_iterator(RepoDir() + "/blobs")) {
        EXPECT_FALSE(entry.path().string().ends_with(".incomplete"));
        ++blob_count;
    }
    EXPECT_EQ(blob_count, files_.size());
    EXPECT_EQ(notices_.size(), files_.size());
    // The token went to the Hub but not to the CDN (which refuses it): the download worked.
    EXPECT_THAT(server.Log(), HasSubstr("GET /cdn/lfs/" + Sha256Hex(files_["model.safetensors"])));

    // Found in the cache from now on: FindCachedModel (no network) returns the same folder.
    auto cached = FindCachedModel(settings_, "org/tiny", "main");
    ASSERT_TRUE(cached.ok()) << cached.status().message();
    EXPECT_EQ(*cached, *snapshot);
    // A second download fetches nothing (the blobs are there), it only asks for metadata.
    notices_.clear();
    ASSERT_TRUE(Download().ok());
    EXPECT_TRUE(notices_.empty());
}

TEST_F(ModelDownloadTest, ShardedWeightsFollowTheIndexIntoSubfolders) {
    testing::TempDir sharded;
    std::map<std::string, std::string> files = files_;
    files.erase("model.safetensors");
    files["model-00001-of-00002.safetensors"] = RandomBytes(1000, 2);
    files["weights/model-00002-of-00002.safetensors"] = RandomBytes(2000, 3);
    files["model.safetensors.index.json"] =
        R"({"metadata": {"total_size": 3000}, "weight_map": {"a": "model-00001-of-00002.safetensors",
            "b": "weights/model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})";
    WriteModel(sharded.path(), files);
    testing::TestHttpServer server(sharded.path(), {"--model-repo", "org/tiny=" + sharded.path()});
    PointAt(server);
    auto snapshot = Download();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    for (const auto& [path, data] : files) EXPECT_TRUE(testing::ReadFile(*snapshot + "/" + path) == data) << path;
    EXPECT_EQ(fs::read_symlink(*snapshot + "/weights/model-00002-of-00002.safetensors").string(),
              "../../../blobs/" + Sha256Hex(files["weights/model-00002-of-00002.safetensors"]));
    EXPECT_TRUE(fs::exists(RepoDir() + "/.no_exist/" + fs::path(*snapshot).filename().string() +
                           "/model.safetensors"));
    EXPECT_TRUE(FindCachedModel(settings_, "org/tiny", "main").ok());
    fs::remove(*snapshot + "/weights/model-00002-of-00002.safetensors");
    auto incomplete = FindCachedModel(settings_, "org/tiny", "main");
    EXPECT_EQ(incomplete.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(incomplete.status().message(), HasSubstr("weights/model-00002-of-00002.safetensors"));
}

TEST_F(ModelDownloadTest, ADroppedConnectionIsResumedWithRange) {
    testing::TestHttpServer server(model_.path(), {"--model-repo", "org/tiny=" + model_.path(), "--faults", "1",
                                                   "--drop-after", "250000", "--fault-path", "/cdn/"});
    PointAt(server);
    auto snapshot = Download();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    EXPECT_TRUE(testing::ReadFile(*snapshot + "/model.safetensors") == files_["model.safetensors"]);
    EXPECT_THAT(server.Log(), HasSubstr("bytes=250000-"));
}

TEST_F(ModelDownloadTest, APartialFileFromAnEarlierRunIsResumed) {
    const std::string sha256 = Sha256Hex(files_["model.safetensors"]);
    fs::create_directories(RepoDir() + "/blobs");
    const std::string partial = RepoDir() + "/blobs/" + sha256 + ".0badcafe.incomplete";
    testing::WriteFile(partial, files_["model.safetensors"].substr(0, 123456));
    testing::TestHttpServer server(model_.path(), {"--model-repo", "org/tiny=" + model_.path()});
    PointAt(server);
    auto snapshot = Download();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    EXPECT_TRUE(testing::ReadFile(*snapshot + "/model.safetensors") == files_["model.safetensors"]);
    EXPECT_THAT(server.Log(), HasSubstr("GET /cdn/lfs/" + sha256 + " bytes=123456-"));
    EXPECT_FALSE(fs::exists(partial));
    bool told = false;
    for (const DownloadNotice& notice : notices_) {
        if (notice.path == "model.safetensors") told = notice.resume_from_bytes == 123456;
    }
    EXPECT_TRUE(told);
}

TEST_F(ModelDownloadTest, CorruptedBytesAreRefusedAndNothingAppearsUnderTheBlobName) {
    for (const std::string corrupt : {"model.safetensors", "tokenizer.json"}) {
        testing::TempDir cache;
        settings_.cache_dir = cache.File("hub");
        testing::TestHttpServer server(model_.path(),
                                       {"--model-repo", "org/tiny=" + model_.path(), "--corrupt-file", corrupt});
        PointAt(server);
        auto snapshot = Download();
        ASSERT_EQ(snapshot.status().code(), StatusCode::kCorruption) << snapshot.status().message();
        EXPECT_THAT(snapshot.status().message(), HasSubstr(corrupt));
        EXPECT_THAT(snapshot.status().message(),
                    HasSubstr(corrupt.ends_with(".safetensors") ? "sha256" : "git blob sha1"));
        const std::string data = files_[corrupt];
        const std::string etag = corrupt.ends_with(".safetensors") ? Sha256Hex(data) : GitBlobSha1(data);
        EXPECT_FALSE(fs::exists(RepoDir() + "/blobs/" + etag));
        for (const auto& entry : fs::directory_iterator(RepoDir() + "/blobs")) {
            EXPECT_FALSE(entry.path().string().ends_with(".incomplete")) << entry.path();
        }
        EXPECT_FALSE(fs::exists(RepoDir() + "/refs/main"));
    }
}

TEST_F(ModelDownloadTest, PrivateAndGatedModelsSayToAcceptTheLicenseAndSetTheToken) {
    testing::TestHttpServer server(model_.path(), {"--model-repo", "org/private=" + model_.path() + ":private",
                                                   "--model-repo", "org/gated=" + model_.path() + ":gated",
                                                   "--require-token", "hf_right-t0ken"});
    PointAt(server);
    for (const std::string repo : {"org/private", "org/gated"}) {
        settings_.token.reset();
        auto denied = Download(repo);
        ASSERT_EQ(denied.status().code(), StatusCode::kInvalidArgument) << repo;
        EXPECT_THAT(denied.status().message(), HasSubstr("HF_TOKEN"));
        EXPECT_THAT(denied.status().message(), HasSubstr(settings_.endpoint + "/" + repo));
        EXPECT_THAT(denied.status().message(), HasSubstr("accept its license"));
        settings_.token = "hf_wrong-t0ken";
        denied = Download(repo);
        ASSERT_FALSE(denied.ok());
        EXPECT_THAT(denied.status().message(), Not(HasSubstr("t0ken")));
        settings_.token = "hf_right-t0ken";
        auto snapshot = Download(repo);
        ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
        EXPECT_THAT(snapshot.status().message(), Not(HasSubstr("t0ken")));
    }
    EXPECT_THAT(Download("org/gated").status().message(), Not(HasSubstr("t0ken")));
    settings_.token.reset();
    EXPECT_THAT(Download("org/gated").status().message(), HasSubstr("is gated"));
}

TEST_F(ModelDownloadTest, CommitRevisionsAreUsedDirectlyAndUnknownOnesAreNotFound) {
    testing::TestHttpServer server(model_.path(), {"--model-repo", "org/tiny=" + model_.path()});
    PointAt(server);
    ASSERT_TRUE(Download().ok());
    const std::string commit = testing::ReadFile(RepoDir() + "/refs/main");
    testing::TempDir other;
    settings_.cache_dir = other.File("hub");
    auto by_commit = Download("org/tiny", commit);
    ASSERT_TRUE(by_commit.ok()) << by_commit.status().message();
    EXPECT_EQ(*by_commit, RepoDir() + "/snapshots/" + commit);
    EXPECT_FALSE(fs::exists(RepoDir() + "/refs"));  // nothing to resolve, nothing written
    EXPECT_THAT(server.Log(), HasSubstr("HEAD /org/tiny/resolve/" + commit + "/config.json"));
    EXPECT_EQ(Download("org/tiny", "v9").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(Download("org/absent").status().code(), StatusCode::kNotFound);
}

TEST_F(ModelDownloadTest, OfflineNeverTouchesTheNetwork) {
    settings_.endpoint = "http://127.0.0.1:9";
    settings_.offline = true;
    auto offline = Download();
    EXPECT_EQ(offline.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(offline.status().message(), HasSubstr("HF_HUB_OFFLINE"));
}

// What huggingface_hub leaves after `huggingface-cli download org/tiny`, built by hand from §D.2.
TEST_F(ModelDownloadTest, ACacheFilledByPythonToolsIsFoundWithoutTheNetwork) {
    const std::string commit = "0123456789abcdef0123456789abcdef01234567";
    fs::create_directories(RepoDir() + "/blobs");
    fs::create_directories(RepoDir() + "/refs");
    fs::create_directories(RepoDir() + "/snapshots/" + commit);
    testing::WriteFile(RepoDir() + "/refs/main", commit);
    for (const auto& [path, data] : files_) {
        const std::string etag = path.ends_with(".safetensors") ? Sha256Hex(data) : GitBlobSha1(data);
        testing::WriteFile(RepoDir() + "/blobs/" + etag, data);
        fs::create_symlink("../../blobs/" + etag, RepoDir() + "/snapshots/" + commit + "/" + path);
    }
    settings_.endpoint = "http://127.0.0.1:9";  // nothing listens there
    auto cached = FindCachedModel(settings_, "org/tiny", "main");
    ASSERT_TRUE(cached.ok()) << cached.status().message();
    EXPECT_EQ(*cached, RepoDir() + "/snapshots/" + commit);
    EXPECT_TRUE(FindCachedModel(settings_, "org/tiny", commit).ok());
    auto other = FindCachedModel(settings_, "org/tiny", "dev");
    EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(other.status().message(), HasSubstr("refs/dev"));
}

TEST(ShardFileNamesTest, DistinctSortedAndNeverOutsideTheSnapshot) {
    auto names = ShardFileNames(R"({"weight_map": {"x": "b.safetensors", "y": "a.safetensors", "z": "b.safetensors"}})",
                                "index");
    ASSERT_TRUE(names.ok()) << names.status().message();
    EXPECT_EQ(*names, (std::vector<std::string>{"a.safetensors", "b.safetensors"}));
    for (const char* bad : {"../x.safetensors", "/etc/passwd", "a//b", "a/../../b", ""}) {
        auto refused = ShardFileNames(std::string(R"({"weight_map": {"t": ")") + bad + R"("}})", "index");
        EXPECT_EQ(refused.status().code(), StatusCode::kCorruption) << bad;
        EXPECT_THAT(refused.status().message(), HasSubstr("weight_map.t")) << bad;
    }
    EXPECT_EQ(ShardFileNames("[]", "index").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace actcache::hub
