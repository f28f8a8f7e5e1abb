#include "hub/hub_api.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "core/base64.h"
#include "core/hex.h"
#include "core/json.h"
#include "http/request.h"
#include "hub/dataset_files.h"

namespace actcache::hub {
namespace {

constexpr std::size_t kPreuploadBatch = 256;  // files per preupload request (§C.2)
constexpr std::size_t kLfsBatch = 256;        // objects per LFS batch request (§C.3)
constexpr const char* kLfsMediaType = "application/vnd.git-lfs+json";

std::vector<std::string> ApiHeaders(const HubSettings& settings) {
    std::vector<std::string> headers = settings.AuthHeaders();
    headers.push_back("user-agent: actcache/0.1.0");
    return headers;
}

std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

// The server's own words about an error: X-Error-Message, or the body's "error", cut short.
std::string ServerMessage(const http::Response& response) {
    std::string message = response.Header("x-error-message");
    if (message.empty()) {
        Result<JsonValue> body = ParseJson(response.body);
        if (body.ok() && body->is_object()) {
            const JsonValue* error = body->Find("error");
            if (error != nullptr && error->is_string()) message = error->as_string();
        }
    }
    if (message.size() > 200) message = message.substr(0, 200) + "...";
    return message.empty() ? "" : ": " + message;
}

// A Status for a non-2xx answer to `method url`, about dataset `repo`.
Status HttpError(const http::Response& response, const std::string& method, const std::string& url,
                 const std::string& repo) {
    const std::string where = "dataset " + repo + ": " + method + " " + WithoutQuery(url) +
                              " answered HTTP " + std::to_string(response.status) +
                              ServerMessage(response);
    if (response.status == 401 || response.status == 403) {
        return Status::InvalidArgument(
            where + " (access denied: set HF_TOKEN to a token with write access to " + repo + ")");
    }
    if (response.status == 404) return Status::NotFound(where);
    if (response.status >= 500 || response.status == 408 || response.status == 429) {
        return Status::Unavailable(where);
    }
    return Status::InvalidArgument(where);
}

bool IsSuccess(long status) { return status >= 200 && status < 300; }

Result<JsonValue> ParseAnswer(const http::Response& response, const std::string& url,
                              const std::string& repo) {
    Result<JsonValue> json = ParseJson(response.body);
    if (!json.ok() || !json->is_object()) {
        return Status::Corruption("dataset " + repo + ": " + WithoutQuery(url) +
                                  " did not answer a JSON object");
    }
    return json;
}

Result<http::Response> SendJson(const std::string& method, const std::string& url, std::string body,
                                std::vector<std::string> headers, const http::RetryPolicy& retry) {
    http::Request request;
    request.method = method;
    request.url = url;
    request.headers = std::move(headers);
    request.body = std::move(body);
    return http::Send(request, http::RequestOptions{.retry = retry});
}

std::string RepoApi(const HubSettings& settings, const std::string& repo) {
    return settings.endpoint + "/api/datasets/" + repo;
}

// Server hrefs naming huggingface.co point at the configured endpoint instead (§C.0).
std::string RewriteHref(const HubSettings& settings, std::string href) {
    constexpr std::string_view kHub = "https://huggingface.co";
    if (href.starts_with(kHub) && settings.endpoint != kHub)
        href = settings.endpoint + href.substr(kHub.size());
    return href;
}

Result<LfsAction> ParseAction(const HubSettings& settings, const JsonValue& action,
                              const std::string& what) {
    const JsonValue* href = action.is_object() ? action.Find("href") : nullptr;
    if (href == nullptr || !href->is_string())
        return Status::Corruption(what + ": action without href");
    LfsAction parsed;
    parsed.href = RewriteHref(settings, href->as_string());
    const JsonValue* header = action.Find("header");
    if (header != nullptr && header->is_object()) {
        for (const auto& [name, value] : header->members()) {
            if (!value.is_string())
                return Status::Corruption(what + ": header " + name + " is not a string");
            parsed.header.emplace_back(name, value.as_string());
        }
    }
    return parsed;
}

}  // namespace

std::string GitBlobOid(const std::string& content) {
    const std::string blob =
        "blob " + std::to_string(content.size()) + std::string(1, '\0') + content;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(blob.data(), blob.size(), digest, &length, EVP_sha1(), nullptr);
    return LowerHex(digest, length);
}

Result<bool> CreateDatasetRepo(const HubSettings& settings, const std::string& repo,
                               bool is_private, const http::RetryPolicy& retry) {
    const std::size_t slash = repo.find('/');
    JsonValue body = JsonValue::Object();
    body.Set("type", JsonValue::String("dataset"));
    body.Set("name", JsonValue::String(repo.substr(slash + 1)));
    body.Set("organization",
             slash == std::string::npos ? JsonValue() : JsonValue::String(repo.substr(0, slash)));
    body.Set("private", JsonValue::Bool(is_private));
    std::vector<std::string> headers = ApiHeaders(settings);
    headers.push_back("content-type: application/json");
    const std::string url = settings.endpoint + "/api/repos/create";
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         SendJson("POST", url, SerializeJson(body), headers, retry));
    if (response.status == 409) return false;  // exists already
    if (response.status == 401 || response.status == 403) {
        // A token that may write to an existing repository need not be allowed to create one
        // (huggingface_hub checks the repository then too).
        const std::string info_url = RepoApi(settings, repo);
        ACT_ASSIGN_OR_RETURN(http::Response info,
                             SendJson("GET", info_url, "", ApiHeaders(settings), retry));
        if (IsSuccess(info.status)) return false;
    }
    if (!IsSuccess(response.status)) return HttpError(response, "POST", url, repo);
    return true;
}

Result<std::string> HeadCommit(const HubSettings& settings, const std::string& repo,
                               const std::string& revision, const http::RetryPolicy& retry) {
    const std::string url = RepoApi(settings, repo) + "/revision/" + QuoteUrlPath(revision, false);
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         SendJson("GET", url, "", ApiHeaders(settings), retry));
    if (!IsSuccess(response.status)) return HttpError(response, "GET", url, repo);
    ACT_ASSIGN_OR_RETURN(JsonValue info, ParseAnswer(response, url, repo));
    const JsonValue* sha = info.Find("sha");
    if (sha == nullptr || !sha->is_string()) {
        return Status::Corruption("dataset " + repo + ": " + url + " has no \"sha\" (head commit)");
    }
    return sha->as_string();
}

Result<std::optional<std::string>> ReadRepoFile(const HubSettings& settings, const std::string& repo,
                                                const std::string& revision, const std::string& path,
                                                const http::RetryPolicy& retry) {
    const std::string url = DatasetFileUrl(settings, repo, revision, path);
    ACT_ASSIGN_OR_RETURN(http::Response response, SendJson("GET", url, "", ApiHeaders(settings), retry));
    if (response.status == 404) return std::optional<std::string>();
    if (!IsSuccess(response.status)) return HttpError(response, "GET", url, repo);
    return std::optional<std::string>(std::move(response.body));
}

Result<std::vector<PreuploadAnswer>> Preupload(const HubSettings& settings, const std::string& repo,
                                               const std::string& revision,
                                               const std::vector<PreuploadFile>& files,
                                               const http::RetryPolicy& retry) {
    const std::string url = RepoApi(settings, repo) + "/preupload/" + QuoteUrlPath(revision, false);
    std::vector<std::string> headers = ApiHeaders(settings);
    headers.push_back("content-type: application/json");
    std::vector<PreuploadAnswer> answers;
    for (std::size_t begin = 0; begin < files.size(); begin += kPreuploadBatch) {
        const std::size_t end = std::min(files.size(), begin + kPreuploadBatch);
        JsonValue list = JsonValue::Array();
        for (std::size_t i = begin; i < end; ++i) {
            JsonValue item = JsonValue::Object();
            item.Set("path", JsonValue::String(files[i].path));
            item.Set("sample", JsonValue::String(Base64Encode(files[i].sample)));
            item.Set("size", JsonValue::Integer(files[i].size_bytes));
            list.Append(std::move(item));
        }
        JsonValue body = JsonValue::Object();
        body.Set("files", std::move(list));
        ACT_ASSIGN_OR_RETURN(http::Response response,
                             SendJson("POST", url, SerializeJson(body), headers, retry));
        if (!IsSuccess(response.status)) return HttpError(response, "POST", url, repo);
        ACT_ASSIGN_OR_RETURN(JsonValue answer, ParseAnswer(response, url, repo));
        const JsonValue* items = answer.Find("files");
        if (items == nullptr || !items->is_array()) {
            return Status::Corruption("dataset " + repo +
                                      ": preupload answer has no \"files\" array");
        }
        for (std::size_t i = begin; i < end; ++i) {
            PreuploadAnswer parsed;
            parsed.path = files[i].path;
            const JsonValue* found = nullptr;
            for (const JsonValue& item : items->items()) {
                const JsonValue* path = item.is_object() ? item.Find("path") : nullptr;
                if (path != nullptr && path->is_string() && path->as_string() == files[i].path)
                    found = &item;
            }
            if (found == nullptr) {
                return Status::Corruption("dataset " + repo + ": preupload answer lacks " +
                                          files[i].path);
            }
            const JsonValue* mode = found->Find("uploadMode");
            const JsonValue* ignore = found->Find("shouldIgnore");
            const JsonValue* oid = found->Find("oid");
            parsed.lfs = mode != nullptr && mode->is_string() && mode->as_string() == "lfs" &&
                         files[i].size_bytes > 0;
            parsed.should_ignore = ignore != nullptr && ignore->is_bool() && ignore->as_bool();
            if (oid != nullptr && oid->is_string()) parsed.remote_oid = oid->as_string();
            answers.push_back(std::move(parsed));
        }
    }
    return answers;
}

Result<std::vector<LfsBatchObject>> LfsBatch(const HubSettings& settings, const std::string& repo,
                                             const std::string& revision,
                                             const std::vector<LfsObjectId>& objects,
                                             const http::RetryPolicy& retry) {
    const std::string url = settings.endpoint + "/datasets/" + repo + ".git/info/lfs/objects/batch";
    std::vector<std::string> headers = ApiHeaders(settings);
    headers.push_back(std::string("accept: ") + kLfsMediaType);
    headers.push_back(std::string("content-type: ") + kLfsMediaType);
    std::vector<LfsBatchObject> answers;
    for (std::size_t begin = 0; begin < objects.size(); begin += kLfsBatch) {
        const std::size_t end = std::min(objects.size(), begin + kLfsBatch);
        JsonValue list = JsonValue::Array();
        for (std::size_t i = begin; i < end; ++i) {
            JsonValue item = JsonValue::Object();
            item.Set("oid", JsonValue::String(objects[i].oid));
            item.Set("size", JsonValue::Integer(objects[i].size_bytes));
            list.Append(std::move(item));
        }
        JsonValue transfers = JsonValue::Array();
        transfers.Append(JsonValue::String("basic"));
        transfers.Append(JsonValue::String("multipart"));
        JsonValue ref = JsonValue::Object();
        ref.Set("name", JsonValue::String(revision));
        JsonValue body = JsonValue::Object();
        body.Set("operation", JsonValue::String("upload"));
        body.Set("transfers", std::move(transfers));
        body.Set("objects", std::move(list));
        body.Set("hash_algo", JsonValue::String("sha256"));
        body.Set("ref", std::move(ref));
        ACT_ASSIGN_OR_RETURN(http::Response response,
                             SendJson("POST", url, SerializeJson(body), headers, retry));
        if (!IsSuccess(response.status)) return HttpError(response, "POST", url, repo);
        ACT_ASSIGN_OR_RETURN(JsonValue answer, ParseAnswer(response, url, repo));
        const JsonValue* items = answer.Find("objects");
        if (items == nullptr || !items->is_array()) {
            return Status::Corruption("dataset " + repo +
                                      ": LFS batch answer has no \"objects\" array");
        }
        if (const JsonValue* transfer = answer.Find("transfer");
            transfer != nullptr && transfer->is_string() && transfer->as_string() != "basic" &&
            transfer->as_string() != "multipart") {
            return Status::Unimplemented("dataset " + repo + ": the Hub chose LFS transfer '" +
                                         transfer->as_string() +
                                         "', but actcache speaks only basic and multipart");
        }
        for (std::size_t i = begin; i < end; ++i) {
            const std::string what = "dataset " + repo + ": LFS object " + objects[i].oid;
            const JsonValue* found = nullptr;
            for (const JsonValue& item : items->items()) {
                const JsonValue* oid = item.is_object() ? item.Find("oid") : nullptr;
                if (oid != nullptr && oid->is_string() && oid->as_string() == objects[i].oid)
                    found = &item;
            }
            if (found == nullptr)
                return Status::Corruption(what + ": missing from the batch answer");
            if (const JsonValue* error = found->Find("error");
                error != nullptr && error->is_object()) {
                const JsonValue* message = error->Find("message");
                return Status::InvalidArgument(what + ": refused by the server" +
                                               (message != nullptr && message->is_string()
                                                    ? ": " + message->as_string()
                                                    : std::string()));
            }
            LfsBatchObject parsed;
            parsed.oid = objects[i].oid;
            parsed.size_bytes = objects[i].size_bytes;
            const JsonValue* actions = found->Find("actions");
            if (actions != nullptr && actions->is_object()) {
                if (const JsonValue* upload = actions->Find("upload"); upload != nullptr) {
                    ACT_ASSIGN_OR_RETURN(parsed.upload, ParseAction(settings, *upload, what));
                }
                if (const JsonValue* verify = actions->Find("verify"); verify != nullptr) {
                    ACT_ASSIGN_OR_RETURN(parsed.verify, ParseAction(settings, *verify, what));
                }
            }
            answers.push_back(std::move(parsed));
        }
    }
    return answers;
}

Result<CommitAnswer> Commit(const HubSettings& settings, const std::string& repo,
                            const std::string& revision, const std::string& summary,
                            const std::string& description, const std::string& parent_commit,
                            const std::vector<CommitOperation>& operations,
                            const http::RetryPolicy& retry) {
    JsonValue header_value = JsonValue::Object();
    header_value.Set("summary", JsonValue::String(summary));
    header_value.Set("description", JsonValue::String(description));
    if (!parent_commit.empty()) header_value.Set("parentCommit", JsonValue::String(parent_commit));
    JsonValue header = JsonValue::Object();
    header.Set("key", JsonValue::String("header"));
    header.Set("value", std::move(header_value));
    std::string body = SerializeJson(header) + "\n";
    for (const CommitOperation& operation : operations) {
        JsonValue value = JsonValue::Object();
        JsonValue line = JsonValue::Object();
        if (operation.lfs) {
            value.Set("path", JsonValue::String(operation.path));
            value.Set("algo", JsonValue::String("sha256"));
            value.Set("oid", JsonValue::String(operation.oid));
            value.Set("size", JsonValue::Integer(operation.size_bytes));
            line.Set("key", JsonValue::String("lfsFile"));
        } else {
            value.Set("content", JsonValue::String(Base64Encode(operation.content)));
            value.Set("path", JsonValue::String(operation.path));
            value.Set("encoding", JsonValue::String("base64"));
            line.Set("key", JsonValue::String("file"));
        }
        line.Set("value", std::move(value));
        body += SerializeJson(line) + "\n";
    }
    const std::string url = RepoApi(settings, repo) + "/commit/" + QuoteUrlPath(revision, false);
    std::vector<std::string> headers = ApiHeaders(settings);
    headers.push_back("content-type: application/x-ndjson");
    ACT_ASSIGN_OR_RETURN(http::Response response,
                         SendJson("POST", url, std::move(body), headers, retry));
    if (response.status == 409 || response.status == 412)
        return CommitAnswer{.conflict = true, .commit_oid = ""};
    if (!IsSuccess(response.status)) return HttpError(response, "POST", url, repo);
    ACT_ASSIGN_OR_RETURN(JsonValue answer, ParseAnswer(response, url, repo));
    const JsonValue* oid = answer.Find("commitOid");
    return CommitAnswer{.conflict = false,
                        .commit_oid = oid != nullptr && oid->is_string() ? oid->as_string() : ""};
}

}  // namespace actcache::hub
