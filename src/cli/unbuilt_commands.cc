// Subcommands of the DESIGN.md §4 contract that this version does not implement yet. They are
// listed (so `actcache --help` shows the whole tool) and fail plainly when called.
#include <string>
#include <vector>

#include "cli/command.h"

namespace actcache::cli {
namespace {

struct UnbuiltCommand {
    const char* name;
    const char* description;
};

constexpr UnbuiltCommand kUnbuiltCommands[] = {
    {"push", "Upload what a run left locally to the Hugging Face Hub"},
};

}  // namespace

std::vector<Subcommand> AddUnbuiltCommands(CLI::App& parent) {
    std::vector<Subcommand> commands;
    for (const UnbuiltCommand& command : kUnbuiltCommands) {
        CLI::App* app =
            parent.add_subcommand(command.name, std::string(command.description) +
                                                    " [not built yet in this version]");
        // Any arguments are accepted so that the answer is always the plain one below.
        app->allow_extras();
        const std::string name = command.name;
        commands.push_back(Subcommand{app, [name] {
                                          return Status::Unimplemented(
                                              "'actcache " + name +
                                              "' is not built yet in this version");
                                      }});
    }
    return commands;
}

}  // namespace actcache::cli
