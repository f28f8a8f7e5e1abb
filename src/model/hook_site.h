// HookSite: a point of the Llama forward pass whose values can be captured, named the way users
// name it: as a Hugging Face module path (the module's output, or its input with ":input"), or
// by its TransformerLens name.
//
//   model.embed_tokens                         embedding rows                      [T, D]
//   model.layers.N:input                       residual stream before block N      [T, D]
//   model.layers.N.input_layernorm             normalized input of attention       [T, D]
//   model.layers.N.self_attn.{q,k,v}_proj      projections before RoPE       [T, H·Dh | Hkv·Dh]
//   model.layers.N.self_attn.o_proj:input      attention heads, concatenated       [T, H·Dh]
//   model.layers.N.self_attn                   o_proj output                       [T, D]
//   model.layers.N.post_attention_layernorm:input   residual after attention       [T, D]
//   model.layers.N.post_attention_layernorm    normalized input of the MLP         [T, D]
//   model.layers.N.mlp.{gate,up}_proj          projections                         [T, F]
//   model.layers.N.mlp.down_proj:input         silu(gate) · up                     [T, F]
//   model.layers.N.mlp                         down_proj output, before residual   [T, D]
//   model.layers.N                             block output (residual stream)      [T, D]
//   model.norm                                 final RMSNorm output                [T, D]
// Module inputs that equal another site's output (model.layers.N.mlp:input = the
// post_attention_layernorm output, ...) are accepted and mapped to that site.
// TransformerLens aliases: hook_embed, blocks.N.hook_resid_pre, hook_resid_mid,
// hook_resid_post, hook_attn_out, hook_mlp_out, attn.hook_q/k/v (before rotary), attn.hook_z,
// mlp.hook_pre (gate), mlp.hook_pre_linear (up), mlp.hook_post (silu(gate)·up).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/config.h"

namespace actcache::model {

// The capture points in the order the forward pass reaches them within a layer.
enum class HookPoint {
    kEmbedOutput,       // layer -1
    kLayerInput,
    kInputNormOutput,
    kQProj,
    kKProj,
    kVProj,
    kOProjInput,
    kAttentionOutput,
    kResidualMid,
    kPostNormOutput,
    kGateProj,
    kUpProj,
    kMlpProduct,
    kMlpOutput,
    kLayerOutput,
    kFinalNormOutput,   // layer L (after every block)
};

struct HookSite {
    HookPoint point = HookPoint::kMlpOutput;
    std::int64_t layer = 0;  // -1 for the embedding, num_hidden_layers for model.norm
    std::string name;        // canonical HF name, e.g. "model.layers.8.mlp"

    // Values per token captured at this site (D, F, H·Dh or Hkv·Dh).
    std::int64_t Width(const LlamaConfig& config) const;
    // Orders sites by when the forward pass computes them.
    bool ComputedBefore(const HookSite& other) const;
};

// Parses `name` for a model with `config`. InvalidArgument for an unknown name (the message lists
// the valid forms) or a layer outside 0..num_hidden_layers−1 (the message says how many layers
// the model has).
Result<HookSite> ParseHookSite(std::string_view name, const LlamaConfig& config);

}  // namespace actcache::model
