// Whole-file reads and crash-safe writes.
//
// AtomicFile is how actcache makes a file appear: bytes go to a temporary name in the same
// directory; Commit() fsyncs, renames onto the final name and fsyncs the directory, so a reader
// (or a resumed run) sees either the complete file or none. An uncommitted AtomicFile removes
// its temporary file when destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace actcache {

// Reads the whole file. Errors: NotFound (no such file), IOError; messages name the path.
Result<std::string> ReadFileToString(const std::string& path);

// Creates `path` and its missing parents, like `mkdir -p`. IOError names the path.
Status CreateDirectories(const std::string& path);

// fsyncs the directory `path`, making the renames and creations inside it durable. IOError
// names the path.
Status SyncDirectory(const std::string& path);

// One owner, not thread-safe.
class AtomicFile {
public:
    // Opens a fresh temporary file next to `final_path` ("<final_path>.tmp-<pid>").
    // The directory must exist. IOError names the path.
    static Result<AtomicFile> Create(std::string final_path);

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();  // removes the temporary file unless committed

    // Appends bytes. ResourceExhausted on a full disk, IOError otherwise.
    Status Append(std::span<const std::byte> bytes);
    Status Append(std::string_view text);

    // fsync, rename to the final name, fsync the directory. After an error the temporary file is
    // removed when this object dies and nothing appears under the final name.
    // REQUIRES: not yet committed.
    Status Commit();

    const std::string& final_path() const { return final_path_; }
    std::uint64_t size_bytes() const { return size_bytes_; }

private:
    AtomicFile(std::string final_path, std::string temp_path, int fd)
        : final_path_(std::move(final_path)), temp_path_(std::move(temp_path)), fd_(fd) {}

    std::string final_path_;
    std::string temp_path_;
    int fd_ = -1;              // -1 once closed or moved from
    bool committed_ = false;
    std::uint64_t size_bytes_ = 0;
};

// Writes `contents` to `path` through an AtomicFile.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace actcache
