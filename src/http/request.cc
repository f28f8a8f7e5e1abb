#include "http/request.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

namespace actcache::http {
namespace {

// Where the body comes from during one attempt.
struct BodySource {
    const std::string* memory = nullptr;  // borrowed from the Request
    std::FILE* file = nullptr;            // owned by the attempt (FileCloser)
    std::int64_t file_offset = 0;         // of the body's first byte in `file`
    std::int64_t size = 0;
    std::int64_t remaining = 0;
    std::size_t memory_pos = 0;
    bool read_error = false;
};

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

struct Received {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::int64_t retry_after_ms = 0;
};

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    return text;
}

std::size_t OnRead(char* out, std::size_t size, std::size_t count, void* user) {
    auto* source = static_cast<BodySource*>(user);
    const std::size_t want =
        std::min<std::int64_t>(static_cast<std::int64_t>(size * count), source->remaining);
    if (want == 0) return 0;
    std::size_t got = 0;
    if (source->file != nullptr) {
        got = std::fread(out, 1, want, source->file);
        if (got == 0) {
            source->read_error = true;
            return CURL_READFUNC_ABORT;
        }
    } else {
        std::memcpy(out, source->memory->data() + source->memory_pos, want);
        source->memory_pos += want;
        got = want;
    }
    source->remaining -= static_cast<std::int64_t>(got);
    return got;
}

// Rewinds the body (libcurl asks when a redirect, 307/308, re-sends it).
int OnSeek(void* user, curl_off_t offset, int origin) {
    auto* source = static_cast<BodySource*>(user);
    if (origin != SEEK_SET || offset < 0 || offset > source->size) return CURL_SEEKFUNC_CANTSEEK;
    if (source->file != nullptr &&
        std::fseek(source->file, static_cast<long>(source->file_offset + offset), SEEK_SET) != 0) {
        return CURL_SEEKFUNC_FAIL;
    }
    source->memory_pos = static_cast<std::size_t>(offset);
    source->remaining = source->size - offset;
    return CURL_SEEKFUNC_OK;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* received = static_cast<Received*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {  // a new response (after a redirect or 100 Continue)
        received->headers.clear();
        received->retry_after_ms = 0;
        return size * count;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "retry-after") {
        std::int64_t seconds = 0;  // the integer form only, as huggingface_hub reads it
        if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc()) {
            received->retry_after_ms = seconds * 1000;
        }
    }
    received->headers.emplace_back(std::move(name), std::string(value));
    return size * count;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<Received*>(user)->body.append(data, size * count);
    return size * count;
}

struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One attempt. Sets *status (0 on a network error, with *network_error saying why).
Status Attempt(const Request& request, const RequestOptions& options, Received* received,
               long* status, std::string* network_error) {
    BodySource source;
    std::unique_ptr<std::FILE, FileCloser> file;
    std::int64_t body_size = 0;
    if (!request.file_path.empty()) {
        file.reset(std::fopen(request.file_path.c_str(), "rb"));
        if (!file ||
            std::fseek(file.get(), static_cast<long>(request.file_offset), SEEK_SET) != 0) {
            return Status::IOError(request.file_path +
                                   ": cannot open for upload: " + std::strerror(errno));
        }
        source.file = file.get();
        source.file_offset = request.file_offset;
        body_size = request.file_length;
    } else {
        source.memory = &request.body;
        body_size = static_cast<std::int64_t>(request.body.size());
    }
    source.size = body_size;
    source.remaining = body_size;

    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) return Status::Internal("curl_easy_init failed");
    CURL* handle = easy.get();
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const std::string& header : request.headers) {
        headers.reset(curl_slist_append(headers.release(), header.c_str()));
    }
    headers.reset(curl_slist_append(headers.release(), "Expect:"));  // no 100-continue round trip
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout_ms));
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout_s));
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, received);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, received);
    // Every method but GET and HEAD reads its body through OnRead (never curl's default, stdin).
    const bool has_body = request.method != "GET" && request.method != "HEAD";
    if (request.method == "GET") {
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
        curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    } else {
        curl_easy_setopt(handle, CURLOPT_POST, 1L);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_size));
        if (request.method != "POST")
            curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (has_body) {
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, OnRead);
        curl_easy_setopt(handle, CURLOPT_READDATA, &source);
        curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, OnSeek);
        curl_easy_setopt(handle, CURLOPT_SEEKDATA, &source);
    }
    const CURLcode code = curl_easy_perform(handle);
    if (source.read_error) {
        return Status::IOError(request.file_path + ": read failed during upload");
    }
    *status = 0;
    if (code != CURLE_OK) {
        *network_error = error[0] != '\0' ? error : curl_easy_strerror(code);
        return Status::Ok();
    }
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, status);
    return Status::Ok();
}

}  // namespace

std::string Response::Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lowercase_name) return value;
    }
    return "";
}

Result<Response> Send(const Request& request, const RequestOptions& options) {
    // Messages show the URL without its query: presigned upload URLs carry signatures there.
    const std::string where = request.method + " " + request.url.substr(0, request.url.find('?'));
    std::string last_problem;
    std::int64_t retry_after_ms = 0;  // asked for by the last answer
    for (int attempt = 0; attempt < std::max(1, options.retry.max_attempts); ++attempt) {
        if (attempt > 0) Wait(options.retry, BackoffMs(options.retry, attempt, retry_after_ms));
        Received received;
        long status = 0;
        std::string network_error;
        ACT_RETURN_IF_ERROR(Attempt(request, options, &received, &status, &network_error));
        if (status == 0) {
            last_problem = network_error;
            retry_after_ms = 0;
            continue;
        }
        if (options.retry_statuses && IsRetryableStatus(status)) {
            last_problem = "HTTP " + std::to_string(status);
            retry_after_ms = received.retry_after_ms;
            continue;
        }
        Response response;
        response.status = status;
        response.headers = std::move(received.headers);
        response.body = std::move(received.body);
        return response;
    }
    return Status::Unavailable(where + ": failed after " +
                               std::to_string(options.retry.max_attempts) +
                               " attempts (last: " + last_problem + ")");
}

}  // namespace actcache::http
