#include "model/llama_weights.h"

#include <algorithm>

namespace actcache::model {

std::vector<TensorSpec> LlamaTensorInventory(const LlamaConfig& config, Dtype dtype) {
    const std::int64_t D = config.hidden_size;
    const std::int64_t F = config.intermediate_size;
    const std::int64_t V = config.vocab_size;
    const std::int64_t q_width = config.num_attention_heads * config.head_dim;   // H * Dh
    const std::int64_t kv_width = config.num_key_value_heads * config.head_dim;  // Hkv * Dh

    std::vector<TensorSpec> specs;
    auto add = [&](std::string name, std::vector<std::int64_t> shape) {
        specs.push_back(TensorSpec{std::move(name), dtype, std::move(shape)});
    };
    add("model.embed_tokens.weight", {V, D});
    for (std::int64_t layer = 0; layer < config.num_hidden_layers; ++layer) {
        const std::string prefix = "model.layers." + std::to_string(layer) + ".";
        add(prefix + "input_layernorm.weight", {D});
        add(prefix + "self_attn.q_proj.weight", {q_width, D});
        add(prefix + "self_attn.k_proj.weight", {kv_width, D});
        add(prefix + "self_attn.v_proj.weight", {kv_width, D});
        add(prefix + "self_attn.o_proj.weight", {D, q_width});
        add(prefix + "post_attention_layernorm.weight", {D});
        add(prefix + "mlp.gate_proj.weight", {F, D});
        add(prefix + "mlp.up_proj.weight", {F, D});
        add(prefix + "mlp.down_proj.weight", {D, F});
    }
    add("model.norm.weight", {D});
    if (!config.tie_word_embeddings) add("lm_head.weight", {V, D});
    std::sort(specs.begin(), specs.end(),
              [](const TensorSpec& a, const TensorSpec& b) { return a.name < b.name; });
    return specs;
}

std::int64_t LlamaParameterCount(const LlamaConfig& config) {
    std::int64_t total = 0;
    for (const TensorSpec& spec : LlamaTensorInventory(config, Dtype::kBF16)) total += spec.numel();
    return total;
}

Status CheckLlamaCheckpoint(const Checkpoint& checkpoint, const LlamaConfig& config) {
    std::vector<std::string> missing;
    for (const TensorSpec& spec : LlamaTensorInventory(config, Dtype::kBF16)) {
        const TensorView* tensor = checkpoint.Find(spec.name);
        if (tensor == nullptr) {
            missing.push_back(spec.name);
            continue;
        }
        if (tensor->shape != spec.shape) {
            return Status::InvalidArgument(checkpoint.model_dir() + ": tensor '" + spec.name +
                                           "' has shape " + FormatShape(tensor->shape) +
                                           ", config.json implies " + FormatShape(spec.shape));
        }
        if (tensor->dtype != Dtype::kBF16 && tensor->dtype != Dtype::kF16 &&
            tensor->dtype != Dtype::kF32) {
            return Status::InvalidArgument(checkpoint.model_dir() + ": tensor '" + spec.name +
                                           "' has dtype " + std::string(DtypeName(tensor->dtype)) +
                                           ", expected BF16, F16 or F32");
        }
    }
    if (!missing.empty()) {
        std::string message = checkpoint.model_dir() + ": tensor '" + missing.front() +
                              "' is missing";
        if (missing.size() > 1) message += " (and " + std::to_string(missing.size() - 1) + " more)";
        return Status::InvalidArgument(message);
    }
    return Status::Ok();
}

}  // namespace actcache::model
