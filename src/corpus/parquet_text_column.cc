#include "corpus/parquet_text_column.h"

#include <unistd.h>

#include <cstdlib>
#include <cstdio>

#include "core/file_util.h"
#include "corpus/byte_stream.h"

namespace actcache::corpus {
namespace {

// Copies the body of `source` (a URL) into a fresh temporary file; returns its path.
Result<std::string> Download(const Source& source) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/actcache-parquet-XXXXXX";
    const int fd = mkstemp(path.data());
    if (fd < 0) return Status::IOError(path + ": cannot create a temporary file for " + source.location);
    close(fd);
    ACT_ASSIGN_OR_RETURN(auto stream, OpenUrlStream(source.location, source.headers));
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) return Status::IOError(path + ": cannot open for writing");
    std::vector<std::byte> buffer(1 << 20);
    while (true) {
        Result<std::size_t> n = stream->Read(buffer);
        if (!n.ok() || *n == 0) {
            const bool closed = std::fclose(out) == 0;
            if (!n.ok() || !closed) {
                std::remove(path.c_str());
                return n.ok() ? Status::IOError(path + ": write failed (disk full?)") : n.status();
            }
            return path;
        }
        if (std::fwrite(buffer.data(), 1, *n, out) != *n) {
            std::fclose(out);
            std::remove(path.c_str());
            return Status::ResourceExhausted(path + ": write failed while downloading " + source.location);
        }
    }
}

}  // namespace

bool IsParquetLocation(const std::string& location) {
    return location.substr(0, location.find('?')).ends_with(".parquet");
}

ParquetTextColumn::ParquetTextColumn(std::string name, std::string temporary_path,
                                     std::unique_ptr<dataset::ParquetReader> reader, int column)
    : name_(std::move(name)), temporary_path_(std::move(temporary_path)), reader_(std::move(reader)), column_(column) {}

ParquetTextColumn::~ParquetTextColumn() {
    reader_.reset();  // unmap before removing
    if (!temporary_path_.empty()) std::remove(temporary_path_.c_str());
}

Result<std::unique_ptr<ParquetTextColumn>> ParquetTextColumn::Open(const Source& source, const std::string& field) {
    std::string temporary;
    std::string path = source.location;
    if (IsUrl(source.location)) {
        ACT_ASSIGN_OR_RETURN(temporary, Download(source));
        path = temporary;
    }
    Result<std::unique_ptr<dataset::ParquetReader>> reader = dataset::ParquetReader::Open(path);
    if (!reader.ok()) {
        if (!temporary.empty()) std::remove(temporary.c_str());
        return temporary.empty() ? reader.status() : reader.status().WithContext(source.location);
    }
    const auto& leaves = (*reader)->leaf_columns();
    int column = -1;
    std::string available;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        if (leaves[i].path == field) column = static_cast<int>(i);
        available += (i ? ", " : "") + leaves[i].path;
    }
    if (column < 0 && field.find('.') == std::string::npos) {
        if (Result<int> top = (*reader)->FindColumn(field); top.ok()) column = *top;
    }
    auto fail = [&](Status status) {
        reader->reset();
        if (!temporary.empty()) std::remove(temporary.c_str());
        return status;
    };
    if (column < 0) {
        return fail(Status::NotFound(source.location + ": no column '" + field + "' (columns: " + available + ")"));
    }
    const auto& leaf = leaves[static_cast<std::size_t>(column)];
    if (leaf.physical != dataset::parquet::PhysicalType::kByteArray || leaf.max_repetition_level != 0) {
        return fail(Status::InvalidArgument(source.location + ": column '" + leaf.path +
                                            "' is not a string column (a text field must hold one string per row)"));
    }
    return std::unique_ptr<ParquetTextColumn>(
        new ParquetTextColumn(source.location, std::move(temporary), std::move(*reader), column));
}

Result<bool> ParquetTextColumn::Next(std::string& text) {
    while (next_text_ >= texts_.size()) {
        if (next_row_group_ >= reader_->num_row_groups()) return false;
        texts_.clear();
        next_text_ = 0;
        Status status = reader_->ReadStrings(next_row_group_++, column_, texts_);
        if (!status.ok()) return name_ == reader_->path() ? status : status.WithContext(name_);
    }
    text = std::move(texts_[next_text_++]);
    return true;
}

}  // namespace actcache::corpus
