// `actcache make-model` as a user runs it: the folder it writes must be a loadable HF model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/json.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llama_weights.h"
#include "model/presets.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;
using testing::RunActcache;

TEST(MakeModelCommandTest, WritesACompleteTinyModelAndPrintsASummary) {
    testing::TempDir dir;
    const std::string out = dir.File("model");
    auto result = RunActcache({"make-model", "--preset", "tiny", "--seed", "3", "--out", out});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json",
                             "tokenizer_config.json"}) {
        EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
    }
    EXPECT_THAT(result.stdout_text, HasSubstr("parameters"));
    EXPECT_THAT(result.stdout_text, HasSubstr("layers        4"));

    auto config = model::LoadLlamaConfig(out + "/config.json");
    ASSERT_TRUE(config.ok()) << config.status().message();
    EXPECT_EQ(config->num_key_value_heads, 2);
    EXPECT_EQ(config->rope_scaling.type, model::RopeScalingType::kLlama3);
    auto checkpoint = model::Checkpoint::Open(out);
    ASSERT_TRUE(checkpoint.ok());
    EXPECT_TRUE(model::CheckLlamaCheckpoint(**checkpoint, *config).ok());
    EXPECT_EQ((*checkpoint)->tensors().front()->dtype, model::Dtype::kBF16);
}

TEST(MakeModelCommandTest, SameSeedSameBytesAcrossRunsAndThreadCounts) {
    testing::TempDir dir;
    ASSERT_EQ(RunActcache({"make-model", "--seed", "9", "--threads", "1", "--out", dir.File("a")}).exit_code, 0);
    ASSERT_EQ(RunActcache({"make-model", "--seed", "9", "--threads", "2", "--out", dir.File("b")}).exit_code, 0);
    ASSERT_EQ(RunActcache({"make-model", "--seed", "10", "--out", dir.File("c")}).exit_code, 0);
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json"}) {
        EXPECT_TRUE(testing::ReadFile(dir.File("a/") + file) == testing::ReadFile(dir.File("b/") + file))
            << file;
    }
    EXPECT_FALSE(testing::ReadFile(dir.File("a/model.safetensors")) ==
                 testing::ReadFile(dir.File("c/model.safetensors")));
}

TEST(MakeModelCommandTest, ConfigFileDtypeAndTokenizerOptions) {
    testing::TempDir dir;
    // A user's config: untied, no rope scaling, MHA, eos as a list.
    testing::WriteFile(dir.File("config.json"), R"({
      "architectures": ["LlamaForCausalLM"], "model_type": "llama",
      "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 2, "max_position_embeddings": 128, "vocab_size": 300,
      "rms_norm_eps": 1e-6, "tie_word_embeddings": false,
      "bos_token_id": 298, "eos_token_id": [299], "torch_dtype": "bfloat16"})");
    const std::string out = dir.File("m");
    auto result = RunActcache({"make-model", "--config", dir.File("config.json"), "--dtype", "f32",
                               "--out", out});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    auto config = model::LoadLlamaConfig(out + "/config.json");
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->dtype, model::ConfigDtype::kFloat32);
    EXPECT_EQ(config->head_dim, 16);
    auto checkpoint = model::Checkpoint::Open(out);
    ASSERT_TRUE(checkpoint.ok());
    ASSERT_NE((*checkpoint)->Find("lm_head.weight"), nullptr);
    EXPECT_EQ((*checkpoint)->Find("lm_head.weight")->dtype, model::Dtype::kF32);

    // --tokenizer: copy the tokenizer of the first model into a new one; vocab follows it.
    const std::string out2 = dir.File("m2");
    result = RunActcache({"make-model", "--preset", "tiny", "--tokenizer",
                          out + "/tokenizer.json", "--out", out2});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_EQ(testing::ReadFile(out + "/tokenizer.json"), testing::ReadFile(out2 + "/tokenizer.json"));
    auto config2 = model::LoadLlamaConfig(out2 + "/config.json");
    ASSERT_TRUE(config2.ok());
    EXPECT_EQ(config2->vocab_size, 300);
    EXPECT_EQ(config2->bos_token_ids, std::vector<std::int64_t>{298});
    EXPECT_EQ(config2->eos_token_ids, std::vector<std::int64_t>{299});
}

TEST(MakeModelCommandTest, BadConfigFileIsOneLineNamingFileAndPlace) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("config.json"), "{\n  \"hidden_size\": 64,\n  oops\n}");
    auto result = RunActcache({"make-model", "--config", dir.File("config.json"), "--out", dir.File("m")});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text, HasSubstr("config.json: line 3"));
    EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1);

    testing::WriteFile(dir.File("c2.json"), R"({"hidden_size": 64, "intermediate_size": 128,
      "num_hidden_layers": 1, "num_attention_heads": 3, "max_position_embeddings": 64,
      "vocab_size": 512})");
    result = RunActcache({"make-model", "--config", dir.File("c2.json"), "--out", dir.File("m")});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text, HasSubstr("c2.json"));
    EXPECT_THAT(result.stderr_text, HasSubstr("num_attention_heads"));
}

TEST(MakeModelCommandTest, UnwritableOutputIsAClearError) {
    auto result = RunActcache({"make-model", "--out", "/proc/actcache-cannot-write-here"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text, HasSubstr("/proc/actcache-cannot-write-here"));
}

}  // namespace
}  // namespace actcache
