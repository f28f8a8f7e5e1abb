// Tests of config.json parsing, validation and writing. The Llama-3.2-1B config.json below is
// written out from reference/llama32-spec.md §1 (the file transformers ships), so both the parser
// and the writer are checked against an independent text, not only against each other.
#include "model/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// meta-llama/Llama-3.2-1B config.json, value for value from llama32-spec.md §1, laid out as
// transformers writes it (json.dumps(indent=2, sort_keys=True)).
constexpr std::string_view kLlama32OneBJson = R"({
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": 128001,
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 8192,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 16,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
})";

// The smallest config.json the parser accepts: only the required keys.
constexpr std::string_view kMinimalJson = R"({
  "hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2,
  "num_attention_heads": 4, "max_position_embeddings": 256, "vocab_size": 512
})";

JsonValue Json(std::string_view text) {
    Result<JsonValue> json = ParseJson(text);
    EXPECT_TRUE(json.ok()) << json.status().ToString() << "\n" << text;
    return json.ok() ? *json : JsonValue();
}

// The minimal config with `key` set to the JSON value `value_text`.
JsonValue MinimalWith(const std::string& key, std::string_view value_text) {
    JsonValue json = Json(kMinimalJson);
    json.Set(key, Json(value_text));
    return json;
}

// `json` without `key` (JsonValue has no erase: copy the other members).
JsonValue Without(const JsonValue& json, std::string_view key) {
    JsonValue out = JsonValue::Object();
    for (const auto& [name, value] : json.members()) {
        if (name != key) out.Set(name, value);
    }
    return out;
}

std::vector<std::int64_t> Ids(std::vector<std::int64_t> ids) { return ids; }

Result<LlamaConfig> ParseText(std::string_view text) { return ParseLlamaConfig(Json(text)); }

void ExpectConfigsEqual(const LlamaConfig& actual, const LlamaConfig& expected) {
    EXPECT_EQ(actual.hidden_size, expected.hidden_size);
    EXPECT_EQ(actual.intermediate_size, expected.intermediate_size);
    EXPECT_EQ(actual.num_hidden_layers, expected.num_hidden_layers);
    EXPECT_EQ(actual.num_attention_heads, expected.num_attention_heads);
    EXPECT_EQ(actual.num_key_value_heads, expected.num_key_value_heads);
    EXPECT_EQ(actual.head_dim, expected.head_dim);
    EXPECT_EQ(actual.rms_norm_eps, expected.rms_norm_eps);
    EXPECT_EQ(actual.rope_theta, expected.rope_theta);
    EXPECT_EQ(actual.rope_scaling.type, expected.rope_scaling.type);
    EXPECT_EQ(actual.rope_scaling.factor, expected.rope_scaling.factor);
    EXPECT_EQ(actual.rope_scaling.low_freq_factor, expected.rope_scaling.low_freq_factor);
    EXPECT_EQ(actual.rope_scaling.high_freq_factor, expected.rope_scaling.high_freq_factor);
    EXPECT_EQ(actual.rope_scaling.original_max_position_embeddings,
              expected.rope_scaling.original_max_position_embeddings);
    EXPECT_EQ(actual.max_position_embeddings, expected.max_position_embeddings);
    EXPECT_EQ(actual.vocab_size, expected.vocab_size);
    EXPECT_EQ(actual.tie_word_embeddings, expected.tie_word_embeddings);
    EXPECT_EQ(actual.bos_token_ids, expected.bos_token_ids);
    EXPECT_EQ(actual.eos_token_ids, expected.eos_token_ids);
    EXPECT_EQ(actual.dtype, expected.dtype);
    EXPECT_EQ(actual.initializer_range, expected.initializer_range);
}

// ToJson -> text (Python's indent=2 layout) -> ParseJson -> ParseLlamaConfig.
LlamaConfig RoundTrip(const LlamaConfig& config) {
    Result<LlamaConfig> parsed = ParseText(SerializeJson(LlamaConfigToJson(config), 2));
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return parsed.ok() ? *parsed : LlamaConfig{};
}

// Asserts that parsing fails with `code` and a message containing `key`.
void ExpectError(const JsonValue& json, StatusCode code, std::string_view key) {
    Result<LlamaConfig> config = ParseLlamaConfig(json);
    ASSERT_FALSE(config.ok()) << "accepted: " << SerializeJson(json);
    EXPECT_EQ(config.status().code(), code) << config.status().ToString();
    EXPECT_THAT(config.status().message(), HasSubstr(std::string(key)));
}

// ---------------------------------------------------------------------------------------------
// Parsing valid configs

TEST(LlamaConfigTest, ParsesLlama32OneBConfigJson) {
    Result<LlamaConfig> config = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->hidden_size, 2048);
    EXPECT_EQ(config->intermediate_size, 8192);
    EXPECT_EQ(config->num_hidden_layers, 16);
    EXPECT_EQ(config->num_attention_heads, 32);
    EXPECT_EQ(config->num_key_value_heads, 8);
    EXPECT_EQ(config->head_dim, 64);
    EXPECT_EQ(config->rms_norm_eps, 1e-5);
    EXPECT_EQ(config->rope_theta, 500000.0);
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kLlama3);
    EXPECT_EQ(config->rope_scaling.factor, 32.0);
    EXPECT_EQ(config->rope_scaling.low_freq_factor, 1.0);
    EXPECT_EQ(config->rope_scaling.high_freq_factor, 4.0);
    EXPECT_EQ(config->rope_scaling.original_max_position_embeddings, 8192);
    EXPECT_EQ(config->max_position_embeddings, 131072);
    EXPECT_EQ(config->vocab_size, 128256);
    EXPECT_TRUE(config->tie_word_embeddings);
    EXPECT_EQ(config->bos_token_ids, Ids({128000}));
    EXPECT_EQ(config->eos_token_ids, Ids({128001}));
    EXPECT_EQ(config->dtype, ConfigDtype::kBfloat16);
    EXPECT_EQ(config->initializer_range, 0.02);
}

TEST(LlamaConfigTest, MinimalConfigGetsTransformersDefaults) {
    Result<LlamaConfig> config = ParseText(kMinimalJson);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->num_key_value_heads, 4);  // = num_attention_heads
    EXPECT_EQ(config->head_dim, 16);            // = 64 / 4
    EXPECT_EQ(config->rms_norm_eps, 1e-6);
    EXPECT_EQ(config->rope_theta, 10000.0);
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kNone);
    EXPECT_FALSE(config->tie_word_embeddings);
    EXPECT_TRUE(config->bos_token_ids.empty());
    EXPECT_TRUE(config->eos_token_ids.empty());
    EXPECT_EQ(config->dtype, ConfigDtype::kBfloat16);
    EXPECT_EQ(config->initializer_range, 0.02);
}

TEST(LlamaConfigTest, DerivesHeadDimWhenAbsentOrNull) {
    JsonValue json = Without(Json(kLlama32OneBJson), "head_dim");
    Result<LlamaConfig> absent = ParseLlamaConfig(json);
    ASSERT_TRUE(absent.ok()) << absent.status().ToString();
    EXPECT_EQ(absent->head_dim, 64);  // 2048 / 32

    Result<LlamaConfig> null = ParseLlamaConfig(MinimalWith("head_dim", "null"));
    ASSERT_TRUE(null.ok()) << null.status().ToString();
    EXPECT_EQ(null->head_dim, 16);
}

TEST(LlamaConfigTest, ExplicitHeadDimNeedNotDivideHiddenSize) {
    // Some Llama-architecture models decouple head_dim from hidden_size / heads.
    JsonValue json = MinimalWith("hidden_size", "100");
    json.Set("head_dim", JsonValue::Integer(32));
    Result<LlamaConfig> config = ParseLlamaConfig(json);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->head_dim, 32);
}

TEST(LlamaConfigTest, KeyValueHeadsDefaultToAttentionHeads) {
    Result<LlamaConfig> absent = ParseText(kMinimalJson);
    ASSERT_TRUE(absent.ok());
    EXPECT_EQ(absent->num_key_value_heads, 4);
    Result<LlamaConfig> null = ParseLlamaConfig(MinimalWith("num_key_value_heads", "null"));
    ASSERT_TRUE(null.ok()) << null.status().ToString();
    EXPECT_EQ(null->num_key_value_heads, 4);
}

TEST(LlamaConfigTest, ReadsEosTokenIdList) {
    // The -Instruct variants list several end-of-turn ids.
    Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("eos_token_id", "[501, 508, 509]"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->eos_token_ids, Ids({501, 508, 509}));
}

TEST(LlamaConfigTest, NullBosTokenIdMeansNone) {
    Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("bos_token_id", "null"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_TRUE(config->bos_token_ids.empty());
}

TEST(LlamaConfigTest, ReadsTorchDtypeAndV5DtypeKey) {
    Result<LlamaConfig> old_key = ParseLlamaConfig(MinimalWith("torch_dtype", R"("float16")"));
    ASSERT_TRUE(old_key.ok()) << old_key.status().ToString();
    EXPECT_EQ(old_key->dtype, ConfigDtype::kFloat16);

    Result<LlamaConfig> new_key = ParseLlamaConfig(MinimalWith("dtype", R"("float32")"));
    ASSERT_TRUE(new_key.ok()) << new_key.status().ToString();
    EXPECT_EQ(new_key->dtype, ConfigDtype::kFloat32);
}

TEST(LlamaConfigTest, ReadsV5RopeParameters) {
    // transformers v5 moves rope_theta into rope_parameters, next to the scaling settings.
    JsonValue json = Without(Without(Json(kLlama32OneBJson), "rope_scaling"), "rope_theta");
    json.Set("rope_parameters", Json(R"({"factor": 32.0, "high_freq_factor": 4.0,
        "low_freq_factor": 1.0, "original_max_position_embeddings": 8192,
        "rope_theta": 500000.0, "rope_type": "llama3"})"));
    Result<LlamaConfig> config = ParseLlamaConfig(json);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->rope_theta, 500000.0);
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kLlama3);
    EXPECT_EQ(config->rope_scaling.factor, 32.0);
    EXPECT_EQ(config->rope_scaling.original_max_position_embeddings, 8192);
}

TEST(LlamaConfigTest, ReadsV5DefaultRopeParameters) {
    Result<LlamaConfig> config = ParseLlamaConfig(
        MinimalWith("rope_parameters", R"({"rope_theta": 250000.0, "rope_type": "default"})"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->rope_theta, 250000.0);
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kNone);
}

TEST(LlamaConfigTest, ReadsLegacyTypeKey) {
    Result<LlamaConfig> config =
        ParseLlamaConfig(MinimalWith("rope_scaling", R"({"type": "linear", "factor": 2.0})"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kLinear);
    EXPECT_EQ(config->rope_scaling.factor, 2.0);
}

TEST(LlamaConfigTest, ReadsLinearScaling) {
    Result<LlamaConfig> config =
        ParseLlamaConfig(MinimalWith("rope_scaling", R"({"rope_type": "linear", "factor": 4})"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kLinear);
    EXPECT_EQ(config->rope_scaling.factor, 4.0);
}

TEST(LlamaConfigTest, DefaultOrNullRopeScalingMeansNone) {
    for (std::string_view scaling :
         {"null", R"({"rope_type": "default"})", R"({"type": "default"})"}) {
        Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("rope_scaling", scaling));
        ASSERT_TRUE(config.ok()) << scaling << ": " << config.status().ToString();
        EXPECT_EQ(config->rope_scaling.type, RopeScalingType::kNone) << scaling;
    }
}

TEST(LlamaConfigTest, AcceptsIntegersForFloats) {
    JsonValue json = MinimalWith("rope_theta", "500000");
    json.Set("rms_norm_eps", JsonValue::Integer(1));
    json.Set("initializer_range", JsonValue::Integer(0));
    Result<LlamaConfig> config = ParseLlamaConfig(json);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->rope_theta, 500000.0);
    EXPECT_EQ(config->rms_norm_eps, 1.0);
    EXPECT_EQ(config->initializer_range, 0.0);
}

TEST(LlamaConfigTest, IgnoresUnknownKeysAndAcceptsFalseBiases) {
    JsonValue json = MinimalWith("_name_or_path", R"("meta-llama/Llama-3.2-1B")");
    json.Set("pretraining_tp", JsonValue::Integer(1));
    json.Set("use_cache", JsonValue::Bool(true));
    json.Set("attention_bias", JsonValue::Bool(false));
    json.Set("mlp_bias", JsonValue::Bool(false));
    json.Set("hidden_act", JsonValue::String("silu"));
    json.Set("model_type", JsonValue::String("llama"));
    json.Set("quantization_config", Json(R"({"anything": [1, 2]})"));
    Result<LlamaConfig> config = ParseLlamaConfig(json);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
}

// ---------------------------------------------------------------------------------------------
// Rejected configs: each asserts the code and that the message names the key.

TEST(LlamaConfigTest, RejectsMissingRequiredKeys) {
    for (std::string_view key : {"hidden_size", "intermediate_size", "num_hidden_layers",
                                 "num_attention_heads", "max_position_embeddings", "vocab_size"}) {
        SCOPED_TRACE(key);
        JsonValue json = Without(Json(kMinimalJson), key);
        ExpectError(json, StatusCode::kInvalidArgument, std::string(key) + ": missing");
    }
}

TEST(LlamaConfigTest, RejectsStringWhereIntegerExpected) {
    Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("hidden_size", R"("abc")"));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(),
              R"(hidden_size: expected a positive integer, found string "abc")");
}

TEST(LlamaConfigTest, RejectsFloatWhereIntegerExpected) {
    ExpectError(MinimalWith("hidden_size", "64.0"), StatusCode::kInvalidArgument,
                "hidden_size: expected a positive integer, found number 64.0");
}

TEST(LlamaConfigTest, RejectsZeroAndNegativeIntegers) {
    for (std::string_view key :
         {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
          "num_key_value_heads", "head_dim", "max_position_embeddings", "vocab_size"}) {
        for (std::string_view value : {"0", "-1"}) {
            SCOPED_TRACE(std::string(key) + " = " + std::string(value));
            ExpectError(MinimalWith(std::string(key), value), StatusCode::kInvalidArgument,
                        std::string(key) + ": expected a positive integer");
        }
    }
}

TEST(LlamaConfigTest, RejectsNonPositiveFloats) {
    ExpectError(MinimalWith("rms_norm_eps", "0"), StatusCode::kInvalidArgument,
                "rms_norm_eps: must be > 0");
    ExpectError(MinimalWith("rms_norm_eps", "-1e-5"), StatusCode::kInvalidArgument,
                "rms_norm_eps: must be > 0, found -1e-05");
    ExpectError(MinimalWith("rope_theta", "0.0"), StatusCode::kInvalidArgument,
                "rope_theta: must be > 0");
    ExpectError(MinimalWith("initializer_range", "-0.02"), StatusCode::kInvalidArgument,
                "initializer_range: must be >= 0");
    ExpectError(MinimalWith("rope_theta", R"("10000")"), StatusCode::kInvalidArgument,
                R"(rope_theta: expected a number, found string "10000")");
}

TEST(LlamaConfigTest, RejectsHeadsNotDivisibleByKeyValueHeads) {
    ExpectError(MinimalWith("num_key_value_heads", "3"), StatusCode::kInvalidArgument,
                "num_key_value_heads: must be a divisor of num_attention_heads (4), found 3");
}

TEST(LlamaConfigTest, RejectsHiddenSizeNotDivisibleByHeadsWithoutHeadDim) {
    JsonValue json = MinimalWith("hidden_size", "66");
    ExpectError(json, StatusCode::kInvalidArgument, "hidden_size: 66 is not divisible");
    ExpectError(json, StatusCode::kInvalidArgument, "head_dim");
}

TEST(LlamaConfigTest, RejectsOddHeadDim) {
    ExpectError(MinimalWith("head_dim", "15"), StatusCode::kInvalidArgument,
                "head_dim: must be even");
}

TEST(LlamaConfigTest, RejectsTokenIdsOutsideVocabulary) {
    ExpectError(MinimalWith("eos_token_id", "512"), StatusCode::kInvalidArgument,
                "eos_token_id: must be in [0, vocab_size 512), found 512");
    ExpectError(MinimalWith("eos_token_id", "[511, 600]"), StatusCode::kInvalidArgument,
                "eos_token_id");
    ExpectError(MinimalWith("bos_token_id", "-1"), StatusCode::kInvalidArgument,
                "bos_token_id: expected a token id or a list of token ids, found number -1");
    ExpectError(MinimalWith("bos_token_id", R"(["1"])"), StatusCode::kInvalidArgument,
                "bos_token_id");
}

TEST(LlamaConfigTest, RejectsUnknownRopeTypeAsUnimplemented) {
    Result<LlamaConfig> config =
        ParseLlamaConfig(MinimalWith("rope_scaling", R"({"rope_type": "yarn", "factor": 4.0})"));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kUnimplemented);
    EXPECT_EQ(config.status().message(),
              R"(rope_scaling.rope_type: "yarn" is not supported (supported: default, linear, )"
              R"(llama3))");
    for (std::string_view type : {"dynamic", "longrope", "su"}) {
        SCOPED_TRACE(type);
        ExpectError(MinimalWith("rope_scaling",
                                R"({"rope_type": ")" + std::string(type) + R"(", "factor": 2.0})"),
                    StatusCode::kUnimplemented, "rope_scaling.rope_type");
    }
    ExpectError(MinimalWith("rope_scaling", R"({"type": "dynamic", "factor": 2.0})"),
                StatusCode::kUnimplemented, R"(rope_scaling.type: "dynamic")");
    ExpectError(MinimalWith("rope_parameters", R"({"rope_type": "yarn", "rope_theta": 1e4})"),
                StatusCode::kUnimplemented, "rope_parameters.rope_type");
}

TEST(LlamaConfigTest, RejectsMalformedRopeScaling) {
    ExpectError(MinimalWith("rope_scaling", R"("llama3")"), StatusCode::kInvalidArgument,
                R"(rope_scaling: expected an object or null, found string "llama3")");
    ExpectError(MinimalWith("rope_scaling", R"({"factor": 2.0})"), StatusCode::kInvalidArgument,
                "rope_scaling.rope_type: missing");
    ExpectError(MinimalWith("rope_scaling", R"({"rope_type": 3})"), StatusCode::kInvalidArgument,
                "rope_scaling.rope_type: expected a string");
    ExpectError(MinimalWith("rope_scaling", R"({"rope_type": "linear"})"),
                StatusCode::kInvalidArgument, "rope_scaling.factor: missing");
    ExpectError(MinimalWith("rope_scaling", R"({"rope_type": "linear", "factor": 0})"),
                StatusCode::kInvalidArgument, "rope_scaling.factor: must be > 0");
    ExpectError(MinimalWith("rope_parameters", R"({"rope_type": "linear", "factor": -1})"),
                StatusCode::kInvalidArgument, "rope_parameters.factor: must be > 0, found -1.0");
}

// A llama3 rope_scaling object with factor 8 and the given members appended.
JsonValue MinimalWithLlama3Scaling(std::string_view members) {
    return MinimalWith("rope_scaling",
                       R"({"rope_type": "llama3", "factor": 8.0, )" + std::string(members) + "}");
}

TEST(LlamaConfigTest, RejectsIncompleteOrInconsistentLlama3Scaling) {
    ExpectError(MinimalWithLlama3Scaling(R"("low_freq_factor": 1.0, "high_freq_factor": 4.0)"),
                StatusCode::kInvalidArgument,
                "rope_scaling.original_max_position_embeddings: missing");
    ExpectError(MinimalWithLlama3Scaling(
                    R"("high_freq_factor": 4.0, "original_max_position_embeddings": 256)"),
                StatusCode::kInvalidArgument, "rope_scaling.low_freq_factor: missing");
    ExpectError(MinimalWithLlama3Scaling(R"("low_freq_factor": 0.0, "high_freq_factor": 4.0,
                                            "original_max_position_embeddings": 256)"),
                StatusCode::kInvalidArgument, "rope_scaling.low_freq_factor: must be > 0");
    for (std::string_view high : {"1.0", "0.5"}) {
        SCOPED_TRACE(high);
        ExpectError(MinimalWithLlama3Scaling(R"("low_freq_factor": 1.0, "high_freq_factor": )" +
                                             std::string(high) +
                                             R"(, "original_max_position_embeddings": 256)"),
                    StatusCode::kInvalidArgument,
                    "rope_scaling.high_freq_factor: must be > low_freq_factor (1.0), found " +
                        std::string(high));
    }
}

TEST(LlamaConfigTest, RejectsBiasesAsUnimplemented) {
    Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("attention_bias", "true"));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kUnimplemented);
    EXPECT_EQ(config.status().message(), "attention_bias: true is not supported yet");
    ExpectError(MinimalWith("mlp_bias", "true"), StatusCode::kUnimplemented,
                "mlp_bias: true is not supported yet");
    ExpectError(MinimalWith("mlp_bias", "1"), StatusCode::kInvalidArgument,
                "mlp_bias: expected true or false");
}

TEST(LlamaConfigTest, RejectsOtherActivationsAndModelTypes) {
    ExpectError(MinimalWith("hidden_act", R"("gelu")"), StatusCode::kUnimplemented,
                R"(hidden_act: "gelu" is not supported)");
    ExpectError(MinimalWith("hidden_act", "7"), StatusCode::kInvalidArgument,
                "hidden_act: expected a string");
    ExpectError(MinimalWith("model_type", R"("mistral")"), StatusCode::kUnimplemented,
                R"(model_type: "mistral" is not supported)");
    ExpectError(MinimalWith("architectures", R"("LlamaForCausalLM")"), StatusCode::kInvalidArgument,
                "architectures: expected a list of strings");
    ExpectError(MinimalWith("architectures", "[1]"), StatusCode::kInvalidArgument, "architectures");
}

TEST(LlamaConfigTest, RejectsUnknownDtypeNamingAcceptedValues) {
    Result<LlamaConfig> config = ParseLlamaConfig(MinimalWith("torch_dtype", R"("int8")"));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(),
              R"(torch_dtype: expected one of "bfloat16", "float16", "float32", found string )"
              R"("int8")");
    ExpectError(MinimalWith("dtype", R"("float64")"), StatusCode::kInvalidArgument,
                R"(dtype: expected one of "bfloat16", "float16", "float32")");
}

TEST(LlamaConfigTest, RejectsNonBooleanTieWordEmbeddings) {
    ExpectError(MinimalWith("tie_word_embeddings", R"("yes")"), StatusCode::kInvalidArgument,
                R"(tie_word_embeddings: expected true or false, found string "yes")");
}

TEST(LlamaConfigTest, RejectsTopLevelArray) {
    ExpectError(Json("[1, 2]"), StatusCode::kInvalidArgument,
                "expected a JSON object at the top level, found array");
}

// ---------------------------------------------------------------------------------------------
// LoadLlamaConfig: errors carry the path.

TEST(LlamaConfigTest, LoadsConfigFile) {
    testing::TempDir dir;
    const std::string path = dir.File("config.json");
    testing::WriteFile(path, kLlama32OneBJson);
    Result<LlamaConfig> config = LoadLlamaConfig(path);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->vocab_size, 128256);
}

TEST(LlamaConfigTest, LoadReportsInvalidJsonWithPathAndLine) {
    testing::TempDir dir;
    const std::string path = dir.File("config.json");
    testing::WriteFile(path, "{\n  \"hidden_size\": 64,\n  oops\n}\n");
    Result<LlamaConfig> config = LoadLlamaConfig(path);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(config.status().message(), StartsWith(path + ": line 3"));
}

TEST(LlamaConfigTest, LoadPrefixesSemanticErrorsWithPath) {
    testing::TempDir dir;
    const std::string path = dir.File("config.json");
    testing::WriteFile(path,
                       SerializeJson(MinimalWith("rope_scaling", R"({"rope_type": "yarn"})")));
    Result<LlamaConfig> config = LoadLlamaConfig(path);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kUnimplemented);
    EXPECT_THAT(config.status().message(), StartsWith(path + ": rope_scaling.rope_type"));
}

TEST(LlamaConfigTest, LoadReportsMissingFileAsNotFound) {
    testing::TempDir dir;
    const std::string path = dir.File("absent/config.json");
    Result<LlamaConfig> config = LoadLlamaConfig(path);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(config.status().message(), StartsWith(path));
}

// ---------------------------------------------------------------------------------------------
// ValidateLlamaConfig on configs built in code.

TEST(LlamaConfigTest, ValidateAcceptsParsedConfig) {
    Result<LlamaConfig> config = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(config.ok());
    EXPECT_TRUE(ValidateLlamaConfig(*config).ok());
}

TEST(LlamaConfigTest, ValidateRejectsBadHandBuiltConfigs) {
    Result<LlamaConfig> parsed = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(parsed.ok());
    struct Case {
        const char* key;
        void (*mutate)(LlamaConfig&);
    };
    const Case cases[] = {
        {"num_key_value_heads: must be > 0", [](LlamaConfig& c) { c.num_key_value_heads = 0; }},
        {"num_key_value_heads: must be a divisor",
         [](LlamaConfig& c) { c.num_key_value_heads = 5; }},
        {"head_dim: must be even", [](LlamaConfig& c) { c.head_dim = 63; }},
        {"vocab_size: must be > 0", [](LlamaConfig& c) { c.vocab_size = 0; }},
        {"rope_theta: must be > 0, found nan",
         [](LlamaConfig& c) { c.rope_theta = std::numeric_limits<double>::quiet_NaN(); }},
        {"rms_norm_eps: must be > 0, found inf",
         [](LlamaConfig& c) { c.rms_norm_eps = std::numeric_limits<double>::infinity(); }},
        {"rope_scaling.factor: must be > 0", [](LlamaConfig& c) { c.rope_scaling.factor = 0; }},
        {"rope_scaling.high_freq_factor",
         [](LlamaConfig& c) { c.rope_scaling.high_freq_factor = 1.0; }},
        {"rope_scaling.original_max_position_embeddings: must be > 0",
         [](LlamaConfig& c) { c.rope_scaling.original_max_position_embeddings = 0; }},
        {"bos_token_id: must be in [0, vocab_size 128256), found 128256",
         [](LlamaConfig& c) { c.bos_token_ids = {128256}; }},
        {"eos_token_id: must be in [0, vocab_size 128256), found -3",
         [](LlamaConfig& c) {
             c.eos_token_ids = {1, -3};
         }},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.key);
        LlamaConfig config = *parsed;
        test_case.mutate(config);
        Status status = ValidateLlamaConfig(config);
        EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
        EXPECT_THAT(status.message(), HasSubstr(test_case.key));
    }
}

// ---------------------------------------------------------------------------------------------
// LlamaConfigToJson

TEST(LlamaConfigTest, ToJsonReproducesTransformersConfigJson) {
    // The file transformers wrote, except for the version we claim to write.
    std::string expected(kLlama32OneBJson);
    expected.replace(expected.find("4.45.0.dev0"), 11, "4.45.0");
    Result<LlamaConfig> config = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(SerializeJson(LlamaConfigToJson(*config), 2), expected);
}

TEST(LlamaConfigTest, ToJsonWritesFloatsAsFloats) {
    Result<LlamaConfig> config = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(config.ok());
    const std::string text = SerializeJson(LlamaConfigToJson(*config), 2);
    EXPECT_THAT(text, HasSubstr(R"("rope_theta": 500000.0)"));
    EXPECT_THAT(text, HasSubstr(R"("rms_norm_eps": 1e-05)"));
    EXPECT_THAT(text, HasSubstr(R"("factor": 32.0)"));
    EXPECT_THAT(text, HasSubstr(R"("original_max_position_embeddings": 8192,)"));
}

TEST(LlamaConfigTest, ToJsonWritesTokenIdsAsIntListOrNull) {
    LlamaConfig config = *ParseText(kMinimalJson);
    config.bos_token_ids = {};
    config.eos_token_ids = {501, 508};
    JsonValue json = LlamaConfigToJson(config);
    EXPECT_TRUE(json.Find("bos_token_id")->is_null());
    EXPECT_EQ(SerializeJson(*json.Find("eos_token_id")), "[501,508]");
    EXPECT_TRUE(json.Find("rope_scaling")->is_null());
    EXPECT_EQ(SerializeJson(*json.Find("torch_dtype")), R"("bfloat16")");
}

TEST(LlamaConfigTest, ToJsonWritesLinearScalingWithFactorAndType) {
    LlamaConfig config = *ParseText(kMinimalJson);
    config.rope_scaling = RopeScaling{.type = RopeScalingType::kLinear, .factor = 2.0};
    EXPECT_EQ(SerializeJson(*LlamaConfigToJson(config).Find("rope_scaling")),
              R"({"factor":2.0,"rope_type":"linear"})");
}

TEST(LlamaConfigTest, RoundTripsLlama3Config) {
    Result<LlamaConfig> config = ParseText(kLlama32OneBJson);
    ASSERT_TRUE(config.ok());
    ExpectConfigsEqual(RoundTrip(*config), *config);
}

TEST(LlamaConfigTest, RoundTripsConfigWithoutScaling) {
    LlamaConfig config = *ParseText(kMinimalJson);
    config.num_key_value_heads = 2;
    config.head_dim = 32;
    config.rms_norm_eps = 1e-5;
    config.rope_theta = 123456.789;
    config.tie_word_embeddings = true;
    config.eos_token_ids = {509, 511};
    config.dtype = ConfigDtype::kFloat32;
    config.initializer_range = 0.125;
    ASSERT_TRUE(ValidateLlamaConfig(config).ok());
    ExpectConfigsEqual(RoundTrip(config), config);
}

TEST(LlamaConfigTest, RoundTripsLinearScalingAndFloat16) {
    LlamaConfig config = *ParseText(kMinimalJson);
    config.rope_scaling = RopeScaling{.type = RopeScalingType::kLinear, .factor = 0.5};
    config.dtype = ConfigDtype::kFloat16;
    config.bos_token_ids = {0};
    ExpectConfigsEqual(RoundTrip(config), config);
}

TEST(LlamaConfigTest, ConfigDtypeNames) {
    EXPECT_EQ(ConfigDtypeName(ConfigDtype::kBfloat16), "bfloat16");
    EXPECT_EQ(ConfigDtypeName(ConfigDtype::kFloat16), "float16");
    EXPECT_EQ(ConfigDtypeName(ConfigDtype::kFloat32), "float32");
}

}  // namespace
}  // namespace actcache::model
