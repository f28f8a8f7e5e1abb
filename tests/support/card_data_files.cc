#include "support/card_data_files.h"

#include "core/json.h"
#include "support/temp_dir.h"

namespace actcache::testing {

Result<std::map<std::string, std::vector<std::string>>> ResolveCardDataFiles(const std::string& card_path,
                                                                             const std::string& root) {
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const CommandResult resolved = RunShell("cd " + ShellQuote(oracles) + " && node parse_yaml.mjs " +
                                            ShellQuote(card_path) + " | /usr/bin/python3 resolve_data_files.py " +
                                            ShellQuote(root));
    if (resolved.exit_code != 0) return Status::Internal("resolving the card's data_files: " + resolved.stderr_text);
    ACT_ASSIGN_OR_RETURN(JsonValue json, ParseJson(resolved.stdout_text));
    std::map<std::string, std::vector<std::string>> files;
    for (const auto& [split, paths] : json.members()) {
        std::vector<std::string>& list = files[split];  // an entry even when nothing matched
        for (const JsonValue& path : paths.items()) list.push_back(path.as_string());
    }
    return files;
}

}  // namespace actcache::testing
