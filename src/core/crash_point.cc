#include "core/crash_point.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace actcache {
namespace {

struct CrashTarget {
    std::string name;  // empty: no crash requested
    long count = 1;
};

const CrashTarget& Target() {
    static const CrashTarget target = [] {
        CrashTarget t;
        const char* spec = std::getenv("ACTCACHE_CRASH_AT");
        if (spec == nullptr) return t;
        t.name = spec;
        if (const std::size_t colon = t.name.rfind(':'); colon != std::string::npos) {
            t.count = std::strtol(t.name.c_str() + colon + 1, nullptr, 10);
            t.name.resize(colon);
        }
        return t;
    }();
    return target;
}

}  // namespace

void CrashPoint(const char* name) {
    const CrashTarget& target = Target();
    if (target.name.empty() || target.name != name) return;
    static std::atomic<long> reached{0};
    if (reached.fetch_add(1) + 1 == target.count) std::raise(SIGKILL);
}

}  // namespace actcache
