// Where a model named by its Hub id lives on this machine: the snapshot folder of the standard
// HF cache (reference/hf-formats-and-hub.md §D.2), which transformers, huggingface_hub and
// DownloadModelSnapshot (hub/model_download.h) fill.
//
//   <cache_dir>/models--ORG--NAME/refs/<revision>          the commit hash (40 hex)
//   <cache_dir>/models--ORG--NAME/snapshots/<commit>/...   config.json, *.safetensors, ...
#pragma once

#include <string>

#include "core/status.h"
#include "hub/hub_settings.h"
#include "hub/model_files.h"

namespace actcache::hub {

// The snapshot folder of `repo_id` ("ORG/NAME") at `revision` (a branch or tag name in refs/,
// or a 40-hex commit) when it holds every file of `files`. Reads only; never touches the
// network. NotFound saying where it looked and, when the snapshot exists but is incomplete,
// which files are missing.
Result<std::string> FindCachedModel(const HubSettings& settings, const std::string& repo_id,
                                    const std::string& revision = "main",
                                    const ModelFileList& files = LlamaModelFiles());

}  // namespace actcache::hub
