// Benchmark helper: a model folder with seeded random weights for a given config.json, made once
// by `actcache make-model` and reused by later runs of the benchmark.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace actcache::bench {

// Makes `dir`/model from `config_json` (written to `dir`/config.json) unless `dir`/model already
// holds a model.safetensors. `actcache`: the binary to run. Returns the model folder; Internal
// naming the command when make-model fails.
Result<std::string> EnsureGeneratedModel(const std::string& dir, std::string_view config_json,
                                         const std::string& actcache);

}  // namespace actcache::bench
