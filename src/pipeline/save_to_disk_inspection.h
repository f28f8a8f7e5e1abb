// InspectSaveToDiskDataset: `actcache inspect DIR` for a run written with --format arrow (one
// save_to_disk folder per shard, OUT/train_NNNNN/). Reads every .arrow stream with actcache's
// own reader (dataset/arrow_stream_reader.h) and checks what load_from_disk and the manifest
// rely on; the Parquet inspection's token histograms are not repeated here.
#pragma once

#include <string>

#include "core/status.h"
#include "pipeline/dataset_inspection.h"

namespace actcache::pipeline {

// True when `dir` holds save_to_disk shard folders (train_NNNNN/state.json) and no data/.
bool IsSaveToDiskOutput(const std::string& dir);

// The report: first rows, rows per split with SHA-256 against the manifest, norm_stats.json
// against the statistics recomputed from the streams, and checks (PASS/FAIL). Errors: no
// manifest or no shard folders (NotFound), a stream that cannot be read (Corruption naming it).
Result<InspectResult> InspectSaveToDiskDataset(const std::string& dir,
                                               const InspectOptions& options);

}  // namespace actcache::pipeline
