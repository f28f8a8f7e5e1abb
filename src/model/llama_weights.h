// The tensors of a LlamaForCausalLM checkpoint: names and shapes derived from its config
// (reference/llama32-spec.md §2), and the check that a checkpoint holds them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/safetensors_writer.h"

namespace actcache::model {

// Every tensor the config implies, sorted by name (the order safetensors writers use for tensors
// of one dtype): model.embed_tokens.weight [V, D]; per layer i: input_layernorm [D],
// self_attn.{q,k,v,o}_proj ([H*Dh, D], [Hkv*Dh, D], [Hkv*Dh, D], [D, H*Dh]),
// post_attention_layernorm [D], mlp.{gate,up}_proj [F, D], mlp.down_proj [D, F];
// model.norm.weight [D]; lm_head.weight [V, D] only when embeddings are not tied.
// Every spec gets `dtype`.
std::vector<TensorSpec> LlamaTensorInventory(const LlamaConfig& config, Dtype dtype);

// Total number of parameters (elements) in the inventory.
std::int64_t LlamaParameterCount(const LlamaConfig& config);

// Checks that `checkpoint` holds every tensor of the inventory with the expected shape and a
// floating dtype (BF16, F16, F32). InvalidArgument naming the model folder and the first
// offending tensor: "tensor 'model.layers.3.mlp.up_proj.weight' has shape [16, 64], config.json
// implies [192, 64]", "tensor '...' is missing (and 4 more)". A tied model may still carry an
// lm_head.weight (it is ignored, as transformers ignores it).
Status CheckLlamaCheckpoint(const Checkpoint& checkpoint, const LlamaConfig& config);

}  // namespace actcache::model
