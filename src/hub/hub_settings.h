// HubSettings: where the Hugging Face Hub is and who we are there, resolved from the
// environment exactly as huggingface_hub does (reference/hf-formats-and-hub.md §C.0).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace actcache::hub {

// Looks up an environment variable (std::getenv in the binary; a map in tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (the binary's EnvLookup).
EnvLookup ProcessEnvironment();

struct HubSettings {
    std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT, trailing '/' stripped
    std::optional<std::string> token;                 // never printed, logged or written
    bool offline = false;                             // HF_HUB_OFFLINE=1/true/yes/on
    // The hub cache (models--ORG--NAME/...): HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else
    // $HF_HOME/hub (HF_HOME as for the token below). Empty when no home can be found.
    std::string cache_dir;

    // "authorization: Bearer <token>" when there is a token (for http::GetOptions::headers).
    std::vector<std::string> AuthHeaders() const;
};

// Token: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file HF_TOKEN_PATH (default
// $HF_HOME/token, HF_HOME default $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface), with
// '\r' and '\n' removed and surrounding spaces trimmed; empty means none. HF_HUB_DISABLE_
// IMPLICIT_TOKEN suppresses the file and environment token (as huggingface_hub does for implicit
// use).
HubSettings ResolveHubSettings(const EnvLookup& env);

}  // namespace actcache::hub
