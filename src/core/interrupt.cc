#include "core/interrupt.h"

#include <atomic>
#include <csignal>

namespace actcache {
namespace {

std::atomic<int> received_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

extern "C" void OnInterrupt(int signal_number) {
    if (received_signal.exchange(signal_number) == signal_number) {
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
    }
}

}  // namespace

void InstallInterruptHandlers() {
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int InterruptSignal() { return received_signal.load(); }

}  // namespace actcache
