#include "model/llama_weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "model/presets.h"
#include "model/safetensors_writer.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;

// reference/llama32-spec.md §2, written out here from the spec table, not from our code.
const std::map<std::string, std::vector<std::int64_t>> kSpecPerLayer = {
    {"input_layernorm.weight", {2048}},
    {"self_attn.q_proj.weight", {2048, 2048}},
    {"self_attn.k_proj.weight", {512, 2048}},
    {"self_attn.v_proj.weight", {512, 2048}},
    {"self_attn.o_proj.weight", {2048, 2048}},
    {"post_attention_layernorm.weight", {2048}},
    {"mlp.gate_proj.weight", {8192, 2048}},
    {"mlp.up_proj.weight", {8192, 2048}},
    {"mlp.down_proj.weight", {2048, 8192}},
};

TEST(LlamaWeightsTest, Llama32OneBInventoryMatchesTheSpecTable) {
    Result<LlamaConfig> config = PresetConfig("llama-3.2-1b");
    ASSERT_TRUE(config.ok());
    std::vector<TensorSpec> inventory = LlamaTensorInventory(*config, Dtype::kBF16);
    ASSERT_EQ(inventory.size(), 146u);

    std::map<std::string, std::vector<std::int64_t>> expected;
    expected["model.embed_tokens.weight"] = {128256, 2048};
    expected["model.norm.weight"] = {2048};
    for (int layer = 0; layer < 16; ++layer) {
        for (const auto& [suffix, shape] : kSpecPerLayer) {
            expected["model.layers." + std::to_string(layer) + "." + suffix] = shape;
        }
    }
    std::map<std::string, std::vector<std::int64_t>> got;
    std::int64_t parameters = 0;
    for (const TensorSpec& spec : inventory) {
        got[spec.name] = spec.shape;
        parameters += spec.numel();
        EXPECT_EQ(spec.dtype, Dtype::kBF16);
    }
    EXPECT_EQ(got, expected);  // includes: no lm_head.weight (tied embeddings)
    EXPECT_EQ(parameters, 1'235'814'400);
    EXPECT_EQ(LlamaParameterCount(*config), 1'235'814'400);
    EXPECT_EQ(parameters * 2, 2'471'628'800);  // bytes of tensor data in bf16
}

TEST(LlamaWeightsTest, InventoryIsSortedByName) {
    auto config = PresetConfig("llama-3.2-1b");
    ASSERT_TRUE(config.ok());
    auto inventory = LlamaTensorInventory(*config, Dtype::kBF16);
    for (std::size_t i = 1; i < inventory.size(); ++i) {
        EXPECT_LT(inventory[i - 1].name, inventory[i].name);
    }
}

TEST(LlamaWeightsTest, UntiedEmbeddingsAddLmHead) {
    auto config = PresetConfig("tiny");
    ASSERT_TRUE(config.ok());
    config->tie_word_embeddings = false;
    auto inventory = LlamaTensorInventory(*config, Dtype::kF32);
    auto it = std::find_if(inventory.begin(), inventory.end(),
                           [](const TensorSpec& s) { return s.name == "lm_head.weight"; });
    ASSERT_NE(it, inventory.end());
    EXPECT_EQ(it->shape, (std::vector<std::int64_t>{512, 64}));
}

class CheckLlamaCheckpointTest : public ::testing::Test {
protected:
    void WriteCheckpoint(std::vector<TensorSpec> specs) {
        ASSERT_TRUE(WriteSafetensors(dir_.File("model.safetensors"), specs, {},
                                     [](std::size_t, std::int64_t, std::span<std::byte> out) {
                                         std::fill(out.begin(), out.end(), std::byte{0});
                                     })
                        .ok());
    }
    Status Check() {
        auto checkpoint = Checkpoint::Open(dir_.path());
        EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().message();
        return checkpoint.ok() ? CheckLlamaCheckpoint(**checkpoint, config_) : checkpoint.status();
    }

    testing::TempDir dir_;
    LlamaConfig config_ = *PresetConfig("tiny");
};

TEST_F(CheckLlamaCheckpointTest, AcceptsTheFullInventory) {
    WriteCheckpoint(LlamaTensorInventory(config_, Dtype::kBF16));
    EXPECT_TRUE(Check().ok());
}

TEST_F(CheckLlamaCheckpointTest, NamesAMissingTensorAndCountsTheRest) {
    auto specs = LlamaTensorInventory(config_, Dtype::kBF16);
    std::erase_if(specs, [](const TensorSpec& s) { return s.name.find("layers.3.") != std::string::npos; });
    WriteCheckpoint(specs);
    Status status = Check();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("tensor 'model.layers.3.input_layernorm.weight' is missing (and 8 more)"));
}

TEST_F(CheckLlamaCheckpointTest, NamesAWrongShape) {
    auto specs = LlamaTensorInventory(config_, Dtype::kBF16);
    for (TensorSpec& spec : specs) {
        if (spec.name == "model.layers.2.mlp.up_proj.weight") spec.shape = {16, 64};
    }
    WriteCheckpoint(specs);
    EXPECT_THAT(Check().message(),
                HasSubstr("tensor 'model.layers.2.mlp.up_proj.weight' has shape [16, 64], "
                          "config.json implies [192, 64]"));
}

TEST_F(CheckLlamaCheckpointTest, RejectsNonFloatDtype) {
    auto specs = LlamaTensorInventory(config_, Dtype::kBF16);
    specs[0].dtype = Dtype::kI16;
    WriteCheckpoint(specs);
    EXPECT_THAT(Check().message(), HasSubstr("has dtype I16, expected BF16, F16 or F32"));
}

}  // namespace
}  // namespace actcache::model
