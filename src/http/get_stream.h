// GetStream: the body of an HTTP(S) GET, read front to back, surviving dropped connections.
//
// When a transfer fails part-way (connection reset, timeout, truncated body) or the server
// answers 408/429/5xx, the stream waits (RetryPolicy, honouring Retry-After) and asks again
// from the first byte not yet delivered with "Range: bytes=N-" and "If-Range: <ETag>", so the
// bytes a reader sees are exactly the resource's bytes, once each. A server that ignores the
// Range (200) is read from the start with the delivered prefix skipped; a 206 whose
// Content-Range does not start at N, or a resource whose ETag changed, is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/retry_policy.h"

namespace actcache::http {

struct GetOptions {
    std::vector<std::string> headers;   // extra request headers ("Name: value"); never logged
    RetryPolicy retry;
    std::int64_t connect_timeout_ms = 30000;
    std::int64_t stall_timeout_s = 60;  // a transfer slower than 1 byte/s for this long fails
    // The first byte of the resource to read: a download resumed from a partial file asks for
    // "Range: bytes=first_byte-" from the start (a server that ignores it is read from its
    // first byte with the prefix skipped, as for any resume).
    std::uint64_t first_byte = 0;
};

// One owner, not thread-safe.
class GetStream {
public:
    // Starts the request. Nothing is read until the first Read.
    static Result<std::unique_ptr<GetStream>> Open(std::string url, GetOptions options);
    ~GetStream();
    GetStream(const GetStream&) = delete;
    GetStream& operator=(const GetStream&) = delete;

    // Up to out.size() body bytes; 0 at the end. Errors name the URL: NotFound (404),
    // InvalidArgument (other 4xx), Unavailable after the retries are spent (with the last
    // cause), Corruption for an inconsistent resume.
    Result<std::size_t> Read(std::span<std::byte> out);

    const std::string& url() const { return url_; }
    // A header of the response being read (name in lower case), "" when absent. Valid once the
    // first Read has returned; after redirects, the final response's.
    std::string ResponseHeader(std::string_view lowercase_name) const;
    // Requests made after the first (resumptions and retries).
    int retries() const { return attempt_; }
    std::uint64_t bytes_delivered() const { return delivered_; }

    struct Transfer;  // libcurl state of the request in flight (get_stream.cc)

private:
    GetStream(std::string url, GetOptions options);
    Status StartTransfer();
    // Drives the transfer until body bytes are buffered or it ends; sets *finished.
    Status Pump(bool* finished);
    Status HandleEnd(bool* finished);

    std::string url_;
    GetOptions options_;
    std::unique_ptr<Transfer> transfer_;
    std::string etag_;             // from the first response, for If-Range
    std::uint64_t delivered_ = 0;  // body bytes handed to the reader (from options_.first_byte)
    int attempt_ = 0;
    bool done_ = false;
};

}  // namespace actcache::http
