// SaveToDiskWriter: one shard as the folder `Dataset.save_to_disk(dir)` makes of a single-file
// dataset (reference/hf-formats-and-hub.md §B), which `datasets.load_from_disk(dir)` opens:
//
//   dir/data-00000-of-00001.arrow   Arrow IPC stream (ArrowStreamWriter)
//   dir/dataset_info.json           asdict(DatasetInfo): citation, description, features,
//                                   homepage, license; top-level keys sorted, indent 2
//   dir/state.json                  _data_files, _fingerprint, _format_*, _output_all_columns,
//                                   _split (null, as Dataset.from_list gives); sorted, indent 2
//
// The folder is the unit of commit: it is built as "<dir>.tmp-<pid>" and renamed onto `dir`
// once its three files are durable, so `dir` is either complete or absent.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "dataset/arrow_stream_writer.h"
#include "dataset/shard_file_writer.h"

namespace actcache::dataset {

// The data file's name inside the folder (one shard of one: n = 1).
inline constexpr char kSaveToDiskDataFile[] = "data-00000-of-00001.arrow";

// dataset_info.json for `columns` (exactly what datasets 4.x writes for these features).
std::string SaveToDiskDatasetInfoJson(const std::vector<ActivationColumn>& columns);

// state.json; `fingerprint` is 16 lowercase hex digits.
std::string SaveToDiskStateJson(const std::string& fingerprint);

// One owner, not thread-safe.
class SaveToDiskWriter : public ShardFileWriter {
public:
    // Creates the temporary folder "<dir>.tmp-<pid>" and the stream in it. IOError naming the
    // path; InvalidArgument when `dir` already exists (a shard is never overwritten).
    static Result<std::unique_ptr<SaveToDiskWriter>> Create(std::string dir,
                                                            ArrowStreamOptions options);
    ~SaveToDiskWriter() override;  // removes the temporary folder unless Finish succeeded

    Status AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                  std::span<const std::span<const std::byte>> activations) override;

    // Commits the stream, writes the two JSON files (the fingerprint: the first 16 hex digits
    // of the stream's SHA-256, so reruns are byte-identical), renames the folder onto `dir` and
    // fsyncs its parent. On error nothing appears under `dir`.
    Status Finish() override;

    std::int64_t rows() const override { return stream_->rows(); }
    // Of the .arrow file (the folder's data; the JSON files derive from the columns and it).
    std::int64_t size_bytes() const override { return stream_->size_bytes(); }
    const std::string& sha256() const override { return stream_->sha256(); }

private:
    SaveToDiskWriter(std::string dir, std::string temp_dir, std::vector<ActivationColumn> columns,
                     std::unique_ptr<ArrowStreamWriter> stream);

    std::string dir_;
    std::string temp_dir_;
    std::vector<ActivationColumn> columns_;
    std::unique_ptr<ArrowStreamWriter> stream_;
    bool committed_ = false;
};

}  // namespace actcache::dataset
