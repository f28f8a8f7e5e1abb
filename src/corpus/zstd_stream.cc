// Streaming zstd decompression (any number of concatenated frames) over a ByteStream.
#include <zstd.h>

#include <vector>

#include "corpus/byte_stream.h"

namespace actcache::corpus {
namespace {

class ZstdStream final : public ByteStream {
public:
    explicit ZstdStream(std::unique_ptr<ByteStream> compressed)
        : compressed_(std::move(compressed)),
          context_(ZSTD_createDCtx()),
          input_buffer_(ZSTD_DStreamInSize()) {}
    ~ZstdStream() override { ZSTD_freeDCtx(context_); }

    Result<std::size_t> Read(std::span<std::byte> out) override {
        ZSTD_outBuffer output{out.data(), out.size(), 0};
        while (output.pos == 0 && !out.empty()) {
            if (input_.pos == input_.size) {
                if (at_end_) {
                    // A frame still open at the end means the file was cut short.
                    if (frame_open_) {
                        return Status::Corruption(name() + ": zstd stream truncated at compressed offset " +
                                                  std::to_string(consumed_));
                    }
                    return std::size_t{0};
                }
                ACT_ASSIGN_OR_RETURN(std::size_t n, compressed_->Read(std::as_writable_bytes(
                                                        std::span(input_buffer_))));
                input_ = ZSTD_inBuffer{input_buffer_.data(), n, 0};
                at_end_ = n == 0;
                continue;
            }
            const std::size_t before = input_.pos;
            const std::size_t hint = ZSTD_decompressStream(context_, &output, &input_);
            consumed_ += input_.pos - before;
            if (ZSTD_isError(hint)) {
                return Status::Corruption(name() + ": corrupt zstd data at compressed offset " +
                                          std::to_string(consumed_) + ": " + ZSTD_getErrorName(hint));
            }
            frame_open_ = hint != 0;  // 0: a frame just ended cleanly
        }
        return output.pos;
    }
    const std::string& name() const override { return compressed_->name(); }

private:
    std::unique_ptr<ByteStream> compressed_;
    ZSTD_DCtx* context_;
    std::vector<char> input_buffer_;
    ZSTD_inBuffer input_{nullptr, 0, 0};
    bool at_end_ = false;
    bool frame_open_ = false;
    std::uint64_t consumed_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> MakeZstdStream(std::unique_ptr<ByteStream> compressed) {
    return std::make_unique<ZstdStream>(std::move(compressed));
}

}  // namespace actcache::corpus
