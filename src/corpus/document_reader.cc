#include "corpus/document_reader.h"

#include "core/json.h"
#include "core/utf8.h"

namespace actcache::corpus {
namespace {

bool IsBlank(const std::string& line) {
    return line.find_first_not_of(" \t\r") == std::string::npos;
}

bool EndsWith(const std::string& text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsTextFile(std::string path) {
    for (std::string_view compression : {".zst", ".gz"}) {
        if (EndsWith(path, compression)) path.resize(path.size() - compression.size());
    }
    return EndsWith(path, ".txt");
}

}  // namespace

DocumentReader::DocumentReader(std::vector<std::string> files, DocumentReaderOptions options)
    : files_(std::move(files)), options_(std::move(options)) {
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
    if (next_file_ >= files_.size()) return false;
    const std::string& path = files_[next_file_++];
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, OpenFileStream(path));
    ACT_ASSIGN_OR_RETURN(stream_, OpenDecompressed(std::move(raw)));
    text_format_ = options_.format == CorpusFormat::kText ||
                   (options_.format == CorpusFormat::kAuto && IsTextFile(path));
    if (!text_format_) lines_ = std::make_unique<LineReader>(*stream_);
    ++counters_.files;
    return true;
}

Status DocumentReader::BadRecord(const std::string& what, const std::string& line) {
    std::string head = line.substr(0, 80);
    std::string shown;
    AppendJsonString(ReplaceInvalidUtf8(head), shown);
    return Status::InvalidArgument(stream_->name() + ":" + std::to_string(lines_->line_number()) +
                                   ": " + what + ": " + shown);
}

Result<bool> DocumentReader::NextJsonl(Document& document) {
    while (true) {
        ACT_ASSIGN_OR_RETURN(bool more, lines_->Next(line_));
        if (!more) return false;
        if (IsBlank(line_)) continue;
        const std::int64_t doc_id = counters_.records++;
        std::int64_t replaced = 0;
        const std::string decoded = ReplaceInvalidUtf8(line_, &replaced);
        Result<JsonValue> json = ParseJson(decoded);
        Status problem;
        const JsonValue* field = nullptr;
        if (!json.ok()) {
            problem = BadRecord("invalid JSON (" + json.status().message() + ")", line_);
        } else {
            field = &*json;
            for (const std::string& key : field_path_) {
                field = field->is_object() ? field->Find(key) : nullptr;
                if (field == nullptr) break;
            }
            if (field == nullptr) {
                problem = BadRecord("field '" + options_.text_field + "' is missing", line_);
            } else if (!field->is_string()) {
                problem = BadRecord("field '" + options_.text_field + "' is a " +
                                        std::string(JsonTypeName(field->type())) + ", not a string",
                                    line_);
            }
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
        document.text = field->as_string();
        return true;
    }
}

Result<bool> DocumentReader::Next(Document& document) {
    while (true) {
        if (stream_ == nullptr) {
            ACT_ASSIGN_OR_RETURN(bool opened, OpenNextFile());
            if (!opened) return false;
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
        std::int64_t replaced = 0;
        document.text = ReplaceInvalidUtf8(bytes, &replaced);
        if (replaced > 0) {
            ++counters_.documents_with_invalid_utf8;
            counters_.invalid_utf8_replacements += replaced;
        }
        document.doc_id = counters_.records++;
        return true;
    }
}

}  // namespace actcache::corpus
