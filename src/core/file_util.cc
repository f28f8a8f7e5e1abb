#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace actcache {
namespace {

Status ErrnoStatus(const std::string& path, std::string_view action, int err) {
    std::string message = path + ": " + std::string(action) + ": " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(message);
    if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(message);
    return Status::IOError(message);
}

std::string ParentDirectory(const std::string& path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

}  // namespace

Result<std::string> ReadFileToString(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
    std::string contents;
    char buffer[1 << 16];
    while (true) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return ErrnoStatus(path, "cannot read", err);
        }
        if (n == 0) break;
        contents.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return contents;
}

Status CreateDirectories(const std::string& path) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) return Status::IOError(path + ": cannot create directory: " + error.message());
    return Status::Ok();
}

Status SyncDirectory(const std::string& path) {
    int dir_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return ErrnoStatus(path, "cannot open directory", errno);
    int sync_result = ::fsync(dir_fd);
    int err = errno;
    ::close(dir_fd);
    if (sync_result != 0) return ErrnoStatus(path, "cannot fsync directory", err);
    return Status::Ok();
}

Result<AtomicFile> AtomicFile::Create(std::string final_path) {
    std::string temp_path = final_path + ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus(temp_path, "cannot create", errno);
    return AtomicFile(std::move(final_path), std::move(temp_path), fd);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(other.fd_),
      committed_(other.committed_),
      size_bytes_(other.size_bytes_) {
    other.fd_ = -1;
    other.committed_ = true;  // the moved-from object owns no temporary file
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_path_.c_str());
}

Status AtomicFile::Append(std::span<const std::byte> bytes) {
    ACT_CHECK(fd_ >= 0 && !committed_);
    const std::byte* cursor = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, cursor, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ErrnoStatus(temp_path_, "cannot write", errno);
        }
        cursor += n;
        left -= static_cast<std::size_t>(n);
    }
    size_bytes_ += bytes.size();
    return Status::Ok();
}

Status AtomicFile::Append(std::string_view text) {
    return Append(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

Status AtomicFile::Commit() {
    ACT_CHECK(fd_ >= 0 && !committed_);
    if (::fsync(fd_) != 0) return ErrnoStatus(temp_path_, "cannot fsync", errno);
    int close_result = ::close(fd_);
    fd_ = -1;
    if (close_result != 0) return ErrnoStatus(temp_path_, "cannot close", errno);
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        return ErrnoStatus(final_path_, "cannot rename temporary file onto", errno);
    }
    committed_ = true;
    // The rename is durable only once the directory entry is on disk.
    return SyncDirectory(ParentDirectory(final_path_));
}

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
    ACT_RETURN_IF_ERROR(file.Append(contents));
    return file.Commit();
}

}  // namespace actcache
