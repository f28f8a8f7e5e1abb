// Where the model and tokenizer of a run come from, and a fingerprint of them for the manifest.
#pragma once

#include <string>

#include "core/json.h"
#include "core/status.h"
#include "hub/hub_settings.h"

namespace actcache::pipeline {

// `model` as given to --model: a local HF-format folder, else a Hub id ("ORG/NAME[@REV]",
// REV a branch, tag or commit; default main): its snapshot in the HF cache when that holds every
// file a forward pass needs (no request is made), else — unless hub.offline — the snapshot after
// downloading the missing files into the cache (hub::DownloadModelSnapshot), with one line per
// file fetched on stderr unless `quiet`. Offline and not cached: NotFound naming the cache
// folder and the missing files. Other errors as DownloadModelSnapshot's.
Result<std::string> ResolveModelDir(const std::string& model, const hub::HubSettings& hub, bool quiet = false);

// The tokenizer.json a run uses: `tokenizer` (a file or folder) when given, else the model's.
std::string ResolveTokenizerPath(const std::string& tokenizer, const std::string& model_dir);

// What identifies the model's computation without reading all its bytes: SHA-256 of config.json
// and of tokenizer.json, and for each *.safetensors file its size and the SHA-256 of its header
// plus first MiB of data (different weights from the same generator differ there). The path is
// not part of it: a model moved or re-linked is the same model.
Result<JsonValue> ModelIdentity(const std::string& model_dir, const std::string& tokenizer_path);

}  // namespace actcache::pipeline
