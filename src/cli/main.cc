// actcache: the command-line entry point. Parses arguments, runs one subcommand, and turns its
// Status into an exit code and one line on stderr (the only place that does, STYLE.md rule 6).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"

namespace {

constexpr const char* kVersion = "actcache 0.1.0";

void PrintUsageError(const CLI::App& root, const std::string& message) {
    // The deepest subcommand that was being parsed names the usage to show.
    const CLI::App* context = &root;
    while (!context->get_subcommands().empty()) context = context->get_subcommands().front();
    std::string path = "actcache";
    if (context != &root) path += " " + context->get_name();
    std::fprintf(stderr, "actcache: error: %s\n", message.c_str());
    std::fprintf(stderr, "Usage: %s%s [OPTIONS]\nRun '%s --help' for more information.\n",
                 path.c_str(), context == &root ? " SUBCOMMAND" : "", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    using namespace actcache::cli;
    CLI::App app("actcache: builds activation datasets from Llama-family language models.",
                 "actcache");
    app.set_version_flag("--version", kVersion);
    app.require_subcommand(1);
    app.fallthrough(false);

    std::vector<Subcommand> commands;
    commands.push_back(AddMakeModelCommand(app));
    commands.push_back(AddForwardCommand(app));
    commands.push_back(AddTokenizeCommand(app));
    commands.push_back(AddRunCommand(app));
    commands.push_back(AddInspectCommand(app));
    commands.push_back(AddPushCommand(app));

    // CLI11 reports an unknown first word only as "a subcommand is required"; name it.
    const bool known = std::any_of(commands.begin(), commands.end(), [&](const Subcommand& c) {
        return argc > 1 && c.app->check_name(argv[1]);
    });
    if (argc > 1 && argv[1][0] != '-' && !known) {
        PrintUsageError(app, std::string("unknown subcommand '") + argv[1] + "'");
        return kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
        PrintUsageError(app, error.what());
        return kExitUsage;
    }

    for (const Subcommand& command : commands) {
        if (!command.app->parsed()) continue;
        actcache::Status status = command.run();
        if (!status.ok()) {
            std::fprintf(stderr, "actcache %s: error: %s\n", command.app->get_name().c_str(),
                         status.message().c_str());
            return status.code() == actcache::StatusCode::kCancelled ? kExitInterrupted : kExitFailure;
        }
        return kExitOk;
    }
    return kExitUsage;  // unreachable: require_subcommand(1)
}
