#include "hub/dataset_files.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/json.h"
#include "http/get_stream.h"

namespace actcache::hub {
namespace {

// The URL of rel="next" in a Link header, or "".
std::string NextLink(const std::string& link) {
    std::size_t start = 0;
    while (start < link.size()) {
        const std::size_t open = link.find('<', start);
        const std::size_t close = link.find('>', open);
        if (open == std::string::npos || close == std::string::npos) return "";
        const std::size_t end = std::min(link.find(',', close), link.size());
        const std::string params = link.substr(close + 1, end - close - 1);
        if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos) {
            return link.substr(open + 1, close - open - 1);
        }
        start = end + 1;
    }
    return "";
}

Status HubError(const Status& status, const std::string& repo) {
    const std::string& message = status.message();
    if (message.find("HTTP 401") != std::string::npos || message.find("HTTP 403") != std::string::npos) {
        return Status::InvalidArgument(
            "dataset " + repo + ": access denied; if it is private or gated, accept its terms on "
            "its Hub page and set HF_TOKEN to a token that can read it (" + message + ")");
    }
    if (status.code() == StatusCode::kNotFound) {
        return Status::NotFound("dataset " + repo + ": repository or revision not found (" + message + ")");
    }
    return status.WithContext("dataset " + repo);
}

}  // namespace

std::string QuoteUrlPath(const std::string& text, bool keep_slash) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        const bool plain = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
                           (keep_slash && c == '/');
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string DatasetFileUrl(const HubSettings& settings, const std::string& repo,
                           const std::string& revision, const std::string& path) {
    return settings.endpoint + "/datasets/" + repo + "/resolve/" + QuoteUrlPath(revision, false) +
           "/" + QuoteUrlPath(path, true);
}

Result<std::vector<HubFile>> ListDatasetFiles(const HubSettings& settings, const std::string& repo,
                                              const std::string& revision) {
    if (settings.offline) {
        return Status::Unavailable("dataset " + repo + ": HF_HUB_OFFLINE is set, cannot list its files");
    }
    std::vector<HubFile> files;
    std::string url = settings.endpoint + "/api/datasets/" + repo + "/tree/" +
                      QuoteUrlPath(revision, false) + "?recursive=true";
    http::GetOptions options;
    options.headers = settings.AuthHeaders();
    while (!url.empty()) {
        Result<std::unique_ptr<http::GetStream>> stream = http::GetStream::Open(url, options);
        if (!stream.ok()) return HubError(stream.status(), repo);
        std::string body;
        std::vector<std::byte> buffer(1 << 16);
        while (true) {
            Result<std::size_t> n = (*stream)->Read(buffer);
            if (!n.ok()) return HubError(n.status(), repo);
            if (*n == 0) break;
            body.append(reinterpret_cast<const char*>(buffer.data()), *n);
        }
        Result<JsonValue> page = ParseJson(body);
        if (!page.ok() || !page->is_array()) {
            return Status::Corruption("dataset " + repo + ": the tree API answered something that "
                                      "is not a JSON array (" + url + ")");
        }
        for (const JsonValue& item : page->items()) {
            const JsonValue* type = item.is_object() ? item.Find("type") : nullptr;
            const JsonValue* path = item.is_object() ? item.Find("path") : nullptr;
            if (type == nullptr || !type->is_string() || path == nullptr || !path->is_string()) {
                return Status::Corruption("dataset " + repo + ": a tree entry lacks type or path");
            }
            if (type->as_string() != "file") continue;
            const JsonValue* size = item.Find("size");
            files.push_back(HubFile{path->as_string(),
                                    size != nullptr && size->is_integer() ? size->as_int64() : 0});
        }
        url = NextLink((*stream)->ResponseHeader("link"));
    }
    std::sort(files.begin(), files.end(),
              [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
    return files;
}

}  // namespace actcache::hub
