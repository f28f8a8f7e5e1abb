#include "corpus/document_reader.h"

#include "core/json.h"
#include "core/json_field.h"
#include "core/utf8.h"

namespace actcache::corpus {
namespace {

bool IsBlank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string::npos;
}

bool EndsWith(const std::string& text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsTextFile(std::string path) {
    path = path.substr(0, path.find('?'));  // a URL's query string is not part of the name
    for (std::string_view compression : {".zst", ".gz"}) {
        if (EndsWith(path, compression)) path.resize(path.size() - compression.size());
    }
    return EndsWith(path, ".txt");
}

}  // namespace

DocumentReader::DocumentReader(std::vector<Source> sources, DocumentReaderOptions options)
    : files_(std::move(sources)), options_(std::move(options)) {
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = options_.text_field.find('.', start);
        field_path_.push_back(options_.text_field.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
}

Result<bool> DocumentReader::OpenNextFile() {
    lines_.reset();
    stream_.reset();
    parquet_.reset();
    if (next_file_ >= files_.size()) return false;
    const Source& source = files_[next_file_++];
    const std::string& path = source.location;
    if (options_.format == CorpusFormat::kParquet ||
        (options_.format == CorpusFormat::kAuto && IsParquetLocation(path))) {
        ACT_ASSIGN_OR_RETURN(parquet_, ParquetTextColumn::Open(source, options_.text_field));
        ++counters_.files;
        return true;
    }
    std::unique_ptr<ByteStream> raw;
    if (IsUrl(path)) {
        ACT_ASSIGN_OR_RETURN(raw, OpenUrlStream(path, source.headers));
    } else {
        ACT_ASSIGN_OR_RETURN(raw, OpenFileStream(path));
    }
    ACT_ASSIGN_OR_RETURN(stream_, OpenDecompressed(std::move(raw)));
    text_format_ = options_.format == CorpusFormat::kText ||
                   (options_.format == CorpusFormat::kAuto && IsTextFile(path));
    if (!text_format_) lines_ = std::make_unique<LineReader>(*stream_);
    ++counters_.files;
    return true;
}

Status DocumentReader::BadRecord(const std::string& what, std::string_view line) {
    std::string_view head = line.substr(0, 80);
    std::string shown;
    AppendJsonString(ReplaceInvalidUtf8(head), shown);
    return Status::InvalidArgument(stream_->name() + ":" + std::to_string(lines_->line_number()) +
                                   ": " + what + ": " + shown);
}

Result<bool> DocumentReader::NextJsonl(Document& document) {
    while (true) {
        ACT_ASSIGN_OR_RETURN(bool more, lines_->Next(&line_));
        if (!more) return false;
        if (IsBlank(line_)) continue;
        const std::int64_t doc_id = counters_.records++;
        // Python decodes the whole line with errors="replace" before parsing. Valid lines (nearly
        // all) are parsed in place; the scanner validates the UTF-8 of every string, so only a
        // line it rejects needs the separate check, and is repaired and parsed again.
        std::int64_t replaced = 0;
        std::string repaired;
        JsonType type = JsonType::kNull;
        Result<JsonFieldLookup> lookup =
            ExtractJsonStringField(line_, field_path_, &document.text, &type);
        if (!lookup.ok() && !IsValidUtf8(line_)) {
            repaired = ReplaceInvalidUtf8(line_, &replaced);
            lookup = ExtractJsonStringField(repaired, field_path_, &document.text, &type);
        }
        Status problem;
        if (!lookup.ok()) {
            problem = BadRecord("invalid JSON (" + lookup.status().message() + ")", line_);
        } else if (*lookup == JsonFieldLookup::kMissing) {
            problem = BadRecord("field '" + options_.text_field + "' is missing", line_);
        } else if (*lookup == JsonFieldLookup::kNotString) {
            problem = BadRecord("field '" + options_.text_field + "' is a " +
                                    std::string(JsonTypeName(type)) + ", not a string",
                                line_);
        }
        if (!problem.ok()) {
            if (options_.on_bad_record == BadRecordPolicy::kError) return problem;
            ++counters_.bad_records_skipped;
            continue;
        }
        if (replaced > 0) {
            ++counters_.documents_with_invalid_utf8;
            counters_.invalid_utf8_replacements += replaced;
        }
        document.doc_id = doc_id;
        return true;
    }
}

void DocumentReader::TakeDocument(std::string_view bytes, Document& document) {
    std::int64_t replaced = 0;
    document.text = ReplaceInvalidUtf8(bytes, &replaced);
    if (replaced > 0) {
        ++counters_.documents_with_invalid_utf8;
        counters_.invalid_utf8_replacements += replaced;
    }
    document.doc_id = counters_.records++;
}

Result<bool> DocumentReader::Next(Document& document) {
    while (true) {
        if (stream_ == nullptr && parquet_ == nullptr) {
            ACT_ASSIGN_OR_RETURN(bool opened, OpenNextFile());
            if (!opened) return false;
        }
        if (parquet_ != nullptr) {
            std::string text;
            ACT_ASSIGN_OR_RETURN(bool found, parquet_->Next(text));
            if (!found) {
                parquet_.reset();
                continue;
            }
            TakeDocument(text, document);
            return true;
        }
        if (!text_format_) {
            ACT_ASSIGN_OR_RETURN(bool found, NextJsonl(document));
            if (found) return true;
            stream_.reset();
            continue;
        }
        // A text file is one document.
        std::string bytes;
        std::vector<std::byte> buffer(1 << 20);
        while (true) {
            ACT_ASSIGN_OR_RETURN(std::size_t n, stream_->Read(buffer));
            if (n == 0) break;
            bytes.append(reinterpret_cast<const char*>(buffer.data()), n);
        }
        stream_.reset();
        TakeDocument(bytes, document);
        return true;
    }
}

}  // namespace actcache::corpus
