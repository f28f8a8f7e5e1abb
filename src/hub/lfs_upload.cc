// The transfer half of the LFS protocol (reference/hf-formats-and-hub.md §C.3): a basic PUT of
// the whole file, or multipart (one PUT per chunk_size range, then a completion POST listing
// the parts' ETags), then the optional verify POST. Bytes are streamed from the file.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/json.h"
#include "http/request.h"
#include "hub/hub_api.h"

namespace actcache::hub {
namespace {

constexpr const char* kLfsMediaType = "application/vnd.git-lfs+json";

bool AllDigits(const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

Status CheckAnswer(const http::Response& response, const std::string& method,
                   const std::string& url, const std::string& oid) {
    if (response.status >= 200 && response.status < 300) return Status::Ok();
    const std::string message = "LFS object " + oid + ": " + method + " " + WithoutQuery(url) +
                                " answered HTTP " + std::to_string(response.status);
    if (response.status == 401 || response.status == 403) {
        return Status::InvalidArgument(message +
                                       " (access denied: the upload URL may have expired)");
    }
    return Status::InvalidArgument(message);
}

Status PutBasic(const LfsBatchObject& object, const std::string& path,
                const http::RetryPolicy& retry) {
    http::Request request;
    request.method = "PUT";
    request.url = object.upload->href;
    // The action's headers only: the href is presigned, the Hub token must not travel there.
    for (const auto& [name, value] : object.upload->header)
        request.headers.push_back(name + ": " + value);
    request.file_path = path;
    request.file_length = object.size_bytes;
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         http::Send(request, http::RequestOptions{.retry = retry}));
    return CheckAnswer(response, "PUT", request.url, object.oid);
}

Status PutMultipart(const LfsBatchObject& object, const std::string& path, std::int64_t chunk_size,
                    const http::RetryPolicy& retry) {
    std::vector<std::pair<std::int64_t, std::string>> parts;  // part number, URL
    for (const auto& [name, value] : object.upload->header) {
        if (AllDigits(name)) parts.emplace_back(std::stoll(name), value);
    }
    std::sort(parts.begin(), parts.end());
    const std::int64_t expected = (object.size_bytes + chunk_size - 1) / chunk_size;
    if (static_cast<std::int64_t>(parts.size()) != expected) {
        return Status::Corruption("LFS object " + object.oid + ": the server gave " +
                                  std::to_string(parts.size()) + " part URLs for " +
                                  std::to_string(expected) + " chunks of " +
                                  std::to_string(chunk_size) + " bytes");
    }
    JsonValue etags = JsonValue::Array();
    for (std::size_t index = 0; index < parts.size(); ++index) {
        const std::int64_t offset = static_cast<std::int64_t>(index) * chunk_size;
        http::Request request;
        request.method = "PUT";
        request.url = parts[index].second;
        request.file_path = path;
        request.file_offset = offset;
        request.file_length = std::min(chunk_size, object.size_bytes - offset);
        ACT_ASSIGN_OR_RETURN(http::Response response,
                             http::Send(request, http::RequestOptions{.retry = retry}));
        ACT_RETURN_IF_ERROR(CheckAnswer(response, "PUT", request.url, object.oid));
        const std::string etag = response.Header("etag");
        if (etag.empty()) {
            return Status::Corruption("LFS object " + object.oid + ": part " +
                                      std::to_string(index + 1) + " was answered without an ETag");
        }
        JsonValue part = JsonValue::Object();
        part.Set("partNumber", JsonValue::Integer(static_cast<std::int64_t>(index) + 1));
        part.Set("etag", JsonValue::String(etag));
        etags.Append(std::move(part));
    }
    JsonValue body = JsonValue::Object();
    body.Set("oid", JsonValue::String(object.oid));
    body.Set("parts", std::move(etags));
    http::Request completion;
    completion.method = "POST";
    completion.url = object.upload->href;
    completion.headers = {std::string("accept: ") + kLfsMediaType,
                          std::string("content-type: ") + kLfsMediaType};
    completion.body = SerializeJson(body);
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         http::Send(completion, http::RequestOptions{.retry = retry}));
    return CheckAnswer(response, "POST", completion.url, object.oid);
}

}  // namespace

Status UploadLfsObject(const HubSettings& settings, const LfsBatchObject& object,
                       const std::string& path, const http::RetryPolicy& retry) {
    ACT_CHECK(object.upload.has_value());
    std::int64_t chunk_size = 0;
    for (const auto& [name, value] : object.upload->header) {
        if (name != "chunk_size") continue;
        if (std::from_chars(value.data(), value.data() + value.size(), chunk_size).ec !=
                std::errc() ||
            chunk_size <= 0) {
            return Status::Corruption("LFS object " + object.oid + ": bad chunk_size '" + value +
                                      "'");
        }
    }
    if (chunk_size > 0) {
        ACT_RETURN_IF_ERROR(PutMultipart(object, path, chunk_size, retry));
    } else {
        ACT_RETURN_IF_ERROR(PutBasic(object, path, retry));
    }
    if (!object.verify) return Status::Ok();
    JsonValue body = JsonValue::Object();
    body.Set("oid", JsonValue::String(object.oid));
    body.Set("size", JsonValue::Integer(object.size_bytes));
    http::Request verify;
    verify.method = "POST";
    verify.url = object.verify->href;
    verify.headers = settings.AuthHeaders();
    for (const auto& [name, value] : object.verify->header)
        verify.headers.push_back(name + ": " + value);
    verify.headers.push_back(std::string("accept: ") + kLfsMediaType);
    verify.headers.push_back(std::string("content-type: ") + kLfsMediaType);
    verify.body = SerializeJson(body);
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         http::Send(verify, http::RequestOptions{.retry = retry}));
    return CheckAnswer(response, "POST", verify.url, object.oid);
}

}  // namespace actcache::hub
