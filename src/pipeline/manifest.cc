#include "pipeline/manifest.h"

#include "core/file_util.h"

namespace actcache::pipeline {

std::string ManifestPath(const std::string& output_dir) { return output_dir + "/.actcache/manifest.json"; }

Status SaveManifest(const std::string& path, const RunManifest& manifest) {
    JsonValue json = JsonValue::Object();
    json.Set("version", JsonValue::Integer(RunManifest::kVersion));
    json.Set("complete", JsonValue::Bool(manifest.complete));
    json.Set("stopped_by", JsonValue::String(manifest.stopped_by));
    json.Set("rows", JsonValue::Integer(manifest.rows));
    JsonValue last = JsonValue::Object();
    last.Set("doc_id", JsonValue::Integer(manifest.last_row.doc_id));
    last.Set("window", JsonValue::Integer(manifest.last_row.window));
    last.Set("token", JsonValue::Integer(manifest.last_row.token));
    json.Set("last_row", std::move(last));
    JsonValue shards = JsonValue::Array();
    for (const CommittedShard& shard : manifest.shards) {
        JsonValue item = JsonValue::Object();
        item.Set("split", JsonValue::String(shard.split));
        item.Set("file", JsonValue::String(shard.file));
        item.Set("rows", JsonValue::Integer(shard.rows));
        item.Set("bytes", JsonValue::Integer(shard.bytes));
        item.Set("sha256", JsonValue::String(shard.sha256));
        shards.Append(std::move(item));
    }
    json.Set("shards", std::move(shards));
    json.Set("limits", manifest.limits.is_null() ? JsonValue::Object() : manifest.limits);
    json.Set("info", manifest.info.is_null() ? JsonValue::Object() : manifest.info);
    json.Set("identity", manifest.identity);
    JsonValue statistics = JsonValue::Array();
    for (const dataset::NormStatistics& stats : manifest.statistics) statistics.Append(stats.ToJson());
    json.Set("statistics", std::move(statistics));
    ACT_RETURN_IF_ERROR(CreateDirectories(path.substr(0, path.rfind('/'))));
    return WriteFileAtomically(path, SerializeJson(json, 1) + "\n");
}

namespace {

// Typed field access that names the field in its error.
class FieldReader {
public:
    explicit FieldReader(std::string path) : path_(std::move(path)) {}

    Result<const JsonValue*> Get(const JsonValue& object, const char* key, JsonType type,
                                 const std::string& where) const {
        const JsonValue* value = object.is_object() ? object.Find(key) : nullptr;
        if (value == nullptr || value->type() != type ||
            (type == JsonType::kNumber && !value->is_integer())) {
            return Status::Corruption(path_ + ": field '" + where + key + "' is missing or not " +
                                      (type == JsonType::kNumber ? "an integer" : std::string(JsonTypeName(type))));
        }
        return value;
    }
    Result<std::int64_t> Int(const JsonValue& object, const char* key, const std::string& where = "") const {
        ACT_ASSIGN_OR_RETURN(const JsonValue* value, Get(object, key, JsonType::kNumber, where));
        return value->as_int64();
    }
    Result<std::string> String(const JsonValue& object, const char* key, const std::string& where = "") const {
        ACT_ASSIGN_OR_RETURN(const JsonValue* value, Get(object, key, JsonType::kString, where));
        return value->as_string();
    }

private:
    std::string path_;
};

}  // namespace

Result<RunManifest> LoadManifest(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    Result<JsonValue> parsed = ParseJson(text);
    if (!parsed.ok()) return parsed.status().WithContext(path);
    const JsonValue& json = *parsed;
    const FieldReader fields(path);
    ACT_ASSIGN_OR_RETURN(std::int64_t version, fields.Int(json, "version"));
    if (version != RunManifest::kVersion) {
        return Status::Corruption(path + ": manifest version " + std::to_string(version) +
                                  " is not the version this actcache writes (" +
                                  std::to_string(RunManifest::kVersion) + ")");
    }
    RunManifest manifest;
    ACT_ASSIGN_OR_RETURN(const JsonValue* complete, fields.Get(json, "complete", JsonType::kBool, ""));
    manifest.complete = complete->as_bool();
    ACT_ASSIGN_OR_RETURN(manifest.stopped_by, fields.String(json, "stopped_by"));
    ACT_ASSIGN_OR_RETURN(manifest.rows, fields.Int(json, "rows"));
    ACT_ASSIGN_OR_RETURN(const JsonValue* last, fields.Get(json, "last_row", JsonType::kObject, ""));
    ACT_ASSIGN_OR_RETURN(manifest.last_row.doc_id, fields.Int(*last, "doc_id", "last_row."));
    ACT_ASSIGN_OR_RETURN(manifest.last_row.window, fields.Int(*last, "window", "last_row."));
    ACT_ASSIGN_OR_RETURN(manifest.last_row.token, fields.Int(*last, "token", "last_row."));
    ACT_ASSIGN_OR_RETURN(const JsonValue* shards, fields.Get(json, "shards", JsonType::kArray, ""));
    std::int64_t rows = 0;
    for (std::size_t i = 0; i < shards->items().size(); ++i) {
        const JsonValue& item = shards->items()[i];
        const std::string where = "shards[" + std::to_string(i) + "].";
        CommittedShard shard;
        ACT_ASSIGN_OR_RETURN(shard.split, fields.String(item, "split", where));
        ACT_ASSIGN_OR_RETURN(shard.file, fields.String(item, "file", where));
        ACT_ASSIGN_OR_RETURN(shard.rows, fields.Int(item, "rows", where));
        ACT_ASSIGN_OR_RETURN(shard.bytes, fields.Int(item, "bytes", where));
        ACT_ASSIGN_OR_RETURN(shard.sha256, fields.String(item, "sha256", where));
        rows += shard.rows;
        manifest.shards.push_back(std::move(shard));
    }
    if (rows != manifest.rows) {
        return Status::Corruption(path + ": field 'rows' (" + std::to_string(manifest.rows) +
                                  ") is not the sum of the shards' rows (" + std::to_string(rows) + ")");
    }
    ACT_ASSIGN_OR_RETURN(const JsonValue* limits, fields.Get(json, "limits", JsonType::kObject, ""));
    manifest.limits = *limits;
    ACT_ASSIGN_OR_RETURN(const JsonValue* info, fields.Get(json, "info", JsonType::kObject, ""));
    manifest.info = *info;
    ACT_ASSIGN_OR_RETURN(const JsonValue* identity, fields.Get(json, "identity", JsonType::kObject, ""));
    manifest.identity = *identity;
    ACT_ASSIGN_OR_RETURN(const JsonValue* statistics, fields.Get(json, "statistics", JsonType::kArray, ""));
    for (const JsonValue& item : statistics->items()) {
        Result<dataset::NormStatistics> stats = dataset::NormStatistics::FromJson(item);
        if (!stats.ok()) return stats.status().WithContext(path + ": statistics");
        manifest.statistics.push_back(std::move(*stats));
    }
    return manifest;
}

}  // namespace actcache::pipeline
