#include "corpus/line_reader.h"

#include <cstring>

namespace actcache::corpus {

Result<bool> LineReader::Next(std::string& line) {
    line.clear();
    while (true) {
        const char* start = buffer_.data() + begin_;
        const void* newline = std::memchr(start, '\n', end_ - begin_);
        if (newline != nullptr) {
            const std::size_t length = static_cast<const char*>(newline) - start;
            line.append(start, length);
            begin_ += length + 1;
            ++line_number_;
            return true;
        }
        line.append(start, end_ - begin_);
        begin_ = end_ = 0;
        if (at_end_) {
            if (line.empty()) return false;
            ++line_number_;  // a last line without '\n'
            return true;
        }
        ACT_ASSIGN_OR_RETURN(std::size_t n,
                             stream_.Read(std::as_writable_bytes(std::span(buffer_))));
        end_ = n;
        at_end_ = n == 0;
    }
}

}  // namespace actcache::corpus
