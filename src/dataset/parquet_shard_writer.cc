// Byte layout of a file (apache/parquet-format):
//   "PAR1" | row group 0: column chunk doc_id, tok_pos, token_id, <activation columns>... |
//   row group 1 ... | FileMetaData (Thrift compact) | uint32 LE footer length | "PAR1"
// A column chunk is [a dictionary page: PageHeader, PLAIN INT32 entries compressed] and a run of
// data pages (v1): PageHeader (Thrift compact), then the page body, compressed as a whole:
// [uint32 LE length + RLE repetition levels] (lists only), uint32 LE length + RLE definition
// levels, then the values: PLAIN, BYTE_STREAM_SPLIT, or (dictionary chunks) one byte of bit
// width and bit-packed indices.
#include "dataset/parquet_shard_writer.h"

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "core/crash_point.h"
#include "core/json.h"
#include "dataset/parquet_footer.h"
#include "dataset/thrift_compact.h"
#include "dataset/little_endian.h"

namespace actcache::dataset {

using parquet::Codec;
using parquet::PhysicalType;
namespace field = parquet::field;

namespace {

void AppendVarint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

// One RLE run of the RLE/bit-packing hybrid: varint(count << 1), then the value in one byte
// (level bit widths here are 1 or 2).
void AppendRleRun(std::string& out, std::uint64_t count, std::uint8_t value) {
    AppendVarint(out, count << 1);
    out += static_cast<char>(value);
}

void AppendLengthPrefixed(std::string& out, const std::string& levels) {
    const std::uint32_t length = static_cast<std::uint32_t>(levels.size());
    out.append(reinterpret_cast<const char*>(&length), 4);  // little-endian host (x86-64)
    out += levels;
}

struct ZstdContextFree {
    void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
};
using ZstdContext = std::unique_ptr<ZSTD_CCtx, ZstdContextFree>;

// Compresses `input` into `out` (reused across pages: no allocation once it has grown) and
// returns the bytes to write: `input` itself for kNone. `zstd` is created on first use and then
// reused: a fresh context per page allocates (and page-faults) its tables every time. The output
// is the same as ZSTD_compress's at that level.
Result<std::string_view> Compress(Compression compression, int zstd_level, const std::string& input,
                                  std::string& out, ZstdContext& zstd) {
    switch (compression) {
        case Compression::kNone: return std::string_view(input);
        case Compression::kZstd: {
            if (zstd == nullptr) zstd.reset(ZSTD_createCCtx());
            if (zstd == nullptr) return Status::Internal("zstd: cannot create a compression context");
            out.resize(ZSTD_compressBound(input.size()));
            const std::size_t n =
                ZSTD_compressCCtx(zstd.get(), out.data(), out.size(), input.data(), input.size(), zstd_level);
            if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
            return std::string_view(out.data(), n);
        }
        case Compression::kSnappy: {
            std::size_t n = snappy_max_compressed_length(input.size());
            out.resize(n);
            if (snappy_compress(input.data(), input.size(), out.data(), &n) != SNAPPY_OK) {
                return Status::Internal("snappy compression failed");
            }
            return std::string_view(out.data(), n);
        }
        case Compression::kGzip: {
            z_stream z{};
            deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            out.resize(deflateBound(&z, input.size()) + 32);
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
            z.avail_in = static_cast<uInt>(input.size());
            z.next_out = reinterpret_cast<Bytef*>(out.data());
            z.avail_out = static_cast<uInt>(out.size());
            const int result = deflate(&z, Z_FINISH);
            deflateEnd(&z);
            if (result != Z_STREAM_END) return Status::Internal("gzip compression failed");
            return std::string_view(out.data(), z.total_out);
        }
    }
    return std::string_view(input);
}

void AppendFeature(std::string& json, const std::string& name, const std::string& body) {
    if (json.back() != '{') json += ", ";
    AppendJsonString(name, json);
    json += ": " + body;
}

}  // namespace

// Buffers one page is encoded and compressed in; reused from page to page, row group to row
// group and writer to writer, because fresh ~1 MiB allocations are mmaps whose pages fault in
// one by one.
struct ParquetWriterBuffers::PageScratch {
    std::string body;
    std::string compressed;
    ZstdContext zstd;  // one per slot, so one per thread at a time
};

std::string HuggingFaceFeaturesJson(const std::vector<ActivationColumn>& columns) {
    std::string features = "{";
    AppendFeature(features, "doc_id", R"({"dtype": "int64", "_type": "Value"})");
    AppendFeature(features, "tok_pos", R"({"dtype": "int32", "_type": "Value"})");
    AppendFeature(features, "token_id", R"({"dtype": "int32", "_type": "Value"})");
    for (const ActivationColumn& column : columns) {
        const std::string dtype = column.type == ActivationType::kFloat32 ? "float32" : "uint16";
        AppendFeature(features, column.name,
                      R"({"feature": {"dtype": ")" + dtype + R"(", "_type": "Value"}, "length": )" +
                          std::to_string(column.width) + R"(, "_type": "List"})");
    }
    return R"({"info": {"features": )" + features + "}}}";
}

ParquetWriterBuffers::ParquetWriterBuffers() = default;
ParquetWriterBuffers::~ParquetWriterBuffers() = default;

ParquetShardWriter::ParquetShardWriter(AtomicFile file, ParquetShardOptions options, ThreadPool* pool,
                                       ParquetWriterBuffers* buffers)
    : file_(std::move(file)),
      options_(std::move(options)),
      pool_(pool),
      own_buffers_(buffers == nullptr ? std::make_unique<ParquetWriterBuffers>() : nullptr),
      buffers_(buffers == nullptr ? *own_buffers_ : *buffers) {
    // datasets: batch_size = max(1, num_rows * 100_000_000 // nbytes) with Arrow nbytes per row
    // 8 + 4 + 4 + (2 or 4) * width per activation column.
    std::int64_t row_bytes = 16;
    for (const ActivationColumn& column : options_.activation_columns) {
        row_bytes += static_cast<std::int64_t>(BytesPerValue(column.type)) * column.width;
    }
    rows_per_group_ = std::max<std::int64_t>(1, options_.row_group_bytes / row_bytes);
    // One allocation per column for the whole life of the buffers (a row group is ~100 MB);
    // what a failed earlier writer left is dropped, the memory kept.
    buffers_.activations.resize(options_.activation_columns.size());
    buffers_.dictionaries.resize(options_.activation_columns.size());
    for (std::size_t c = 0; c < buffers_.activations.size(); ++c) {
        const ActivationColumn& column = options_.activation_columns[c];
        buffers_.activations[c].clear();
        buffers_.activations[c].reserve(static_cast<std::size_t>(rows_per_group_ * column.width) *
                                        BytesPerValue(column.type));
        buffers_.dictionaries[c].Reset();
    }
    buffers_.doc_ids.clear();
    buffers_.tok_pos.clear();
    buffers_.token_ids.clear();
    buffers_.doc_ids.reserve(static_cast<std::size_t>(rows_per_group_));
    buffers_.tok_pos.reserve(static_cast<std::size_t>(rows_per_group_));
    buffers_.token_ids.reserve(static_cast<std::size_t>(rows_per_group_));
}

ParquetShardWriter::~ParquetShardWriter() = default;

Result<std::unique_ptr<ParquetShardWriter>> ParquetShardWriter::Create(std::string path,
                                                                       ParquetShardOptions options,
                                                                       ThreadPool* pool,
                                                                       ParquetWriterBuffers* buffers) {
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(std::move(path)));
    std::unique_ptr<ParquetShardWriter> writer(
        new ParquetShardWriter(std::move(file), std::move(options), pool, buffers));
    ACT_RETURN_IF_ERROR(writer->WriteBytes(parquet::kMagic));
    return writer;
}

Status ParquetShardWriter::WriteBytes(std::string_view bytes) {
    offset_ += static_cast<std::int64_t>(bytes.size());
    sha256_.Update(bytes);
    return file_.Append(bytes);
}

Status ParquetShardWriter::AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                                  std::span<const std::span<const std::byte>> activations) {
    ACT_CHECK(activations.size() == buffers_.activations.size());
    buffers_.doc_ids.push_back(doc_id);
    buffers_.tok_pos.push_back(tok_pos);
    buffers_.token_ids.push_back(token_id);
    for (std::size_t c = 0; c < activations.size(); ++c) {
        const ActivationColumn& column = options_.activation_columns[c];
        ACT_CHECK(activations[c].size() == static_cast<std::size_t>(column.width) * BytesPerValue(column.type));
        buffers_.activations[c].insert(buffers_.activations[c].end(), activations[c].begin(), activations[c].end());
    }
    ++total_rows_;
    if (static_cast<std::int64_t>(buffers_.doc_ids.size()) >= rows_per_group_) return FlushRowGroup();
    return Status::Ok();
}

Status ParquetShardWriter::AddRows(std::span<const std::int64_t> doc_ids, std::span<const std::int32_t> tok_pos,
                                   std::span<const std::int32_t> token_ids,
                                   std::span<const std::span<const std::byte>> activations) {
    const auto n = static_cast<std::int64_t>(doc_ids.size());
    ACT_CHECK(tok_pos.size() == doc_ids.size() && token_ids.size() == doc_ids.size());
    ACT_CHECK(activations.size() == buffers_.activations.size());
    std::vector<std::size_t> row_bytes;
    for (std::size_t c = 0; c < activations.size(); ++c) {
        const ActivationColumn& column = options_.activation_columns[c];
        row_bytes.push_back(static_cast<std::size_t>(column.width) * BytesPerValue(column.type));
        ACT_CHECK(activations[c].size() == static_cast<std::size_t>(n) * row_bytes[c]);
    }
    // Row groups start every rows_per_group_ rows, as with AddRow: rows go into the buffers until
    // they are full; a whole row group with nothing buffered is encoded where it lies.
    for (std::int64_t done = 0; done < n;) {
        const auto buffered = static_cast<std::int64_t>(buffers_.doc_ids.size());
        const std::int64_t take = std::min(n - done, rows_per_group_ - buffered);
        const auto first = static_cast<std::size_t>(done), count = static_cast<std::size_t>(take);
        if (buffered == 0 && take == rows_per_group_) {
            RowGroupView rows{doc_ids.subspan(first, count), tok_pos.subspan(first, count),
                              token_ids.subspan(first, count), {}};
            for (std::size_t c = 0; c < activations.size(); ++c) {
                rows.activations.push_back(activations[c].subspan(first * row_bytes[c], count * row_bytes[c]));
            }
            ACT_RETURN_IF_ERROR(EncodeRowGroup(rows));
        } else {
            buffers_.doc_ids.insert(buffers_.doc_ids.end(), doc_ids.begin() + done, doc_ids.begin() + done + take);
            buffers_.tok_pos.insert(buffers_.tok_pos.end(), tok_pos.begin() + done, tok_pos.begin() + done + take);
            buffers_.token_ids.insert(buffers_.token_ids.end(), token_ids.begin() + done,
                                      token_ids.begin() + done + take);
            for (std::size_t c = 0; c < activations.size(); ++c) {
                const std::span<const std::byte> part = activations[c].subspan(first * row_bytes[c], count * row_bytes[c]);
                buffers_.activations[c].insert(buffers_.activations[c].end(), part.begin(), part.end());
            }
            if (buffered + take == rows_per_group_) ACT_RETURN_IF_ERROR(FlushRowGroup());
        }
        total_rows_ += take;
        done += take;
    }
    return Status::Ok();
}

namespace {

// The PLAIN encoding of a statistic: 8 bytes for INT64, 4 for INT32 (uint16 values included).
// FLOAT columns carry no min/max (allowed by the format; their ordering rules for NaN and
// signed zeros are not worth a reader's misreading): empty.
std::string PlainStatistic(PhysicalType type, std::int64_t value) {
    if (type == PhysicalType::kFloat) return "";
    return type == PhysicalType::kInt64 ? LittleEndianBytes(value)
                                        : LittleEndianBytes(static_cast<std::int32_t>(value));
}

// One data page, encoded and compressed (possibly on another thread) before it is written.
struct EncodedPage {
    std::size_t column = 0;          // index in the row group's columns
    std::int64_t begin_row = 0, end_row = 0;
    std::string header;              // PageHeader, Thrift compact
    std::string_view data;           // compressed body (the body for kNone), in a PageScratch
    std::int64_t body_bytes = 0;     // uncompressed body size
    std::int64_t num_values = 0;
    std::int64_t min = std::numeric_limits<std::int64_t>::max();
    std::int64_t max = std::numeric_limits<std::int64_t>::min();
};

// Builds the PageHeader of a data page (v1, RLE levels, with statistics).
std::string PageHeader(const EncodedPage& page, PhysicalType type, parquet::Encoding encoding) {
    ThriftCompactWriter header;
    header.BeginStruct();
    header.FieldI32(field::kPageType, static_cast<std::int32_t>(parquet::PageType::kDataPage));
    header.FieldI32(field::kUncompressedPageSize, static_cast<std::int32_t>(page.body_bytes));
    header.FieldI32(field::kCompressedPageSize, static_cast<std::int32_t>(page.data.size()));
    header.FieldStructBegin(field::kDataPageHeader);
    header.FieldI32(field::kNumValues, static_cast<std::int32_t>(page.num_values));
    header.FieldI32(field::kEncoding, static_cast<std::int32_t>(encoding));
    header.FieldI32(field::kDefinitionLevelEncoding, static_cast<std::int32_t>(parquet::Encoding::kRle));
    header.FieldI32(field::kRepetitionLevelEncoding, static_cast<std::int32_t>(parquet::Encoding::kRle));
    header.FieldStructBegin(field::kPageStatistics);
    header.FieldI64(field::kNullCount, 0);
    if (type != PhysicalType::kFloat) {
        header.FieldBinary(field::kMaxValue, PlainStatistic(type, page.max));
        header.FieldBinary(field::kMinValue, PlainStatistic(type, page.min));
    }
    header.EndStruct();
    header.EndStruct();
    header.EndStruct();
    return header.Take();
}

// Scalar column page: definition levels (max 1, bit width 1) all 1, then PLAIN values.
template <typename Value>
void EncodeScalarPage(std::span<const Value> values, EncodedPage& page, std::string& body) {
    std::string levels;
    AppendRleRun(levels, static_cast<std::uint64_t>(page.end_row - page.begin_row), 1);
    AppendLengthPrefixed(body, levels);
    body.append(reinterpret_cast<const char*>(values.data() + page.begin_row),
                static_cast<std::size_t>(page.end_row - page.begin_row) * sizeof(Value));
    for (std::int64_t r = page.begin_row; r < page.end_row; ++r) {
        page.min = std::min<std::int64_t>(page.min, values[r]);
        page.max = std::max<std::int64_t>(page.max, values[r]);
    }
    page.num_values = page.end_row - page.begin_row;
}

// The PageHeader of a column chunk's dictionary page of `n_entries` PLAIN values, sorted.
std::string DictionaryPageHeader(std::int64_t n_entries, std::int64_t body_bytes, std::int64_t data_bytes) {
    ThriftCompactWriter header;
    header.BeginStruct();
    header.FieldI32(field::kPageType, static_cast<std::int32_t>(parquet::PageType::kDictionaryPage));
    header.FieldI32(field::kUncompressedPageSize, static_cast<std::int32_t>(body_bytes));
    header.FieldI32(field::kCompressedPageSize, static_cast<std::int32_t>(data_bytes));
    header.FieldStructBegin(field::kDictionaryPageHeader);
    header.FieldI32(field::kDictionaryNumValues, static_cast<std::int32_t>(n_entries));
    header.FieldI32(field::kDictionaryEncoding, static_cast<std::int32_t>(parquet::Encoding::kPlain));
    header.FieldBool(field::kIsSorted, true);
    header.EndStruct();
    header.EndStruct();
    return header.Take();
}

// List column page: repetition levels (max 1) 0 at each row's first value and 1 after;
// definition levels (max 3: list, repeated group, element all present) all 3; then the values:
// with `dictionary` (bf16 only), their indices in it (RLE_DICTIONARY); otherwise 4 bytes each —
// uint16 bit patterns widened to INT32, or FLOAT as they are — PLAIN (little-endian, one after
// another) or BYTE_STREAM_SPLIT (byte k of every value in stream k; for widened uint16 the last
// two streams are zeros). `dictionary` is borrowed for the call, may be null.
void EncodeListPage(std::span<const std::byte> values, const ActivationColumn& column, bool byte_stream_split,
                    const Uint16Dictionary* dictionary, EncodedPage& page, std::string& body) {
    const std::int64_t width = column.width;
    const std::int64_t rows = page.end_row - page.begin_row;
    std::string repetition, definition;
    for (std::int64_t r = 0; r < rows; ++r) {
        AppendRleRun(repetition, 1, 0);
        if (width > 1) AppendRleRun(repetition, static_cast<std::uint64_t>(width - 1), 1);
    }
    AppendRleRun(definition, static_cast<std::uint64_t>(rows * width), 3);
    AppendLengthPrefixed(body, repetition);
    AppendLengthPrefixed(body, definition);
    const std::int64_t n = rows * width;
    if (dictionary != nullptr) {
        std::uint16_t min = 0, max = 0;
        dictionary->AppendIndices(values.subspan(static_cast<std::size_t>(page.begin_row * width * 2),
                                                            static_cast<std::size_t>(n * 2)),
                                  body, &min, &max);
        page.num_values = n;
        page.min = min;
        page.max = max;
        return;
    }
    const std::size_t first = body.size();
    body.resize(first + static_cast<std::size_t>(n) * 4);
    char* out = body.data() + first;
    page.num_values = n;
    if (column.type == ActivationType::kFloat32) {
        const std::byte* in = values.data() + page.begin_row * width * 4;
        if (!byte_stream_split) {
            std::memcpy(out, in, static_cast<std::size_t>(n) * 4);
        } else {
            for (std::int64_t i = 0; i < n; ++i) {
                for (std::int64_t k = 0; k < 4; ++k) out[k * n + i] = static_cast<char>(in[4 * i + k]);
            }
        }
        return;  // no min/max statistics for FLOAT
    }
    // Value i's uint16 is bytes [2i, 2i + 2), little-endian like this host (as everywhere in
    // this writer); loaded by memcpy: the buffer holds std::byte, not uint16 objects.
    const std::byte* in = values.data() + page.begin_row * width * 2;
    auto value_at = [in](std::int64_t i) {
        std::uint16_t value;
        std::memcpy(&value, in + 2 * i, 2);
        return value;
    };
    std::uint16_t min = 0xFFFF, max = 0;
    if (byte_stream_split) {
        char* low = out;
        char* high = low + n;
        std::memset(high + n, 0, static_cast<std::size_t>(2 * n));  // bytes 2 and 3 of a uint16
        for (std::int64_t i = 0; i < n; ++i) {
            const std::uint16_t value = value_at(i);
            low[i] = static_cast<char>(value & 0xFF);
            high[i] = static_cast<char>(value >> 8);
            min = std::min(min, value);
            max = std::max(max, value);
        }
    } else {
        for (std::int64_t i = 0; i < n; ++i) {  // `out` is not 4-aligned after the levels
            const std::uint16_t value = value_at(i);
            const std::uint32_t widened = value;  // little-endian INT32, as PLAIN stores it
            std::memcpy(out + 4 * i, &widened, 4);
            min = std::min(min, value);
            max = std::max(max, value);
        }
    }
    page.min = min;
    page.max = max;
}

}  // namespace

bool ParquetShardWriter::UsesDictionary(std::size_t activation_column) const {
    return options_.dictionary && !options_.byte_stream_split &&
           options_.activation_columns[activation_column].type == ActivationType::kBf16Bits;
}

parquet::Encoding ParquetShardWriter::ValueEncoding(std::size_t column) const {
    if (column < 3) return parquet::Encoding::kPlain;
    if (options_.byte_stream_split) return parquet::Encoding::kByteStreamSplit;
    return UsesDictionary(column - 3) ? parquet::Encoding::kRleDictionary : parquet::Encoding::kPlain;
}

Status ParquetShardWriter::FlushRowGroup() {
    if (buffers_.doc_ids.empty()) return Status::Ok();
    RowGroupView rows{buffers_.doc_ids, buffers_.tok_pos, buffers_.token_ids, {}};
    for (const std::vector<std::byte>& column : buffers_.activations) rows.activations.emplace_back(column);
    ACT_RETURN_IF_ERROR(EncodeRowGroup(rows));
    buffers_.doc_ids.clear();
    buffers_.tok_pos.clear();
    buffers_.token_ids.clear();
    for (auto& column : buffers_.activations) column.clear();
    return Status::Ok();
}

Status ParquetShardWriter::EncodeRowGroup(const RowGroupView& view) {
    const std::int64_t rows = static_cast<std::int64_t>(view.doc_ids.size());
    RowGroupInfo group;
    group.num_rows = rows;
    group.file_offset = offset_;

    // Columns in schema order, and the pages each is cut into (~page_bytes of values each).
    std::vector<std::int64_t> value_bytes_per_row = {8, 4, 4};
    group.columns.resize(3 + view.activations.size());
    group.columns[0].type = PhysicalType::kInt64;
    group.columns[0].path = {"doc_id"};
    group.columns[1].type = PhysicalType::kInt32;
    group.columns[1].path = {"tok_pos"};
    group.columns[2].type = PhysicalType::kInt32;
    group.columns[2].path = {"token_id"};
    for (std::size_t c = 0; c < view.activations.size(); ++c) {
        group.columns[3 + c].type = options_.activation_columns[c].type == ActivationType::kFloat32
                                        ? PhysicalType::kFloat
                                        : PhysicalType::kInt32;
        group.columns[3 + c].path = {options_.activation_columns[c].name, "list", "element"};
        value_bytes_per_row.push_back(4 * options_.activation_columns[c].width);
    }
    std::vector<EncodedPage> pages;
    for (std::size_t c = 0; c < group.columns.size(); ++c) {
        const std::int64_t rows_per_page = std::max<std::int64_t>(1, options_.page_bytes / value_bytes_per_row[c]);
        for (std::int64_t begin = 0; begin < rows; begin += rows_per_page) {
            EncodedPage page;
            page.column = c;
            page.begin_row = begin;
            page.end_row = std::min(rows, begin + rows_per_page);
            pages.push_back(std::move(page));
        }
    }

    // Dictionary pages (a few KB each): the values present are marked on every thread (a slice of
    // the rows each, merged), then the page is built and compressed here and written before the
    // chunk's first data page.
    std::vector<std::string> dictionary_pages(group.columns.size());  // header + data
    std::vector<std::int64_t> dictionary_uncompressed_bytes(group.columns.size(), 0);
    std::vector<Compression> chunk_compression(group.columns.size(), options_.compression);
    if (buffers_.scratch.empty()) buffers_.scratch.resize(1);
    for (std::size_t c = 0; c < view.activations.size(); ++c) {
        if (!UsesDictionary(c)) continue;
        Uint16Dictionary& dictionary = buffers_.dictionaries[c];
        const std::span<const std::byte> values = view.activations[c];
        const std::size_t n_slices = pool_ != nullptr ? static_cast<std::size_t>(pool_->n_threads()) : 1;
        if (n_slices == 1) {
            dictionary.Add(values);
        } else {
            buffers_.partial_dictionaries.resize(n_slices);
            const std::size_t row_bytes = values.size() / static_cast<std::size_t>(rows);
            pool_->ParallelFor(static_cast<std::int64_t>(n_slices), [&](std::int64_t slice) {
                const auto index = static_cast<std::size_t>(slice);
                const std::size_t begin = static_cast<std::size_t>(rows) * index / n_slices;
                const std::size_t end = static_cast<std::size_t>(rows) * (index + 1) / n_slices;
                buffers_.partial_dictionaries[index].Reset();
                buffers_.partial_dictionaries[index].Add(values.subspan(begin * row_bytes, (end - begin) * row_bytes));
            });
            for (const Uint16Dictionary& partial : buffers_.partial_dictionaries) dictionary.Merge(partial);
        }
        dictionary.Build();
        ParquetWriterBuffers::PageScratch& scratch = buffers_.scratch[0];
        if (options_.compression != Compression::kNone) {
            // The codec's trial on the chunk's first data page (a function of the rows only, so
            // the choice, like the bytes, does not depend on threads).
            constexpr double kMinSaving = 0.05;
            EncodedPage trial = *std::find_if(pages.begin(), pages.end(),
                                              [&](const EncodedPage& page) { return page.column == 3 + c; });
            scratch.body.clear();
            EncodeListPage(view.activations[c], options_.activation_columns[c], false, &dictionary, trial, scratch.body);
            ACT_ASSIGN_OR_RETURN(const std::string_view trial_data,
                                 Compress(options_.compression, options_.zstd_level, scratch.body,
                                          scratch.compressed, scratch.zstd));
            if (static_cast<double>(trial_data.size()) > (1 - kMinSaving) * static_cast<double>(scratch.body.size())) {
                chunk_compression[3 + c] = Compression::kNone;
                group.columns[3 + c].compressed = false;
            }
        }
        scratch.body.clear();
        dictionary.AppendDictionaryPage(scratch.body);
        ACT_ASSIGN_OR_RETURN(const std::string_view data,
                             Compress(chunk_compression[3 + c], options_.zstd_level, scratch.body,
                                      scratch.compressed, scratch.zstd));
        const auto body_bytes = static_cast<std::int64_t>(scratch.body.size());
        dictionary_pages[3 + c] = DictionaryPageHeader(dictionary.size(), body_bytes,
                                                       static_cast<std::int64_t>(data.size()));
        dictionary_uncompressed_bytes[3 + c] = body_bytes + static_cast<std::int64_t>(dictionary_pages[3 + c].size());
        dictionary_pages[3 + c] += data;
    }

    // Encode and compress the pages in waves of 2 per thread, each wave in parallel when a pool
    // is given, while one task writes the previous wave in order: writing (hashing and copying
    // into the page cache) is the serial part, so it overlaps the next wave's compression. A
    // page depends only on its rows, so the bytes are the same for any number of threads.
    // Memory: two halves of `wave` scratch slots, the wave being encoded and the one being written.
    const std::size_t wave = pool_ != nullptr ? 2 * static_cast<std::size_t>(pool_->n_threads()) : 1;
    if (buffers_.scratch.size() < 2 * wave) buffers_.scratch.resize(2 * wave);
    std::vector<Status> failures(2 * wave);
    std::vector<std::int64_t> chunk_min(group.columns.size(), std::numeric_limits<std::int64_t>::max());
    std::vector<std::int64_t> chunk_max(group.columns.size(), std::numeric_limits<std::int64_t>::min());
    auto encode = [&](std::size_t page_index, std::size_t slot) {
        EncodedPage& page = pages[page_index];
        ParquetWriterBuffers::PageScratch& scratch = buffers_.scratch[slot];
        std::string& body = scratch.body;
        body.clear();
        if (page.column == 0) {
            EncodeScalarPage(view.doc_ids, page, body);
        } else if (page.column == 1) {
            EncodeScalarPage(view.tok_pos, page, body);
        } else if (page.column == 2) {
            EncodeScalarPage(view.token_ids, page, body);
        } else {
            const std::size_t c = page.column - 3;
            EncodeListPage(view.activations[c], options_.activation_columns[c], options_.byte_stream_split,
                           UsesDictionary(c) ? &buffers_.dictionaries[c] : nullptr, page, body);
        }
        page.body_bytes = static_cast<std::int64_t>(body.size());
        Result<std::string_view> data =
            Compress(chunk_compression[page.column], options_.zstd_level, body, scratch.compressed, scratch.zstd);
        failures[slot] = data.status();
        if (!data.ok()) return;
        page.data = *data;
        page.header = PageHeader(page, group.columns[page.column].type, ValueEncoding(page.column));
    };
    // Writes pages [first, first + count) in schema order; chunk totals include the page headers
    // (Parquet convention), a chunk's dictionary page goes before its first data page.
    auto write = [&](std::size_t first, std::size_t count) -> Status {
        for (std::size_t i = first; i < first + count; ++i) {
            const EncodedPage& page = pages[i];
            ColumnChunkInfo& info = group.columns[page.column];
            if (info.num_values == 0 && !dictionary_pages[page.column].empty()) {
                const std::string& dictionary_page = dictionary_pages[page.column];
                info.dictionary_page_offset = offset_;
                ACT_RETURN_IF_ERROR(WriteBytes(dictionary_page));
                info.uncompressed_bytes += dictionary_uncompressed_bytes[page.column];
                info.compressed_bytes += static_cast<std::int64_t>(dictionary_page.size());
            }
            if (info.num_values == 0) info.data_page_offset = offset_;
            ACT_RETURN_IF_ERROR(WriteBytes(page.header));
            ACT_RETURN_IF_ERROR(WriteBytes(page.data));
            info.uncompressed_bytes += static_cast<std::int64_t>(page.header.size()) + page.body_bytes;
            info.compressed_bytes += static_cast<std::int64_t>(page.header.size() + page.data.size());
            info.num_values += page.num_values;
            chunk_min[page.column] = std::min(chunk_min[page.column], page.min);
            chunk_max[page.column] = std::max(chunk_max[page.column], page.max);
        }
        return Status::Ok();
    };
    std::size_t written_first = 0, written_count = 0;  // the wave encoded, not yet written
    for (std::size_t first = 0; first < pages.size() || written_count > 0; first += wave) {
        const std::size_t count = first < pages.size() ? std::min(wave, pages.size() - first) : 0;
        const std::size_t half = (first / wave) % 2 * wave;  // this wave's slots: [half, half + wave)
        Status write_status;
        // Task 0 writes the previous wave (started first: it is the critical path), the others
        // encode this one.
        const std::int64_t n_write_tasks = written_count > 0 ? 1 : 0;
        auto task = [&](std::int64_t index) {
            if (index < n_write_tasks) {
                write_status = write(written_first, written_count);
                return;
            }
            const auto page_offset = static_cast<std::size_t>(index - n_write_tasks);
            encode(first + page_offset, half + page_offset);
        };
        const std::int64_t n_tasks = n_write_tasks + static_cast<std::int64_t>(count);
        if (pool_ != nullptr && n_tasks > 1) {
            pool_->ParallelFor(n_tasks, task);
        } else {
            for (std::int64_t index = 0; index < n_tasks; ++index) task(index);
        }
        ACT_RETURN_IF_ERROR(write_status);
        for (std::size_t slot = half; slot < half + count; ++slot) ACT_RETURN_IF_ERROR(failures[slot]);
        written_first = first;
        written_count = count;
    }
    for (std::size_t c = 0; c < group.columns.size(); ++c) {
        group.columns[c].encoding = ValueEncoding(c);
        group.columns[c].min_value = PlainStatistic(group.columns[c].type, chunk_min[c]);
        group.columns[c].max_value = PlainStatistic(group.columns[c].type, chunk_max[c]);
    }
    row_groups_.push_back(std::move(group));
    for (auto& dictionary : buffers_.dictionaries) dictionary.Reset();
    return Status::Ok();
}

Status ParquetShardWriter::Finish() {
    ACT_RETURN_IF_ERROR(FlushRowGroup());
    CrashPoint("parquet-before-footer");  // tests: a kill with the data written, no footer
    const std::string footer =
        SerializeFileMetaData(options_.activation_columns, options_.compression, row_groups_, total_rows_);
    ACT_RETURN_IF_ERROR(WriteBytes(footer));
    const std::uint32_t footer_length = static_cast<std::uint32_t>(footer.size());
    ACT_RETURN_IF_ERROR(WriteBytes(std::string_view(reinterpret_cast<const char*>(&footer_length), 4)));
    ACT_RETURN_IF_ERROR(WriteBytes(parquet::kMagic));
    ACT_RETURN_IF_ERROR(file_.Commit());
    sha256_hex_ = sha256_.HexDigest();
    return Status::Ok();
}

}  // namespace actcache::dataset
