#include "http/get_stream.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

namespace actcache::http {

// State of one request (one libcurl easy handle driven by a multi handle, so Read can pull).
struct GetStream::Transfer {
    CURLM* multi = nullptr;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {};

    std::uint64_t offset = 0;  // first body byte requested
    std::uint64_t skip = 0;    // body bytes to drop (the server ignored the Range)
    std::string pending;       // body bytes received, not yet read
    std::size_t pending_pos = 0;
    bool body_checked = false;
    bool body_rejected = false;  // a non-2xx answer: its body is not the resource
    std::string problem;         // an inconsistent resume, found while receiving
    const std::string* expected_etag = nullptr;

    // Response headers (reset at every status line: redirects produce several responses).
    std::vector<std::pair<std::string, std::string>> headers_seen;  // lower-case name, value
    std::string etag;
    std::string content_range;
    std::int64_t retry_after_ms = 0;

    ~Transfer() {
        if (easy != nullptr) {
            curl_multi_remove_handle(multi, easy);
            curl_easy_cleanup(easy);
        }
        if (multi != nullptr) curl_multi_cleanup(multi);
        if (headers != nullptr) curl_slist_free_all(headers);
    }
};

namespace {

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    return text;
}

bool HeaderIs(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
    }
    return true;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<GetStream::Transfer*>(user);
    const std::string_view line(data, size * count);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && !line.starts_with("HTTP/")) {
        std::string name(line.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        t->headers_seen.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
    }
    if (line.starts_with("HTTP/")) {
        t->headers_seen.clear();
        t->etag.clear();
        t->content_range.clear();
        t->retry_after_ms = 0;
    } else if (HeaderIs(line, "etag")) {
        t->etag = Trim(line.substr(5));
    } else if (HeaderIs(line, "content-range")) {
        t->content_range = Trim(line.substr(14));
    } else if (HeaderIs(line, "retry-after")) {
        const std::string_view value = Trim(line.substr(12));
        std::int64_t seconds = 0;
        if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc()) {
            t->retry_after_ms = seconds * 1000;
        }
    }
    return size * count;
}

// Decides, at the first body bytes, whether this response continues the resource at `offset`.
void CheckBody(GetStream::Transfer* t) {
    t->body_checked = true;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 && status != 206) {
        t->body_rejected = true;
        return;
    }
    if (t->expected_etag != nullptr && !t->expected_etag->empty() && !t->etag.empty() &&
        t->etag != *t->expected_etag) {
        t->problem = "the resource changed while it was read (ETag " + *t->expected_etag +
                     " became " + t->etag + ")";
        return;
    }
    if (status == 200) {
        t->skip = t->offset;  // Range ignored: the whole body again
        return;
    }
    const std::string expected = "bytes " + std::to_string(t->offset) + "-";
    if (!t->content_range.starts_with(expected)) {
        t->problem = "asked for bytes from " + std::to_string(t->offset) +
                     ", got Content-Range '" + t->content_range + "'";
    }
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<GetStream::Transfer*>(user);
    const std::size_t n = size * count;
    if (!t->body_checked) CheckBody(t);
    if (!t->problem.empty()) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    if (t->body_rejected) return n;     // an error page: drained and dropped
    std::size_t begin = 0;
    if (t->skip > 0) {
        begin = static_cast<std::size_t>(std::min<std::uint64_t>(t->skip, n));
        t->skip -= begin;
    }
    if (t->pending_pos == t->pending.size()) {
        t->pending.clear();
        t->pending_pos = 0;
    }
    t->pending.append(data + begin, n - begin);
    return n;
}

bool IsRetryableCurlError(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_SSL_CONNECT_ERROR:
            return true;
        default:
            return false;
    }
}

}  // namespace

GetStream::GetStream(std::string url, GetOptions options)
    : url_(std::move(url)), options_(std::move(options)) {}

GetStream::~GetStream() = default;

Result<std::unique_ptr<GetStream>> GetStream::Open(std::string url, GetOptions options) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return Status::InvalidArgument(url + ": not an http(s) URL");
    }
    std::unique_ptr<GetStream> stream(new GetStream(std::move(url), std::move(options)));
    ACT_RETURN_IF_ERROR(stream->StartTransfer());
    return stream;
}

Status GetStream::StartTransfer() {
    transfer_.reset();
    auto t = std::make_unique<Transfer>();
    t->multi = curl_multi_init();
    t->easy = curl_easy_init();
    if (t->multi == nullptr || t->easy == nullptr) return Status::Internal("libcurl init failed");
    t->offset = options_.first_byte + delivered_;
    t->expected_etag = &etag_;
    for (const std::string& header : options_.headers) {
        t->headers = curl_slist_append(t->headers, header.c_str());
    }
    if (t->offset > 0) {
        t->headers = curl_slist_append(t->headers, ("Range: bytes=" + std::to_string(t->offset) + "-").c_str());
        if (!etag_.empty()) t->headers = curl_slist_append(t->headers, ("If-Range: " + etag_).c_str());
    }
    CURL* easy = t->easy;
    curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout_s));
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "actcache/0.1");
    curl_multi_add_handle(t->multi, easy);
    transfer_ = std::move(t);
    return Status::Ok();
}

std::string GetStream::ResponseHeader(std::string_view lowercase_name) const {
    if (transfer_ == nullptr) return "";
    for (const auto& [name, value] : transfer_->headers_seen) {
        if (name == lowercase_name) return value;
    }
    return "";
}

Status GetStream::HandleEnd(bool* finished) {
    CURLMsg* message = nullptr;
    int left = 0;
    CURLcode code = CURLE_OK;
    while ((message = curl_multi_info_read(transfer_->multi, &left)) != nullptr) {
        if (message->msg == CURLMSG_DONE) code = message->data.result;
    }
    Transfer& t = *transfer_;
    if (!t.problem.empty()) return Status::Corruption(url_ + ": " + t.problem);
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    if (etag_.empty() && !t.etag.empty() && !t.body_rejected) etag_ = t.etag;
    std::string cause;
    if (code == CURLE_OK && !t.body_rejected) {
        *finished = true;
        return Status::Ok();
    }
    if (code == CURLE_OK) {  // a complete non-2xx answer
        if (status == 404) return Status::NotFound(url_ + ": HTTP 404 not found");
        if (!IsRetryableStatus(status)) {
            return Status::InvalidArgument(url_ + ": HTTP " + std::to_string(status));
        }
        cause = "HTTP " + std::to_string(status);
    } else {
        cause = std::string(curl_easy_strerror(code)) + (t.error[0] != '\0' ? std::string(": ") + t.error : "");
        if (!IsRetryableCurlError(code)) return Status::Unavailable(url_ + ": " + cause);
    }
    ++attempt_;
    if (attempt_ >= options_.retry.max_attempts) {
        return Status::Unavailable(url_ + ": gave up after " + std::to_string(attempt_) +
                                   " attempts, " + std::to_string(delivered_) +
                                   " bytes received; last error: " + cause);
    }
    Wait(options_.retry, BackoffMs(options_.retry, attempt_, t.retry_after_ms));
    return StartTransfer();
}

Status GetStream::Pump(bool* finished) {
    *finished = false;
    while (true) {
        Transfer& t = *transfer_;
        if (t.pending_pos < t.pending.size()) return Status::Ok();
        int running = 0;
        if (curl_multi_perform(t.multi, &running) != CURLM_OK) {
            return Status::Internal(url_ + ": curl_multi_perform failed");
        }
        if (t.pending_pos < t.pending.size()) return Status::Ok();
        if (running == 0) {
            ACT_RETURN_IF_ERROR(HandleEnd(finished));
            if (*finished) return Status::Ok();
            continue;  // a new transfer was started
        }
        curl_multi_poll(t.multi, nullptr, 0, 1000, nullptr);
    }
}

Result<std::size_t> GetStream::Read(std::span<std::byte> out) {
    if (done_ || out.empty()) return std::size_t{0};
    bool finished = false;
    ACT_RETURN_IF_ERROR(Pump(&finished));
    Transfer& t = *transfer_;
    const std::size_t available = t.pending.size() - t.pending_pos;
    if (available == 0) {
        done_ = finished;
        return std::size_t{0};
    }
    const std::size_t n = std::min(out.size(), available);
    std::memcpy(out.data(), t.pending.data() + t.pending_pos, n);
    t.pending_pos += n;
    delivered_ += n;
    return n;
}

}  // namespace actcache::http
