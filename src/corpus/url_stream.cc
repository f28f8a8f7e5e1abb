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

bool IsUrl(const std::string& location) {
    return location.starts_with("http://") || location.starts_with("https://");
}

Result<std::unique_ptr<ByteStream>> OpenUrlStream(const std::string& url,
                                                  std::vector<std::string> headers) {
    http::GetOptions options;
    options.headers = std::move(headers);
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<http::GetStream> stream,
                         http::GetStream::Open(url, std::move(options)));
    return std::unique_ptr<ByteStream>(new UrlStream(std::move(stream)));
}

}  // namespace actcache::corpus
