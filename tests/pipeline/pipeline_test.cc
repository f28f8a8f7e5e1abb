// Unit tests of the pipeline's parts: options and their identity, the manifest file, progress.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/file_util.h"
#include "pipeline/manifest.h"
#include "pipeline/progress.h"
#include "pipeline/run_options.h"
#include "support/temp_dir.h"

namespace actcache::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RunOptions, DefaultsAreTheSeeds) {
    const RunOptions options;
    EXPECT_EQ(options.model, "meta-llama/Llama-3.2-1B");
    EXPECT_EQ(options.windows.seq_len, 4096);
    EXPECT_EQ(options.batch, 16);
    EXPECT_EQ(options.shard_size, 50000);
    EXPECT_EQ(options.dtype, "bf16");
    EXPECT_THAT(options.hooks, ElementsAre("model.layers.8.mlp"));
    EXPECT_THAT(ColumnNames(options), ElementsAre("activacion"));
    EXPECT_EQ(options.filter.min_chars_exclusive, 20);
    EXPECT_EQ(options.filter.max_chars_exclusive, 30000);
    EXPECT_TRUE(ValidateRunOptions(options).ok());
}

TEST(RunOptions, CompressionNamesAndZstdLevels) {
    for (const char* name : {"none", "snappy", "zstd", "gzip"}) {
        const auto choice = ParseCompression(name);
        ASSERT_TRUE(choice.ok()) << name;
        EXPECT_STREQ(CompressionName(choice->compression), name);
        EXPECT_EQ(choice->zstd_level, 0);
    }
    const auto level = ParseCompression("zstd:19");
    ASSERT_TRUE(level.ok());
    EXPECT_EQ(level->compression, dataset::Compression::kZstd);
    EXPECT_EQ(level->zstd_level, 19);
    for (const char* bad : {"lz4", "zstd:", "zstd:0", "zstd:23", "zstd:3x", "zstd:-1", "gzip:6", "ZSTD"}) {
        const auto refused = ParseCompression(bad);
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_THAT(refused.status().message(), HasSubstr("--compression: '" + std::string(bad) + "'"));
    }
}

TEST(RunOptions, ColumnNamesForSeveralHooks) {
    RunOptions options;
    options.hooks = {"model.layers.8.mlp", "model.layers.3:input"};
    EXPECT_THAT(ColumnNames(options), ElementsAre("layers_8_mlp", "layers_3_input"));
    EXPECT_THAT(ColumnNames(options, {"model.layers.8.mlp", "model.layers.3"}), ElementsAre("layers_8_mlp", "layers_3"));
    options.columns = {"a", "b"};
    EXPECT_THAT(ColumnNames(options), ElementsAre("a", "b"));
    options.columns = {"a", "a"};
    EXPECT_THAT(ValidateRunOptions(options).message(), HasSubstr("'a' is used twice"));
    options.columns = {"a", "doc_id"};
    EXPECT_FALSE(ValidateRunOptions(options).ok());
}

TEST(RunOptions, InvalidValuesNameTheirOption) {
    auto message = [](auto change) {
        RunOptions options;
        change(options);
        return ValidateRunOptions(options).message();
    };
    EXPECT_THAT(message([](RunOptions& o) { o.hooks.clear(); }), HasSubstr("--hook"));
    EXPECT_THAT(message([](RunOptions& o) { o.batch = 0; }), HasSubstr("--batch"));
    EXPECT_THAT(message([](RunOptions& o) { o.shard_size = 0; }), HasSubstr("--shard-size"));
    EXPECT_THAT(message([](RunOptions& o) { o.shards_per_folder = 0; }), HasSubstr("--shards-per-folder: must be in 1..9000"));
    EXPECT_THAT(message([](RunOptions& o) { o.shards_per_folder = 9'001; }), HasSubstr("--shards-per-folder"));
    EXPECT_THAT(message([](RunOptions& o) { o.windows.bos_every_window = true, o.windows.seq_len = 1; }),
                HasSubstr("--seq-len"));
    EXPECT_THAT(message([](RunOptions& o) { o.device = "gpu"; }), HasSubstr("--device: 'gpu' is not cpu, cuda or auto"));
    EXPECT_THAT(message([](RunOptions& o) { o.delete_local_after_push = true; }),
                HasSubstr("--delete-local-after-push: needs --push-to-hub"));
    EXPECT_THAT(message([](RunOptions& o) { o.push_shards_per_commit = 49; }), HasSubstr("--push-shards-per-commit"));
    EXPECT_THAT(message([](RunOptions& o) { o.push_commit_interval = -1; }), HasSubstr("--push-commit-interval"));
    EXPECT_THAT(message([](RunOptions& o) { o.push_retries = 0; }), HasSubstr("--push-retries"));
    EXPECT_THAT(message([](RunOptions& o) { o.dtype = "f16"; }), HasSubstr("--dtype"));
    EXPECT_THAT(message([](RunOptions& o) { o.format = "csv"; }), HasSubstr("--format: 'csv' is not parquet or arrow"));
    EXPECT_THAT(message([](RunOptions& o) { o.format = "arrow", o.push_to_hub = "org/name"; }),
                HasSubstr("the Hub layout is Parquet"));
    RunOptions arrow;
    arrow.format = "arrow";
    EXPECT_TRUE(ValidateRunOptions(arrow).ok());
}

TEST(RunOptions, IdentityCoversOutputOptionsOnly) {
    const JsonValue model = JsonValue::String("m");
    RunOptions a, b;
    b.batch = 1;
    b.threads = 7;
    b.max_tokens = 5;
    b.quiet = true;
    EXPECT_TRUE(IdentityDifferences(OutputIdentity(a, {}, model), OutputIdentity(b, {}, model)).empty());
    b.windows.seq_len = 128;
    b.compression = dataset::Compression::kSnappy;
    b.filter.reject_numeric = false;
    EXPECT_THAT(IdentityDifferences(OutputIdentity(a, {}, model), OutputIdentity(b, {}, model)),
                ElementsAre("reject_numeric: was true, now false", "seq_len: was 4096, now 128",
                            "compression: was \"zstd\", now \"snappy\""));
    EXPECT_THAT(IdentityDifferences(OutputIdentity(a, {}, model), OutputIdentity(a, {}, JsonValue::String("n"))),
                ElementsAre("model: was \"m\", now \"n\""));
}

TEST(Manifest, RoundTripsExactly) {
    testing::TempDir dir;
    RunManifest manifest;
    manifest.identity = JsonValue::Object();
    manifest.identity.Set("seq_len", JsonValue::Integer(128));
    manifest.shards.push_back(CommittedShard{"train_00000", "data/train_00000-00000-of-00001.parquet", 5, 123, "ab"});
    manifest.rows = 5;
    manifest.last_row = RowOrigin{12, 3, 7};
    dataset::NormStatistics stats(3);
    const std::uint16_t row[3] = {0x3f80, 0xc000, 0x3e4d};  // 1, -2, 0.2001953125
    stats.AddRow(row);
    manifest.statistics.push_back(stats);
    manifest.complete = true;
    manifest.stopped_by = "--max-tokens";
    const std::string path = ManifestPath(dir.path());
    ASSERT_TRUE(SaveManifest(path, manifest).ok());
    Result<RunManifest> loaded = LoadManifest(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->rows, 5);
    EXPECT_EQ(loaded->last_row, (RowOrigin{12, 3, 7}));
    EXPECT_EQ(loaded->shards[0].sha256, "ab");
    EXPECT_TRUE(loaded->complete);
    EXPECT_EQ(loaded->stopped_by, "--max-tokens");
    EXPECT_EQ(SerializeJson(loaded->statistics[0].ToJson()), SerializeJson(stats.ToJson()));
    EXPECT_EQ(SerializeJson(loaded->identity), SerializeJson(manifest.identity));
}

TEST(Manifest, MalformedFilesNameTheField) {
    testing::TempDir dir;
    const std::string path = dir.File("manifest.json");
    EXPECT_EQ(LoadManifest(path).status().code(), StatusCode::kNotFound);
    testing::WriteFile(path, "{\"version\": 1, \"complete\": false");
    EXPECT_THAT(LoadManifest(path).status().message(), HasSubstr("manifest.json"));
    testing::WriteFile(path, "{\"version\": 1, \"complete\": false, \"stopped_by\": \"\", \"rows\": \"5\"}");
    EXPECT_THAT(LoadManifest(path).status().message(), HasSubstr("field 'rows'"));
    testing::WriteFile(path, "{\"version\": 2}");
    EXPECT_THAT(LoadManifest(path).status().message(), HasSubstr("version 2"));
}

TEST(Progress, LineShowsCountsRateAndEta) {
    RunCounters counters;
    counters.records = 1200;
    counters.documents_kept = 1000;
    counters.windows = 300;
    counters.forward_tokens = 40000;
    counters.rows = 25000;
    counters.shards = 2;
    const std::string line = ProgressPrinter::Line(counters, 20.0, ProgressTarget{100000, -1}, 0);
    EXPECT_THAT(line, HasSubstr("docs 1.2k read / 1k kept"));
    EXPECT_THAT(line, HasSubstr("2k tok/s"));
    EXPECT_THAT(line, HasSubstr("rows 25k"));
    EXPECT_THAT(line, HasSubstr("shards 2"));
    EXPECT_THAT(line, HasSubstr("ETA 1m00s"));  // a quarter done in 20 s
    EXPECT_THAT(ProgressPrinter::Line(counters, 20.0, ProgressTarget{}, 0), ::testing::Not(HasSubstr("ETA")));
}

}  // namespace
}  // namespace actcache::pipeline
