// ByteStream: a source of bytes read front to back (a file, stdin, a decompressor, later an
// HTTP body). The corpus reads everything through it so that memory stays bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::corpus {

// One owner, not thread-safe.
class ByteStream {
public:
    virtual ~ByteStream() = default;
    // Reads up to out.size() bytes; returns how many (0 only at the end of the stream).
    // Errors name the stream (IOError, Corruption for a bad compressed stream).
    virtual Result<std::size_t> Read(std::span<std::byte> out) = 0;
    // What messages call the stream: a path, "<stdin>", a URL.
    virtual const std::string& name() const = 0;
};

// Opens a local file for reading; "-" is standard input. NotFound/IOError name the path.
Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path);

// Opens an http(s) URL, sending `headers`, as a stream that resumes with Range requests when
// the connection drops (http/get_stream.h; default retry policy).
Result<std::unique_ptr<ByteStream>> OpenUrlStream(const std::string& url,
                                                  std::vector<std::string> headers);

// True for "http://..." and "https://...".
bool IsUrl(const std::string& location);

// Wraps `stream` so that its first bytes, which the caller has already read into `prefix`, are
// read again first (used to sniff magic bytes without seeking).
std::unique_ptr<ByteStream> PrependBytes(std::string prefix, std::unique_ptr<ByteStream> stream);

// Sniffs the first bytes of `stream` and returns it decompressed: zstd (magic 28 B5 2F FD,
// multi-frame), gzip (1F 8B, multi-member) or unchanged. The result reports positions in error
// messages as "<name>: ... at compressed offset N".
Result<std::unique_ptr<ByteStream>> OpenDecompressed(std::unique_ptr<ByteStream> stream);

// Decoders, exposed for tests; OpenDecompressed picks them by magic bytes.
std::unique_ptr<ByteStream> MakeZstdStream(std::unique_ptr<ByteStream> compressed);
std::unique_ptr<ByteStream> MakeGzipStream(std::unique_ptr<ByteStream> compressed);

}  // namespace actcache::corpus
