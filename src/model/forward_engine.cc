#include "model/forward_engine.h"

#include <chrono>
#include <string>

#include "core/check.h"

namespace actcache::model {

Status ForwardEngine::Start(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) {
    ACT_CHECK(started_.size() < 2);
    started_.push_back(StartedPass{{tokens.begin(), tokens.end()}, B, T});
    return Status::Ok();
}

Status ForwardEngine::Finish() {
    ACT_CHECK(!started_.empty());
    const StartedPass pass = std::move(started_.front());
    started_.pop_front();
    const auto start = std::chrono::steady_clock::now();
    Status status = Run(pass.tokens, pass.B, pass.T);
    last_pass_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return status;
}

Status CheckForwardOptions(const LlamaConfig& config, const ForwardOptions& options) {
    if (options.hooks.empty()) return Status::InvalidArgument("no hook site given");
    if (options.max_tokens < 1 || options.max_batch < 1) {
        return Status::InvalidArgument("batch and sequence length must be at least 1");
    }
    if (options.max_tokens > config.max_position_embeddings) {
        return Status::InvalidArgument("sequence length " + std::to_string(options.max_tokens) +
                                       " exceeds the model's max_position_embeddings " +
                                       std::to_string(config.max_position_embeddings));
    }
    return Status::Ok();
}

Status CheckForwardInput(const LlamaConfig& config, const ForwardOptions& options,
                         std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) {
    if (B < 1 || B > options.max_batch || T < 1 || T > options.max_tokens) {
        return Status::InvalidArgument("batch " + std::to_string(B) + " x " + std::to_string(T) +
                                       " tokens exceeds the limits " +
                                       std::to_string(options.max_batch) + " x " +
                                       std::to_string(options.max_tokens));
    }
    ACT_CHECK(static_cast<std::int64_t>(tokens.size()) == B * T);
    for (std::int64_t i = 0; i < B * T; ++i) {
        if (tokens[i] < 0 || tokens[i] >= config.vocab_size) {
            return Status::InvalidArgument(
                "token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i % T) +
                (B > 1 ? " of sequence " + std::to_string(i / T) : "") +
                " is outside the vocabulary (vocab_size " + std::to_string(config.vocab_size) + ")");
        }
    }
    return Status::Ok();
}

HookSite LastHookSite(const std::vector<HookSite>& hooks) {
    HookSite last = hooks.front();
    for (const HookSite& site : hooks) {
        if (last.ComputedBefore(site)) last = site;
    }
    return last;
}

}  // namespace actcache::model
