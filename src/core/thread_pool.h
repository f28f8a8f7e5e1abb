// ThreadPool: a fixed set of worker threads that run index-parallel loops.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace actcache {

// Thread-safety: ParallelFor may be called by one thread at a time (it blocks until done).
class ThreadPool {
public:
    // REQUIRES: n_threads >= 1. n_threads - 1 workers are started; the caller of ParallelFor is
    // the n-th thread, so a pool of 1 runs everything inline.
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int n_threads() const { return static_cast<int>(workers_.size()) + 1; }

    // Runs task(i) for every i in [0, n_tasks), spread over the threads in any order, and
    // returns when all have finished. Tasks must not call ParallelFor on the same pool.
    void ParallelFor(std::int64_t n_tasks, const std::function<void(std::int64_t)>& task);

    // Number of hardware threads this process may use (at least 1).
    static int HardwareThreads();

private:
    void WorkerLoop();
    void RunTasks();

    std::vector<std::jthread> workers_;
    std::mutex mu_;
    std::condition_variable work_ready_;
    std::condition_variable work_done_;
    // The job in flight, guarded by mu_ except next_task_ which is claimed under mu_ too (tasks
    // here are coarse; a lock per task costs nothing measurable).
    const std::function<void(std::int64_t)>* task_ = nullptr;
    std::int64_t n_tasks_ = 0;
    std::int64_t next_task_ = 0;
    std::int64_t tasks_running_ = 0;
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
};

}  // namespace actcache
