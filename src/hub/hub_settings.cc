#include "hub/hub_settings.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace actcache::hub {
namespace {

bool IsTrue(const std::optional<std::string>& value) {
    if (!value) return false;
    std::string v = *value;
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v == "1" || v == "true" || v == "yes" || v == "on";
}

std::optional<std::string> CleanToken(std::string token) {
    std::string cleaned;
    for (char c : token) {
        if (c != '\r' && c != '\n') cleaned += c;
    }
    const std::size_t first = cleaned.find_first_not_of(" \t");
    if (first == std::string::npos) return std::nullopt;
    const std::size_t last = cleaned.find_last_not_of(" \t");
    return cleaned.substr(first, last - first + 1);
}

// HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface; empty without a home.
std::string HfHome(const EnvLookup& env) {
    if (auto hf_home = env("HF_HOME")) return *hf_home;
    if (auto xdg = env("XDG_CACHE_HOME")) return *xdg + "/huggingface";
    if (auto user_home = env("HOME")) return *user_home + "/.cache/huggingface";
    return "";
}

}  // namespace

EnvLookup ProcessEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

std::vector<std::string> HubSettings::AuthHeaders() const {
    if (!token) return {};
    return {"authorization: Bearer " + *token};
}

HubSettings ResolveHubSettings(const EnvLookup& env) {
    HubSettings settings;
    if (auto endpoint = env("HF_ENDPOINT"); endpoint && !endpoint->empty()) {
        settings.endpoint = *endpoint;
        while (settings.endpoint.ends_with("/")) settings.endpoint.pop_back();
    }
    settings.offline = IsTrue(env("HF_HUB_OFFLINE"));
    if (auto cache = env("HF_HUB_CACHE")) {
        settings.cache_dir = *cache;
    } else if (auto legacy = env("HUGGINGFACE_HUB_CACHE")) {
        settings.cache_dir = *legacy;
    } else if (const std::string home = HfHome(env); !home.empty()) {
        settings.cache_dir = home + "/hub";
    }
    if (IsTrue(env("HF_HUB_DISABLE_IMPLICIT_TOKEN"))) return settings;
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
        if (auto value = env(name)) {
            settings.token = CleanToken(*value);
            if (settings.token) return settings;
        }
    }
    std::string path;
    if (auto token_path = env("HF_TOKEN_PATH")) {
        path = *token_path;
    } else {
        if (const std::string home = HfHome(env); !home.empty()) path = home + "/token";
    }
    if (!path.empty()) {
        std::ifstream file(path);
        if (file) {
            std::stringstream contents;
            contents << file.rdbuf();
            settings.token = CleanToken(contents.str());
        }
    }
    return settings;
}

}  // namespace actcache::hub
