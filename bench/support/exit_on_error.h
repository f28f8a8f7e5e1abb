// Benchmark helper: a benchmark program cannot go on without its inputs, so a failed step ends
// it with one line naming the program and the step.
#pragma once

#include "core/status.h"

namespace actcache::bench {

// When `status` is an error: prints "PROGRAM: WHAT: message" to stderr and exits with status 1.
void ExitOnError(const char* program, const Status& status, const char* what);

}  // namespace actcache::bench
