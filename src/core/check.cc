#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace actcache::internal {

void CheckFailed(const char* file, int line, const char* condition) {
    std::fprintf(stderr, "actcache: internal invariant broken at %s:%d: %s\n", file, line,
                 condition);
    std::abort();
}

}  // namespace actcache::internal
