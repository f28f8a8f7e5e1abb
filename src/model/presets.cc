#include "model/presets.h"

#include <string>

namespace actcache::model {
namespace {

LlamaConfig Llama32OneB() {
    // reference/llama32-spec.md §1, value for value.
    LlamaConfig c;
    c.hidden_size = 2048;
    c.intermediate_size = 8192;
    c.num_hidden_layers = 16;
    c.num_attention_heads = 32;
    c.num_key_value_heads = 8;
    c.head_dim = 64;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 500000.0;
    c.rope_scaling = RopeScaling{.type = RopeScalingType::kLlama3,
                                 .factor = 32.0,
                                 .low_freq_factor = 1.0,
                                 .high_freq_factor = 4.0,
                                 .original_max_position_embeddings = 8192};
    c.max_position_embeddings = 131072;
    c.vocab_size = 128256;
    c.tie_word_embeddings = true;
    c.bos_token_ids = {128000};
    c.eos_token_ids = {128001};
    c.dtype = ConfigDtype::kBfloat16;
    c.initializer_range = 0.02;
    return c;
}

LlamaConfig Tiny() {
    LlamaConfig c;
    c.hidden_size = 64;
    c.intermediate_size = 192;
    c.num_hidden_layers = 4;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 10000.0;
    c.rope_scaling = RopeScaling{.type = RopeScalingType::kLlama3,
                                 .factor = 8.0,
                                 .low_freq_factor = 1.0,
                                 .high_freq_factor = 4.0,
                                 .original_max_position_embeddings = 256};
    c.max_position_embeddings = 4096;
    c.vocab_size = 512;
    c.tie_word_embeddings = true;
    // Specials at the top of the vocabulary, as in Llama 3 (128000, 128001).
    c.bos_token_ids = {510};
    c.eos_token_ids = {511};
    c.dtype = ConfigDtype::kBfloat16;
    // Larger than HF's 0.02 so that a 64-wide random model has activations of order one rather
    // than vanishing ones; the numerics tests then exercise the whole bf16 range they care about.
    c.initializer_range = 0.125;
    return c;
}

}  // namespace

std::vector<std::string_view> PresetNames() { return {"tiny", "llama-3.2-1b"}; }

Result<LlamaConfig> PresetConfig(std::string_view name) {
    if (name == "tiny") return Tiny();
    if (name == "llama-3.2-1b") return Llama32OneB();
    std::string known;
    for (std::string_view preset : PresetNames()) {
        if (!known.empty()) known += ", ";
        known += preset;
    }
    return Status::InvalidArgument("unknown preset '" + std::string(name) + "' (known: " + known +
                                   ")");
}

}  // namespace actcache::model
