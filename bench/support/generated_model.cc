#include "generated_model.h"

#include <cstdlib>
#include <filesystem>

#include "core/file_util.h"

namespace actcache::bench {

Result<std::string> EnsureGeneratedModel(const std::string& dir, std::string_view config_json,
                                         const std::string& actcache) {
    const std::string model_dir = dir + "/model";
    if (std::filesystem::exists(model_dir + "/model.safetensors")) return model_dir;
    ACT_RETURN_IF_ERROR(CreateDirectories(dir));
    ACT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/config.json", config_json));
    const std::string command = "'" + actcache + "' make-model --config '" + dir + "/config.json' --seed 1 --out '" +
                                model_dir + "' >/dev/null";
    if (std::system(command.c_str()) != 0) return Status::Internal("failed: " + command);
    return model_dir;
}

}  // namespace actcache::bench
