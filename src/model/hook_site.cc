#include "model/hook_site.h"

#include <charconv>
#include <utility>

namespace actcache::model {
namespace {

struct SuffixEntry {
    std::string_view suffix;  // after "model.layers.N" (HF) or "blocks.N" (TransformerLens)
    HookPoint point;
};

// Module paths inside a decoder layer: output, and ":input" where it differs from an output.
constexpr SuffixEntry kLayerSuffixes[] = {
    {"", HookPoint::kLayerOutput},
    {":input", HookPoint::kLayerInput},
    {".input_layernorm", HookPoint::kInputNormOutput},
    {".input_layernorm:input", HookPoint::kLayerInput},
    {".self_attn", HookPoint::kAttentionOutput},
    {".self_attn:input", HookPoint::kInputNormOutput},
    {".self_attn.q_proj", HookPoint::kQProj},
    {".self_attn.k_proj", HookPoint::kKProj},
    {".self_attn.v_proj", HookPoint::kVProj},
    {".self_attn.q_proj:input", HookPoint::kInputNormOutput},
    {".self_attn.k_proj:input", HookPoint::kInputNormOutput},
    {".self_attn.v_proj:input", HookPoint::kInputNormOutput},
    {".self_attn.o_proj", HookPoint::kAttentionOutput},
    {".self_attn.o_proj:input", HookPoint::kOProjInput},
    {".post_attention_layernorm", HookPoint::kPostNormOutput},
    {".post_attention_layernorm:input", HookPoint::kResidualMid},
    {".mlp", HookPoint::kMlpOutput},
    {".mlp:input", HookPoint::kPostNormOutput},
    {".mlp.gate_proj", HookPoint::kGateProj},
    {".mlp.up_proj", HookPoint::kUpProj},
    {".mlp.gate_proj:input", HookPoint::kPostNormOutput},
    {".mlp.up_proj:input", HookPoint::kPostNormOutput},
    {".mlp.down_proj", HookPoint::kMlpOutput},
    {".mlp.down_proj:input", HookPoint::kMlpProduct},
};

constexpr SuffixEntry kTransformerLensSuffixes[] = {
    {".hook_resid_pre", HookPoint::kLayerInput},
    {".hook_resid_mid", HookPoint::kResidualMid},
    {".hook_resid_post", HookPoint::kLayerOutput},
    {".hook_attn_out", HookPoint::kAttentionOutput},
    {".hook_mlp_out", HookPoint::kMlpOutput},
    {".attn.hook_q", HookPoint::kQProj},
    {".attn.hook_k", HookPoint::kKProj},
    {".attn.hook_v", HookPoint::kVProj},
    {".attn.hook_z", HookPoint::kOProjInput},
    {".mlp.hook_pre", HookPoint::kGateProj},
    {".mlp.hook_pre_linear", HookPoint::kUpProj},
    {".mlp.hook_post", HookPoint::kMlpProduct},
};

// The canonical (HF output) suffix of each point.
std::string_view CanonicalSuffix(HookPoint point) {
    switch (point) {
        case HookPoint::kLayerInput: return ":input";
        case HookPoint::kInputNormOutput: return ".input_layernorm";
        case HookPoint::kQProj: return ".self_attn.q_proj";
        case HookPoint::kKProj: return ".self_attn.k_proj";
        case HookPoint::kVProj: return ".self_attn.v_proj";
        case HookPoint::kOProjInput: return ".self_attn.o_proj:input";
        case HookPoint::kAttentionOutput: return ".self_attn";
        case HookPoint::kResidualMid: return ".post_attention_layernorm:input";
        case HookPoint::kPostNormOutput: return ".post_attention_layernorm";
        case HookPoint::kGateProj: return ".mlp.gate_proj";
        case HookPoint::kUpProj: return ".mlp.up_proj";
        case HookPoint::kMlpProduct: return ".mlp.down_proj:input";
        case HookPoint::kMlpOutput: return ".mlp";
        case HookPoint::kLayerOutput: return "";
        case HookPoint::kEmbedOutput:
        case HookPoint::kFinalNormOutput: break;
    }
    return "";
}

Status UnknownSite(std::string_view name, const LlamaConfig& config) {
    return Status::InvalidArgument(
        "unknown hook site '" + std::string(name) +
        "'; valid sites: model.embed_tokens, model.layers.N[:input], model.layers.N."
        "{input_layernorm, self_attn, self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp, "
        "mlp.{gate,up,down}_proj}[:input], model.norm[:input] with N in 0.." +
        std::to_string(config.num_hidden_layers - 1) +
        ", or the TransformerLens names hook_embed, blocks.N.{hook_resid_pre, hook_resid_mid, "
        "hook_resid_post, hook_attn_out, hook_mlp_out, attn.hook_{q,k,v,z}, "
        "mlp.hook_{pre,pre_linear,post}}");
}

// Parses "<digits><rest>" after `prefix`; leading zeros and signs are not layer numbers.
bool SplitLayer(std::string_view name, std::string_view prefix, std::int64_t& layer,
                std::string_view& rest) {
    if (!name.starts_with(prefix)) return false;
    std::string_view tail = name.substr(prefix.size());
    std::size_t digits = 0;
    while (digits < tail.size() && tail[digits] >= '0' && tail[digits] <= '9') ++digits;
    if (digits == 0 || (digits > 1 && tail[0] == '0') || digits > 9) return false;
    std::from_chars(tail.data(), tail.data() + digits, layer);
    rest = tail.substr(digits);
    return true;
}

}  // namespace

std::int64_t HookSite::Width(const LlamaConfig& config) const {
    switch (point) {
        case HookPoint::kQProj:
        case HookPoint::kOProjInput: return config.num_attention_heads * config.head_dim;
        case HookPoint::kKProj:
        case HookPoint::kVProj: return config.num_key_value_heads * config.head_dim;
        case HookPoint::kGateProj:
        case HookPoint::kUpProj:
        case HookPoint::kMlpProduct: return config.intermediate_size;
        default: return config.hidden_size;
    }
}

bool HookSite::ComputedBefore(const HookSite& other) const {
    return std::pair(layer, static_cast<int>(point)) <
           std::pair(other.layer, static_cast<int>(other.point));
}

Result<HookSite> ParseHookSite(std::string_view name, const LlamaConfig& config) {
    const std::int64_t L = config.num_hidden_layers;
    if (name == "model.embed_tokens" || name == "hook_embed") {
        return HookSite{HookPoint::kEmbedOutput, -1, "model.embed_tokens"};
    }
    if (name == "model.norm") return HookSite{HookPoint::kFinalNormOutput, L, "model.norm"};
    if (name == "model.norm:input") {
        return HookSite{HookPoint::kLayerOutput, L - 1, "model.layers." + std::to_string(L - 1)};
    }
    std::int64_t layer = 0;
    std::string_view rest;
    const SuffixEntry* match = nullptr;
    if (SplitLayer(name, "model.layers.", layer, rest)) {
        for (const SuffixEntry& entry : kLayerSuffixes) {
            if (entry.suffix == rest) match = &entry;
        }
    } else if (SplitLayer(name, "blocks.", layer, rest)) {
        for (const SuffixEntry& entry : kTransformerLensSuffixes) {
            if (entry.suffix == rest) match = &entry;
        }
    }
    if (match == nullptr) return UnknownSite(name, config);
    if (layer >= L) {
        return Status::InvalidArgument("hook site '" + std::string(name) + "': layer " +
                                       std::to_string(layer) + " does not exist (the model has " +
                                       std::to_string(L) + " layers, 0.." + std::to_string(L - 1) +
                                       ")");
    }
    return HookSite{match->point, layer,
                    "model.layers." + std::to_string(layer) +
                        std::string(CanonicalSuffix(match->point))};
}

}  // namespace actcache::model
