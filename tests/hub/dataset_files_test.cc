#include "hub/dataset_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DatasetFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(repo_.File("train"));
        for (const char* name : {"train/01.jsonl.zst", "train/00.jsonl.zst", "train/02.jsonl.zst",
                                 "val.jsonl.zst", "README.md"}) {
            testing::WriteFile(repo_.File(name), name);
        }
    }
    HubSettings Settings(const testing::TestHttpServer& server) {
        HubSettings settings;
        const std::string url = server.Url("");
        settings.endpoint = url.substr(0, url.size() - 1);
        return settings;
    }
    testing::TempDir repo_;
};

TEST_F(DatasetFilesTest, ListsEveryFileAcrossPagesSorted) {
    testing::TestHttpServer server(repo_.path(), {"--hub-repo", "org/pile", "--page-size", "2"});
    auto files = ListDatasetFiles(Settings(server), "org/pile", "main");
    ASSERT_TRUE(files.ok()) << files.status().message();
    std::vector<std::string> paths;
    for (const HubFile& file : *files) paths.push_back(file.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"README.md", "train/00.jsonl.zst", "train/01.jsonl.zst",
                                               "train/02.jsonl.zst", "val.jsonl.zst"}));
    EXPECT_EQ((*files)[1].size, 18);
    EXPECT_THAT(server.Log(), HasSubstr("cursor=4"));  // three pages were requested
}

TEST_F(DatasetFilesTest, PrivateRepositoryNeedsTheTokenWhichNeverAppearsInMessages) {
    testing::TestHttpServer server(repo_.path(), {"--hub-repo", "org/pile", "--require-token", "s3cret-t0ken"});
    HubSettings settings = Settings(server);
    auto denied = ListDatasetFiles(settings, "org/pile", "main");
    ASSERT_FALSE(denied.ok());
    EXPECT_THAT(denied.status().message(), HasSubstr("set HF_TOKEN"));
    settings.token = "wrong-t0ken";
    denied = ListDatasetFiles(settings, "org/pile", "main");
    ASSERT_FALSE(denied.ok());
    EXPECT_THAT(denied.status().message(), Not(HasSubstr("wrong-t0ken")));
    settings.token = "s3cret-t0ken";
    auto files = ListDatasetFiles(settings, "org/pile", "main");
    ASSERT_TRUE(files.ok()) << files.status().message();
    EXPECT_EQ(files->size(), 5u);
}

TEST_F(DatasetFilesTest, MissingRepositoryAndOfflineMode) {
    testing::TestHttpServer server(repo_.path(), {"--hub-repo", "org/pile"});
    auto missing = ListDatasetFiles(Settings(server), "org/other", "main");
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(missing.status().message(), HasSubstr("dataset org/other"));
    HubSettings offline = Settings(server);
    offline.offline = true;
    EXPECT_THAT(ListDatasetFiles(offline, "org/pile", "main").status().message(),
                HasSubstr("HF_HUB_OFFLINE"));
}

TEST(DatasetFileUrlTest, QuotesRevisionAndPath) {
    HubSettings settings;
    EXPECT_EQ(DatasetFileUrl(settings, "monology/pile-uncopyrighted", "main", "train/00.jsonl.zst"),
              "https://huggingface.co/datasets/monology/pile-uncopyrighted/resolve/main/train/00.jsonl.zst");
    EXPECT_EQ(DatasetFileUrl(settings, "a/b", "refs/pr/1", "x y.txt"),
              "https://huggingface.co/datasets/a/b/resolve/refs%2Fpr%2F1/x%20y.txt");
}

}  // namespace
}  // namespace actcache::hub
