// Where a model named by its Hub id lives on this machine: the snapshot folder of the standard
// HF cache (reference/hf-formats-and-hub.md §D.2), which transformers and huggingface_hub fill.
//
//   <cache_dir>/models--ORG--NAME/refs/<revision>          the commit hash (40 hex)
//   <cache_dir>/models--ORG--NAME/snapshots/<commit>/...   config.json, *.safetensors, ...
#pragma once

#include <string>

#include "core/status.h"
#include "hub/hub_settings.h"

namespace actcache::hub {

// The snapshot folder of `repo_id` ("ORG/NAME") at `revision` (a branch or tag name in refs/,
// or a 40-hex commit). NotFound with a message that says where it looked and how to fill the
// cache when the snapshot or its config.json is missing.
Result<std::string> FindCachedModel(const HubSettings& settings, const std::string& repo_id,
                                    const std::string& revision = "main");

}  // namespace actcache::hub
