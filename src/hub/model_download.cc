#include "hub/model_download.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "core/file_util.h"
#include "core/hex.h"
#include "core/interrupt.h"
#include "hub/dataset_files.h"
#include "http/get_stream.h"
#include "http/request.h"

namespace actcache::hub {
namespace {

namespace fs = std::filesystem;

// What the resolve endpoint's HEAD says about one file (§D.1).
struct FileMetadata {
    std::string commit;        // X-Repo-Commit
    std::string etag;          // X-Linked-Etag, else ETag; no W/ and no quotes
    std::uint64_t size = 0;    // X-Linked-Size, else Content-Length; 0 when unknown
    std::string download_url;  // Location of an absolute redirect (CDN), else the resolve URL
    bool presigned = false;    // fetched from a redirect target: no token goes there
};

// One repository download.
struct Job {
    const HubSettings& settings;
    const std::string& repo_id;
    const DownloadProgress& progress;
    std::string revision;  // as asked for: branch, tag or commit
    std::string repo_dir;  // <cache>/models--ORG--NAME
    // The first answer's X-Repo-Commit; it pins every later request, so a branch that moves
    // meanwhile cannot mix two commits in one snapshot.
    std::string commit;
};

std::string NormaliseEtag(std::string etag) {
    if (etag.starts_with("W/")) etag.erase(0, 2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    return etag;
}

// The etag names a file in blobs/: the Hub's are hex; anything that could leave the folder or
// hide (a leading dot) is refused.
bool UsableAsFileName(const std::string& etag) {
    if (etag.empty() || etag.size() > 128 || etag.front() == '.') return false;
    for (char c : etag) {
        const bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           c == '-' || c == '_' || c == '.';
        if (!plain) return false;
    }
    return true;
}

std::string Origin(const std::string& url) {
    const std::size_t scheme = url.find("://");
    const std::size_t path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

std::uint64_t ParseSize(const std::string& text) {
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return 0;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

Status AccessDenied(const Job& job, long status, bool gated) {
    const std::string page = job.settings.endpoint + "/" + job.repo_id;
    std::string what = gated ? "is gated" : "is private, gated or does not exist";
    return Status::InvalidArgument("model " + job.repo_id + " " + what + " (HTTP " + std::to_string(status) +
                                   "): accept its license on the model page " + page +
                                   " and set HF_TOKEN to a token of an account that may read it");
}

// HEAD of {endpoint}/{repo}/resolve/{revision}/{path}; nullopt when the repository has no such
// file (404 EntryNotFound).
Result<std::optional<FileMetadata>> ProbeFile(Job& job, const std::string& path) {
    const std::string revision = job.commit.empty() ? job.revision : job.commit;
    http::Request request;
    request.method = "HEAD";
    request.url = job.settings.endpoint + "/" + job.repo_id + "/resolve/" + QuoteUrlPath(revision, false) + "/" +
                  QuoteUrlPath(path, true);
    request.headers = job.settings.AuthHeaders();
    request.headers.push_back("Accept-Encoding: identity");  // Content-Length is the file's size
    request.follow_redirects = false;  // the Location is what we want to know
    const std::string where = "model " + job.repo_id + ": " + path;
    for (int hop = 0; hop < 5; ++hop) {
        Result<http::Response> answer = http::Send(request);
        if (!answer.ok()) return answer.status().WithContext(where);
        const http::Response& response = *answer;
        const std::string location = response.Header("location");
        if (response.status >= 300 && response.status < 400 && location.starts_with("/")) {
            request.url = Origin(request.url) + location;  // a renamed repository: same host
            continue;
        }
        if (response.status == 401 || response.status == 403) {
            return AccessDenied(job, response.status, response.Header("x-error-code") == "GatedRepo");
        }
        if (response.status == 404) {
            const std::string code = response.Header("x-error-code");
            if (code == "EntryNotFound") return std::optional<FileMetadata>();
            if (code == "RevisionNotFound") {
                return Status::NotFound("model " + job.repo_id + ": revision " + revision + " not found");
            }
            return Status::NotFound("model " + job.repo_id + ": repository not found at " + job.settings.endpoint);
        }
        if (response.status != 200 && (response.status < 300 || response.status >= 400)) {
            return Status::Unavailable(where + ": HEAD " + request.url + ": HTTP " + std::to_string(response.status));
        }
        FileMetadata metadata;
        metadata.commit = response.Header("x-repo-commit");
        const std::string linked = response.Header("x-linked-etag");
        metadata.etag = NormaliseEtag(linked.empty() ? response.Header("etag") : linked);
        const std::string linked_size = response.Header("x-linked-size");
        metadata.size = ParseSize(linked_size.empty() ? response.Header("content-length") : linked_size);
        metadata.presigned = response.status != 200;
        metadata.download_url = metadata.presigned ? location : request.url;
        if (!IsCommitHash(metadata.commit) || !UsableAsFileName(metadata.etag)) {
            return Status::Corruption(where + ": the answer lacks X-Repo-Commit or a hex ETag; is HF_ENDPOINT (" +
                                      job.settings.endpoint + ") a Hugging Face Hub?");
        }
        if (!job.commit.empty() && metadata.commit != job.commit) {
            return Status::Corruption(where + ": asked for commit " + job.commit + ", the Hub answered " +
                                      metadata.commit);
        }
        return std::optional<FileMetadata>(std::move(metadata));
    }
    return Status::Unavailable(where + ": too many redirects");
}

// flock on <cache>/.locks/models--ORG--NAME/<etag>.lock (huggingface_hub's lock file) for the
// object's life. One owner.
class BlobLock {
public:
    static Result<std::unique_ptr<BlobLock>> Acquire(const std::string& path) {
        ACT_RETURN_IF_ERROR(CreateDirectories(fs::path(path).parent_path().string()));
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return Status::IOError(path + ": cannot open lock file: " + std::strerror(errno));
        auto lock = std::unique_ptr<BlobLock>(new BlobLock(fd));
        while (::flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) return Status::IOError(path + ": flock: " + std::strerror(errno));
        }
        return lock;
    }
    ~BlobLock() { ::close(fd_); }  // closing releases the flock
    BlobLock(const BlobLock&) = delete;
    BlobLock& operator=(const BlobLock&) = delete;

private:
    explicit BlobLock(int fd) : fd_(fd) {}
    int fd_;
};

// Owns a file descriptor (closed on destruction). One owner.
struct ScopedFd {
    explicit ScopedFd(int fd_p) : fd(fd_p) {}
    ~ScopedFd() {
        if (fd >= 0) ::close(fd);
    }
    ScopedFd(const ScopedFd&) = delete;
    ScopedFd& operator=(const ScopedFd&) = delete;
    const int fd;  // -1 when the open failed
};

// An interrupted download of this blob (ours "<etag>.<8hex>.incomplete" or huggingface_hub's
// "<etag>.incomplete"), else a fresh name.
std::string IncompletePath(const std::string& blobs_dir, const std::string& etag) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(blobs_dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(etag + ".") && name.ends_with(".incomplete")) return entry.path().string();
    }
    std::random_device random;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
    return blobs_dir + "/" + etag + "." + suffix + ".incomplete";
}

// The digest `etag` is checked against: sha256 of the bytes for a 64-hex etag (LFS), sha1 of
// "blob <size>\0" + bytes for a 40-hex one (git). "" with *kind empty for other etag forms
// (a mirror's own ETags), which are not checked.
Result<std::string> FileDigest(const std::string& path, const std::string& etag, std::string* kind) {
    const EVP_MD* md = etag.size() == 64 ? EVP_sha256() : etag.size() == 40 ? EVP_sha1() : nullptr;
    kind->clear();
    if (md == nullptr) return std::string();
    *kind = etag.size() == 64 ? "sha256" : "git blob sha1";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return Status::IOError(path + ": cannot read back: " + std::strerror(errno));
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(context.get(), md, nullptr);
    if (etag.size() == 40) {
        std::error_code error;
        const std::string header = "blob " + std::to_string(fs::file_size(path, error)) + std::string(1, '\0');
        EVP_DigestUpdate(context.get(), header.data(), header.size());
    }
    std::vector<char> buffer(1 << 20);
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
        EVP_DigestUpdate(context.get(), buffer.data(), n);
    }
    if (std::ferror(file.get())) return Status::IOError(path + ": read error");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest, &length);
    return LowerHex(digest, length);
}

// Appends the bytes of `metadata` from the first one `fd` lacks.
Status AppendBody(const Job& job, const FileMetadata& metadata, std::uint64_t first_byte, int fd,
                  const std::string& where) {
    http::GetOptions options;
    if (!metadata.presigned) options.headers = job.settings.AuthHeaders();
    options.first_byte = first_byte;
    ACT_ASSIGN_OR_RETURN(auto stream, http::GetStream::Open(metadata.download_url, options));
    std::vector<std::byte> buffer(1 << 20);
    while (true) {
        Result<std::size_t> n = stream->Read(buffer);
        if (!n.ok()) return n.status().WithContext(where);
        if (*n == 0) return Status::Ok();
        if (InterruptSignal() != 0) {  // Ctrl-C during a long download (handlers of `run`)
            return Status::Cancelled(where + ": interrupted; the partial download is kept and the next run "
                                             "resumes it");
        }
        for (std::size_t done = 0; done < *n;) {
            const ssize_t wrote = ::write(fd, buffer.data() + done, *n - done);
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote < 0 && errno == ENOSPC) return Status::ResourceExhausted(where + ": disk full");
            if (wrote < 0) return Status::IOError(where + ": write: " + std::strerror(errno));
            done += static_cast<std::size_t>(wrote);
        }
    }
}

// blobs/<etag>, downloaded (or resumed) and verified when it is not there yet.
Status FetchBlob(const Job& job, const std::string& path, const FileMetadata& metadata) {
    const std::string blobs_dir = job.repo_dir + "/blobs";
    const std::string blob = blobs_dir + "/" + metadata.etag;
    const std::string where = "model " + job.repo_id + ": " + path;
    ACT_RETURN_IF_ERROR(CreateDirectories(blobs_dir));
    ACT_ASSIGN_OR_RETURN(auto lock, BlobLock::Acquire(job.settings.cache_dir + "/.locks/" +
                                                      fs::path(job.repo_dir).filename().string() + "/" +
                                                      metadata.etag + ".lock"));
    std::error_code error;
    if (fs::exists(blob, error)) return Status::Ok();  // another snapshot or process has it
    const std::string incomplete = IncompletePath(blobs_dir, metadata.etag);
    {
        const ScopedFd file(::open(incomplete.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (file.fd < 0) return Status::IOError(incomplete + ": " + std::strerror(errno));
        struct stat info {};
        ::fstat(file.fd, &info);
        std::uint64_t have = static_cast<std::uint64_t>(info.st_size);
        if (metadata.size > 0 && have > metadata.size) {  // not a prefix of this file: start over
            if (::ftruncate(file.fd, 0) != 0) {
                return Status::IOError(incomplete + ": cannot truncate: " + std::strerror(errno));
            }
            have = 0;
        }
        if (metadata.size == 0 || have < metadata.size) {
            if (job.progress) job.progress(DownloadNotice{path, metadata.size, have});
            // On failure the partial file stays: the next try resumes it.
            ACT_RETURN_IF_ERROR(AppendBody(job, metadata, have, file.fd, where));
        }
        if (::fsync(file.fd) != 0) return Status::IOError(incomplete + ": fsync: " + std::strerror(errno));
    }
    const std::uint64_t got = fs::file_size(incomplete, error);
    std::string kind;
    ACT_ASSIGN_OR_RETURN(std::string digest, FileDigest(incomplete, metadata.etag, &kind));
    std::string problem;
    if (metadata.size > 0 && got != metadata.size) {
        problem = std::to_string(got) + " bytes arrived, the Hub announced " + std::to_string(metadata.size);
    } else if (!kind.empty() && digest != metadata.etag) {
        problem = "the downloaded bytes have " + kind + " " + digest + ", the Hub announced " + metadata.etag;
    }
    if (!problem.empty()) {
        fs::remove(incomplete, error);
        return Status::Corruption(where + ": " + problem + "; the partial download was removed, run again");
    }
    fs::rename(incomplete, blob, error);
    if (error) return Status::IOError(blob + ": cannot rename the finished download: " + error.message());
    return Status::Ok();
}

// snapshots/<commit>/<path> → ../../blobs/<etag> (one more ../ per folder in path), replaced
// atomically when it exists.
Status LinkIntoSnapshot(const Job& job, const std::string& path, const std::string& etag) {
    const std::string link = job.repo_dir + "/snapshots/" + job.commit + "/" + path;
    ACT_RETURN_IF_ERROR(CreateDirectories(fs::path(link).parent_path().string()));
    std::string target = "../../";
    for (char c : path) {
        if (c == '/') target += "../";
    }
    target += "blobs/" + etag;
    const std::string temporary = link + ".tmp-" + std::to_string(::getpid());
    std::error_code error;
    fs::remove(temporary, error);
    fs::create_symlink(target, temporary, error);
    if (!error) fs::rename(temporary, link, error);
    if (error) return Status::IOError(link + ": cannot create the snapshot symlink: " + error.message());
    return Status::Ok();
}

// Probes `path`; when the repository has it, fetches and links it. *present says which.
Status FetchFile(Job& job, const std::string& path, bool* present) {
    ACT_ASSIGN_OR_RETURN(std::optional<FileMetadata> metadata, ProbeFile(job, path));
    *present = metadata.has_value();
    if (!metadata) return Status::Ok();
    if (job.commit.empty()) job.commit = metadata->commit;
    ACT_RETURN_IF_ERROR(FetchBlob(job, path, *metadata));
    return LinkIntoSnapshot(job, path, metadata->etag);
}

Status FetchRequired(Job& job, const std::string& path) {
    bool present = false;
    ACT_RETURN_IF_ERROR(FetchFile(job, path, &present));
    if (!present) {
        return Status::NotFound("model " + job.repo_id + ": the repository has no " + path +
                                (job.commit.empty() ? "" : " at commit " + job.commit));
    }
    return Status::Ok();
}

// An empty .no_exist/<commit>/<path>, as huggingface_hub records a known miss.
Status MarkMissing(const Job& job, const std::string& path) {
    if (job.commit.empty()) return Status::Ok();
    const std::string marker = job.repo_dir + "/.no_exist/" + job.commit + "/" + path;
    ACT_RETURN_IF_ERROR(CreateDirectories(fs::path(marker).parent_path().string()));
    return WriteFileAtomically(marker, "");
}

Status FetchWeights(Job& job) {
    bool present = false;
    ACT_RETURN_IF_ERROR(FetchFile(job, kSingleWeightsFile, &present));
    if (present) return Status::Ok();
    ACT_RETURN_IF_ERROR(MarkMissing(job, kSingleWeightsFile));
    ACT_RETURN_IF_ERROR(FetchFile(job, kWeightsIndexFile, &present));
    if (!present) {
        return Status::NotFound("model " + job.repo_id + ": the repository has neither " + kSingleWeightsFile +
                                " nor " + kWeightsIndexFile + " (actcache reads safetensors weights only)");
    }
    const std::string index_path = job.repo_dir + "/snapshots/" + job.commit + "/" + kWeightsIndexFile;
    ACT_ASSIGN_OR_RETURN(std::string index, ReadFileToString(index_path));
    ACT_ASSIGN_OR_RETURN(std::vector<std::string> shards,
                         ShardFileNames(index, "model " + job.repo_id + ": " + kWeightsIndexFile));
    for (const std::string& shard : shards) ACT_RETURN_IF_ERROR(FetchRequired(job, shard));
    return Status::Ok();
}

}  // namespace

Result<std::string> DownloadModelSnapshot(const HubSettings& settings, const std::string& repo_id,
                                          const std::string& revision, const ModelFileList& files,
                                          const DownloadProgress& progress) {
    if (settings.offline) {
        return Status::Unavailable("model " + repo_id + ": HF_HUB_OFFLINE is set, cannot download it");
    }
    if (settings.cache_dir.empty()) {
        return Status::InvalidArgument("model " + repo_id + ": no HF cache folder (set HF_HOME or HF_HUB_CACHE)");
    }
    Job job{settings, repo_id, progress, revision, ModelRepoCacheDir(settings, repo_id), ""};
    if (IsCommitHash(revision)) job.commit = revision;
    for (const std::string& path : files.required) ACT_RETURN_IF_ERROR(FetchRequired(job, path));
    for (const std::string& path : files.optional) {
        bool present = false;
        ACT_RETURN_IF_ERROR(FetchFile(job, path, &present));
        if (!present) ACT_RETURN_IF_ERROR(MarkMissing(job, path));
    }
    if (files.safetensors_weights) ACT_RETURN_IF_ERROR(FetchWeights(job));
    if (job.commit.empty()) return Status::InvalidArgument("model " + repo_id + ": no files to download");
    if (revision != job.commit) {
        const std::string ref = job.repo_dir + "/refs/" + revision;
        ACT_RETURN_IF_ERROR(CreateDirectories(fs::path(ref).parent_path().string()));
        ACT_RETURN_IF_ERROR(WriteFileAtomically(ref, job.commit));
    }
    return job.repo_dir + "/snapshots/" + job.commit;
}

}  // namespace actcache::hub
