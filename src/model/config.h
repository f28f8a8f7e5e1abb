// LlamaConfig: the validated subset of a Hugging Face config.json that a Llama-family forward
// pass needs (reference/llama32-spec.md §1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace actcache::model {

enum class RopeScalingType {
    kNone,    // absent, null, or rope_type "default"
    kLinear,  // positions divided by `factor`
    kLlama3,  // Llama 3.1 frequency-band scaling (spec §4.3)
};

struct RopeScaling {
    RopeScalingType type = RopeScalingType::kNone;
    double factor = 1.0;                               // linear, llama3
    double low_freq_factor = 1.0;                      // llama3
    double high_freq_factor = 4.0;                     // llama3
    std::int64_t original_max_position_embeddings = 0;  // llama3
};

// The dtype the checkpoint declares (`torch_dtype`, or `dtype` in transformers v5).
enum class ConfigDtype { kBfloat16, kFloat16, kFloat32 };

struct LlamaConfig {
    std::int64_t hidden_size = 0;          // D
    std::int64_t intermediate_size = 0;    // F
    std::int64_t num_hidden_layers = 0;    // L
    std::int64_t num_attention_heads = 0;  // H
    std::int64_t num_key_value_heads = 0;  // Hkv; defaults to H when absent
    std::int64_t head_dim = 0;             // Dh; defaults to D / H when absent
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    RopeScaling rope_scaling;
    std::int64_t max_position_embeddings = 0;
    std::int64_t vocab_size = 0;  // V
    bool tie_word_embeddings = false;
    std::vector<std::int64_t> bos_token_ids;  // empty when null/absent; usually one id
    std::vector<std::int64_t> eos_token_ids;  // an int or a list in config.json
    ConfigDtype dtype = ConfigDtype::kBfloat16;
    double initializer_range = 0.02;  // std of the random init (make-model)
};

// Builds a LlamaConfig from a parsed config.json and validates it. Accepted keys and defaults
// follow transformers' LlamaConfig. Errors name the key: InvalidArgument "rope_scaling.factor:
// must be > 0, found -1" for bad or inconsistent values, Unimplemented for valid settings this
// version does not support (other model types, rope types, attention_bias/mlp_bias = true).
Result<LlamaConfig> ParseLlamaConfig(const JsonValue& json);

// Reads and parses the file; every error message starts with `path`.
Result<LlamaConfig> LoadLlamaConfig(const std::string& path);

// Checks ranges and cross-field consistency (heads divide evenly, ids < vocab_size, ...).
// InvalidArgument naming the key on failure.
Status ValidateLlamaConfig(const LlamaConfig& config);

// The config.json content transformers would write for `config` (architectures, model_type
// "llama", every field above, hidden_act "silu", no biases). Parsing it gives `config` back.
JsonValue LlamaConfigToJson(const LlamaConfig& config);

// "bfloat16", "float16", "float32".
std::string_view ConfigDtypeName(ConfigDtype dtype);

}  // namespace actcache::model
