// MappedFile: a read-only memory map of a whole file, released when the object dies.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"

namespace actcache {

// Thread-safety: const methods thread-safe (the mapping is read-only).
class MappedFile {
public:
    // Maps `path` read-only. Errors: NotFound when the file does not exist, IOError otherwise;
    // messages name the path. An empty file maps to an empty span.
    static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // The file's bytes; valid for the lifetime of this object.
    std::span<const std::byte> bytes() const { return {data_, size_bytes_}; }
    std::size_t size_bytes() const { return size_bytes_; }
    const std::string& path() const { return path_; }

    // Hints the kernel that `bytes()` will be read from start to end (more read-ahead).
    void AdviseSequential() const;

    // Whether `range` lies inside bytes().
    bool Contains(std::span<const std::byte> range) const;
    // Drops the whole pages inside `range` from this process's resident memory. The bytes stay
    // readable: the mapping is a read-only view of the file, so a later read faults them back
    // in from the page cache or the disk. For data a caller has copied and will not read again.
    // REQUIRES: Contains(range).
    void ReleasePages(std::span<const std::byte> range) const;

private:
    MappedFile(std::string path, const std::byte* data, std::size_t size_bytes)
        : path_(std::move(path)), data_(data), size_bytes_(size_bytes) {}

    std::string path_;
    const std::byte* data_;   // nullptr iff size_bytes_ == 0
    std::size_t size_bytes_;
};

}  // namespace actcache
