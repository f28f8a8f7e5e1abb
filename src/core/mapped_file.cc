#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace actcache {

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        std::string message = path + ": cannot open: " + std::strerror(err);
        return err == ENOENT ? Status::NotFound(message) : Status::IOError(message);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return Status::IOError(path + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Status::InvalidArgument(path + ": not a regular file");
    }
    std::size_t size_bytes = static_cast<std::size_t>(st.st_size);
    const std::byte* data = nullptr;
    if (size_bytes > 0) {
        void* mapped = ::mmap(nullptr, size_bytes, PROT_READ, MAP_SHARED, fd, 0);
        if (mapped == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            return Status::IOError(path + ": cannot map: " + std::strerror(err));
        }
        data = static_cast<const std::byte*>(mapped);
    }
    ::close(fd);  // the mapping keeps the file alive
    return std::unique_ptr<MappedFile>(new MappedFile(path, data, size_bytes));
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_bytes_);
}

bool MappedFile::Contains(std::span<const std::byte> range) const {
    if (data_ == nullptr || range.empty()) return false;
    const auto begin = reinterpret_cast<std::uintptr_t>(data_);
    const auto first = reinterpret_cast<std::uintptr_t>(range.data());
    return first >= begin && first - begin <= size_bytes_ && range.size() <= size_bytes_ - (first - begin);
}

void MappedFile::ReleasePages(std::span<const std::byte> range) const {
    ACT_CHECK(Contains(range));
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto first = reinterpret_cast<std::uintptr_t>(range.data());
    const std::uintptr_t begin = (first + page - 1) / page * page;  // whole pages only: the
    const std::uintptr_t end = (first + range.size()) / page * page;  // edges may hold other data
    // MADV_DONTNEED on a file mapping unmaps the pages; their contents come back from the file.
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void MappedFile::AdviseSequential() const {
    if (data_ != nullptr) {
        // Two calls: madvise advice values are not flags and cannot be combined.
        ::madvise(const_cast<std::byte*>(data_), size_bytes_, MADV_SEQUENTIAL);
        ::madvise(const_cast<std::byte*>(data_), size_bytes_, MADV_WILLNEED);
    }
}

}  // namespace actcache
