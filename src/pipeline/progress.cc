#include "pipeline/progress.h"

#include <cmath>

namespace actcache::pipeline {
namespace {

// 1234567 → "1.23M": compact enough for one terminal line.
std::string Human(double value) {
    const char* suffix = "";
    for (const char* s : {"k", "M", "G", "T"}) {
        if (std::fabs(value) < 1000) break;
        value /= 1000;
        suffix = s;
    }
    char text[32];
    std::snprintf(text, sizeof text, *suffix ? "%.3g%s" : "%.0f%s", value, suffix);
    return text;
}

std::string Duration(double seconds) {
    const long total = std::lround(seconds);
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, total / 60 % 60);
    } else {
        std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
    }
    return text;
}

}  // namespace

ProgressPrinter::ProgressPrinter(bool quiet, bool terminal, double log_interval_seconds,
                                 ProgressTarget target, std::int64_t rows_at_start, std::FILE* out)
    : quiet_(quiet),
      terminal_(terminal),
      interval_(terminal ? 0.5 : log_interval_seconds),
      target_(target),
      rows_at_start_(rows_at_start),
      out_(out) {}

std::string ProgressPrinter::Line(const RunCounters& counters, double elapsed, ProgressTarget target,
                                  std::int64_t rows_at_start) {
    const auto records = counters.records.load(std::memory_order_relaxed);
    const auto rows = counters.rows.load(std::memory_order_relaxed);
    const auto tokens = counters.forward_tokens.load(std::memory_order_relaxed);
    const double rate = elapsed > 0 ? static_cast<double>(tokens) / elapsed : 0.0;
    std::string line = "docs " + Human(static_cast<double>(records)) + " read / " +
                       Human(static_cast<double>(counters.documents_kept.load(std::memory_order_relaxed))) +
                       " kept | windows " + Human(static_cast<double>(counters.windows.load(std::memory_order_relaxed))) +
                       " | " + Human(rate) + " tok/s | rows " + Human(static_cast<double>(rows)) +
                       " | shards " + std::to_string(counters.shards.load(std::memory_order_relaxed)) +
                       " | " + Duration(elapsed);
    // ETA from the fraction of the limit done in this session.
    double fraction = -1;
    if (target.rows > rows_at_start && rows > rows_at_start) {
        fraction = static_cast<double>(rows - rows_at_start) / static_cast<double>(target.rows - rows_at_start);
    }
    if (target.records > 0 && records > 0) {
        fraction = std::max(fraction, static_cast<double>(records) / static_cast<double>(target.records));
    }
    if (fraction > 0 && fraction < 1) line += " | ETA " + Duration(elapsed * (1 - fraction) / fraction);
    return line;
}

void ProgressPrinter::Update(const RunCounters& counters, double elapsed, bool force) {
    if (quiet_ || (!force && elapsed - last_print_ < interval_)) return;
    last_print_ = elapsed;
    const std::string line = Line(counters, elapsed, target_, rows_at_start_);
    if (terminal_) {
        std::fprintf(out_, "\r\033[K%s", line.c_str());
    } else {
        std::fprintf(out_, "%s\n", line.c_str());
    }
    std::fflush(out_);
    printed_ = true;
}

void ProgressPrinter::Finish() {
    if (!quiet_ && terminal_ && printed_) std::fprintf(out_, "\n");
}

}  // namespace actcache::pipeline
