#include "corpus/line_reader.h"

#include <cstring>

namespace actcache::corpus {

Result<bool> LineReader::Next(std::string_view* line) {
    long_line_.clear();
    while (true) {
        const char* start = buffer_.data() + begin_;
        const void* newline = std::memchr(start, '\n', end_ - begin_);
        if (newline != nullptr) {
            const std::size_t length = static_cast<const char*>(newline) - start;
            begin_ += length + 1;
            ++line_number_;
            if (long_line_.empty()) {
                *line = std::string_view(start, length);  // the common case: no copy
            } else {
                long_line_.append(start, length);
                *line = long_line_;
            }
            return true;
        }
        long_line_.append(start, end_ - begin_);
        begin_ = end_ = 0;
        if (at_end_) {
            if (long_line_.empty()) return false;
            ++line_number_;  // a last line without '\n'
            *line = long_line_;
            return true;
        }
        ACT_ASSIGN_OR_RETURN(std::size_t n,
                             stream_.Read(std::as_writable_bytes(std::span(buffer_))));
        end_ = n;
        at_end_ = n == 0;
    }
}

}  // namespace actcache::corpus
