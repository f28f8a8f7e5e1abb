// Expands corpus source arguments into the ordered list of byte sources to read.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "hub/hub_settings.h"

namespace actcache::corpus {

// One file to read: a local path, "-" (standard input) or a URL, with the request headers it
// needs (the Hub token for Hub files: never print them).
struct Source {
    std::string location;
    std::vector<std::string> headers;
};

// Each spec, in the order given:
//   "-"                                   standard input
//   http(s)://...                         a URL, as it is
//   hf://datasets/ORG/NAME[@REV]/PATTERN  the dataset's files matching PATTERN (a path, a folder,
//                                         or a glob where '*' does not cross '/'), sorted
//   ORG/NAME[@REV]                        (when no such local path exists) the dataset's data
//                                         files: those under train/ with a corpus suffix (.jsonl,
//                                         .json, .txt, optionally .zst/.gz, or .parquet), else all such files;
//                                         for monology/pile-uncopyrighted, train/*.jsonl.zst
//   a glob pattern                        matching local files, sorted
//   a directory                           every regular file below it, recursively, sorted
//   a file path
// NotFound naming the spec for a missing path or a pattern that matches nothing; Hub errors as
// hub::ListDatasetFiles reports them.
Result<std::vector<Source>> ExpandSources(const std::vector<std::string>& specs,
                                          const hub::HubSettings& hub);

}  // namespace actcache::corpus
