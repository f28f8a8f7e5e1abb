#include "corpus/byte_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace actcache::corpus {
namespace {

class FdStream final : public ByteStream {
public:
    FdStream(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
    ~FdStream() override {
        if (owned_) ::close(fd_);
    }
    Result<std::size_t> Read(std::span<std::byte> out) override {
        while (true) {
            const ssize_t n = ::read(fd_, out.data(), out.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) return Status::IOError(name_ + ": read failed: " + std::strerror(errno));
        }
    }
    const std::string& name() const override { return name_; }

private:
    int fd_;
    std::string name_;
    bool owned_;
};

class PrefixedStream final : public ByteStream {
public:
    PrefixedStream(std::string prefix, std::unique_ptr<ByteStream> rest)
        : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
    Result<std::size_t> Read(std::span<std::byte> out) override {
        if (offset_ < prefix_.size()) {
            const std::size_t n = std::min(out.size(), prefix_.size() - offset_);
            std::memcpy(out.data(), prefix_.data() + offset_, n);
            offset_ += n;
            return n;
        }
        return rest_->Read(out);
    }
    const std::string& name() const override { return rest_->name(); }

private:
    std::string prefix_;
    std::size_t offset_ = 0;
    std::unique_ptr<ByteStream> rest_;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path) {
    if (path == "-") return std::unique_ptr<ByteStream>(new FdStream(0, "<stdin>", false));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const std::string message = path + ": cannot open: " + std::strerror(errno);
        return errno == ENOENT ? Status::NotFound(message) : Status::IOError(message);
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<ByteStream>(new FdStream(fd, path, true));
}

std::unique_ptr<ByteStream> PrependBytes(std::string prefix, std::unique_ptr<ByteStream> stream) {
    return std::make_unique<PrefixedStream>(std::move(prefix), std::move(stream));
}

Result<std::unique_ptr<ByteStream>> OpenDecompressed(std::unique_ptr<ByteStream> stream) {
    std::string magic(4, '\0');
    std::size_t have = 0;
    while (have < magic.size()) {
        ACT_ASSIGN_OR_RETURN(std::size_t n, stream->Read(std::as_writable_bytes(
                                                std::span(magic.data() + have, magic.size() - have))));
        if (n == 0) break;
        have += n;
    }
    magic.resize(have);
    const bool zstd = magic == std::string("\x28\xB5\x2F\xFD", 4);
    const bool gzip = have >= 2 && magic[0] == '\x1F' && magic[1] == '\x8B';
    std::unique_ptr<ByteStream> replay = PrependBytes(std::move(magic), std::move(stream));
    if (zstd) return MakeZstdStream(std::move(replay));
    if (gzip) return MakeGzipStream(std::move(replay));
    return replay;
}

}  // namespace actcache::corpus
