// Corpus sources at http(s) URLs, streamed through http::GetStream (resume on drops, retries).
#include "corpus/byte_stream.h"
#include "http/get_stream.h"

namespace actcache::corpus {
namespace {

class UrlStream final : public ByteStream {
public:
    explicit UrlStream(std::unique_ptr<http::GetStream> stream) : stream_(std::move(stream)) {}
    Result<std::size_t> Read(std::span<std::byte> out) override { return stream_->Read(out); }
    const std::string& name() const override { return stream_->url(); }

private:
    std::unique_ptr<http::GetStream> stream_;
};

}  // namespace

bool IsUrl(const std::string& source) {
    return source.starts_with("http://") || source.starts_with("https://");
}

Result<std::unique_ptr<ByteStream>> OpenUrlStream(const std::string& url) {
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<http::GetStream> stream, http::GetStream::Open(url, {}));
    return std::unique_ptr<ByteStream>(new UrlStream(std::move(stream)));
}

Result<std::unique_ptr<ByteStream>> OpenSourceStream(const std::string& source) {
    return IsUrl(source) ? OpenUrlStream(source) : OpenFileStream(source);
}

}  // namespace actcache::corpus
