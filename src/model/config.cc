// Parses HF config.json for the Llama family (transformers' LlamaConfig keys and defaults).
#include "model/config.h"

#include <cmath>

#include "core/file_util.h"

namespace actcache::model {
namespace {

std::string Describe(const JsonValue& value) {
    std::string text = SerializeJson(value);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(JsonTypeName(value.type())) + " " + text;
}

Status WrongType(const std::string& key, const char* expected, const JsonValue& found) {
    return Status::InvalidArgument(key + ": expected " + expected + ", found " + Describe(found));
}

// Reads config.json values by key, each error naming the dotted key path.
class ConfigReader {
public:
    ConfigReader(const JsonValue& object, std::string prefix)
        : object_(object), prefix_(std::move(prefix)) {}

    const JsonValue* Find(const char* key) const {
        const JsonValue* value = object_.Find(key);
        return value == nullptr || value->is_null() ? nullptr : value;
    }
    std::string Path(const char* key) const { return prefix_ + key; }

    // A required positive integer.
    Status PositiveInt(const char* key, std::int64_t& out) const {
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::InvalidArgument(Path(key) + ": missing (required)");
        return PositiveIntValue(key, *value, out);
    }
    // An optional positive integer; `out` keeps its default when absent or null.
    Status OptionalPositiveInt(const char* key, std::int64_t& out) const {
        const JsonValue* value = Find(key);
        return value == nullptr ? Status::Ok() : PositiveIntValue(key, *value, out);
    }
    Status OptionalNumber(const char* key, double& out) const {
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::Ok();
        if (!value->is_number()) return WrongType(Path(key), "a number", *value);
        out = value->as_double();
        return Status::Ok();
    }
    Status OptionalBool(const char* key, bool& out) const {
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::Ok();
        if (!value->is_bool()) return WrongType(Path(key), "true or false", *value);
        out = value->as_bool();
        return Status::Ok();
    }
    // bos_token_id / eos_token_id: an int, a list of ints, or null/absent (empty).
    Status TokenIds(const char* key, std::vector<std::int64_t>& out) const {
        out.clear();
        const JsonValue* value = Find(key);
        if (value == nullptr) return Status::Ok();
        if (value->is_integer() && value->as_int64() >= 0) {
            out.push_back(value->as_int64());
            return Status::Ok();
        }
        if (value->is_array()) {
            for (const JsonValue& item : value->items()) {
                if (!item.is_integer() || item.as_int64() < 0) {
                    return WrongType(Path(key), "a token id or a list of token ids", *value);
                }
                out.push_back(item.as_int64());
            }
            return Status::Ok();
        }
        return WrongType(Path(key), "a token id or a list of token ids", *value);
    }

private:
    Status PositiveIntValue(const char* key, const JsonValue& value, std::int64_t& out) const {
        if (!value.is_integer() || value.as_int64() <= 0) {
            return WrongType(Path(key), "a positive integer", value);
        }
        out = value.as_int64();
        return Status::Ok();
    }

    const JsonValue& object_;
    std::string prefix_;
};

Status ParseRopeScaling(const JsonValue& value, const std::string& key, RopeScaling& out) {
    if (!value.is_object()) return WrongType(key, "an object or null", value);
    ConfigReader reader(value, key + ".");
    // transformers >= 4.43 writes "rope_type"; older configs "type".
    const char* type_key = value.Find("rope_type") != nullptr ? "rope_type" : "type";
    const JsonValue* type = reader.Find(type_key);
    if (type == nullptr || !type->is_string()) {
        return Status::InvalidArgument(reader.Path("rope_type") + ": missing (required)");
    }
    const std::string& name = type->as_string();
    out = RopeScaling{};
    if (name == "default") return Status::Ok();
    if (name == "linear") {
        out.type = RopeScalingType::kLinear;
        return reader.OptionalNumber("factor", out.factor);
    }
    if (name != "llama3") {
        return Status::Unimplemented(reader.Path(type_key) + ": \"" + name +
                                     "\" is not supported (supported: default, linear, llama3)");
    }
    out.type = RopeScalingType::kLlama3;
    for (const char* required : {"factor", "low_freq_factor", "high_freq_factor"}) {
        if (reader.Find(required) == nullptr) {
            return Status::InvalidArgument(reader.Path(required) + ": missing (required for llama3)");
        }
    }
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("factor", out.factor));
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("low_freq_factor", out.low_freq_factor));
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("high_freq_factor", out.high_freq_factor));
    return reader.PositiveInt("original_max_position_embeddings",
                              out.original_max_position_embeddings);
}

Status RejectIfTrue(const ConfigReader& reader, const char* key) {
    bool value = false;
    ACT_RETURN_IF_ERROR(reader.OptionalBool(key, value));
    if (value) return Status::Unimplemented(std::string(key) + ": true is not supported yet");
    return Status::Ok();
}

}  // namespace

std::string_view ConfigDtypeName(ConfigDtype dtype) {
    switch (dtype) {
        case ConfigDtype::kBfloat16: return "bfloat16";
        case ConfigDtype::kFloat16: return "float16";
        case ConfigDtype::kFloat32: return "float32";
    }
    return "bfloat16";
}

Result<LlamaConfig> ParseLlamaConfig(const JsonValue& json) {
    if (!json.is_object()) return Status::InvalidArgument("expected a JSON object at the top level");
    ConfigReader reader(json, "");
    LlamaConfig c;
    if (const JsonValue* type = reader.Find("model_type")) {
        if (!type->is_string()) return WrongType("model_type", "a string", *type);
        if (type->as_string() != "llama") {
            return Status::Unimplemented("model_type: \"" + type->as_string() +
                                         "\" is not supported (only \"llama\")");
        }
    }
    if (const JsonValue* architectures = reader.Find("architectures")) {
        bool all_strings = architectures->is_array();
        if (all_strings) {
            for (const JsonValue& item : architectures->items()) all_strings &= item.is_string();
        }
        if (!all_strings) return WrongType("architectures", "a list of strings", *architectures);
    }
    if (const JsonValue* act = reader.Find("hidden_act")) {
        if (!act->is_string() || act->as_string() != "silu") {
            return Status::Unimplemented("hidden_act: " + SerializeJson(*act) +
                                         " is not supported (only \"silu\")");
        }
    }
    ACT_RETURN_IF_ERROR(RejectIfTrue(reader, "attention_bias"));
    ACT_RETURN_IF_ERROR(RejectIfTrue(reader, "mlp_bias"));

    ACT_RETURN_IF_ERROR(reader.PositiveInt("hidden_size", c.hidden_size));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("intermediate_size", c.intermediate_size));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("num_hidden_layers", c.num_hidden_layers));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("num_attention_heads", c.num_attention_heads));
    c.num_key_value_heads = c.num_attention_heads;  // transformers' default: MHA
    ACT_RETURN_IF_ERROR(reader.OptionalPositiveInt("num_key_value_heads", c.num_key_value_heads));
    if (reader.Find("head_dim") == nullptr && c.hidden_size % c.num_attention_heads != 0) {
        return Status::InvalidArgument("num_attention_heads: " + std::to_string(c.num_attention_heads) +
                                       " does not divide hidden_size " + std::to_string(c.hidden_size) +
                                       " and head_dim is not given");
    }
    c.head_dim = c.hidden_size / c.num_attention_heads;  // derived when absent
    ACT_RETURN_IF_ERROR(reader.OptionalPositiveInt("head_dim", c.head_dim));
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("rms_norm_eps", c.rms_norm_eps));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("max_position_embeddings", c.max_position_embeddings));
    ACT_RETURN_IF_ERROR(reader.PositiveInt("vocab_size", c.vocab_size));
    ACT_RETURN_IF_ERROR(reader.OptionalBool("tie_word_embeddings", c.tie_word_embeddings));
    ACT_RETURN_IF_ERROR(reader.TokenIds("bos_token_id", c.bos_token_ids));
    ACT_RETURN_IF_ERROR(reader.TokenIds("eos_token_id", c.eos_token_ids));
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("initializer_range", c.initializer_range));

    // RoPE: rope_theta + rope_scaling (transformers 4.x), or rope_parameters (v5) holding both.
    ACT_RETURN_IF_ERROR(reader.OptionalNumber("rope_theta", c.rope_theta));
    if (const JsonValue* scaling = reader.Find("rope_scaling")) {
        ACT_RETURN_IF_ERROR(ParseRopeScaling(*scaling, "rope_scaling", c.rope_scaling));
    } else if (const JsonValue* parameters = reader.Find("rope_parameters")) {
        ACT_RETURN_IF_ERROR(ParseRopeScaling(*parameters, "rope_parameters", c.rope_scaling));
        ACT_RETURN_IF_ERROR(ConfigReader(*parameters, "rope_parameters.")
                                .OptionalNumber("rope_theta", c.rope_theta));
    }

    // The checkpoint's dtype: `torch_dtype` (4.x) or `dtype` (v5). Absent means bfloat16 here:
    // actcache computes in bf16 by default whatever the file says.
    const char* dtype_key = reader.Find("dtype") != nullptr ? "dtype" : "torch_dtype";
    if (const JsonValue* dtype = reader.Find(dtype_key)) {
        const std::string name = dtype->is_string() ? dtype->as_string() : "";
        if (name == "bfloat16") {
            c.dtype = ConfigDtype::kBfloat16;
        } else if (name == "float16") {
            c.dtype = ConfigDtype::kFloat16;
        } else if (name == "float32") {
            c.dtype = ConfigDtype::kFloat32;
        } else {
            return Status::InvalidArgument(std::string(dtype_key) + ": " + SerializeJson(*dtype) +
                                           " is not one of \"bfloat16\", \"float16\", \"float32\"");
        }
    }
    ACT_RETURN_IF_ERROR(ValidateLlamaConfig(c));
    return c;
}

Status ValidateLlamaConfig(const LlamaConfig& c) {
    auto positive = [](const char* key, std::int64_t value) {
        return value > 0 ? Status::Ok()
                         : Status::InvalidArgument(std::string(key) + ": must be > 0, found " +
                                                   std::to_string(value));
    };
    ACT_RETURN_IF_ERROR(positive("hidden_size", c.hidden_size));
    ACT_RETURN_IF_ERROR(positive("intermediate_size", c.intermediate_size));
    ACT_RETURN_IF_ERROR(positive("num_hidden_layers", c.num_hidden_layers));
    ACT_RETURN_IF_ERROR(positive("num_attention_heads", c.num_attention_heads));
    ACT_RETURN_IF_ERROR(positive("num_key_value_heads", c.num_key_value_heads));
    ACT_RETURN_IF_ERROR(positive("head_dim", c.head_dim));
    ACT_RETURN_IF_ERROR(positive("max_position_embeddings", c.max_position_embeddings));
    ACT_RETURN_IF_ERROR(positive("vocab_size", c.vocab_size));
    if (c.num_attention_heads % c.num_key_value_heads != 0) {
        return Status::InvalidArgument("num_key_value_heads: " + std::to_string(c.num_key_value_heads) +
                                       " does not divide num_attention_heads " +
                                       std::to_string(c.num_attention_heads));
    }
    if (c.head_dim % 2 != 0) {
        return Status::InvalidArgument("head_dim: must be even (RoPE rotates pairs), found " +
                                       std::to_string(c.head_dim));
    }
    if (!(c.rms_norm_eps > 0)) {
        return Status::InvalidArgument("rms_norm_eps: must be > 0, found " + std::to_string(c.rms_norm_eps));
    }
    if (!(c.rope_theta > 0)) {
        return Status::InvalidArgument("rope_theta: must be > 0, found " + std::to_string(c.rope_theta));
    }
    if (!(c.initializer_range >= 0)) {
        return Status::InvalidArgument("initializer_range: must be >= 0");
    }
    const RopeScaling& s = c.rope_scaling;
    if (s.type != RopeScalingType::kNone && !(s.factor > 0)) {
        return Status::InvalidArgument("rope_scaling.factor: must be > 0, found " + std::to_string(s.factor));
    }
    if (s.type == RopeScalingType::kLlama3) {
        if (!(s.low_freq_factor > 0)) {
            return Status::InvalidArgument("rope_scaling.low_freq_factor: must be > 0");
        }
        if (!(s.high_freq_factor > s.low_freq_factor)) {
            return Status::InvalidArgument(
                "rope_scaling.high_freq_factor: must be greater than low_freq_factor");
        }
        ACT_RETURN_IF_ERROR(positive("rope_scaling.original_max_position_embeddings",
                                     s.original_max_position_embeddings));
    }
    for (const auto& [key, ids] : {std::pair{"bos_token_id", &c.bos_token_ids},
                                   std::pair{"eos_token_id", &c.eos_token_ids}}) {
        for (std::int64_t id : *ids) {
            if (id < 0 || id >= c.vocab_size) {
                return Status::InvalidArgument(std::string(key) + ": " + std::to_string(id) +
                                               " is outside the vocabulary (vocab_size " +
                                               std::to_string(c.vocab_size) + ")");
            }
        }
    }
    return Status::Ok();
}

Result<LlamaConfig> LoadLlamaConfig(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    Result<JsonValue> json = ParseJson(text);
    if (!json.ok()) return json.status().WithContext(path);
    Result<LlamaConfig> config = ParseLlamaConfig(*json);
    if (!config.ok()) return config.status().WithContext(path);
    return config;
}

namespace {
JsonValue TokenIdsJson(const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return JsonValue();
    if (ids.size() == 1) return JsonValue::Integer(ids.front());
    JsonValue list = JsonValue::Array();
    for (std::int64_t id : ids) list.Append(JsonValue::Integer(id));
    return list;
}
}  // namespace

JsonValue LlamaConfigToJson(const LlamaConfig& c) {
    // Keys in the alphabetical order transformers writes them.
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
        scaling.Set("rope_type",
                    JsonValue::String(s.type == RopeScalingType::kLlama3 ? "llama3" : "linear"));
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
