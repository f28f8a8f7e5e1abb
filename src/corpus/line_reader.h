// LineReader: splits a ByteStream into lines ('\n'-terminated; a final line without '\n'
// counts). Memory: one read buffer plus the longest line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "corpus/byte_stream.h"

namespace actcache::corpus {

// One owner, not thread-safe. `stream` must outlive the reader.
class LineReader {
public:
    explicit LineReader(ByteStream& stream) : stream_(stream), buffer_(1 << 20) {}

    // Reads the next line into `line` without its '\n'. Returns false at the end of the stream.
    Result<bool> Next(std::string& line);
    // 1-based number of the line last returned.
    std::int64_t line_number() const { return line_number_; }

private:
    ByteStream& stream_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
    std::size_t end_ = 0;
    bool at_end_ = false;
    std::int64_t line_number_ = 0;
};

}  // namespace actcache::corpus
