#include "pipeline/push_state.h"

#include "core/file_util.h"
#include "core/json.h"

namespace actcache::pipeline {

std::string PushStatePath(const std::string& output_dir) { return output_dir + "/.actcache/push.json"; }

Status SavePushState(const std::string& output_dir, const PushState& state) {
    JsonValue json = JsonValue::Object();
    json.Set("version", JsonValue::Integer(PushState::kVersion));
    json.Set("repo", JsonValue::String(state.repo));
    json.Set("revision", JsonValue::String(state.revision));
    json.Set("head_commit", JsonValue::String(state.head_commit));
    JsonValue pushed = JsonValue::Object();
    for (const auto& [path, sha256] : state.pushed) pushed.Set(path, JsonValue::String(sha256));
    json.Set("pushed", std::move(pushed));
    ACT_RETURN_IF_ERROR(CreateDirectories(output_dir + "/.actcache"));
    return WriteFileAtomically(PushStatePath(output_dir), SerializeJson(json, 1) + "\n");
}

Result<PushState> LoadPushState(const std::string& output_dir) {
    const std::string path = PushStatePath(output_dir);
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    Result<JsonValue> parsed = ParseJson(text);
    if (!parsed.ok()) return parsed.status().WithContext(path);
    auto string_field = [&](const char* key) -> Result<std::string> {
        const JsonValue* value = parsed->is_object() ? parsed->Find(key) : nullptr;
        if (value == nullptr || !value->is_string()) {
            return Status::Corruption(path + ": field '" + key + "' is missing or not a string");
        }
        return value->as_string();
    };
    const JsonValue* version = parsed->is_object() ? parsed->Find("version") : nullptr;
    if (version == nullptr || !version->is_integer() || version->as_int64() != PushState::kVersion) {
        return Status::Corruption(path + ": field 'version' is missing or not " +
                                  std::to_string(PushState::kVersion));
    }
    PushState state;
    ACT_ASSIGN_OR_RETURN(state.repo, string_field("repo"));
    ACT_ASSIGN_OR_RETURN(state.revision, string_field("revision"));
    ACT_ASSIGN_OR_RETURN(state.head_commit, string_field("head_commit"));
    const JsonValue* pushed = parsed->Find("pushed");
    if (pushed == nullptr || !pushed->is_object()) {
        return Status::Corruption(path + ": field 'pushed' is missing or not an object");
    }
    for (const auto& member : pushed->members()) {
        if (!member.second.is_string()) {
            return Status::Corruption(path + ": field 'pushed." + member.first + "' is not a string");
        }
        state.pushed[member.first] = member.second.as_string();
    }
    return state;
}

}  // namespace actcache::pipeline
