// Expands corpus source arguments into the ordered list of files to read.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::corpus {

// Each spec, in the order given: "-" (standard input), an http(s) URL (kept as it is), a glob pattern (files matching it, in
// sorted order), a directory (every regular file below it, recursively, in sorted path order),
// or a file path. NotFound naming the spec for a missing path or a pattern that matches nothing.
Result<std::vector<std::string>> ExpandSources(const std::vector<std::string>& specs);

}  // namespace actcache::corpus
