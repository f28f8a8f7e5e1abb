#include "cli/toml_config.h"

#include <vector>

#include <toml++/toml.h>

namespace actcache::cli {
namespace {

// The text CLI11 would have received for one scalar TOML value; false when it is not a scalar.
bool ScalarText(const toml::node& node, std::string& text) {
    if (auto s = node.as_string()) {
        text = s->get();
    } else if (auto i = node.as_integer()) {
        text = std::to_string(i->get());
    } else if (auto b = node.as_boolean()) {
        text = b->get() ? "true" : "false";
    } else if (auto f = node.as_floating_point()) {
        text = std::to_string(f->get());
    } else {
        return false;
    }
    return true;
}

}  // namespace

Status ApplyTomlConfig(const std::string& path, CLI::App& app) {
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& error) {
        const auto& begin = error.source().begin;
        return Status::InvalidArgument(path + ":" + std::to_string(begin.line) + ":" +
                                       std::to_string(begin.column) + ": " + std::string(error.description()));
    }
    for (const auto& [key, node] : table) {
        const std::string name(key.str());
        const std::string where = path + ":" + std::to_string(node.source().begin.line) + ": " + name;
        std::string flag = name;
        for (char& c : flag) {
            if (c == '_') c = '-';
        }
        CLI::Option* option = nullptr;
        try {
            option = app.get_option("--" + flag);
        } catch (const CLI::OptionNotFound&) {
        }
        if (option == nullptr || flag == "config" || flag == "help") {
            return Status::InvalidArgument(where + ": unknown option (keys are the --long options of "
                                           "`actcache run --help`, with '_' for '-')");
        }
        if (option->count() > 0) continue;  // the command line wins
        std::vector<std::string> values;
        std::string text;
        if (auto array = node.as_array()) {
            for (const toml::node& item : *array) {
                if (!ScalarText(item, text)) return Status::InvalidArgument(where + ": arrays hold strings or numbers");
                values.push_back(text);
            }
        } else if (ScalarText(node, text)) {
            values.push_back(text);
        } else {
            return Status::InvalidArgument(where + ": sections and tables are not options; write "
                                           "`key = value` at the top level");
        }
        try {
            for (const std::string& value : values) option->add_result(value);
            option->run_callback();
        } catch (const CLI::Error& error) {
            return Status::InvalidArgument(where + ": " + error.what());
        }
    }
    return Status::Ok();
}

}  // namespace actcache::cli
