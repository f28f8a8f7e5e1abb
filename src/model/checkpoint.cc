// Opens an HF model folder's weights: one model.safetensors, or the shards named by
// model.safetensors.index.json (see checkpoint.h for what is checked and why).
#include "model/checkpoint.h"

#include <filesystem>
#include <map>
#include <system_error>

#include "core/file_util.h"
#include "core/json.h"

namespace actcache::model {
namespace {

// exists() without the throwing overload: our code does not throw (an unreadable folder reads
// as "absent", and opening the file later reports the real error).
bool PathExists(const std::string& path) {
    std::error_code error;
    return std::filesystem::exists(path, error);
}

// A shard name must be a plain file name inside the model folder: no path separators, no "."
// or "..", no NUL (which would silently truncate the path handed to open()).
bool IsPlainFileName(const std::string& name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string::npos;
}

// Reads and validates the index: tensor name -> shard file name.
Result<std::map<std::string, std::string>> ReadWeightMap(const std::string& index_path) {
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(index_path));
    Result<JsonValue> index = ParseJson(text);  // strict: duplicate tensor names are an error
    if (!index.ok()) return index.status().WithContext(index_path);
    auto corrupt = [&](const std::string& what) {
        return Status::Corruption(index_path + ": " + what);
    };
    if (!index->is_object()) return corrupt("expected a JSON object");
    const JsonValue* weight_map = index->Find("weight_map");
    if (weight_map == nullptr) return corrupt("missing \"weight_map\"");
    if (!weight_map->is_object()) {
        return corrupt("weight_map: expected an object of tensor name -> shard file, found " +
                       std::string(JsonTypeName(weight_map->type())));
    }
    std::map<std::string, std::string> shard_by_tensor;
    for (const auto& [tensor, shard] : weight_map->members()) {
        if (!shard.is_string()) {
            return corrupt("weight_map: tensor '" + tensor +
                           "': expected a shard file name, found " +
                           std::string(JsonTypeName(shard.type())));
        }
        if (!IsPlainFileName(shard.as_string())) {
            std::string quoted;  // JSON-escaped: the name may hold a NUL or control characters
            AppendJsonString(shard.as_string(), quoted);
            return corrupt("weight_map: tensor '" + tensor + "': shard " + quoted +
                           " is not a file name in the model folder");
        }
        shard_by_tensor.emplace(tensor, shard.as_string());
    }
    return shard_by_tensor;
}

}  // namespace

Checkpoint::~Checkpoint() = default;

Result<std::unique_ptr<Checkpoint>> Checkpoint::Open(const std::string& model_dir) {
    std::unique_ptr<Checkpoint> checkpoint(new Checkpoint(model_dir));
    const std::string index_path = model_dir + "/" + std::string(kIndexFileName);
    const std::string single_path = model_dir + "/" + std::string(kSingleFileName);

    if (!PathExists(index_path)) {
        if (!PathExists(single_path)) {
            return Status::NotFound(model_dir + ": no " + std::string(kSingleFileName) + " or " +
                                    std::string(kIndexFileName));
        }
        ACT_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(single_path));
        for (const TensorView& view : file->tensors()) {
            checkpoint->in_file_order_.push_back(&view);
            checkpoint->by_name_.emplace(view.name, &view);
        }
        checkpoint->files_.push_back(std::move(file));
        return checkpoint;
    }

    ACT_ASSIGN_OR_RETURN(auto shard_by_tensor, ReadWeightMap(index_path));
    std::map<std::string, std::vector<std::string>> tensors_by_shard;  // sorted by shard name
    for (const auto& [tensor, shard] : shard_by_tensor) tensors_by_shard[shard].push_back(tensor);

    for (const auto& [shard, listed] : tensors_by_shard) {
        const std::string shard_path = model_dir + "/" + shard;
        Result<std::unique_ptr<SafetensorsFile>> opened = SafetensorsFile::Open(shard_path);
        if (!opened.ok()) {
            if (opened.status().code() == StatusCode::kNotFound) {
                return Status::NotFound(index_path + ": shard '" + shard +
                                        "' (listed for tensor '" + listed.front() +
                                        "') does not exist: " + opened.status().message());
            }
            return opened.status();  // already names the shard's path
        }
        std::unique_ptr<SafetensorsFile> file = std::move(opened).value();
        for (const std::string& tensor : listed) {
            if (file->Find(tensor) == nullptr) {
                return Status::Corruption(index_path + ": tensor '" + tensor +
                                          "' is listed in shard '" + shard +
                                          "', which does not contain it");
            }
        }
        for (const TensorView& view : file->tensors()) {
            auto owner = shard_by_tensor.find(view.name);
            if (owner == shard_by_tensor.end()) continue;  // unlisted: ignored (see header)
            if (owner->second != shard) {
                // Two copies of one tensor: which one the model gets must not depend on order.
                return Status::Corruption(index_path + ": tensor '" + view.name +
                                          "' is in two shards, '" + owner->second + "' and '" +
                                          shard + "'");
            }
            checkpoint->in_file_order_.push_back(&view);
            checkpoint->by_name_.emplace(view.name, &view);
        }
        checkpoint->files_.push_back(std::move(file));
    }
    return checkpoint;
}

void Checkpoint::ReleasePages(std::span<const std::byte> bytes) const {
    for (const std::unique_ptr<SafetensorsFile>& file : files_) {
        if (file->mapping().Contains(bytes)) file->mapping().ReleasePages(bytes);
    }
}

const TensorView* Checkpoint::Find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

Result<TensorView> Checkpoint::Get(std::string_view name) const {
    const TensorView* view = Find(name);
    if (view == nullptr) {
        return Status::NotFound(model_dir_ + ": tensor '" + std::string(name) + "' not found");
    }
    return *view;
}

std::vector<const TensorView*> Checkpoint::tensors() const { return in_file_order_; }

}  // namespace actcache::model
