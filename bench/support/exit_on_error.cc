#include "exit_on_error.h"

#include <cstdio>
#include <cstdlib>

namespace actcache::bench {

void ExitOnError(const char* program, const Status& status, const char* what) {
    if (status.ok()) return;
    std::fprintf(stderr, "%s: %s: %s\n", program, what, status.ToString().c_str());
    std::exit(1);
}

}  // namespace actcache::bench
