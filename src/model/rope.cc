#include "model/rope.h"

#include <cmath>

namespace actcache::model {

std::vector<float> RopeInverseFrequencies(const LlamaConfig& config) {
    const std::int64_t half = config.head_dim / 2;
    const float base = static_cast<float>(config.rope_theta);
    const float dim = static_cast<float>(config.head_dim);
    std::vector<float> inv_freq(static_cast<std::size_t>(half));
    for (std::int64_t i = 0; i < half; ++i) {
        // _compute_default_rope_parameters: 1.0 / (base ** (arange(0, dim, 2).float() / dim))
        const float exponent = static_cast<float>(2 * i) / dim;
        // fp32 pow: the correctly rounded power reproduces torch's CPU result (spec §4.3).
        const float power = static_cast<float>(std::pow(static_cast<double>(base),
                                                         static_cast<double>(exponent)));
        inv_freq[i] = (1.0f / power) * 1.0f;  // scalar / tensor = reciprocal(tensor) * scalar
    }
    if (config.rope_scaling.type == RopeScalingType::kLinear) {
        // _compute_linear_scaling_rope_parameters: inv_freq /= factor (fp32 division).
        for (float& inv : inv_freq) inv = inv / static_cast<float>(config.rope_scaling.factor);
        return inv_freq;
    }
    if (config.rope_scaling.type != RopeScalingType::kLlama3) return inv_freq;

    // _compute_llama3_parameters, op by op in fp32.
    const RopeScaling& s = config.rope_scaling;
    const float factor = static_cast<float>(s.factor);
    const float low = static_cast<float>(s.low_freq_factor);
    // (high_freq_factor - low_freq_factor) is a Python float expression: double, then fp32.
    const float band = static_cast<float>(s.high_freq_factor - s.low_freq_factor);
    const float old_context = static_cast<float>(s.original_max_position_embeddings);
    const float low_freq_wavelen = static_cast<float>(s.original_max_position_embeddings / s.low_freq_factor);
    const float high_freq_wavelen = static_cast<float>(s.original_max_position_embeddings / s.high_freq_factor);
    const float two_pi = static_cast<float>(2.0 * M_PI);
    for (float& inv : inv_freq) {
        const float wavelen = (1.0f / inv) * two_pi;                    // 2π / inv_freq
        const float scaled = wavelen > low_freq_wavelen ? inv / factor : inv;
        const float smooth = ((1.0f / wavelen) * old_context - low) / band;
        const float smoothed = ((1.0f - smooth) * scaled) / factor + smooth * scaled;
        const bool medium = !(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen);
        inv = medium ? smoothed : scaled;
    }
    return inv_freq;
}

RopeTables ComputeRopeTables(const LlamaConfig& config, std::int64_t T,
                             kernels::Precision precision) {
    const std::vector<float> inv_freq = RopeInverseFrequencies(config);
    const std::int64_t Dh = config.head_dim;
    const std::int64_t half = Dh / 2;
    RopeTables tables{.T = T, .Dh = Dh, .cos = std::vector<float>(T * Dh),
                      .sin = std::vector<float>(T * Dh)};
    for (std::int64_t t = 0; t < T; ++t) {
        const float position = static_cast<float>(t);
        for (std::int64_t i = 0; i < half; ++i) {
            const float angle = position * inv_freq[i];  // one fp32 product (a K=1 matmul)
            const float c = kernels::RoundTo(precision, static_cast<float>(std::cos(static_cast<double>(angle))));
            const float s = kernels::RoundTo(precision, static_cast<float>(std::sin(static_cast<double>(angle))));
            tables.cos[t * Dh + i] = tables.cos[t * Dh + i + half] = c;
            tables.sin[t * Dh + i] = tables.sin[t * Dh + i + half] = s;
        }
    }
    return tables;
}

}  // namespace actcache::model
