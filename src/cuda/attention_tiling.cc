// ParseAttentionTiling (declared in cuda_forward.h, with the engine that reads it). Built with
// or without CUDA, so that the declaration always has its definition.
#include <string>

#include "cuda/cuda_forward.h"

namespace actcache::cuda {

Result<AttentionTiling> ParseAttentionTiling(const char* value) {
    if (value == nullptr || *value == '\0') return kDefaultAttentionTiling;
    for (AttentionTiling tiling : {AttentionTiling::k64Queries, AttentionTiling::k128Queries}) {
        if (std::string(value) == AttentionTilingName(tiling)) return tiling;
    }
    return Status::InvalidArgument("ACTCACHE_CUDA_ATTENTION='" + std::string(value) +
                                   "': expected q64 or q128 (queries per attention block)");
}

}  // namespace actcache::cuda
