// Streaming gzip decompression (any number of concatenated members, as `gzip -c a b` writes)
// over a ByteStream, with zlib.
#include <zlib.h>

#include <vector>

#include "corpus/byte_stream.h"

namespace actcache::corpus {
namespace {

constexpr std::size_t kInputBytes = 1 << 16;

class GzipStream final : public ByteStream {
public:
    explicit GzipStream(std::unique_ptr<ByteStream> compressed)
        : compressed_(std::move(compressed)), input_buffer_(kInputBytes) {
        z_.zalloc = Z_NULL;
        z_.zfree = Z_NULL;
        z_.opaque = Z_NULL;
        inflateInit2(&z_, 16 + MAX_WBITS);  // 16: expect a gzip header
    }
    ~GzipStream() override { inflateEnd(&z_); }

    Result<std::size_t> Read(std::span<std::byte> out) override {
        z_.next_out = reinterpret_cast<Bytef*>(out.data());
        z_.avail_out = static_cast<uInt>(out.size());
        while (z_.avail_out == out.size() && !out.empty()) {
            if (z_.avail_in == 0) {
                if (at_end_) {
                    if (member_open_) {
                        return Status::Corruption(name() + ": gzip stream truncated at compressed offset " +
                                                  std::to_string(consumed_));
                    }
                    return std::size_t{0};
                }
                ACT_ASSIGN_OR_RETURN(std::size_t n, compressed_->Read(std::as_writable_bytes(
                                                        std::span(input_buffer_))));
                z_.next_in = reinterpret_cast<Bytef*>(input_buffer_.data());
                z_.avail_in = static_cast<uInt>(n);
                at_end_ = n == 0;
                continue;
            }
            const uInt before = z_.avail_in;
            const int result = inflate(&z_, Z_NO_FLUSH);
            consumed_ += before - z_.avail_in;
            member_open_ = true;
            if (result == Z_STREAM_END) {
                member_open_ = false;
                inflateReset(&z_);  // another member may follow
            } else if (result != Z_OK && result != Z_BUF_ERROR) {
                return Status::Corruption(name() + ": corrupt gzip data at compressed offset " +
                                          std::to_string(consumed_) + ": " +
                                          (z_.msg != nullptr ? z_.msg : "inflate failed"));
            }
        }
        return out.size() - z_.avail_out;
    }
    const std::string& name() const override { return compressed_->name(); }

private:
    std::unique_ptr<ByteStream> compressed_;
    std::vector<char> input_buffer_;
    z_stream z_{};
    bool at_end_ = false;
    bool member_open_ = false;
    std::uint64_t consumed_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> MakeGzipStream(std::unique_ptr<ByteStream> compressed) {
    return std::make_unique<GzipStream>(std::move(compressed));
}

}  // namespace actcache::corpus
