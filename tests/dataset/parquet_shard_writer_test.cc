#include "dataset/parquet_shard_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

Status WriteRows(const std::string& path, int rows, std::string* sha = nullptr,
                 ThreadPool* pool = nullptr) {
    ParquetShardOptions options;
    options.activation_columns = {{"activacion", 32}};
    options.row_group_bytes = 300 * (16 + 64);  // several row groups
    options.page_bytes = 4 * 32 * 17;           // several pages per chunk
    ACT_ASSIGN_OR_RETURN(auto writer, ParquetShardWriter::Create(path, options, pool));
    std::vector<std::uint16_t> values(32);
    std::vector<std::span<const std::byte>> spans = {std::as_bytes(std::span<const std::uint16_t>(values))};
    for (int r = 0; r < rows; ++r) {
        for (int i = 0; i < 32; ++i) values[i] = static_cast<std::uint16_t>(r * 31 + i * 7);
        ACT_RETURN_IF_ERROR(writer->AddRow(r, r, r, spans));
    }
    ACT_RETURN_IF_ERROR(writer->Finish());
    if (sha != nullptr) *sha = writer->sha256();
    return Status::Ok();
}

TEST(ParquetShardWriterTest, Sha256IsTheFilesDigest) {
    testing::TempDir dir;
    std::string sha;
    ASSERT_TRUE(WriteRows(dir.File("a.parquet"), 1000, &sha).ok());
    ASSERT_EQ(std::system(("sha256sum " + dir.File("a.parquet") + " > " + dir.File("sum")).c_str()), 0);
    EXPECT_EQ(sha, testing::ReadFile(dir.File("sum")).substr(0, 64));
    const std::string bytes = testing::ReadFile(dir.File("a.parquet"));
    EXPECT_EQ(bytes.substr(0, 4), "PAR1");
    EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
}

TEST(ParquetShardWriterTest, ThreadsDoNotChangeTheBytes) {
    testing::TempDir dir;
    ThreadPool pool(3);
    std::string serial, parallel;
    ASSERT_TRUE(WriteRows(dir.File("serial.parquet"), 1000, &serial).ok());
    ASSERT_TRUE(WriteRows(dir.File("parallel.parquet"), 1000, &parallel, &pool).ok());
    EXPECT_EQ(serial, parallel);
    EXPECT_TRUE(testing::ReadFile(dir.File("serial.parquet")) == testing::ReadFile(dir.File("parallel.parquet")));
}

// A full disk: the temporary file is /dev/full, where every write fails with ENOSPC.
TEST(ParquetShardWriterTest, FullDiskIsAClearErrorAndLeavesNoFile) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "/dev/full not available";
    testing::TempDir dir;
    const std::string path = dir.File("train_00000-00000-of-00001.parquet");
    std::filesystem::create_symlink("/dev/full", path + ".tmp-" + std::to_string(::getpid()));
    Status status = WriteRows(path, 20000);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
    EXPECT_THAT(status.message(), HasSubstr("train_00000-00000-of-00001.parquet"));
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace actcache::dataset
