// LlamaModel: a checkpoint opened for computation. Holds the config and, for the layers a
// forward pass will use, the weights in the form the kernels read.
//
// Weights stay memory-mapped and are used in place when the checkpoint already stores them in
// the compute form (BF16 for both precisions; F32 in Precision::kF32). Otherwise they are
// converted once at load, the way transformers loads with torch_dtype=bfloat16: F32/F16 values
// rounded to bf16 in kBf16, F16 widened to float in kF32. Layers past `n_layers` are never
// touched, so their bytes are never read from disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "kernels/precision.h"
#include "kernels/weight_matrix.h"
#include "model/checkpoint.h"
#include "model/config.h"

namespace actcache::model {

struct LayerWeights {
    kernels::WeightMatrix q_proj, k_proj, v_proj, o_proj;  // [H·Dh, D], [Hkv·Dh, D] ×2, [D, H·Dh]
    kernels::WeightMatrix gate_proj, up_proj, down_proj;   // [F, D] ×2, [D, F]
    std::vector<float> input_norm;                         // [D]
    std::vector<float> post_attention_norm;                // [D]
};

// Thread-safety: const methods thread-safe.
class LlamaModel {
public:
    // Loads `model_dir` (config.json + safetensors) for `precision`, preparing the weights of
    // layers 0..n_layers−1 (n_layers <= num_hidden_layers) and, when `final_norm` is set,
    // model.norm. Errors name the folder: a bad config.json, a corrupt or incomplete checkpoint
    // (tensors that do not match the config, see CheckLlamaCheckpoint).
    static Result<std::unique_ptr<LlamaModel>> Load(const std::string& model_dir,
                                                    kernels::Precision precision,
                                                    std::int64_t n_layers, bool final_norm);

    const LlamaConfig& config() const { return config_; }
    kernels::Precision precision() const { return precision_; }
    std::int64_t n_prepared_layers() const { return static_cast<std::int64_t>(layers_.size()); }
    // REQUIRES: layer < n_prepared_layers().
    const LayerWeights& layer(std::int64_t layer) const { return layers_[layer]; }
    // REQUIRES: Load with final_norm = true.
    const std::vector<float>& final_norm() const { return final_norm_; }

    // Drops the memory-mapped pages of `w` (one of this model's weights) from resident memory
    // (Checkpoint::ReleasePages), for a backend that has copied it into its own layout and will
    // not read it here again; the bytes stay readable. A converted copy is left alone.
    void ReleaseMappedPages(const kernels::WeightMatrix& w) const;

    // Writes embedding row `token` (R(·)-rounded in kBf16) to out[0..D).
    // REQUIRES: 0 <= token < vocab_size.
    void EmbeddingRow(std::int64_t token, float* out) const;

private:
    LlamaModel() = default;
    Result<kernels::WeightMatrix> Matrix(const std::string& name);
    Result<std::vector<float>> Vector(const std::string& name);

    LlamaConfig config_;
    kernels::Precision precision_ = kernels::Precision::kBf16;
    std::unique_ptr<Checkpoint> checkpoint_;
    const TensorView* embedding_ = nullptr;  // [V, D], any float dtype, read row by row
    std::vector<LayerWeights> layers_;
    std::vector<float> final_norm_;
    // Converted copies of weights whose stored dtype is not the compute form.
    std::vector<std::vector<std::uint16_t>> converted_bf16_;
    std::vector<std::vector<float>> converted_f32_;
};

}  // namespace actcache::model
