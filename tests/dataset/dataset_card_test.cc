#include "dataset/dataset_card.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/json.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

// A shard in data/ itself, named as push_to_hub names it.
ShardInfo FlatShard(const std::string& split, std::int64_t rows, std::int64_t file_bytes) {
    return ShardInfo{split, "data/" + split + "-00000-of-00001.parquet", rows, file_bytes};
}

// The exact README datasets writes for one split of 1000 rows (reference/hf-formats-and-hub.md
// §A.3, column "acts", sizes as in that example).
// The card's front matter as the npm `yaml` parser reads it (tests/oracles/parse_yaml.mjs).
Result<JsonValue> ParseCardWithYamlOracle(const testing::TempDir& dir, const CardOptions& options) {
    testing::WriteFile(dir.File("README.md"), BuildDatasetCard(options));
    const std::string command = "cd " + std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles && node parse_yaml.mjs " +
                                dir.File("README.md") + " > " + dir.File("card.json");
    if (std::system(command.c_str()) != 0) return Status::Internal("parse_yaml.mjs failed");
    return ParseJson(testing::ReadFile(dir.File("card.json")));
}

TEST(DatasetCardTest, OneConfigCardIsExactlyWhatDatasetsWrites) {
    CardOptions options;
    options.columns = {{"acts", 2048}};
    options.shards = {FlatShard("train_00000", 1000, 3171234)};
    options.all_config = false;
    EXPECT_EQ("---\n" + BuildCardYaml(options) + "---\n",
              "---\n"
              "dataset_info:\n"
              "  features:\n"
              "  - name: doc_id\n"
              "    dtype: int64\n"
              "  - name: tok_pos\n"
              "    dtype: int32\n"
              "  - name: token_id\n"
              "    dtype: int32\n"
              "  - name: acts\n"
              "    list: uint16\n"
              "    length: 2048\n"
              "  splits:\n"
              "  - name: train_00000\n"
              "    num_bytes: 4112000\n"
              "    num_examples: 1000\n"
              "  download_size: 3171234\n"
              "  dataset_size: 4112000\n"
              "configs:\n"
              "- config_name: default\n"
              "  data_files:\n"
              "  - split: train_00000\n"
              "    path: data/train_00000-*\n"
              "---\n");
}

// The two-config card read by an independent YAML parser (npm yaml, strict, unique keys).
TEST(DatasetCardTest, TwoConfigCardParsesToTheSplitsAndSizes) {
    testing::TempDir dir;
    CardOptions options;
    options.columns = {{"activacion", 2048}, {"mlp_in", 8192}};
    options.shards = {FlatShard("train_00000", 50000, 1000), FlatShard("train_00001", 50000, 2000), FlatShard("train_00002", 1234, 30)};
    options.facts = {{"Model", "meta-llama/Llama-3.2-1B"}};
    options.hook_sites = {"model.layers.8.mlp", "model.layers.8.mlp.down_proj:input"};
    const Result<JsonValue> card = ParseCardWithYamlOracle(dir, options);
    ASSERT_TRUE(card.ok()) << card.status().message();
    const std::int64_t row_bytes = 8 + 4 + 4 + 2 * 2048 + 2 * 8192;
    const auto& infos = card->Find("dataset_info")->items();
    ASSERT_EQ(infos.size(), 2u);
    EXPECT_EQ(infos[0].Find("config_name")->as_string(), "all");
    EXPECT_EQ(infos[0].members()[0].first, "features");  // datasets' key order
    EXPECT_EQ(infos[0].members()[1].first, "config_name");
    const auto& all_splits = infos[0].Find("splits")->items();
    ASSERT_EQ(all_splits.size(), 1u);
    EXPECT_EQ(all_splits[0].Find("name")->as_string(), "train");
    EXPECT_EQ(all_splits[0].Find("num_examples")->as_int64(), 101234);
    EXPECT_EQ(infos[0].Find("dataset_size")->as_int64(), 101234 * row_bytes);
    EXPECT_EQ(infos[0].Find("download_size")->as_int64(), 3030);
    EXPECT_EQ(infos[1].Find("config_name")->as_string(), "default");
    const auto& splits = infos[1].Find("splits")->items();
    ASSERT_EQ(splits.size(), 3u);
    EXPECT_EQ(splits[2].Find("name")->as_string(), "train_00002");
    EXPECT_EQ(splits[2].Find("num_examples")->as_int64(), 1234);
    EXPECT_EQ(splits[2].Find("num_bytes")->as_int64(), 1234 * row_bytes);
    const auto& features = infos[1].Find("features")->items();
    ASSERT_EQ(features.size(), 5u);
    EXPECT_EQ(features[4].Find("name")->as_string(), "mlp_in");
    EXPECT_EQ(features[4].Find("list")->as_string(), "uint16");
    EXPECT_EQ(features[4].Find("length")->as_int64(), 8192);
    const auto& configs = card->Find("configs")->items();
    ASSERT_EQ(configs.size(), 2u);
    EXPECT_EQ(configs[0].Find("data_files")->items()[0].Find("path")->as_string(), "data/train_*");
    EXPECT_EQ(configs[1].Find("data_files")->items()[1].Find("path")->as_string(), "data/train_00001-*");
    const std::string text = BuildDatasetCard(options);
    EXPECT_THAT(text, HasSubstr("| Model | meta-llama/Llama-3.2-1B |"));
    EXPECT_THAT(text, HasSubstr("view(torch.bfloat16)"));
    EXPECT_THAT(text, HasSubstr("`model.layers.8.mlp.down_proj:input`"));
}

// Shards fanned out into sub-folders of data/: each split's pattern names its folder, and the
// "all" split lists one pattern per folder (a YAML sequence under `path`).
TEST(DatasetCardTest, FannedOutShardsGetOnePatternPerFolder) {
    testing::TempDir dir;
    CardOptions options;
    options.shards = {FlatShard("train_00000", 5, 10), FlatShard("train_00001", 5, 10),
                      {"train_00002", "data/00002-00003/train_00002-00000-of-00001.parquet", 5, 10},
                      {"train_00003", "data/00002-00003/train_00003-00000-of-00001.parquet", 5, 10},
                      {"train_00004", "data/00004-00005/train_00004-00000-of-00001.parquet", 2, 10}};
    const Result<JsonValue> card = ParseCardWithYamlOracle(dir, options);
    ASSERT_TRUE(card.ok()) << card.status().message();
    const auto& configs = card->Find("configs")->items();
    ASSERT_EQ(configs.size(), 2u);
    const auto& all_paths = configs[0].Find("data_files")->items()[0].Find("path")->items();
    ASSERT_EQ(all_paths.size(), 3u);
    EXPECT_EQ(all_paths[0].as_string(), "data/train_*");
    EXPECT_EQ(all_paths[1].as_string(), "data/00002-00003/train_*");
    EXPECT_EQ(all_paths[2].as_string(), "data/00004-00005/train_*");
    const auto& splits = configs[1].Find("data_files")->items();
    ASSERT_EQ(splits.size(), 5u);
    EXPECT_EQ(splits[1].Find("path")->as_string(), "data/train_00001-*");
    EXPECT_EQ(splits[3].Find("path")->as_string(), "data/00002-00003/train_00003-*");
    EXPECT_EQ(card->Find("dataset_info")->items()[0].Find("splits")->items()[0].Find("num_examples")->as_int64(), 22);
}

// A float32 column (--dtype f32): `list: float32`, 4 bytes per value in the sizes.
TEST(DatasetCardTest, Float32ColumnsAreListsOfFloat32) {
    testing::TempDir dir;
    CardOptions options;
    options.columns = {ActivationColumn{"activacion", 2048, ActivationType::kFloat32}};
    options.shards = {FlatShard("train_00000", 10, 100)};
    const Result<JsonValue> card = ParseCardWithYamlOracle(dir, options);
    ASSERT_TRUE(card.ok()) << card.status().message();
    const JsonValue& info = card->Find("dataset_info")->items()[1];
    EXPECT_EQ(info.Find("features")->items()[3].Find("list")->as_string(), "float32");
    EXPECT_EQ(info.Find("splits")->items()[0].Find("num_bytes")->as_int64(), 10 * (16 + 4 * 2048));
    const std::string text = BuildDatasetCard(options);
    EXPECT_THAT(text, HasSubstr("dtype=torch.float32"));
    EXPECT_THAT(text, HasSubstr("| `activacion` | 2048 × float32 |"));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("bfloat16")));  // nothing to reinterpret
    EXPECT_THAT(text, ::testing::Not(HasSubstr("uint16")));
}

// A bf16 and a float32 column side by side: each its own list type, sizes 2·D + 4·D.
TEST(DatasetCardTest, MixedColumnsKeepTheirTypes) {
    CardOptions options;
    ActivationColumn f32{"resid", 16, ActivationType::kFloat32};
    options.columns = {{"acts", 8}, f32};
    options.shards = {FlatShard("train_00000", 100, 5000)};
    options.all_config = false;
    EXPECT_EQ(ArrowBytesPerRow(options.columns), 16 + 2 * 8 + 4 * 16);
    const std::string yaml = BuildCardYaml(options);
    EXPECT_THAT(yaml, HasSubstr("  - name: acts\n    list: uint16\n    length: 8\n"
                                "  - name: resid\n    list: float32\n    length: 16\n"));
    EXPECT_THAT(yaml, HasSubstr("    num_bytes: 9600\n    num_examples: 100\n"));
    const std::string text = BuildDatasetCard(options);
    EXPECT_THAT(text, HasSubstr("| `acts` | 8 × uint16 |"));
    EXPECT_THAT(text, HasSubstr("| `resid` | 16 × float32 |"));
}

// A save_to_disk output: the body alone (Hub configs would name Parquet files that do not
// exist), loading with load_from_disk.
TEST(DatasetCardTest, SaveToDiskCardHasNoFrontMatter) {
    CardOptions options;
    options.layout = CardLayout::kSaveToDisk;
    options.columns = {{"activacion", 64}};
    options.shards = {FlatShard("train_00000", 400, 5000), FlatShard("train_00001", 12, 300)};
    const std::string text = BuildDatasetCard(options);
    EXPECT_TRUE(text.starts_with("# Activation dataset\n"));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("configs:")));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("load_dataset")));
    EXPECT_THAT(text, HasSubstr("412 rows in 2 shards"));
    EXPECT_THAT(text, HasSubstr("shard = load_from_disk(\"OUT/train_00000\")"));
    EXPECT_THAT(text, HasSubstr("for i in range(2)])"));
}

}  // namespace
}  // namespace actcache::dataset
