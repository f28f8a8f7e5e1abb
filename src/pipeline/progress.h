// Progress of a run: counters the stages bump, and the line a person watches.
//
// On a terminal the line is redrawn in place about twice a second; otherwise (a log file, CI) a
// plain line is printed every `log_interval` seconds. Both go to stderr; --quiet silences them.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

namespace actcache::pipeline {

// Thread-safety: each counter is a relaxed atomic; a reader sees each one at some recent value.
struct RunCounters {
    std::atomic<std::int64_t> records{0};         // corpus records read (next doc_id)
    std::atomic<std::int64_t> documents_kept{0};  // passed the quality filter
    std::atomic<std::int64_t> windows{0};         // windows run through the model
    std::atomic<std::int64_t> forward_tokens{0};  // tokens run through the model
    std::atomic<std::int64_t> rows{0};            // rows in the dataset (committed + pending)
    std::atomic<std::int64_t> shards{0};          // shards committed
};

// What the ETA is measured against; all −1 when the run has no limit.
struct ProgressTarget {
    std::int64_t rows = -1;     // from --max-tokens or --max-shards × shard size
    std::int64_t records = -1;  // from --max-docs
};

// One owner (the coordinating thread).
class ProgressPrinter {
public:
    ProgressPrinter(bool quiet, bool terminal, double log_interval_seconds, ProgressTarget target,
                    std::int64_t rows_at_start, std::FILE* out = stderr);

    // Prints when the interval has passed (or `force`). `elapsed` in seconds since the start.
    void Update(const RunCounters& counters, double elapsed, bool force = false);
    // Ends the live line (a newline on a terminal).
    void Finish();

    // The line itself, for tests: "docs 120 read / 80 kept | windows 300 | 1.2k tok/s | ..."
    static std::string Line(const RunCounters& counters, double elapsed, ProgressTarget target,
                            std::int64_t rows_at_start);

private:
    bool quiet_, terminal_;
    double interval_;
    ProgressTarget target_;
    std::int64_t rows_at_start_;
    std::FILE* out_;
    double last_print_ = 0;  // the first line after one interval: nothing to say at 0 s
    bool printed_ = false;
};

}  // namespace actcache::pipeline
