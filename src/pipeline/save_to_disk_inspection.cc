#include "pipeline/save_to_disk_inspection.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/json.h"
#include "core/sha256.h"
#include "dataset/arrow_ipc_format.h"
#include "dataset/arrow_stream_reader.h"
#include "dataset/save_to_disk_writer.h"
#include "pipeline/manifest.h"
#include "pipeline/norm_stats_check.h"
#include "pipeline/text_format.h"

namespace actcache::pipeline {
namespace {

namespace fs = std::filesystem;

// Value `i` of an activation field as a number: bf16 bit patterns (uint16) or float32.
double ActivationValue(const dataset::ArrowStreamField& field, std::string_view values,
                       std::int64_t i) {
    if (field.is_float) {
        float value;
        std::memcpy(&value, values.data() + 4 * i, 4);
        return value;
    }
    std::uint16_t bits;
    std::memcpy(&bits, values.data() + 2 * i, 2);
    return Bf16ToFloat(bits);
}

template <typename T>
T Load(std::string_view values, std::int64_t i) {
    T value;
    std::memcpy(&value, values.data() + static_cast<std::size_t>(i) * sizeof(T), sizeof(T));
    return value;
}

// state.json names the one data file; dataset_info.json's features are the stream's
// "huggingface" features (what load_from_disk compares).
bool FolderFilesAgree(const std::string& folder, const dataset::ArrowStreamReader& reader) {
    Result<std::string> state_text = ReadFileToString(folder + "/state.json");
    Result<std::string> info_text = ReadFileToString(folder + "/dataset_info.json");
    if (!state_text.ok() || !info_text.ok()) return false;
    Result<JsonValue> state = ParseJson(*state_text);
    Result<JsonValue> info = ParseJson(*info_text);
    if (!state.ok() || !info.ok() || !state->is_object() || !info->is_object()) return false;
    for (const char* key : {"_data_files", "_fingerprint", "_format_columns", "_format_kwargs",
                            "_format_type", "_output_all_columns", "_split"}) {
        if (state->Find(key) == nullptr) return false;
    }
    const JsonValue& files = *state->Find("_data_files");
    if (!files.is_array() || files.items().size() != 1 || !files.items()[0].is_object())
        return false;
    const JsonValue* name = files.items()[0].Find("filename");
    if (name == nullptr || !name->is_string() || name->as_string() != dataset::kSaveToDiskDataFile)
        return false;
    for (const auto& [key, value] : reader.metadata()) {
        if (key != "huggingface") continue;
        Result<JsonValue> metadata = ParseJson(value);
        const JsonValue* inner =
            metadata.ok() && metadata->is_object() ? metadata->Find("info") : nullptr;
        const JsonValue* features = inner && inner->is_object() ? inner->Find("features") : nullptr;
        const JsonValue* info_features = info->Find("features");
        return features && info_features &&
               SerializeJson(*features) == SerializeJson(*info_features);
    }
    return false;
}

}  // namespace

bool IsSaveToDiskOutput(const std::string& dir) {
    std::error_code error;
    if (fs::is_directory(dir + "/data", error)) return false;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("train_") && fs::exists(entry.path() / "state.json", error))
            return true;
    }
    return false;
}

Result<InspectResult> InspectSaveToDiskDataset(const std::string& dir,
                                               const InspectOptions& options) {
    Result<RunManifest> manifest = LoadManifest(ManifestPath(dir));
    if (!manifest.ok())
        return manifest.status().WithContext(
            dir + ": save_to_disk shards are checked against the manifest");
    std::vector<std::string> folders;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("train_") && entry.is_directory(error)) folders.push_back(name);
    }
    std::sort(folders.begin(), folders.end());
    if (folders.empty()) return Status::NotFound(dir + ": no shard folders (train_NNNNN/)");

    const std::string shown_split = options.split.empty() ? folders.front() : options.split;
    bool files_agree = folders.size() == manifest->shards.size(), counts_agree = true,
         digests_agree = true;
    bool folders_agree = true;
    std::int64_t total_rows = 0, largest_batch = 0, order_violations = 0, shown_rows = 0;
    std::int64_t previous_doc = -1, previous_pos = -1;
    std::vector<std::string> column_names;
    std::vector<double> sum_squared_norms;
    std::int64_t width = -1;
    std::string counts_section, rows_section;
    for (const std::string& split : folders) {
        const std::string path = dir + "/" + split + "/" + dataset::kSaveToDiskDataFile;
        ACT_ASSIGN_OR_RETURN(auto reader, dataset::ArrowStreamReader::Open(path));
        const auto& fields = reader->fields();
        if (fields.size() < 4 || fields[0].name != "doc_id" || fields[0].value_bytes != 8 ||
            fields[1].name != "tok_pos" || fields[1].value_bytes != 4 ||
            fields[2].name != "token_id" || fields[2].value_bytes != 4) {
            return Status::Corruption(
                path +
                ": not an activation dataset (doc_id int64, tok_pos int32, token_id int32, lists)");
        }
        std::vector<std::string> names;
        for (std::size_t f = 3; f < fields.size(); ++f) {
            if (fields[f].list_size <= 0 ||
                !(fields[f].is_float ? fields[f].value_bytes == 4 : fields[f].value_bytes == 2)) {
                return Status::Corruption(path + ": field '" + fields[f].name +
                                          "' is not a fixed-size list of uint16 or float32");
            }
            names.push_back(fields[f].name);
        }
        if (column_names.empty()) {
            column_names = names;
            sum_squared_norms.assign(names.size(), 0.0);
            width = fields[3].list_size;
        }
        if (names != column_names)
            return Status::Corruption(path + ": columns differ from the first shard's");
        folders_agree = folders_agree && FolderFilesAgree(dir + "/" + split, *reader);

        std::int64_t rows = 0, batches = 0;
        dataset::ArrowRecordBatch batch;
        while (true) {
            ACT_ASSIGN_OR_RETURN(const bool more, reader->Next(batch));
            if (!more) break;
            ++batches;
            largest_batch = std::max(largest_batch, batch.rows);
            for (std::int64_t r = 0; r < batch.rows; ++r) {
                const auto doc = Load<std::int64_t>(batch.values[0], r);
                const auto pos = Load<std::int32_t>(batch.values[1], r);
                if (doc < previous_doc || (doc == previous_doc && pos <= previous_pos))
                    ++order_violations;
                previous_doc = doc;
                previous_pos = pos;
                for (std::size_t c = 0; c < names.size(); ++c) {
                    const dataset::ArrowStreamField& field = fields[3 + c];
                    double squared = 0;
                    for (std::int64_t i = 0; i < field.list_size; ++i) {
                        const double x =
                            ActivationValue(field, batch.values[3 + c], r * field.list_size + i);
                        squared += x * x;
                    }
                    sum_squared_norms[c] += squared;
                }
                if (split == shown_split && shown_rows < options.rows) {
                    ++shown_rows;
                    std::string shown = Format("  %8lld %6d %7d [", static_cast<long long>(doc),
                                               pos, Load<std::int32_t>(batch.values[2], r));
                    const dataset::ArrowStreamField& field = fields[3];
                    for (std::int64_t i = 0; i < std::min(field.list_size, options.values); ++i) {
                        shown += Format(
                            i ? ", %.4g" : "%.4g",
                            ActivationValue(field, batch.values[3], r * field.list_size + i));
                    }
                    rows_section += shown + (field.list_size > options.values ? ", ...]\n" : "]\n");
                }
            }
            rows += batch.rows;
        }
        total_rows += rows;

        const CommittedShard* committed = nullptr;
        for (const CommittedShard& shard : manifest->shards) {
            if (shard.split == split) committed = &shard;
        }
        std::string note = "  not in manifest";
        if (committed == nullptr) {
            files_agree = false;
        } else {
            counts_agree = counts_agree && committed->rows == rows;
            Sha256 sha;
            sha.Update(reader->bytes());
            const bool same = sha.HexDigest() == committed->sha256 &&
                              committed->file == split + "/" + dataset::kSaveToDiskDataFile;
            digests_agree = digests_agree && same;
            note = Format("  manifest %10lld%s", static_cast<long long>(committed->rows),
                          same ? "  sha256 ok" : "  SHA-256 DIFFERS from the manifest");
        }
        counts_section +=
            Format("  %-12s %10lld rows in %lld batches%s\n", split.c_str(),
                   static_cast<long long>(rows), static_cast<long long>(batches), note.c_str());
    }

    std::string report = "dataset " + dir +
                         " (save_to_disk folders): " + std::to_string(folders.size()) +
                         " shards, " + std::to_string(total_rows) + " rows; activation columns:";
    for (const std::string& name : column_names) report += " " + name;
    report += Format(" (width %lld)\n", static_cast<long long>(width));
    report += "\nfirst rows of " + shown_split + ":  doc_id tok_pos token_id [first values]\n" +
              rows_section;
    report += "\nrows per split:\n" + counts_section;

    const NormStatsCheck stats = CheckNormStatsFile(dir, column_names, sum_squared_norms, total_rows);
    report += stats.report;
    const bool stats_agree = stats.agree;

    std::string lines;
    int failed = 0;
    auto check = [&](bool ok, const std::string& what) {
        lines += std::string(ok ? "  PASS  " : "  FAIL  ") + what + "\n";
        failed += ok ? 0 : 1;
    };
    check(files_agree,
          "every shard folder is in the manifest, and every shard of the manifest has its folder");
    check(counts_agree, "row counts of the shards match the manifest");
    check(digests_agree, "SHA-256 of every .arrow file matches the manifest");
    check(folders_agree,
          "state.json and dataset_info.json are what load_from_disk reads (one data file, "
          "the stream's features)");
    check(largest_batch <= dataset::arrow_ipc::kMaxBatchRows,
          Format("record batches of at most %lld rows (largest %lld)",
                 static_cast<long long>(dataset::arrow_ipc::kMaxBatchRows),
                 static_cast<long long>(largest_batch)));
    check(order_violations == 0, Format("rows in (doc_id, tok_pos) order (%lld out of order)",
                                        static_cast<long long>(order_violations)));
    check(stats_agree, "norm_stats.json matches the shards (tokens, rms)");
    report += "\nchecks:\n" + lines;
    report += failed == 0 ? "all checks passed\n" : Format("%d checks FAILED\n", failed);
    return InspectResult{report, failed};
}

}  // namespace actcache::pipeline
