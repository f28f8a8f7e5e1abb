// ACT_CHECK: invariants that hold unless the program itself is wrong (STYLE.md rule 8).
//
// On in release builds. A failed check prints file:line and the broken condition, then aborts.
// It must never be reachable from user input: bad input is a Status, not a check.
#pragma once

namespace actcache::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace actcache::internal

#define ACT_CHECK(condition)                                                  \
    do {                                                                      \
        if (!(condition)) [[unlikely]]                                        \
            ::actcache::internal::CheckFailed(__FILE__, __LINE__, #condition); \
    } while (false)
