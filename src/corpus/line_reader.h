// LineReader: splits a ByteStream into lines ('\n'-terminated; a final line without '\n'
// counts). Memory: one read buffer plus the longest line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "corpus/byte_stream.h"

namespace actcache::corpus {

// One owner, not thread-safe. `stream` must outlive the reader.
class LineReader {
public:
    explicit LineReader(ByteStream& stream) : stream_(stream), buffer_(1 << 20) {}

    // Reads the next line, without its '\n', into *line: a view that stays valid until the next
    // call (into the read buffer when the line lies inside it, else into a held copy). Returns
    // false at the end of the stream.
    Result<bool> Next(std::string_view* line);
    // 1-based number of the line last returned.
    std::int64_t line_number() const { return line_number_; }

private:
    ByteStream& stream_;
    std::vector<char> buffer_;
    std::string long_line_;  // a line that spans reads is assembled here
    std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
    std::size_t end_ = 0;
    bool at_end_ = false;
    std::int64_t line_number_ = 0;
};

}  // namespace actcache::corpus
