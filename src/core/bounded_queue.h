// BoundedQueue: a first-in first-out channel between two pipeline stages, with backpressure.
//
// Push blocks while the queue holds `capacity` items, so a fast producer waits for a slow
// consumer instead of buffering without bound; Pop blocks while it is empty. Close() ends the
// stream from either side: pending Pops drain what is left and then return nullopt; Pushes
// after Close return false and drop the item (the consumer has stopped listening).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "core/check.h"

namespace actcache {

// Thread-safety: every method is thread-safe.
template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) { ACT_CHECK(capacity >= 1); }

    // Appends `item`, waiting for room. False (item dropped) once the queue is closed.
    bool Push(T item) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    // The oldest item, waiting for one; nullopt when the queue is closed and drained.
    std::optional<T> Pop() {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    // Appends `item` if there is room, without waiting; false (item dropped) when the queue is
    // full or closed.
    bool TryPush(T item) {
        std::lock_guard lock(mu_);
        if (closed_ || items_.size() >= capacity_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    // The oldest item if there is one, without waiting.
    std::optional<T> TryPop() {
        std::lock_guard lock(mu_);
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    void Close() {
        std::lock_guard lock(mu_);
        closed_ = true;
        not_full_.notify_all();
        not_empty_.notify_all();
    }

private:
    const std::size_t capacity_;
    std::mutex mu_;
    std::condition_variable not_full_, not_empty_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace actcache
