// Status and Result<T>: how every fallible operation in actcache reports failure.
//
// Errors are values (STYLE.md rule 6): a function that can fail returns Status, or Result<T>
// when it also produces a value. Messages are one line that locates the fault (file, line,
// field); each layer may prepend its context with WithContext() on the way up.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/check.h"

namespace actcache {

enum class StatusCode {
    kOk,
    kInvalidArgument,    // bad option, bad value in a user-supplied file
    kNotFound,           // missing file, tensor, key
    kCorruption,         // a file does not follow its format
    kIOError,            // the operating system refused a read or write
    kUnavailable,        // retryable: network reset, HTTP 429/5xx
    kResourceExhausted,  // disk full, memory limit
    kCancelled,          // stopped by a signal or the user
    kUnimplemented,      // a valid request this version does not support
    kInternal,           // a bug surfaced as a value (prefer ACT_CHECK)
};

// Returns the stable lower-case name of `code` ("invalid argument", "corruption", ...).
std::string_view StatusCodeName(StatusCode code);

// Thread-safety: const methods thread-safe; a Status is a small value type.
class [[nodiscard]] Status {
public:
    Status() = default;  // OK

    static Status Ok() { return Status(); }
    static Status InvalidArgument(std::string message) {
        return Status(StatusCode::kInvalidArgument, std::move(message));
    }
    static Status NotFound(std::string message) {
        return Status(StatusCode::kNotFound, std::move(message));
    }
    static Status Corruption(std::string message) {
        return Status(StatusCode::kCorruption, std::move(message));
    }
    static Status IOError(std::string message) {
        return Status(StatusCode::kIOError, std::move(message));
    }
    static Status Unavailable(std::string message) {
        return Status(StatusCode::kUnavailable, std::move(message));
    }
    static Status ResourceExhausted(std::string message) {
        return Status(StatusCode::kResourceExhausted, std::move(message));
    }
    static Status Cancelled(std::string message) {
        return Status(StatusCode::kCancelled, std::move(message));
    }
    static Status Unimplemented(std::string message) {
        return Status(StatusCode::kUnimplemented, std::move(message));
    }
    static Status Internal(std::string message) {
        return Status(StatusCode::kInternal, std::move(message));
    }

    bool ok() const { return code_ == StatusCode::kOk; }
    StatusCode code() const { return code_; }
    // The one-line description, without the code name. Empty when ok().
    const std::string& message() const { return message_; }

    // Returns a copy whose message is "context: message". An OK status stays OK.
    Status WithContext(std::string_view context) const;

    // "OK", or the message (the code is visible through code(), not repeated in the text).
    std::string ToString() const;

    friend bool operator==(const Status&, const Status&) = default;

private:
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
        ACT_CHECK(code != StatusCode::kOk);
    }

    StatusCode code_ = StatusCode::kOk;
    std::string message_;
};

// Result<T>: either a T or a non-OK Status. Mirrors the parts of C++23 std::expected we need.
// Thread-safety: like T.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like expected
    Result(Status status) : status_(std::move(status)) {  // NOLINT
        // REQUIRES: !status.ok() -- a Result holds a value or an error, never an OK status.
        ACT_CHECK(!status_.ok());
    }

    bool ok() const { return value_.has_value(); }
    const Status& status() const { return status_; }

    // REQUIRES: ok().
    T& value() & {
        ACT_CHECK(ok());
        return *value_;
    }
    const T& value() const& {
        ACT_CHECK(ok());
        return *value_;
    }
    T&& value() && {
        ACT_CHECK(ok());
        return std::move(*value_);
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace actcache

#define ACT_STATUS_CONCAT_INNER(a, b) a##b
#define ACT_STATUS_CONCAT(a, b) ACT_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function if it is not OK.
#define ACT_RETURN_IF_ERROR(expr)                                    \
    do {                                                             \
        ::actcache::Status act_status_tmp_ = (expr);                 \
        if (!act_status_tmp_.ok()) return act_status_tmp_;           \
    } while (false)

// Evaluates `expr` (a Result<T>); on error returns its Status, else moves the value into `lhs`
// (a declaration such as `auto x` or an existing variable).
#define ACT_ASSIGN_OR_RETURN(lhs, expr) \
    ACT_ASSIGN_OR_RETURN_IMPL(ACT_STATUS_CONCAT(act_result_tmp_, __COUNTER__), lhs, expr)
#define ACT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                            \
    if (!tmp.ok()) return tmp.status();           \
    lhs = std::move(tmp).value()
