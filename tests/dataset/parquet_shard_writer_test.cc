#include "dataset/parquet_shard_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "dataset/save_to_disk_writer.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

// 32 bf16 values a row, row groups of 300 rows, several pages per column chunk.
ParquetShardOptions SmallGroupsOptions() {
    ParquetShardOptions options;
    options.activation_columns = {{"activacion", 32}};
    options.row_group_bytes = 300 * (16 + 64);
    options.page_bytes = 4 * 32 * 17;
    return options;
}

Status WriteRows(const std::string& path, int rows, std::string* sha = nullptr,
                 ThreadPool* pool = nullptr) {
    ACT_ASSIGN_OR_RETURN(auto writer, ParquetShardWriter::Create(path, SmallGroupsOptions(), pool));
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

// 1000 rows of 32 bf16 values, column by column, for AddRows.
struct Columns {
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos, token_ids;
    std::vector<std::uint16_t> values;  // rows × 32
};

Columns TheRowsOfWriteRows(int rows) {
    Columns columns;
    for (int r = 0; r < rows; ++r) {
        columns.doc_ids.push_back(r);
        columns.tok_pos.push_back(r);
        columns.token_ids.push_back(r);
        for (int i = 0; i < 32; ++i) columns.values.push_back(static_cast<std::uint16_t>(r * 31 + i * 7));
    }
    return columns;
}

// Writes `columns` with AddRows in chunks of the given sizes (their sum: every row) into `writer`.
Status AddInChunks(ShardFileWriter& writer, const Columns& columns, const std::vector<std::size_t>& chunks) {
    std::size_t first = 0;
    for (std::size_t count : chunks) {
        const std::span<const std::byte> values =
            std::as_bytes(std::span<const std::uint16_t>(columns.values).subspan(first * 32, count * 32));
        ACT_RETURN_IF_ERROR(writer.AddRows(std::span(columns.doc_ids).subspan(first, count),
                                           std::span(columns.tok_pos).subspan(first, count),
                                           std::span(columns.token_ids).subspan(first, count),
                                           std::span<const std::span<const std::byte>>(&values, 1)));
        first += count;
    }
    return writer.Finish();
}

// AddRows encodes whole row groups (300 rows here) from the caller's memory and buffers the
// rest: for any chunking, the file is the one AddRow writes row by row.
TEST(ParquetShardWriterTest, AddRowsInAnyChunksWritesTheBytesOfAddRow) {
    testing::TempDir dir;
    ASSERT_TRUE(WriteRows(dir.File("rows.parquet"), 1000).ok());
    const std::string expected = testing::ReadFile(dir.File("rows.parquet"));
    const Columns columns = TheRowsOfWriteRows(1000);
    const ParquetShardOptions options = SmallGroupsOptions();
    ParquetWriterBuffers buffers;
    for (const std::vector<std::size_t>& chunks : std::vector<std::vector<std::size_t>>{
             {1000}, {300, 300, 300, 100}, {7, 593, 400}, {299, 1, 300, 301, 99}, {0, 1000, 0}}) {
        auto writer = ParquetShardWriter::Create(dir.File("chunks.parquet"), options, nullptr, &buffers);
        ASSERT_TRUE(writer.ok());
        ASSERT_TRUE(AddInChunks(**writer, columns, chunks).ok());
        EXPECT_EQ((*writer)->rows(), 1000);
        EXPECT_TRUE(testing::ReadFile(dir.File("chunks.parquet")) == expected) << chunks.size() << " chunks";
    }
}

// Buffers lent to writer after writer, one of which was abandoned with rows buffered, give every
// writer the bytes of a writer with its own memory.
TEST(ParquetShardWriterTest, LentBuffersCarryNothingFromTheWriterBefore) {
    testing::TempDir dir;
    ASSERT_TRUE(WriteRows(dir.File("own.parquet"), 1000).ok());
    const Columns columns = TheRowsOfWriteRows(1000);
    const ParquetShardOptions options = SmallGroupsOptions();
    ParquetWriterBuffers buffers;
    {
        auto abandoned = ParquetShardWriter::Create(dir.File("abandoned.parquet"), options, nullptr, &buffers);
        ASSERT_TRUE(abandoned.ok());
        std::vector<std::uint16_t> other(32, 0x3F80);
        const std::span<const std::byte> row = std::as_bytes(std::span<const std::uint16_t>(other));
        for (int r = 0; r < 450; ++r) ASSERT_TRUE((*abandoned)->AddRow(-r, 0, 0, std::span(&row, 1)).ok());
    }
    for (int round = 0; round < 2; ++round) {
        auto writer = ParquetShardWriter::Create(dir.File("lent.parquet"), options, nullptr, &buffers);
        ASSERT_TRUE(writer.ok());
        ASSERT_TRUE(AddInChunks(**writer, columns, {1000}).ok());
        EXPECT_TRUE(testing::ReadFile(dir.File("lent.parquet")) == testing::ReadFile(dir.File("own.parquet")))
            << "round " << round;
    }
}

// ShardFileWriter's own AddRows (row by row), as the save_to_disk writer inherits it.
TEST(ParquetShardWriterTest, TheDefaultAddRowsIsAddRowRowByRow) {
    testing::TempDir dir;
    const Columns columns = TheRowsOfWriteRows(100);
    const ArrowStreamOptions options{{{"activacion", 32}}};
    auto by_rows = SaveToDiskWriter::Create(dir.File("by_rows"), options);
    auto by_chunks = SaveToDiskWriter::Create(dir.File("by_chunks"), options);
    ASSERT_TRUE(by_rows.ok() && by_chunks.ok());
    for (std::size_t r = 0; r < 100; ++r) {
        const std::span<const std::byte> row =
            std::as_bytes(std::span<const std::uint16_t>(columns.values).subspan(r * 32, 32));
        ASSERT_TRUE((*by_rows)->AddRow(columns.doc_ids[r], columns.tok_pos[r], columns.token_ids[r], std::span(&row, 1)).ok());
    }
    ASSERT_TRUE((*by_rows)->Finish().ok());
    ASSERT_TRUE(AddInChunks(**by_chunks, columns, {33, 0, 67}).ok());
    EXPECT_EQ((*by_chunks)->rows(), 100);
    EXPECT_EQ((*by_chunks)->sha256(), (*by_rows)->sha256());
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
