// Parses a Hugging Face config.json for the Llama family (transformers' LlamaConfig keys and
// defaults) and writes one back. Every error names the key by its dotted path and says what was
// expected and what was found (STYLE.md rule 7), e.g. `rope_scaling.factor: must be > 0, found -1`.
#include "model/config.h"

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "core/file_util.h"

namespace actcache::model {
namespace {

// A double as Python would print it (shortest round-trip form), for messages.
std::string FormatNumber(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    return SerializeJson(JsonValue::Number(value));
}

// `string "abc"`, `number -1`, ...: the type and (shortened) text of a JSON value.
std::string Describe(const JsonValue& value) {
    std::string text = SerializeJson(value);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(JsonTypeName(value.type())) + " " + text;
}

Status WrongType(const std::string& key, std::string_view expected, const JsonValue& found) {
    return Status::InvalidArgument(key + ": expected " + std::string(expected) + ", found " +
                                   Describe(found));
}

Status OutOfRange(const std::string& key, std::string_view requirement, const std::string& found) {
    return Status::InvalidArgument(key + ": must be " + std::string(requirement) + ", found " +
                                   found);
}

Status RequirePositive(const std::string& key, std::int64_t value) {
    return value > 0 ? Status::Ok() : OutOfRange(key, "> 0", std::to_string(value));
}

// Finite and > 0 (or >= 0). Non-finite values are refused too: a config built in code must
// still serialize (JsonValue::Number requires finite values).
Status RequirePositiveNumber(const std::string& key, double value) {
    if (std::isfinite(value) && value > 0) return Status::Ok();
    return OutOfRange(key, "> 0", FormatNumber(value));
}
Status RequireNonNegativeNumber(const std::string& key, double value) {
    if (std::isfinite(value) && value >= 0) return Status::Ok();
    return OutOfRange(key, ">= 0", FormatNumber(value));
}

// Reads typed values from one JSON object; errors name `prefix + key`. JSON null counts as
// absent, as in transformers (`"head_dim": null` means "derive it").
class ConfigReader {
public:
    ConfigReader(const JsonValue& object, std::string prefix)
        : object_(object), prefix_(std::move(prefix)) {}

    const JsonValue* Find(const char* key) const {
        const JsonValue* value = object_.Find(key);
        return value == nullptr || value->is_null() ? nullptr : value;
    }
    std::string Path(const char* key) const { return prefix_ + key; }

    Status PositiveInt(const char* key, std::int64_t& out) const {
        const JsonValue* value = Find(key);
        return value == nullptr ? Missing(key) : PositiveIntValue(key, *value, out);
    }
    // `out` keeps its default when the key is absent or null.
    Status OptionalPositiveInt(const char* key, std::int64_t& out) const {
        const JsonValue* value = Find(key);
        return value == nullptr ? Status::Ok() : PositiveIntValue(key, *value, out);
    }
    // Integers are accepted where floats are expected (`"rope_theta": 10000`).
    Status Number(const char* key, double& out) const {
        const JsonValue* value = Find(key);
        return value == nullptr ? Missing(key) : NumberValue(key, *value, out);
    }
    Status OptionalNumber(const char* key, double& out) const {
        const JsonValue* value = Find(key);
        return value == nullptr ? Status::Ok() : NumberValue(key, *value, out);
    }
    Status OptionalBool(const char* key, bool& out) const {
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::Ok();
        if (!value->is_bool()) return WrongType(Path(key), "true or false", *value);
        out = value->as_bool();
        return Status::Ok();
    }
    // nullptr when absent or null.
    Result<const JsonValue*> OptionalString(const char* key) const {
        const JsonValue* value = Find(key);
        if (value != nullptr && !value->is_string()) {
            return WrongType(Path(key), "a string", *value);
        }
        return value;
    }
    // bos_token_id / eos_token_id: an int, a list of ints, or null/absent (empty). The range
    // check against vocab_size is ValidateLlamaConfig's.
    Status TokenIds(const char* key, std::vector<std::int64_t>& out) const {
        out.clear();
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::Ok();
        const char* expected = "a token id or a list of token ids";
        if (value->is_integer() && value->as_int64() >= 0) {
            out.push_back(value->as_int64());
            return Status::Ok();
        }
        if (!value->is_array()) return WrongType(Path(key), expected, *value);
        for (const JsonValue& item : value->items()) {
            if (!item.is_integer() || item.as_int64() < 0) {
                return WrongType(Path(key), expected, *value);
            }
            out.push_back(item.as_int64());
        }
        return Status::Ok();
    }

private:
    Status Missing(const char* key) const {
        return Status::InvalidArgument(Path(key) + ": missing (required)");
    }
    Status PositiveIntValue(const char* key, const JsonValue& value, std::int64_t& out) const {
        if (!value.is_integer() || value.as_int64() <= 0) {
            return WrongType(Path(key), "a positive integer", value);
        }
        out = value.as_int64();
        return Status::Ok();
    }
    Status NumberValue(const char* key, const JsonValue& value, double& out) const {
        if (!value.is_number()) return WrongType(Path(key), "a number", value);
        out = value.as_double();
        return Status::Ok();
    }

    const JsonValue& object_;
    std::string prefix_;
};

// Range checks of a parsed or hand-built RopeScaling; `key` is "rope_scaling" or
// "rope_parameters", whichever the values came from.
Status ValidateRopeScaling(const RopeScaling& s, const std::string& key) {
    if (s.type == RopeScalingType::kNone) return Status::Ok();
    // HF warns below 1 (it would stretch rather than compress positions) but accepts it.
    ACT_RETURN_IF_ERROR(RequirePositiveNumber(key + ".factor", s.factor));
    if (s.type != RopeScalingType::kLlama3) return Status::Ok();
    ACT_RETURN_IF_ERROR(RequirePositiveNumber(key + ".low_freq_factor", s.low_freq_factor));
    // The smoothing band (spec §4.3) divides by high - low; HF only warns, we refuse.
    if (!std::isfinite(s.high_freq_factor) || !(s.high_freq_factor > s.low_freq_factor)) {
        return OutOfRange(key + ".high_freq_factor",
                          "> low_freq_factor (" + FormatNumber(s.low_freq_factor) + ")",
                          FormatNumber(s.high_freq_factor));
    }
    return RequirePositive(key + ".original_max_position_embeddings",
                           s.original_max_position_embeddings);
}

// rope_scaling (transformers 4.x) or rope_parameters (v5): {"rope_type": ..., parameters}.
Status ParseRopeScaling(const JsonValue& value, const std::string& key, RopeScaling& out) {
    if (!value.is_object()) return WrongType(key, "an object or null", value);
    ConfigReader reader(value, key + ".");
    // transformers >= 4.43 writes "rope_type"; older configs (Llama 2 era) "type".
    const char* type_key = reader.Find("rope_type") != nullptr ? "rope_type" : "type";
    ACT_ASSIGN_OR_RETURN(const JsonValue* type, reader.OptionalString(type_key));
    if (type == nullptr) {
        // transformers' validation would read this as "default" and its rotary module would then
        // fail on the missing key; refusing is safer than silently ignoring a `factor`.
        return Status::InvalidArgument(reader.Path("rope_type") + ": missing (required)");
    }
    const std::string& name = type->as_string();
    out = RopeScaling{};
    if (name == "linear") {
        out.type = RopeScalingType::kLinear;
        ACT_RETURN_IF_ERROR(reader.Number("factor", out.factor));
    } else if (name == "llama3") {
        out.type = RopeScalingType::kLlama3;
        ACT_RETURN_IF_ERROR(reader.Number("factor", out.factor));
        ACT_RETURN_IF_ERROR(reader.Number("low_freq_factor", out.low_freq_factor));
        ACT_RETURN_IF_ERROR(reader.Number("high_freq_factor", out.high_freq_factor));
        ACT_RETURN_IF_ERROR(reader.PositiveInt("original_max_position_embeddings",
                                               out.original_max_position_embeddings));
    } else if (name != "default") {
        return Status::Unimplemented(reader.Path(type_key) + ": \"" + name +
                                     "\" is not supported (supported: default, linear, llama3)");
    }
    return ValidateRopeScaling(out, key);
}

// Settings that change the architecture away from what our forward pass computes.
Status CheckSupportedArchitecture(const ConfigReader& reader) {
    ACT_ASSIGN_OR_RETURN(const JsonValue* model_type, reader.OptionalString("model_type"));
    if (model_type != nullptr && model_type->as_string() != "llama") {
        return Status::Unimplemented("model_type: \"" + model_type->as_string() +
                                     "\" is not supported (only \"llama\")");
    }
    if (const JsonValue* architectures = reader.Find("architectures")) {
        bool all_strings = architectures->is_array();
        if (all_strings) {
            for (const JsonValue& item : architectures->items()) all_strings &= item.is_string();
        }
        if (!all_strings) return WrongType("architectures", "a list of strings", *architectures);
    }
    ACT_ASSIGN_OR_RETURN(const JsonValue* act, reader.OptionalString("hidden_act"));
    if (act != nullptr && act->as_string() != "silu") {
        return Status::Unimplemented("hidden_act: \"" + act->as_string() +
                                     "\" is not supported (only \"silu\")");
    }
    for (const char* key : {"attention_bias", "mlp_bias"}) {
        bool has_bias = false;
        ACT_RETURN_IF_ERROR(reader.OptionalBool(key, has_bias));
        if (has_bias)
            return Status::Unimplemented(std::string(key) + ": true is not supported yet");
    }
    return Status::Ok();
}

// `torch_dtype` (transformers 4.x) or `dtype` (v5, which still reads the old key).
Status ParseDtype(const ConfigReader& reader, ConfigDtype& out) {
    const char* key = reader.Find("dtype") != nullptr ? "dtype" : "torch_dtype";
    const JsonValue* value = reader.Find(key);
    // Absent: bfloat16. This is our default, not transformers' (float32): actcache reads weights
    // as stored, and Llama checkpoints store bf16.
    out = ConfigDtype::kBfloat16;
    if (value == nullptr) return Status::Ok();
    for (ConfigDtype dtype :
         {ConfigDtype::kBfloat16, ConfigDtype::kFloat16, ConfigDtype::kFloat32}) {
        if (value->is_string() && value->as_string() == ConfigDtypeName(dtype)) {
            out = dtype;
            return Status::Ok();
        }
    }
    return WrongType(key, "one of \"bfloat16\", \"float16\", \"float32\"", *value);
}

JsonValue TokenIdsJson(const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return JsonValue();
    if (ids.size() == 1) return JsonValue::Integer(ids.front());
    JsonValue list = JsonValue::Array();
    for (std::int64_t id : ids) list.Append(JsonValue::Integer(id));
    return list;
}

}  // namespace

std::string_view ConfigDtypeName(ConfigDtype dtype) {
    switch (dtype) {
        case ConfigDtype::kBfloat16:
            return "bfloat16";
        case ConfigDtype::kFloat16:
            return "float16";
        case ConfigDtype::kFloat32:
            return "float32";
    }
    return "bfloat16";  // unreachable for valid enumerators (-Wswitch checks the cases)
}

Result<LlamaConfig> ParseLlamaConfig(const JsonValue& json) {
    if (!json.is_object()) return WrongType("config", "a JSON object at the top level", json);
    ConfigReader reader(json, "");
    ACT_RETURN_IF_ERROR(CheckSupportedArchitecture(reader));

    LlamaConfig c;
    ACT_RETURN_IF_ERROR(reader.PositiveInt("hidden_size", c.hidden_size));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("intermediate_size", c.intermediate_size));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("num_hidden_layers", c.num_hidden_layers));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("num_attention_heads", c.num_attention_heads));
    c.num_key_value_heads = c.num_attention_heads;  // transformers' default: plain MHA
    ACT_RETURN_IF_ERROR(reader.OptionalPositiveInt("num_key_value_heads", c.num_key_value_heads));
    if (reader.Find("head_dim") != nullptr) {
        ACT_RETURN_IF_ERROR(reader.PositiveInt("head_dim", c.head_dim));
    } else if (c.hidden_size % c.num_attention_heads != 0) {
        // transformers derives hidden_size // heads and would silently truncate.
        return Status::InvalidArgument(
            "hidden_size: " + std::to_string(c.hidden_size) + " is not divisible by " +
            "num_attention_heads (" + std::to_string(c.num_attention_heads) +
            "), so head_dim cannot be derived; give head_dim explicitly");
    } else {
        c.head_dim = c.hidden_size / c.num_attention_heads;
    }
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("rms_norm_eps", c.rms_norm_eps));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("max_position_embeddings", c.max_position_embeddings));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("vocab_size", c.vocab_size));
    ACT_RETURN_IF_ERROR(reader.OptionalBool("tie_word_embeddings", c.tie_word_embeddings));
    ACT_RETURN_IF_ERROR(reader.TokenIds("bos_token_id", c.bos_token_ids));
    ACT_RETURN_IF_ERROR(reader.TokenIds("eos_token_id", c.eos_token_ids));
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("initializer_range", c.initializer_range));
    ACT_RETURN_IF_ERROR(ParseDtype(reader, c.dtype));

    // RoPE: rope_theta + rope_scaling (transformers 4.x), or v5's rope_parameters holding both.
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("rope_theta", c.rope_theta));
    if (const JsonValue* scaling = reader.Find("rope_scaling")) {
        ACT_RETURN_IF_ERROR(ParseRopeScaling(*scaling, "rope_scaling", c.rope_scaling));
    } else if (const JsonValue* parameters = reader.Find("rope_parameters")) {
        ACT_RETURN_IF_ERROR(ParseRopeScaling(*parameters, "rope_parameters", c.rope_scaling));
        ACT_RETURN_IF_ERROR(ConfigReader(*parameters, "rope_parameters.")
                                .OptionalNumber("rope_theta", c.rope_theta));
    }

    ACT_RETURN_IF_ERROR(ValidateLlamaConfig(c));
    return c;
}

Status ValidateLlamaConfig(const LlamaConfig& c) {
    ACT_RETURN_IF_ERROR(RequirePositive("hidden_size", c.hidden_size));
    ACT_RETURN_IF_ERROR(RequirePositive("intermediate_size", c.intermediate_size));
    ACT_RETURN_IF_ERROR(RequirePositive("num_hidden_layers", c.num_hidden_layers));
    ACT_RETURN_IF_ERROR(RequirePositive("num_attention_heads", c.num_attention_heads));
    ACT_RETURN_IF_ERROR(RequirePositive("num_key_value_heads", c.num_key_value_heads));
    ACT_RETURN_IF_ERROR(RequirePositive("head_dim", c.head_dim));
    ACT_RETURN_IF_ERROR(RequirePositive("max_position_embeddings", c.max_position_embeddings));
    ACT_RETURN_IF_ERROR(RequirePositive("vocab_size", c.vocab_size));
    // GQA: each kv head serves H / Hkv query heads (spec §4.4).
    if (c.num_attention_heads % c.num_key_value_heads != 0) {
        return OutOfRange(
            "num_key_value_heads",
            "a divisor of num_attention_heads (" + std::to_string(c.num_attention_heads) + ")",
            std::to_string(c.num_key_value_heads));
    }
    // RoPE rotates the two halves of each head vector against each other (spec §4.3).
    if (c.head_dim % 2 != 0) {
        return OutOfRange("head_dim", "even (RoPE rotates halves)", std::to_string(c.head_dim));
    }
    ACT_RETURN_IF_ERROR(RequirePositiveNumber("rms_norm_eps", c.rms_norm_eps));
    ACT_RETURN_IF_ERROR(RequirePositiveNumber("rope_theta", c.rope_theta));
    ACT_RETURN_IF_ERROR(RequireNonNegativeNumber("initializer_range", c.initializer_range));
    ACT_RETURN_IF_ERROR(ValidateRopeScaling(c.rope_scaling, "rope_scaling"));
    for (const auto& [key, ids] : {std::pair{"bos_token_id", &c.bos_token_ids},
                                   std::pair{"eos_token_id", &c.eos_token_ids}}) {
        for (std::int64_t id : *ids) {
            if (id < 0 || id >= c.vocab_size) {
                return OutOfRange(key, "in [0, vocab_size " + std::to_string(c.vocab_size) + ")",
                                  std::to_string(id));
            }
        }
    }
    return Status::Ok();
}

Result<LlamaConfig> LoadLlamaConfig(const std::string& path) {
    // ReadFileToString's messages already start with the path.
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    Result<JsonValue> json = ParseJson(text);
    if (!json.ok()) return json.status().WithContext(path);
    Result<LlamaConfig> config = ParseLlamaConfig(*json);
    if (!config.ok()) return config.status().WithContext(path);
    return config;
}

JsonValue LlamaConfigToJson(const LlamaConfig& c) {
    // Keys in the alphabetical order transformers writes them (sort_keys=True). Floats go through
    // JsonValue::Number so they print as 500000.0 / 1e-05, ints through JsonValue::Integer.
    JsonValue json = JsonValue::Object();
    json.Set("architectures", JsonValue::Array()).Append(JsonValue::String("LlamaForCausalLM"));
    json.Set("attention_bias", JsonValue::Bool(false));
    json.Set("attention_dropout", JsonValue::Number(0.0));
    json.Set("bos_token_id", TokenIdsJson(c.bos_token_ids));
    json.Set("eos_token_id", TokenIdsJson(c.eos_token_ids));
    json.Set("head_dim", JsonValue::Integer(c.head_dim));
    json.Set("hidden_act", JsonValue::String("silu"));
    json.Set("hidden_size", JsonValue::Integer(c.hidden_size));
    json.Set("initializer_range", JsonValue::Number(c.initializer_range));
    json.Set("intermediate_size", JsonValue::Integer(c.intermediate_size));
    json.Set("max_position_embeddings", JsonValue::Integer(c.max_position_embeddings));
    json.Set("mlp_bias", JsonValue::Bool(false));
    json.Set("model_type", JsonValue::String("llama"));
    json.Set("num_attention_heads", JsonValue::Integer(c.num_attention_heads));
    json.Set("num_hidden_layers", JsonValue::Integer(c.num_hidden_layers));
    json.Set("num_key_value_heads", JsonValue::Integer(c.num_key_value_heads));
    json.Set("pretraining_tp", JsonValue::Integer(1));
    json.Set("rms_norm_eps", JsonValue::Number(c.rms_norm_eps));
    const RopeScaling& s = c.rope_scaling;
    if (s.type == RopeScalingType::kNone) {
        json.Set("rope_scaling", JsonValue());
    } else {
        JsonValue& scaling = json.Set("rope_scaling", JsonValue::Object());
        scaling.Set("factor", JsonValue::Number(s.factor));
        if (s.type == RopeScalingType::kLlama3) {
            scaling.Set("high_freq_factor", JsonValue::Number(s.high_freq_factor));
            scaling.Set("low_freq_factor", JsonValue::Number(s.low_freq_factor));
            scaling.Set("original_max_position_embeddings",
                        JsonValue::Integer(s.original_max_position_embeddings));
        }
        const char* type = s.type == RopeScalingType::kLlama3 ? "llama3" : "linear";
        scaling.Set("rope_type", JsonValue::String(type));
    }
    json.Set("rope_theta", JsonValue::Number(c.rope_theta));
    json.Set("tie_word_embeddings", JsonValue::Bool(c.tie_word_embeddings));
    json.Set("torch_dtype", JsonValue::String(std::string(ConfigDtypeName(c.dtype))));
    json.Set("transformers_version", JsonValue::String("4.45.0"));
    json.Set("use_cache", JsonValue::Bool(true));
    json.Set("vocab_size", JsonValue::Integer(c.vocab_size));
    return json;
}

}  // namespace actcache::model
