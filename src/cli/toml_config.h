// Options from a TOML file, under the same names as on the command line: `seq_len = 128` in the
// file is `--seq-len 128`. A value given on the command line wins over the file's.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "core/status.h"

namespace actcache::cli {

// For each top-level key of the TOML file at `path`, sets the option `--key-with-dashes` of
// `app` unless the command line gave it. Strings, integers and booleans map to their text;
// arrays to repeated values (for repeatable options). InvalidArgument with "FILE:LINE: ..." for
// a syntax error, an unknown key, a table, a value of the wrong kind, or a value the option's
// own check rejects.
Status ApplyTomlConfig(const std::string& path, CLI::App& app);

}  // namespace actcache::cli
