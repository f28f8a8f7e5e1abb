// Test helper: what `datasets` would load for each split of a dataset card — the card's YAML read
// by the npm `yaml` parser (tests/oracles/parse_yaml.mjs), its data_files patterns resolved
// against a folder by fsspec's glob as `datasets` resolves them (resolve_data_files.py).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::testing {

// "CONFIG/SPLIT" ("default/train_00003", "all/train") → the files it resolves to under `root`,
// relative to `root`, sorted.
Result<std::map<std::string, std::vector<std::string>>> ResolveCardDataFiles(const std::string& card_path,
                                                                             const std::string& root);

}  // namespace actcache::testing
