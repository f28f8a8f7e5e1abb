// DocumentReader: the documents of a corpus, streamed in order, each with its doc_id.
//
// doc_id is the 0-based index of the record in the whole corpus stream (DESIGN.md §2): every
// record read counts, across files in order, including records the quality filter drops later
// and bad records skipped with BadRecordPolicy::kSkip, so a doc_id always points back to its
// source line. Blank lines in JSONL are not records.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "corpus/byte_stream.h"
#include "corpus/line_reader.h"
#include "corpus/parquet_text_column.h"
#include "corpus/source_list.h"

namespace actcache::corpus {

enum class CorpusFormat {
    kAuto,   // by file name: ".parquet" is Parquet; after any .zst/.gz suffix ".txt" is text;
             // anything else JSONL
    kJsonl,  // one JSON object per line, the text at `text_field`
    kText,   // each file is one document
    kParquet,  // each row of the string column `text_field` is a document
};

enum class BadRecordPolicy {
    kError,  // a line that is not JSON, or lacks a string at text_field, stops the read
    kSkip,   // ... is skipped and counted; it still consumes its doc_id
};

struct DocumentReaderOptions {
    std::string text_field = "text";  // dotted path for nested fields: "meta.body"
    CorpusFormat format = CorpusFormat::kAuto;
    BadRecordPolicy on_bad_record = BadRecordPolicy::kError;
};

struct Document {
    std::int64_t doc_id = 0;
    std::string text;  // valid UTF-8 (invalid input bytes replaced by U+FFFD)
};

struct CorpusCounters {
    std::int64_t files = 0;                  // files opened so far
    std::int64_t records = 0;                // records read (= next doc_id)
    std::int64_t bad_records_skipped = 0;    // with BadRecordPolicy::kSkip
    std::int64_t documents_with_invalid_utf8 = 0;
    std::int64_t invalid_utf8_replacements = 0;  // U+FFFD inserted
};

// One owner, not thread-safe.
class DocumentReader {
public:
    // `sources` as ExpandSources returns them; nothing is opened until the first Next.
    DocumentReader(std::vector<Source> sources, DocumentReaderOptions options);

    // The next document, or false at the end of the corpus. Errors name file and line:
    // "<file>:<line>: invalid JSON (line 1, column 9: ...): {\"text\": ..." (the first bytes of
    // the line), "<file>:<line>: field 'text' is missing", corrupt or truncated compressed data
    // with its offset, I/O errors.
    Result<bool> Next(Document& document);

    const CorpusCounters& counters() const { return counters_; }

private:
    Result<bool> OpenNextFile();
    Result<bool> NextJsonl(Document& document);
    // Sets document.text from raw bytes, replacing invalid UTF-8 (counted), and the next doc_id.
    void TakeDocument(std::string_view bytes, Document& document);
    Status BadRecord(const std::string& what, std::string_view line);

    std::vector<Source> files_;
    DocumentReaderOptions options_;
    std::size_t next_file_ = 0;
    std::unique_ptr<ByteStream> stream_;
    std::unique_ptr<LineReader> lines_;
    std::unique_ptr<ParquetTextColumn> parquet_;  // instead of stream_ for a Parquet file
    bool text_format_ = false;
    std::string_view line_;  // the current line (owned by lines_)
    std::vector<std::string> field_path_;
    CorpusCounters counters_;
};

}  // namespace actcache::corpus
