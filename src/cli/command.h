// The subcommand interface of the actcache binary: each subcommand file registers its options
// on a CLI11 sub-app and returns the action to run once parsing has succeeded.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/status.h"

namespace actcache::cli {

// Exit codes of the actcache binary (documented in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (one line on stderr)
inline constexpr int kExitUsage = 2;    // unknown option, bad value, missing argument
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT/SIGTERM, cleanly and resumably

struct Subcommand {
    CLI::App* app = nullptr;            // owned by the parent CLI::App
    std::function<Status()> run;        // called only when `app` was selected and parsed
};

// Rejects a leading '-' before CLI11 converts the value: CLI11 would wrap "-1" into an unsigned
// option as 2^64 - 1 instead of reporting it.
inline CLI::Validator NonNegativeInteger() {
    return CLI::Validator(
        [](std::string& value) {
            return value.starts_with("-") ? std::string("must be a non-negative integer")
                                          : std::string();
        },
        "UINT");
}

// One registration function per subcommand file.
Subcommand AddForwardCommand(CLI::App& parent);
Subcommand AddInspectCommand(CLI::App& parent);
Subcommand AddMakeModelCommand(CLI::App& parent);
Subcommand AddPushCommand(CLI::App& parent);
Subcommand AddRunCommand(CLI::App& parent);
Subcommand AddTokenizeCommand(CLI::App& parent);

}  // namespace actcache::cli
