// CrashPoint: a named place where a test can make the process die as SIGKILL would, to prove
// that a run killed exactly there resumes without losing or duplicating anything.
//
// ACTCACHE_CRASH_AT="NAME" or "NAME:K" kills the process (raise(SIGKILL): no destructors, no
// flushing, like the real thing) the K-th time (default 1st) CrashPoint(NAME) is reached. Unset
// — always, outside tests — it costs one cached check.
#pragma once

namespace actcache {

void CrashPoint(const char* name);

}  // namespace actcache
