#include "dataset/save_to_disk_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/check.h"
#include "core/file_util.h"
#include "core/json.h"

namespace actcache::dataset {
namespace {

std::string ParentDirectory(const std::string& path) {
    const std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

}  // namespace

std::string SaveToDiskDatasetInfoJson(const std::vector<ActivationColumn>& columns) {
    // Features.to_dict() order (doc_id, tok_pos, token_id, columns; dtype before _type) is kept:
    // save_to_disk sorts only the top-level keys, "or we might shuffle fields of nested
    // features" (datasets arrow_dataset.py). json.dump writes no final newline.
    Result<JsonValue> huggingface = ParseJson(HuggingFaceFeaturesJson(columns));
    ACT_CHECK(huggingface.ok());
    JsonValue info = JsonValue::Object();
    info.Set("citation", JsonValue::String(""));
    info.Set("description", JsonValue::String(""));
    info.Set("features", *huggingface->Find("info")->Find("features"));
    info.Set("homepage", JsonValue::String(""));
    info.Set("license", JsonValue::String(""));
    return SerializeJson(info, 2);
}

std::string SaveToDiskStateJson(const std::string& fingerprint) {
    // json.dump(state, indent=2, sort_keys=True): the keys below are in sorted order.
    JsonValue file = JsonValue::Object();
    file.Set("filename", JsonValue::String(kSaveToDiskDataFile));
    JsonValue data_files = JsonValue::Array();
    data_files.Append(std::move(file));
    JsonValue state = JsonValue::Object();
    state.Set("_data_files", std::move(data_files));
    state.Set("_fingerprint", JsonValue::String(fingerprint));
    state.Set("_format_columns", JsonValue());
    state.Set("_format_kwargs", JsonValue::Object());
    state.Set("_format_type", JsonValue());
    state.Set("_output_all_columns", JsonValue::Bool(false));
    state.Set("_split", JsonValue());
    return SerializeJson(state, 2);
}

SaveToDiskWriter::SaveToDiskWriter(std::string dir, std::string temp_dir,
                                   std::vector<ActivationColumn> columns,
                                   std::unique_ptr<ArrowStreamWriter> stream)
    : dir_(std::move(dir)),
      temp_dir_(std::move(temp_dir)),
      columns_(std::move(columns)),
      stream_(std::move(stream)) {}

Result<std::unique_ptr<SaveToDiskWriter>> SaveToDiskWriter::Create(std::string dir,
                                                                   ArrowStreamOptions options) {
    std::error_code error;
    if (std::filesystem::exists(dir, error)) {
        return Status::InvalidArgument(
            dir + ": already exists; a save_to_disk shard is never overwritten");
    }
    std::string temp_dir = dir + ".tmp-" + std::to_string(::getpid());
    std::filesystem::remove_all(temp_dir, error);  // a leftover of an earlier process with our pid
    ACT_RETURN_IF_ERROR(CreateDirectories(temp_dir));
    std::vector<ActivationColumn> columns = options.activation_columns;
    Result<std::unique_ptr<ArrowStreamWriter>> stream =
        ArrowStreamWriter::Create(temp_dir + "/" + kSaveToDiskDataFile, std::move(options));
    if (!stream.ok()) {
        std::filesystem::remove_all(temp_dir, error);
        return stream.status();
    }
    return std::unique_ptr<SaveToDiskWriter>(new SaveToDiskWriter(
        std::move(dir), std::move(temp_dir), std::move(columns), std::move(*stream)));
}

SaveToDiskWriter::~SaveToDiskWriter() {
    if (committed_) return;
    stream_.reset();  // removes its temporary file first
    std::error_code error;
    std::filesystem::remove_all(temp_dir_, error);  // best effort: a resumed run removes it too
}

Status SaveToDiskWriter::AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                                std::span<const std::span<const std::byte>> activations) {
    return stream_->AddRow(doc_id, tok_pos, token_id, activations);
}

Status SaveToDiskWriter::Finish() {
    ACT_CHECK(!committed_);
    ACT_RETURN_IF_ERROR(stream_->Finish());
    ACT_RETURN_IF_ERROR(
        WriteFileAtomically(temp_dir_ + "/dataset_info.json", SaveToDiskDatasetInfoJson(columns_)));
    ACT_RETURN_IF_ERROR(WriteFileAtomically(temp_dir_ + "/state.json",
                                            SaveToDiskStateJson(stream_->sha256().substr(0, 16))));
    // Each file's commit fsynced the temporary folder; now the folder itself.
    if (std::rename(temp_dir_.c_str(), dir_.c_str()) != 0) {
        return Status::IOError(dir_ + ": cannot rename " + temp_dir_ +
                               " onto it: " + std::strerror(errno));
    }
    committed_ = true;
    return SyncDirectory(ParentDirectory(dir_));
}

}  // namespace actcache::dataset
