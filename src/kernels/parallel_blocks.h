// ForBlocks: the backends' one way of spreading work over a thread pool. The blocks are fixed
// by n and `block` alone — never by the thread count — which is what keeps every result
// independent of how many threads run it (backend.h's determinism contract).
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace actcache::kernels {

// Runs fn(begin, end) for the blocks [0, block), [block, 2·block), ... of [0, n), in parallel.
template <typename Fn>
void ForBlocks(ThreadPool& pool, std::int64_t n, std::int64_t block, const Fn& fn) {
    pool.ParallelFor((n + block - 1) / block, [&](std::int64_t index) {
        const std::int64_t begin = index * block;
        fn(begin, begin + block < n ? begin + block : n);
    });
}

}  // namespace actcache::kernels
