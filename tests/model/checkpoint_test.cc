#include "model/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "model/safetensors_writer.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;

// Every byte of tensor `name` is derived from the name, so a view read back from the wrong
// shard or offset shows up as wrong contents.
std::byte ExpectedByte(const std::string& name, std::size_t byte_idx) {
    return static_cast<std::byte>(name.size() * 13 + name.back() + byte_idx);
}

void WriteShard(const std::string& path, const std::vector<TensorSpec>& specs) {
    Status status = WriteSafetensors(
        path, specs, {{"format", "pt"}},
        [&](std::size_t tensor_idx, std::int64_t offset, std::span<std::byte> out) {
            for (std::size_t byte_idx = 0; byte_idx < out.size(); ++byte_idx) {
                out[byte_idx] = ExpectedByte(specs[tensor_idx].name,
                                             static_cast<std::size_t>(offset) + byte_idx);
            }
        });
    ASSERT_TRUE(status.ok()) << status.message();
}

void ExpectContents(const Checkpoint& checkpoint, const std::string& name,
                    const std::vector<std::int64_t>& shape) {
    Result<TensorView> view = checkpoint.Get(name);
    ASSERT_TRUE(view.ok()) << view.status().message();
    EXPECT_EQ(view->name, name);
    EXPECT_EQ(view->shape, shape);
    ASSERT_EQ(static_cast<std::int64_t>(view->bytes.size()),
              view->numel() * DtypeSizeBytes(view->dtype));
    for (std::size_t byte_idx = 0; byte_idx < view->bytes.size(); ++byte_idx) {
        ASSERT_EQ(view->bytes[byte_idx], ExpectedByte(name, byte_idx)) << name << " " << byte_idx;
    }
}

const std::vector<TensorSpec> kShard1 = {
    {"model.embed_tokens.weight", Dtype::kBF16, {8, 4}},
    {"model.layers.0.mlp.up_proj.weight", Dtype::kF32, {3, 4}}};
const std::vector<TensorSpec> kShard2 = {{"model.norm.weight", Dtype::kBF16, {4}},
                                         {"lm_head.weight", Dtype::kF16, {8, 4}}};
constexpr const char* kShard1Name = "model-00001-of-00002.safetensors";
constexpr const char* kShard2Name = "model-00002-of-00002.safetensors";

// An index in the layout transformers writes.
const std::string kIndex = R"({
  "metadata": {"total_size": 216},
  "weight_map": {
    "lm_head.weight": "model-00002-of-00002.safetensors",
    "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
    "model.layers.0.mlp.up_proj.weight": "model-00001-of-00002.safetensors",
    "model.norm.weight": "model-00002-of-00002.safetensors"
  }
})";

class CheckpointTest : public ::testing::Test {
protected:
    void WriteShardedCheckpoint(const std::string& index = kIndex) {
        WriteShard(dir_.File(kShard1Name), kShard1);
        WriteShard(dir_.File(kShard2Name), kShard2);
        testing::WriteFile(dir_.File(kIndexFileName), index);
    }
    std::string IndexPath() const { return dir_.File(kIndexFileName); }

    testing::TempDir dir_;
};

TEST_F(CheckpointTest, OpensASingleFile) {
    WriteShard(dir_.File(kSingleFileName), kShard1);
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    EXPECT_EQ((*checkpoint)->model_dir(), dir_.path());
    ExpectContents(**checkpoint, "model.embed_tokens.weight", {8, 4});
    ExpectContents(**checkpoint, "model.layers.0.mlp.up_proj.weight", {3, 4});
    std::vector<const TensorView*> all = (*checkpoint)->tensors();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0]->name, "model.embed_tokens.weight");
    EXPECT_EQ(all[1]->name, "model.layers.0.mlp.up_proj.weight");
    EXPECT_EQ((*checkpoint)->Find("model.embed_tokens.weight"), all[0]);
}

TEST_F(CheckpointTest, GetNamesTheFolderAndTensorWhenAbsent) {
    WriteShard(dir_.File(kSingleFileName), kShard1);
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    Result<TensorView> missing = (*checkpoint)->Get("model.norm.weight");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(missing.status().message(), dir_.path() + ": tensor 'model.norm.weight' not found");
    EXPECT_EQ((*checkpoint)->Find("model.norm.weight"), nullptr);
}

TEST_F(CheckpointTest, ShardedCheckpointFindsEveryTensor) {
    WriteShardedCheckpoint();
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    for (const auto* shard : {&kShard1, &kShard2}) {
        for (const TensorSpec& spec : *shard) ExpectContents(**checkpoint, spec.name, spec.shape);
    }
    // Shard by shard, each in file order.
    std::vector<std::string> names;
    for (const TensorView* view : (*checkpoint)->tensors()) names.push_back(view->name);
    EXPECT_EQ(names, (std::vector<std::string>{"model.embed_tokens.weight",
                                               "model.layers.0.mlp.up_proj.weight",
                                               "model.norm.weight", "lm_head.weight"}));
}

TEST_F(CheckpointTest, IndexTakesPrecedenceOverASingleFile) {
    WriteShardedCheckpoint();
    WriteShard(dir_.File(kSingleFileName), {{"stale", Dtype::kU8, {1}}});
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    EXPECT_EQ((*checkpoint)->Find("stale"), nullptr);
    EXPECT_EQ((*checkpoint)->tensors().size(), 4u);
}

TEST_F(CheckpointTest, IgnoresTensorsTheIndexDoesNotList) {
    WriteShard(dir_.File(kShard1Name), {kShard1[0], {"unlisted", Dtype::kU8, {3}}, kShard1[1]});
    WriteShard(dir_.File(kShard2Name), kShard2);
    testing::WriteFile(IndexPath(), kIndex);
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    EXPECT_EQ((*checkpoint)->Find("unlisted"), nullptr);
    EXPECT_EQ((*checkpoint)->tensors().size(), 4u);
    ExpectContents(**checkpoint, "model.layers.0.mlp.up_proj.weight", {3, 4});
}

TEST_F(CheckpointTest, IndexNamingAMissingShardFileIsNotFound) {
    WriteShard(dir_.File(kShard1Name), kShard1);
    testing::WriteFile(IndexPath(), kIndex);  // shard 2 was never written
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(IndexPath()));
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(kShard2Name));
}

TEST_F(CheckpointTest, IndexListingATensorItsShardLacksIsCorruption) {
    WriteShard(dir_.File(kShard1Name), {kShard1[0]});  // no up_proj
    WriteShard(dir_.File(kShard2Name), kShard2);
    testing::WriteFile(IndexPath(), kIndex);
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(IndexPath()));
    EXPECT_THAT(checkpoint.status().message(), HasSubstr("'model.layers.0.mlp.up_proj.weight'"));
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(kShard1Name));
}

TEST_F(CheckpointTest, TensorInTwoShardsIsCorruption) {
    WriteShard(dir_.File(kShard1Name), kShard1);
    WriteShard(dir_.File(kShard2Name), {kShard2[0], kShard2[1], kShard1[0]});
    testing::WriteFile(IndexPath(), kIndex);
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption);
    const std::string& message = checkpoint.status().message();
    EXPECT_THAT(message, HasSubstr(IndexPath()));
    EXPECT_THAT(message, HasSubstr("'model.embed_tokens.weight'"));
    EXPECT_THAT(message, HasSubstr(kShard1Name));
    EXPECT_THAT(message, HasSubstr(kShard2Name));
}

TEST_F(CheckpointTest, MalformedIndexJsonIsCorruption) {
    WriteShardedCheckpoint(R"({"weight_map": {"a": "model-00001-of-00002.safetensors",})");
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(IndexPath() + ": line 1, column"));
}

TEST_F(CheckpointTest, DuplicateTensorInIndexIsCorruption) {
    WriteShardedCheckpoint(R"({"weight_map": {
        "model.norm.weight": "model-00002-of-00002.safetensors",
        "model.norm.weight": "model-00001-of-00002.safetensors"}})");
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(checkpoint.status().message(), HasSubstr("duplicate"));
}

TEST_F(CheckpointTest, WeightMapMustBeAnObjectOfStrings) {
    for (const char* index : {R"({"metadata": {}})", R"({"weight_map": ["a"]})", R"([1])",
                              R"({"weight_map": {"model.norm.weight": 2}})"}) {
        WriteShardedCheckpoint(index);
        auto checkpoint = Checkpoint::Open(dir_.path());
        ASSERT_FALSE(checkpoint.ok()) << index;
        EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption) << index;
        EXPECT_THAT(checkpoint.status().message(), HasSubstr(IndexPath())) << index;
    }
}

TEST_F(CheckpointTest, ShardNamesMustStayInTheModelFolder) {
    const std::vector<std::string> bad_names = {
        "../model.safetensors", "..", ".", "", "sub/x.safetensors", "x\\u0000.safetensors"};
    for (const std::string& shard : bad_names) {
        WriteShardedCheckpoint(R"({"weight_map": {"model.norm.weight": ")" + shard + "\"}}");
        auto checkpoint = Checkpoint::Open(dir_.path());
        ASSERT_FALSE(checkpoint.ok()) << shard;
        EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption) << shard;
        EXPECT_THAT(checkpoint.status().message(), HasSubstr("'model.norm.weight'")) << shard;
        EXPECT_THAT(checkpoint.status().message(), HasSubstr("not a file name")) << shard;
    }
}

TEST_F(CheckpointTest, CorruptShardNamesTheShardFile) {
    WriteShardedCheckpoint();
    testing::WriteFile(dir_.File(kShard2Name), "short");
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(checkpoint.status().message(), HasSubstr(dir_.File(kShard2Name) + ": "));
}

TEST_F(CheckpointTest, EmptyFolderIsNotFound) {
    auto checkpoint = Checkpoint::Open(dir_.path());
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_EQ(checkpoint.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(checkpoint.status().message(),
              dir_.path() + ": no model.safetensors or model.safetensors.index.json");
}

}  // namespace
}  // namespace actcache::model
