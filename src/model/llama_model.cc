#include "model/llama_model.h"

#include <cstring>

#include "core/half.h"
#include "model/llama_weights.h"

namespace actcache::model {
namespace {

// Element i of a float tensor stored as BF16, F16 or F32.
float ElementAsFloat(const TensorView& tensor, std::int64_t i) {
    const std::byte* data = tensor.bytes.data();
    switch (tensor.dtype) {
        case Dtype::kBF16: {
            Bf16Bits bits;
            std::memcpy(&bits, data + 2 * i, 2);
            return Bf16ToFloat(bits);
        }
        case Dtype::kF16: {
            std::uint16_t bits;
            std::memcpy(&bits, data + 2 * i, 2);
            return HalfToFloat(bits);
        }
        case Dtype::kF32: {
            float value;
            std::memcpy(&value, data + 4 * i, 4);
            return value;
        }
        default: break;
    }
    ACT_CHECK(false && "CheckLlamaCheckpoint admits only BF16, F16 and F32");
    return 0.0f;
}

}  // namespace

Result<std::unique_ptr<LlamaModel>> LlamaModel::Load(const std::string& model_dir,
                                                     kernels::Precision precision,
                                                     std::int64_t n_layers, bool final_norm) {
    std::unique_ptr<LlamaModel> model(new LlamaModel());
    model->precision_ = precision;
    ACT_ASSIGN_OR_RETURN(model->config_, LoadLlamaConfig(model_dir + "/config.json"));
    ACT_CHECK(n_layers >= 0 && n_layers <= model->config_.num_hidden_layers);
    ACT_ASSIGN_OR_RETURN(model->checkpoint_, Checkpoint::Open(model_dir));
    ACT_RETURN_IF_ERROR(CheckLlamaCheckpoint(*model->checkpoint_, model->config_));
    model->embedding_ = model->checkpoint_->Find("model.embed_tokens.weight");
    for (std::int64_t layer = 0; layer < n_layers; ++layer) {
        const std::string prefix = "model.layers." + std::to_string(layer) + ".";
        LayerWeights w;
        ACT_ASSIGN_OR_RETURN(w.q_proj, model->Matrix(prefix + "self_attn.q_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.k_proj, model->Matrix(prefix + "self_attn.k_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.v_proj, model->Matrix(prefix + "self_attn.v_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.o_proj, model->Matrix(prefix + "self_attn.o_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.gate_proj, model->Matrix(prefix + "mlp.gate_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.up_proj, model->Matrix(prefix + "mlp.up_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.down_proj, model->Matrix(prefix + "mlp.down_proj.weight"));
        ACT_ASSIGN_OR_RETURN(w.input_norm, model->Vector(prefix + "input_layernorm.weight"));
        ACT_ASSIGN_OR_RETURN(w.post_attention_norm,
                             model->Vector(prefix + "post_attention_layernorm.weight"));
        model->layers_.push_back(std::move(w));
    }
    if (final_norm) {
        ACT_ASSIGN_OR_RETURN(model->final_norm_, model->Vector("model.norm.weight"));
    }
    return model;
}

void LlamaModel::ReleaseMappedPages(const kernels::WeightMatrix& w) const {
    const std::size_t element_bytes = w.type == kernels::WeightType::kBf16 ? 2 : 4;
    checkpoint_->ReleasePages(std::span<const std::byte>(static_cast<const std::byte*>(w.data),
                                                         static_cast<std::size_t>(w.rows * w.cols) * element_bytes));
}

Result<kernels::WeightMatrix> LlamaModel::Matrix(const std::string& name) {
    ACT_ASSIGN_OR_RETURN(TensorView tensor, checkpoint_->Get(name));
    kernels::WeightMatrix matrix{.data = tensor.bytes.data(),
                                 .type = kernels::WeightType::kBf16,
                                 .rows = tensor.shape[0],
                                 .cols = tensor.shape[1]};
    if (tensor.dtype == Dtype::kBF16) return matrix;  // in place, both precisions
    if (tensor.dtype == Dtype::kF32 && precision_ == kernels::Precision::kF32) {
        matrix.type = kernels::WeightType::kF32;
        return matrix;
    }
    const std::int64_t n = tensor.numel();
    if (precision_ == kernels::Precision::kBf16) {  // F32 or F16 stored: round to bf16
        std::vector<std::uint16_t>& bf16 = converted_bf16_.emplace_back(n);
        for (std::int64_t i = 0; i < n; ++i) bf16[i] = RoundToBf16(ElementAsFloat(tensor, i));
        matrix.data = bf16.data();
        return matrix;
    }
    std::vector<float>& f32 = converted_f32_.emplace_back(n);  // F16 stored, kF32: widen
    for (std::int64_t i = 0; i < n; ++i) f32[i] = ElementAsFloat(tensor, i);
    matrix.data = f32.data();
    matrix.type = kernels::WeightType::kF32;
    return matrix;
}

Result<std::vector<float>> LlamaModel::Vector(const std::string& name) {
    ACT_ASSIGN_OR_RETURN(TensorView tensor, checkpoint_->Get(name));
    std::vector<float> values(static_cast<std::size_t>(tensor.numel()));
    for (std::int64_t i = 0; i < tensor.numel(); ++i) {
        values[i] = kernels::RoundTo(precision_, ElementAsFloat(tensor, i));
    }
    return values;
}

void LlamaModel::EmbeddingRow(std::int64_t token, float* out) const {
    const std::int64_t D = config_.hidden_size;
    for (std::int64_t d = 0; d < D; ++d) {
        // A bf16 model holds bf16 rows: R(·) rounds F32/F16-stored embeddings as loading would.
        out[d] = kernels::RoundTo(precision_, ElementAsFloat(*embedding_, token * D + d));
    }
}

}  // namespace actcache::model
