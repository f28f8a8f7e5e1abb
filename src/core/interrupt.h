// Interrupt: SIGINT and SIGTERM as a request to stop, not a kill. Long jobs install the handler,
// poll InterruptSignal() at safe points, and stop cleanly (committed work kept, resumable).
#pragma once

namespace actcache {

// Installs handlers for SIGINT and SIGTERM that record the signal (SA_RESTART: blocking I/O is
// not interrupted). A second signal of the same kind restores the default action and re-raises,
// so a user pressing Ctrl-C twice is never stuck.
void InstallInterruptHandlers();

// The signal number received since installation, or 0. Thread-safe (lock-free atomic).
int InterruptSignal();

}  // namespace actcache
