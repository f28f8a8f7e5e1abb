#include "http/retry_policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace actcache::http {

std::int64_t BackoffMs(const RetryPolicy& policy, int attempt, std::int64_t retry_after_ms) {
    const double exponential = static_cast<double>(policy.initial_backoff_ms) *
                                std::pow(policy.backoff_multiplier, std::max(0, attempt - 1));
    const std::int64_t backoff = static_cast<std::int64_t>(
        std::min(exponential, static_cast<double>(policy.max_backoff_ms)));
    return std::min(std::max(backoff, retry_after_ms), policy.max_backoff_ms);
}

void Wait(const RetryPolicy& policy, std::int64_t ms) {
    if (policy.sleep) {
        policy.sleep(ms);
    } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
}

bool IsRetryableStatus(long status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace actcache::http
