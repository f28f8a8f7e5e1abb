#include "core/status.h"

namespace actcache {

std::string_view StatusCodeName(StatusCode code) {
    switch (code) {
        case StatusCode::kOk: return "ok";
        case StatusCode::kInvalidArgument: return "invalid argument";
        case StatusCode::kNotFound: return "not found";
        case StatusCode::kCorruption: return "corruption";
        case StatusCode::kIOError: return "I/O error";
        case StatusCode::kUnavailable: return "unavailable";
        case StatusCode::kResourceExhausted: return "resource exhausted";
        case StatusCode::kCancelled: return "cancelled";
        case StatusCode::kUnimplemented: return "unimplemented";
        case StatusCode::kInternal: return "internal error";
    }
    return "unknown";
}

Status Status::WithContext(std::string_view context) const {
    if (ok()) return *this;
    std::string message(context);
    message += ": ";
    message += message_;
    return Status(code_, std::move(message));
}

std::string Status::ToString() const { return ok() ? "OK" : message_; }

}  // namespace actcache
