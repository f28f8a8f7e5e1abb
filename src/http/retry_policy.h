// RetryPolicy: when and how long to wait before retrying a failed HTTP request.
#pragma once

#include <cstdint>
#include <functional>

namespace actcache::http {

struct RetryPolicy {
    int max_attempts = 6;                // first try included
    std::int64_t initial_backoff_ms = 500;
    double backoff_multiplier = 2.0;
    std::int64_t max_backoff_ms = 30000;
    // Waits `ms` milliseconds; tests substitute a recorder so they need not sleep.
    std::function<void(std::int64_t ms)> sleep;
};

// The wait before attempt `attempt` (1 = the first retry): exponential backoff capped at
// max_backoff_ms, or the server's Retry-After when it asked for longer (capped the same way).
std::int64_t BackoffMs(const RetryPolicy& policy, int attempt, std::int64_t retry_after_ms);

// Sleeps with policy.sleep, or std::this_thread::sleep_for when it is empty.
void Wait(const RetryPolicy& policy, std::int64_t ms);

// Whether an HTTP status is worth retrying: 408, 429 and 5xx.
bool IsRetryableStatus(long status);

}  // namespace actcache::http
