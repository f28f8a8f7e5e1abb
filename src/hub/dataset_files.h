// Lists and addresses the files of a Hub dataset repository (tree and resolve endpoints,
// reference/hf-formats-and-hub.md §D.1, §D.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "hub/hub_settings.h"

namespace actcache::hub {

struct HubFile {
    std::string path;    // in the repository, e.g. "train/00.jsonl.zst"
    std::int64_t size = 0;
};

// Every file of dataset `repo` ("ORG/NAME") at `revision`, recursively, following the tree
// API's `Link: <...>; rel="next"` pagination; sorted by path. Errors name the repository:
// NotFound for a missing repo or revision, InvalidArgument telling the user to set HF_TOKEN (or
// accept the dataset's terms) on 401/403, Unavailable when the Hub cannot be reached, and
// Unavailable "offline" when HF_HUB_OFFLINE is set.
Result<std::vector<HubFile>> ListDatasetFiles(const HubSettings& settings, const std::string& repo,
                                              const std::string& revision);

// {endpoint}/datasets/{repo}/resolve/{revision}/{path}: the URL a file's bytes are read from
// (revision quoted with no safe characters, path with '/' kept).
std::string DatasetFileUrl(const HubSettings& settings, const std::string& repo,
                           const std::string& revision, const std::string& path);

// Percent-encodes `text` for a URL path; '/' is kept only when keep_slash.
std::string QuoteUrlPath(const std::string& text, bool keep_slash);

}  // namespace actcache::hub
