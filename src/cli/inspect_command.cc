// `actcache inspect DIR`: rows, decoded tokens, statistics and checks of a built dataset (the
// seed's verification step). Exit 1 when a check fails.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "pipeline/dataset_inspection.h"

namespace actcache::cli {
namespace {

struct InspectCommandOptions {
    std::string dir;
    pipeline::InspectOptions inspect;
};

Status Inspect(const InspectCommandOptions& options) {
    ACT_ASSIGN_OR_RETURN(pipeline::InspectResult result, pipeline::InspectDataset(options.dir, options.inspect));
    std::fputs(result.report.c_str(), stdout);
    if (result.failed_checks > 0) {
        return Status::Corruption(options.dir + ": " + std::to_string(result.failed_checks) +
                                  " checks failed (see the report above)");
    }
    return Status::Ok();
}

}  // namespace

Subcommand AddInspectCommand(CLI::App& parent) {
    auto options = std::make_shared<InspectCommandOptions>();
    CLI::App* app = parent.add_subcommand(
        "inspect", "Show rows, decoded tokens and statistics of a dataset folder, and check it");
    app->add_option("dir", options->dir, "Dataset folder written by actcache run")
        ->required()
        ->check(CLI::ExistingDirectory);
    app->add_option("--split", options->inspect.split, "Split whose first rows are shown (default: the first)");
    app->add_option("--rows", options->inspect.rows, "Rows shown")->check(NonNegativeInteger())->capture_default_str();
    app->add_option("--values", options->inspect.values, "Activation values shown per row")
        ->check(NonNegativeInteger())
        ->capture_default_str();
    app->add_option("--top", options->inspect.top_tokens, "Most frequent tokens listed")
        ->check(NonNegativeInteger())
        ->capture_default_str();
    app->add_option("--tokenizer", options->inspect.tokenizer,
                    "tokenizer.json or folder for decoding (default: the one the run used)");
    return Subcommand{app, [options] { return Inspect(*options); }};
}

}  // namespace actcache::cli
