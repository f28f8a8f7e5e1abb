// Send: one synchronous HTTP(S) request (any method) with a body from memory or from a byte
// range of a file, retried on 408/429/5xx and network errors (RetryPolicy, Retry-After).
//
// For the Hub's small JSON calls and for LFS uploads: a file body is streamed from disk with a
// read callback, so a 500 MB shard is never held in memory, and it is re-read from its first
// byte on every retry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/retry_policy.h"

namespace actcache::http {

struct Request {
    std::string method = "GET";  // GET, POST, PUT, HEAD, DELETE, ...
    std::string url;
    std::vector<std::string> headers;  // "Name: value"; never logged or put in messages
    // The body: `body`, unless `file_path` is set, then bytes [file_offset, file_offset +
    // file_length) of that file. Sent for every method but GET and HEAD.
    std::string body;
    std::string file_path;
    std::int64_t file_offset = 0;
    std::int64_t file_length = 0;
    bool follow_redirects = true;
};

struct Response {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case name, value
    std::string body;

    // The value of header `lowercase_name` of the final response, "" when absent.
    std::string Header(std::string_view lowercase_name) const;
};

struct RequestOptions {
    RetryPolicy retry;
    std::int64_t connect_timeout_ms = 30000;
    std::int64_t stall_timeout_s = 60;  // slower than 1 byte/s for this long: a network error
    bool retry_statuses = true;         // false: 408/429/5xx are returned, not retried
};

// Sends `request`, retrying per options.retry on network errors and (when retry_statuses) on
// 408/429/5xx, waiting at least the server's Retry-After (seconds). Returns the final response
// whatever its status (the caller interprets 4xx). Errors name the method and URL, never the
// headers or the URL's query (presigned signatures): Unavailable when the retries are spent
// (with the last HTTP status or network error), IOError when the body file cannot be read.
Result<Response> Send(const Request& request, const RequestOptions& options = {});

}  // namespace actcache::http
