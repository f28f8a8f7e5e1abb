#include "model/llama_forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace actcache::model {

RequiredWeights WeightsForHooks(const std::vector<HookSite>& hooks) {
    RequiredWeights required;
    for (const HookSite& site : hooks) {
        if (site.point == HookPoint::kFinalNormOutput) {
            required.final_norm = true;
            required.n_layers = std::max(required.n_layers, site.layer);  // = L
        } else {
            required.n_layers = std::max(required.n_layers, site.layer + 1);
        }
    }
    return required;
}

Result<std::unique_ptr<LlamaForward>> LlamaForward::Create(const LlamaModel& model,
                                                           kernels::Backend& backend,
                                                           ForwardOptions options) {
    ACT_RETURN_IF_ERROR(CheckForwardOptions(model.config(), options));
    const RequiredWeights required = WeightsForHooks(options.hooks);
    if (required.n_layers > model.n_prepared_layers() ||
        (required.final_norm && model.final_norm().empty())) {
        return Status::InvalidArgument("the model was loaded without the layers these hooks need");
    }
    return std::unique_ptr<LlamaForward>(new LlamaForward(model, backend, std::move(options)));
}

LlamaForward::LlamaForward(const LlamaModel& model, kernels::Backend& backend,
                           ForwardOptions options)
    : model_(model), backend_(backend), options_(std::move(options)) {
    const LlamaConfig& c = model.config();
    last_site_ = LastHookSite(options_.hooks);
    for (const HookSite& site : options_.hooks) widths_.push_back(site.Width(c));
    rope_ = ComputeRopeTables(c, options_.max_tokens, model.precision());
    const std::int64_t rows = options_.max_batch * options_.max_tokens;
    for (std::int64_t width : widths_) captures_.emplace_back(rows * width);
    const std::int64_t D = c.hidden_size;
    h_.resize(rows * D);
    normed_.resize(rows * D);
    q_.resize(rows * c.num_attention_heads * c.head_dim);
    attention_.resize(rows * c.num_attention_heads * c.head_dim);
    k_.resize(rows * c.num_key_value_heads * c.head_dim);
    v_.resize(rows * c.num_key_value_heads * c.head_dim);
    // The MLP's [rows, F] intermediates dominate memory (2 × 2.1 GB for the 1B model at
    // 16 × 4096 tokens): they hold one chunk of rows at a time.
    const std::int64_t mlp_rows = std::min(rows, kMlpChunkRows);
    gate_.resize(mlp_rows * c.intermediate_size);
    up_.resize(mlp_rows * c.intermediate_size);
}

std::span<const float> LlamaForward::capture(std::size_t hook_index) const {
    return {captures_[hook_index].data(), static_cast<std::size_t>(M_ * widths_[hook_index])};
}

bool LlamaForward::Capture(HookPoint point, std::int64_t layer, const float* values, std::int64_t row0,
                           std::int64_t rows) {
    if (rows < 0) rows = M_;
    for (std::size_t i = 0; i < options_.hooks.size(); ++i) {
        const HookSite& site = options_.hooks[i];
        if (site.point == point && site.layer == layer) {
            std::memcpy(captures_[i].data() + row0 * widths_[i], values, sizeof(float) * rows * widths_[i]);
        }
    }
    return IsLastSite(point, layer);
}

Status LlamaForward::Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) {
    const LlamaConfig& c = model_.config();
    ACT_RETURN_IF_ERROR(CheckForwardInput(c, options_, tokens, B, T));
    M_ = B * T;
    const std::int64_t D = c.hidden_size;
    for (std::int64_t m = 0; m < M_; ++m) model_.EmbeddingRow(tokens[m], h_.data() + m * D);
    if (Capture(HookPoint::kEmbedOutput, -1, h_.data())) return Status::Ok();
    for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
        if (RunLayer(layer, B, T)) return Status::Ok();
    }
    backend_.RmsNorm(model_.precision(), h_.data(), M_, D, model_.final_norm().data(),
                     static_cast<float>(c.rms_norm_eps), normed_.data());
    Capture(HookPoint::kFinalNormOutput, c.num_hidden_layers, normed_.data());
    return Status::Ok();
}

bool LlamaForward::RunLayer(std::int64_t layer, std::int64_t B, std::int64_t T) {
    const LlamaConfig& c = model_.config();
    const LayerWeights& w = model_.layer(layer);
    const kernels::Precision p = model_.precision();
    const std::int64_t D = c.hidden_size;
    const std::int64_t F = c.intermediate_size;
    const float eps = static_cast<float>(c.rms_norm_eps);
    // sdpa's default scale 1/sqrt(Dh), computed in double, used in fp32.
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim)));

    // The output projections (o_proj, down_proj) write into normed_: by then every row of the
    // norm they overwrite has been read (q/k/v before o_proj; down_proj's chunk of rows after
    // gate/up read the same rows), which saves a [M, D] buffer (0.5 GB at 16 × 4096 tokens).
    float* projected = normed_.data();

    // Attention block: h = R(h + o_proj(attention(rope(q), rope(k), v))), q/k/v from norm(h).
    if (Capture(HookPoint::kLayerInput, layer, h_.data())) return true;
    backend_.RmsNorm(p, h_.data(), M_, D, w.input_norm.data(), eps, normed_.data());
    if (Capture(HookPoint::kInputNormOutput, layer, normed_.data())) return true;
    backend_.Matmul(p, normed_.data(), M_, D, w.q_proj, q_.data());
    backend_.Matmul(p, normed_.data(), M_, D, w.k_proj, k_.data());
    backend_.Matmul(p, normed_.data(), M_, D, w.v_proj, v_.data());
    if (Capture(HookPoint::kQProj, layer, q_.data())) return true;
    if (Capture(HookPoint::kKProj, layer, k_.data())) return true;
    if (Capture(HookPoint::kVProj, layer, v_.data())) return true;
    backend_.Rope(p, q_.data(), B, T, c.num_attention_heads, c.head_dim, rope_.cos.data(),
                  rope_.sin.data());
    backend_.Rope(p, k_.data(), B, T, c.num_key_value_heads, c.head_dim, rope_.cos.data(),
                  rope_.sin.data());
    backend_.Attention(p, q_.data(), k_.data(), v_.data(), B, T, c.num_attention_heads,
                       c.num_key_value_heads, c.head_dim, scale, attention_.data());
    if (Capture(HookPoint::kOProjInput, layer, attention_.data())) return true;
    backend_.Matmul(p, attention_.data(), M_, c.num_attention_heads * c.head_dim, w.o_proj,
                    projected);
    if (Capture(HookPoint::kAttentionOutput, layer, projected)) return true;
    backend_.Add(p, h_.data(), projected, M_ * D, h_.data());
    if (Capture(HookPoint::kResidualMid, layer, h_.data())) return true;

    // MLP block: h = R(h + down(R(R(silu(gate(x))) · up(x)))), x = norm(h), in chunks of rows
    // (every op here is row by row, so a row's values do not depend on the chunking).
    backend_.RmsNorm(p, h_.data(), M_, D, w.post_attention_norm.data(), eps, normed_.data());
    if (Capture(HookPoint::kPostNormOutput, layer, normed_.data())) return true;
    const bool stop_in_mlp = IsLastSite(HookPoint::kGateProj, layer) || IsLastSite(HookPoint::kUpProj, layer) ||
                             IsLastSite(HookPoint::kMlpProduct, layer);
    for (std::int64_t row0 = 0; row0 < M_; row0 += kMlpChunkRows) {
        const std::int64_t rows = std::min(kMlpChunkRows, M_ - row0);
        const float* x = normed_.data() + row0 * D;
        backend_.Matmul(p, x, rows, D, w.gate_proj, gate_.data());
        backend_.Matmul(p, x, rows, D, w.up_proj, up_.data());
        Capture(HookPoint::kGateProj, layer, gate_.data(), row0, rows);
        Capture(HookPoint::kUpProj, layer, up_.data(), row0, rows);
        if (IsLastSite(HookPoint::kGateProj, layer) || IsLastSite(HookPoint::kUpProj, layer)) continue;
        backend_.SiluMul(p, gate_.data(), up_.data(), rows * F, gate_.data());
        Capture(HookPoint::kMlpProduct, layer, gate_.data(), row0, rows);
        if (stop_in_mlp) continue;
        backend_.Matmul(p, gate_.data(), rows, F, w.down_proj, projected + row0 * D);
    }
    if (stop_in_mlp) return true;
    if (Capture(HookPoint::kMlpOutput, layer, projected)) return true;
    backend_.Add(p, h_.data(), projected, M_ * D, h_.data());
    return Capture(HookPoint::kLayerOutput, layer, h_.data());
}

}  // namespace actcache::model
