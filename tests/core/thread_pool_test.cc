#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace actcache {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskExactlyOnce) {
    for (int threads : {1, 2, 5}) {
        ThreadPool pool(threads);
        EXPECT_EQ(pool.n_threads(), threads);
        std::vector<std::atomic<int>> counts(1000);
        for (int round = 0; round < 3; ++round) {
            pool.ParallelFor(1000, [&](std::int64_t i) { counts[i].fetch_add(1); });
        }
        for (auto& count : counts) EXPECT_EQ(count.load(), 3);
    }
}

TEST(ThreadPoolTest, EmptyLoopReturnsImmediately) {
    ThreadPool pool(2);
    pool.ParallelFor(0, [](std::int64_t) { FAIL() << "no task should run"; });
}

TEST(ThreadPoolTest, HardwareThreadsIsPositive) { EXPECT_GE(ThreadPool::HardwareThreads(), 1); }

}  // namespace
}  // namespace actcache
