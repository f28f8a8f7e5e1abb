#include "core/file_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;

std::size_t EntriesIn(const std::string& dir) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        (void)entry;
        ++count;
    }
    return count;
}

TEST(AtomicFileTest, FileAppearsOnlyAfterCommit) {
    testing::TempDir dir;
    const std::string path = dir.File("shard.parquet");
    auto file = AtomicFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Append("def").ok());
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_EQ(file->size_bytes(), 6u);
    ASSERT_TRUE(file->Commit().ok());
    EXPECT_EQ(testing::ReadFile(path), "abcdef");
    EXPECT_EQ(EntriesIn(dir.path()), 1u);  // no temporary file left behind
}

TEST(AtomicFileTest, AbandonedFileLeavesNothing) {
    testing::TempDir dir;
    {
        auto file = AtomicFile::Create(dir.File("x"));
        ASSERT_TRUE(file.ok());
        ASSERT_TRUE(file->Append("partial").ok());
    }
    EXPECT_EQ(EntriesIn(dir.path()), 0u);
}

TEST(AtomicFileTest, CommitReplacesExistingFile) {
    testing::TempDir dir;
    const std::string path = dir.File("config.json");
    ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
    ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
    EXPECT_EQ(testing::ReadFile(path), "new");
}

TEST(AtomicFileTest, MissingDirectoryIsAnErrorNamingThePath) {
    testing::TempDir dir;
    Status status = WriteFileAtomically(dir.File("no/such/dir/file"), "x");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kNotFound);
    EXPECT_THAT(status.message(), HasSubstr("no/such/dir/file"));
}

TEST(AtomicFileTest, FullDiskIsResourceExhausted) {
    // /dev/full fails every write with ENOSPC; a symlink to it stands in for a full disk.
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "/dev/full not available";
    testing::TempDir dir;
    const std::string temp = dir.File("out.tmp-" + std::to_string(::getpid()));
    std::filesystem::create_symlink("/dev/full", temp);
    auto file = AtomicFile::Create(dir.File("out"));
    ASSERT_TRUE(file.ok()) << file.status().message();
    Status status = file->Append(std::string(1 << 16, 'x'));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
    EXPECT_THAT(status.message(), HasSubstr("out.tmp-"));
}

TEST(FileUtilTest, ReadFileToStringReadsBinaryAndReportsMissing) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("bin"), std::string("\0\1\2", 3));
    auto contents = ReadFileToString(dir.File("bin"));
    ASSERT_TRUE(contents.ok());
    EXPECT_EQ(*contents, std::string("\0\1\2", 3));
    auto missing = ReadFileToString(dir.File("nope"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(FileUtilTest, CreateDirectoriesMakesParents) {
    testing::TempDir dir;
    ASSERT_TRUE(CreateDirectories(dir.File("a/b/c")).ok());
    EXPECT_TRUE(std::filesystem::is_directory(dir.File("a/b/c")));
}

}  // namespace
}  // namespace actcache
