#include "core/thread_pool.h"

#include <sched.h>

#include "core/check.h"

namespace actcache {

ThreadPool::ThreadPool(int n_threads) {
    ACT_CHECK(n_threads >= 1);
    for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    workers_.clear();  // joins
}

int ThreadPool::HardwareThreads() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? static_cast<int>(hw) : 1;
}

void ThreadPool::RunTasks() {
    // Called with mu_ not held; claims tasks one at a time until none are left.
    while (true) {
        std::int64_t index = 0;
        const std::function<void(std::int64_t)>* task = nullptr;
        {
            std::lock_guard lock(mu_);
            if (task_ == nullptr || next_task_ >= n_tasks_) return;
            index = next_task_++;
            task = task_;
            ++tasks_running_;
        }
        (*task)(index);
        {
            std::lock_guard lock(mu_);
            --tasks_running_;
            if (next_task_ >= n_tasks_ && tasks_running_ == 0) work_done_.notify_all();
        }
    }
}

void ThreadPool::WorkerLoop() {
    std::uint64_t seen_generation = 0;
    while (true) {
        {
            std::unique_lock lock(mu_);
            work_ready_.wait(lock, [&] { return stopping_ || generation_ != seen_generation; });
            if (stopping_) return;
            seen_generation = generation_;
        }
        RunTasks();
    }
}

void ThreadPool::ParallelFor(std::int64_t n_tasks,
                             const std::function<void(std::int64_t)>& task) {
    if (n_tasks <= 0) return;
    {
        std::lock_guard lock(mu_);
        task_ = &task;
        n_tasks_ = n_tasks;
        next_task_ = 0;
        tasks_running_ = 0;
        ++generation_;
    }
    work_ready_.notify_all();
    RunTasks();
    std::unique_lock lock(mu_);
    work_done_.wait(lock, [&] { return next_task_ >= n_tasks_ && tasks_running_ == 0; });
    task_ = nullptr;
}

}  // namespace actcache
