// LlamaForward: the Llama decoder forward pass with hook capture (reference/llama32-spec.md §4),
// on the CPU through a kernels::Backend.
//
// Runs B sequences of T tokens (positions 0..T−1 each) through the embedding and the decoder
// layers, copying the values at each requested HookSite into a capture buffer, and stops right
// after the last requested site: later layers, the final norm and lm_head are never computed.
// Buffers are sized once from (max_batch, max_tokens) and reused by every Run.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/check.h"
#include "kernels/backend.h"
#include "model/forward_engine.h"
#include "model/hook_site.h"
#include "model/llama_model.h"
#include "model/rope.h"

namespace actcache::model {

// The layers and final norm a forward with these hooks needs: LlamaModel::Load arguments.
struct RequiredWeights {
    std::int64_t n_layers = 0;
    bool final_norm = false;
};
RequiredWeights WeightsForHooks(const std::vector<HookSite>& hooks);

// One owner, not thread-safe. `model` and `backend` must outlive it.
class LlamaForward final : public ForwardEngine {
public:
    // InvalidArgument when there are no hooks, max_tokens exceeds max_position_embeddings, or the
    // model was loaded without the layers the hooks need.
    static Result<std::unique_ptr<LlamaForward>> Create(const LlamaModel& model,
                                                        kernels::Backend& backend,
                                                        ForwardOptions options);

    Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override;
    std::span<const float> capture(std::size_t hook_index) const override;
    std::int64_t capture_width(std::size_t hook_index) const override { return widths_[hook_index]; }

private:
    LlamaForward(const LlamaModel& model, kernels::Backend& backend, ForwardOptions options);

    // Rows of the MLP's [rows, F] intermediates computed at a time.
    static constexpr std::int64_t kMlpChunkRows = 2048;

    // Copies `values` (rows [row0, row0 + rows) of the batch, width each; rows < 0: all M) into
    // every hook at `point` of `layer`; true when that is the last requested site.
    bool Capture(HookPoint point, std::int64_t layer, const float* values, std::int64_t row0 = 0,
                 std::int64_t rows = -1);
    bool IsLastSite(HookPoint point, std::int64_t layer) const {
        return last_site_.point == point && last_site_.layer == layer;
    }
    // Runs decoder layer `layer` on h_; returns true when the pass can stop.
    bool RunLayer(std::int64_t layer, std::int64_t B, std::int64_t T);

    const LlamaModel& model_;
    kernels::Backend& backend_;
    ForwardOptions options_;
    HookSite last_site_;        // the site computed last; the pass stops after it
    RopeTables rope_;           // positions 0..max_tokens−1
    std::int64_t M_ = 0;        // B·T of the current Run
    std::vector<std::int64_t> widths_;
    std::vector<std::vector<float>> captures_;
    // Work buffers, [max_batch · max_tokens, width].
    std::vector<float> h_, normed_, q_, k_, v_, attention_;  // normed_ also holds the projections
    std::vector<float> gate_, up_;  // [min(rows, kMlpChunkRows), F]
};

}  // namespace actcache::model
