// ShardSink's two modes write the same dataset: rows encoded as they arrive (writer_threads 0)
// and shards handed to encoder threads while the next fills (writer_threads N) give
// byte-identical shard files, card and norm_stats.json, commits in shard order, and the
// statistics of a run continued from a manifest equal those of one run.
#include "pipeline/shard_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache::pipeline {
namespace {

constexpr std::int64_t kWidth = 48;

ShardSinkOptions Options(const std::string& dir, int writer_threads) {
    ShardSinkOptions options;
    options.output_dir = dir;
    options.shard_size = 700;
    options.writer_threads = writer_threads;
    options.parquet.activation_columns = {dataset::ActivationColumn{"activacion", kWidth, dataset::ActivationType::kBf16Bits}};
    options.hook_sites = {"model.layers.8.mlp"};
    return options;
}

RunManifest FreshManifest() {
    RunManifest manifest;
    manifest.statistics.emplace_back(kWidth);
    return manifest;
}

// Adds rows [first, first + count) of a fixed pseudo-random sequence; the commit callback
// records the shard count it saw each time.
Status AddRows(ShardSink& sink, std::int64_t first, std::int64_t count) {
    std::vector<std::uint16_t> bits(kWidth);
    for (std::int64_t r = first; r < first + count; ++r) {
        NormalGenerator normal(static_cast<std::uint64_t>(r) + 1);
        for (auto& b : bits) b = RoundToBf16(static_cast<float>(normal.Next()));
        const std::span<const std::byte> column(reinterpret_cast<const std::byte*>(bits.data()), bits.size() * 2);
        const std::span<const std::byte> columns[] = {column};
        ACT_RETURN_IF_ERROR(sink.AddRow(RowOrigin{r / 100, 0, r % 100}, r / 100, static_cast<std::int32_t>(r % 100),
                                        static_cast<std::int32_t>(r % 500), columns));
    }
    return Status::Ok();
}

std::vector<std::string> DatasetFiles(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string relative = std::filesystem::relative(entry.path(), dir).string();
        if (entry.is_regular_file() && !relative.starts_with(".actcache")) names.push_back(relative);
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(ShardSink, EncoderThreadsWriteTheSameBytesAndCommitInOrder) {
    testing::TempDir serial_dir, parallel_dir;
    constexpr std::int64_t kRows = 700 * 7 + 123;  // seven full shards and a partial one
    {
        ShardSink sink(Options(serial_dir.path(), 0), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, kRows).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    std::vector<std::int64_t> commits;
    {
        ShardSink sink(Options(parallel_dir.path(), 3), FreshManifest(), [&](const RunManifest& manifest) {
            commits.push_back(static_cast<std::int64_t>(manifest.shards.size()));
            return Status::Ok();
        });
        ASSERT_TRUE(AddRows(sink, 0, kRows).ok());
        EXPECT_EQ(sink.rows(), kRows);
        EXPECT_EQ(sink.full_shards(), 7);
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
        EXPECT_EQ(sink.shards(), 8);
        EXPECT_EQ(sink.committed_rows(), kRows);
    }
    EXPECT_THAT(commits, ::testing::ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
    const auto files = DatasetFiles(serial_dir.path());
    ASSERT_EQ(files, DatasetFiles(parallel_dir.path()));
    EXPECT_EQ(files.size(), 8u + 2u);  // shards, README.md, norm_stats.json
    for (const std::string& name : files) {
        EXPECT_EQ(*ReadFileToString(serial_dir.File(name)), *ReadFileToString(parallel_dir.File(name))) << name;
    }
}

TEST(ShardSink, AContinuedRunHasTheStatisticsOfOneRun) {
    testing::TempDir one_dir, two_dir;
    constexpr std::int64_t kRows = 700 * 4;
    {
        ShardSink sink(Options(one_dir.path(), 2), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, kRows).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    RunManifest after_two_shards;
    {
        ShardSink sink(Options(two_dir.path(), 0), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, 2 * 700).ok());
        after_two_shards = sink.manifest();
    }
    {
        ShardSink sink(Options(two_dir.path(), 2), std::move(after_two_shards));
        ASSERT_TRUE(AddRows(sink, 2 * 700, kRows - 2 * 700).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    EXPECT_EQ(*ReadFileToString(one_dir.File("norm_stats.json")), *ReadFileToString(two_dir.File("norm_stats.json")));
}

TEST(ShardSink, AnErrorInTheCommitCallbackStopsTheSink) {
    testing::TempDir dir;
    ShardSink sink(Options(dir.path(), 2), FreshManifest(), [](const RunManifest&) {
        return Status::IOError("hub unreachable");
    });
    Status status = AddRows(sink, 0, 700 * 3);
    if (status.ok()) status = sink.Finish("end of corpus", JsonValue());
    EXPECT_EQ(status.message(), "hub unreachable");
}

}  // namespace
}  // namespace actcache::pipeline
