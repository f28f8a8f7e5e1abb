// ForwardEngine: a Llama forward pass with hook capture, whatever computes it. LlamaForward runs
// it on the CPU through a kernels::Backend; cuda::CreateCudaForward runs it on a GPU. Callers
// (the `run` pipeline, `actcache forward`) see only this interface.
//
// Contract shared by every engine: Run computes B sequences of T tokens (positions 0..T−1 each)
// through the layers the hooks need and stops after the last requested site; captures come back
// in the order of ForwardOptions::hooks as float values ([B, T, width] row-major; in bf16 mode
// every value is exactly a bf16). The value computed for one token depends only on its own
// sequence up to and including it — never on B, the other sequences, or thread counts.
//
// Start/Finish split a pass in two, with up to two passes in flight, so that a caller keeps a
// GPU busy while it reads captures:
//
//   Start(1); Start(2); Finish() → read pass 1; Start(3); Finish() → read pass 2; ...
//
// While the caller reads pass n, the engine computes pass n+1. An engine that computes elsewhere
// (the GPU) overrides both and keeps two sets of buffers, one per pass in flight; every other
// engine gets the default, which computes the oldest started pass in Finish. An engine may be
// destroyed with passes in flight: they are abandoned.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "core/status.h"
#include "model/config.h"
#include "model/hook_site.h"

namespace actcache::model {

struct ForwardOptions {
    std::vector<HookSite> hooks;    // at least one; captures come back in this order
    std::int64_t max_batch = 1;     // B limit
    std::int64_t max_tokens = 1;    // T limit (<= max_position_embeddings)
};

// One owner, not thread-safe.
class ForwardEngine {
public:
    virtual ~ForwardEngine() = default;

    // Runs tokens [B·T] (sequence b = tokens[b·T .. b·T+T)). InvalidArgument, naming the position,
    // for an id outside [0, vocab_size); for B or T past the limits given at creation.
    // REQUIRES: no pass in flight (Start .. Finish).
    virtual Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) = 0;

    // Begins a pass over tokens [B·T] (copied: the span need not outlive the call) and may return
    // before it is done. Ends the captures' validity (its pass may reuse their memory).
    // REQUIRES: fewer than two passes in flight (started, not finished).
    virtual Status Start(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T);
    // Waits for the oldest pass in flight; then the captures are its values, as after Run. Errors
    // are Run's, from whichever of Start and Finish finds them. REQUIRES: a pass in flight.
    virtual Status Finish();

    // Seconds the last pass ended by Finish took where it ran: the GPU's time between events
    // around the pass on its stream, or the wall time of Run for an engine that computes on the
    // calling thread. Host work overlapped with a GPU pass is not in it.
    virtual double last_pass_seconds() const { return last_pass_seconds_; }

    // Values of hook i from the last pass (Run, or Start .. Finish): [B, T, width] row-major,
    // valid until the next Run, Start or Finish.
    virtual std::span<const float> capture(std::size_t hook_index) const = 0;
    virtual std::int64_t capture_width(std::size_t hook_index) const = 0;

    // The same values as bf16 bit patterns when the engine holds them that way (the CUDA
    // engine), else empty: a caller storing bf16 then copies bits instead of rounding floats,
    // and the engine never widens them. Valid as capture() is.
    virtual std::span<const std::uint16_t> capture_bf16(std::size_t /*hook_index*/) const { return {}; }

private:
    // The default Start/Finish: the passes in flight, oldest first, run by Finish.
    struct StartedPass {
        std::vector<std::int32_t> tokens;
        std::int64_t B = 0, T = 0;
    };
    std::deque<StartedPass> started_;
    double last_pass_seconds_ = 0;
};

// The checks every engine makes at creation: at least one hook, limits >= 1, max_tokens within
// max_position_embeddings. InvalidArgument naming what is wrong.
Status CheckForwardOptions(const LlamaConfig& config, const ForwardOptions& options);

// The checks every engine makes at Run: B and T within the limits, tokens.size() == B·T, every
// id inside the vocabulary (the message names the position and sequence).
Status CheckForwardInput(const LlamaConfig& config, const ForwardOptions& options,
                         std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T);

// The hook sites computed last among `hooks` (the pass stops after it). REQUIRES: non-empty.
HookSite LastHookSite(const std::vector<HookSite>& hooks);

}  // namespace actcache::model
