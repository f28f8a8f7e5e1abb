// Decoding path: footer (Thrift compact FileMetaData) -> schema tree flattened to leaves with
// their max definition/repetition levels -> per column chunk, pages in file order: page header,
// body decompressed, repetition/definition levels (RLE/bit-packed hybrid), values, then rows
// rebuilt from the levels. Every size read from the file is checked before use.
#include "dataset/parquet_reader.h"

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>

#include "dataset/thrift_compact_reader.h"

namespace actcache::dataset {

using parquet::PhysicalType;
using Bytes = std::span<const std::uint8_t>;
using TR = ThriftCompactReader;

namespace {

// Codes not in parquet_format.h (the writer never emits them).
constexpr std::int32_t kDataPage = 0, kDictionaryPage = 2, kDataPageV2 = 3;
constexpr std::int32_t kEncPlain = 0, kEncPlainDictionary = 2, kEncRle = 3, kEncBitPacked = 4,
                       kEncDeltaBinaryPacked = 5, kEncDeltaLengthByteArray = 6,
                       kEncDeltaByteArray = 7, kEncRleDictionary = 8, kEncByteStreamSplit = 9;
constexpr std::int32_t kCodecUncompressed = 0, kCodecSnappy = 1, kCodecGzip = 2, kCodecZstd = 6;
// Largest page body we inflate: far above what writers emit (pyarrow/DuckDB pages are ~1 MiB),
// small enough that a corrupt size cannot exhaust memory.
constexpr std::int64_t kMaxPageBytes = std::int64_t{1} << 30;
constexpr int kMaxSchemaDepth = 64;

Status Corrupt(std::string what) { return Status::Corruption(std::move(what)); }

std::string TypeName(PhysicalType type) {
    switch (static_cast<int>(type)) {
        case 0:
            return "BOOLEAN";
        case 1:
            return "INT32";
        case 2:
            return "INT64";
        case 3:
            return "INT96";
        case 4:
            return "FLOAT";
        case 5:
            return "DOUBLE";
        case 6:
            return "BYTE_ARRAY";
        case 7:
            return "FIXED_LEN_BYTE_ARRAY";
        default:
            return "type " + std::to_string(static_cast<int>(type));
    }
}

int BitWidth(std::uint64_t max_value) {
    int width = 0;
    while (width < 64 && (max_value >> width) != 0) ++width;
    return width;
}

std::uint32_t LoadU32(const std::uint8_t* p) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);  // little-endian host (x86-64), as the writer assumes
    return v;
}

Status ReadVarint(Bytes data, std::size_t& pos, std::uint64_t& value, const char* what) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= data.size()) return Corrupt(std::string("truncated ") + what);
        const std::uint8_t b = data[pos++];
        value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return Status::Ok();
    }
    return Corrupt(std::string("overlong varint in ") + what);
}

// Reads `bit_width` bits (<= 64) at bit `bit` of `data`, which holds at least the bytes covering
// them (checked by the caller).
std::uint64_t ReadBits(Bytes data, std::uint64_t bit, int bit_width) {
    std::uint64_t value = 0;
    int got = 0;
    std::size_t byte = static_cast<std::size_t>(bit >> 3);
    int shift = static_cast<int>(bit & 7);
    while (got < bit_width) {
        const std::uint64_t chunk = static_cast<std::uint64_t>(data[byte] >> shift);
        value |= chunk << got;
        got += 8 - shift;
        shift = 0;
        ++byte;
    }
    return bit_width == 64 ? value : value & ((std::uint64_t{1} << bit_width) - 1);
}

// The RLE/bit-packed hybrid (levels, dictionary indices): decodes `count` values of
// `bit_width` (<= 32) bits into out[0..count). Values past `count` in the last run are ignored
// (bit-packed runs are padded to 8 values).
template <typename Out>
Status DecodeHybrid(Bytes data, int bit_width, std::size_t count, Out* out) {
    const std::uint64_t max_value = (std::uint64_t{1} << bit_width) - 1;
    if (max_value > std::numeric_limits<Out>::max())
        return Corrupt("bit width " + std::to_string(bit_width) + " too wide");
    std::size_t pos = 0, n = 0;
    while (n < count) {
        std::uint64_t header = 0;
        ACT_RETURN_IF_ERROR(ReadVarint(data, pos, header, "RLE run header"));
        if ((header & 1) == 0) {
            const std::uint64_t run = header >> 1;
            const std::size_t value_bytes = static_cast<std::size_t>((bit_width + 7) / 8);
            if (data.size() - pos < value_bytes) return Corrupt("truncated RLE run");
            std::uint64_t value = 0;
            for (std::size_t b = 0; b < value_bytes; ++b)
                value |= static_cast<std::uint64_t>(data[pos + b]) << (8 * b);
            pos += value_bytes;
            if (value > max_value)
                return Corrupt("RLE value " + std::to_string(value) + " wider than " +
                               std::to_string(bit_width) + " bits");
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(run, count - n));
            std::fill(out + n, out + n + take, static_cast<Out>(value));
            n += take;
        } else {
            const std::uint64_t groups = header >> 1;
            if (groups > data.size())
                return Corrupt("bit-packed run of " + std::to_string(groups) + " groups truncated");
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(groups * 8, count - n));
            const std::size_t need = (take * static_cast<std::size_t>(bit_width) + 7) / 8;
            const Bytes run = data.subspan(pos);
            if (run.size() < need) return Corrupt("truncated bit-packed run");
            for (std::size_t i = 0; i < take; ++i) {
                out[n + i] = static_cast<Out>(
                    ReadBits(run, i * static_cast<std::uint64_t>(bit_width), bit_width));
            }
            n += take;
            pos += static_cast<std::size_t>(std::min<std::uint64_t>(
                groups * static_cast<std::uint64_t>(bit_width), run.size()));
        }
    }
    return Status::Ok();
}

// ---- Values -------------------------------------------------------------------------------

template <typename T>
Status DecodePlain(Bytes data, std::size_t count, std::vector<T>& out) {
    if constexpr (std::is_same_v<T, std::string>) {
        if (count > data.size() / 4) return Corrupt("PLAIN byte arrays truncated");
        out.reserve(out.size() + count);
        std::size_t pos = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (data.size() - pos < 4)
                return Corrupt("PLAIN byte array " + std::to_string(i) + " truncated");
            const std::uint32_t length = LoadU32(data.data() + pos);
            pos += 4;
            if (length > data.size() - pos)
                return Corrupt("PLAIN byte array " + std::to_string(i) + " truncated");
            out.emplace_back(reinterpret_cast<const char*>(data.data() + pos), length);
            pos += length;
        }
    } else {
        if (count > data.size() / sizeof(T)) {
            return Corrupt("PLAIN values truncated: " + std::to_string(count) + " values in " +
                           std::to_string(data.size()) + " bytes");
        }
        const std::size_t first = out.size();
        out.resize(first + count);
        if (count > 0) std::memcpy(out.data() + first, data.data(), count * sizeof(T));
    }
    return Status::Ok();
}

// BYTE_STREAM_SPLIT: byte b of value i is at data[b * count + i].
template <typename T>
Status DecodeByteStreamSplit(Bytes data, std::size_t count, std::vector<T>& out) {
    // The values region holds exactly count * sizeof(T) bytes (its size sets the stride).
    if (count > data.size() / sizeof(T) || data.size() != count * sizeof(T)) {
        return Corrupt("BYTE_STREAM_SPLIT: " + std::to_string(count) + " values in " +
                       std::to_string(data.size()) + " bytes");
    }
    const std::size_t stride = count;
    const std::size_t first = out.size();
    out.resize(first + count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t bytes[sizeof(T)];
        for (std::size_t b = 0; b < sizeof(T); ++b) bytes[b] = data[b * stride + i];
        std::memcpy(&out[first + i], bytes, sizeof(T));
    }
    return Status::Ok();
}

// DELTA_BINARY_PACKED: header <block size> <miniblocks per block> <total count> <first value>,
// then blocks of <min delta> <bit width per miniblock> <miniblocks>. Arithmetic wraps (uint64,
// truncated to T), as the encoding defines.
// With `consumed`, the encoding must hold exactly `count` values and *consumed receives its
// byte length (the last miniblock used is padded; later ones are absent).
template <typename T>
Status DecodeDeltaBinaryPacked(Bytes data, std::size_t count, std::vector<T>& out,
                               std::size_t* consumed = nullptr) {
    std::size_t pos = 0;
    std::uint64_t block_size = 0, miniblocks = 0, total = 0, first_zz = 0;
    ACT_RETURN_IF_ERROR(ReadVarint(data, pos, block_size, "DELTA_BINARY_PACKED header"));
    ACT_RETURN_IF_ERROR(ReadVarint(data, pos, miniblocks, "DELTA_BINARY_PACKED header"));
    ACT_RETURN_IF_ERROR(ReadVarint(data, pos, total, "DELTA_BINARY_PACKED header"));
    ACT_RETURN_IF_ERROR(ReadVarint(data, pos, first_zz, "DELTA_BINARY_PACKED header"));
    if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
        block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
        return Corrupt("DELTA_BINARY_PACKED block of " + std::to_string(block_size) +
                       " values in " + std::to_string(miniblocks) + " miniblocks");
    }
    if (total < count || (consumed != nullptr && total != count)) {
        return Corrupt("DELTA_BINARY_PACKED holds " + std::to_string(total) +
                       " values, page needs " + std::to_string(count));
    }
    if (consumed != nullptr) *consumed = pos;
    if (count == 0) return Status::Ok();
    const std::uint64_t per_miniblock = block_size / miniblocks;
    std::uint64_t value = (first_zz >> 1) ^ (~(first_zz & 1) + 1);
    out.reserve(out.size() + count);
    out.push_back(static_cast<T>(value));
    std::size_t produced = 1;
    std::vector<std::uint8_t> widths(static_cast<std::size_t>(miniblocks));
    while (produced < count) {
        std::uint64_t min_zz = 0;
        ACT_RETURN_IF_ERROR(ReadVarint(data, pos, min_zz, "DELTA_BINARY_PACKED block"));
        const std::uint64_t min_delta = (min_zz >> 1) ^ (~(min_zz & 1) + 1);
        if (data.size() - pos < widths.size())
            return Corrupt("truncated DELTA_BINARY_PACKED bit widths");
        for (std::size_t m = 0; m < widths.size(); ++m) widths[m] = data[pos + m];
        pos += widths.size();
        for (std::size_t m = 0; m < widths.size() && produced < count; ++m) {
            const int width = widths[m];
            if (width > 64)
                return Corrupt("DELTA_BINARY_PACKED bit width " + std::to_string(width));
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(per_miniblock, count - produced));
            const Bytes mini = data.subspan(pos);
            const std::size_t need = (take * static_cast<std::size_t>(width) + 7) / 8;
            if (mini.size() < need) return Corrupt("truncated DELTA_BINARY_PACKED miniblock");
            for (std::size_t i = 0; i < take; ++i) {
                value += min_delta + ReadBits(mini, i * static_cast<std::uint64_t>(width), width);
                out.push_back(static_cast<T>(value));
            }
            produced += take;
            pos += static_cast<std::size_t>(std::min<std::uint64_t>(
                per_miniblock * static_cast<std::uint64_t>(width) / 8, mini.size()));
        }
    }
    if (consumed != nullptr) *consumed = pos;
    return Status::Ok();
}

// DELTA_LENGTH_BYTE_ARRAY: the lengths (DELTA_BINARY_PACKED), then the bytes concatenated.
Status DecodeDeltaLengthByteArray(Bytes data, std::size_t count, std::vector<std::string>& out) {
    std::vector<std::int64_t> lengths;
    std::size_t pos = 0;
    ACT_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, lengths, &pos));
    out.reserve(out.size() + count);
    for (const std::int64_t length : lengths) {
        if (length < 0 || static_cast<std::uint64_t>(length) > data.size() - pos) {
            return Corrupt("DELTA_LENGTH_BYTE_ARRAY value of " + std::to_string(length) +
                           " bytes truncated");
        }
        out.emplace_back(reinterpret_cast<const char*>(data.data() + pos),
                         static_cast<std::size_t>(length));
        pos += static_cast<std::size_t>(length);
    }
    return Status::Ok();
}

// DELTA_BYTE_ARRAY: prefix lengths (DELTA_BINARY_PACKED), then suffixes
// (DELTA_LENGTH_BYTE_ARRAY); value i = the first prefix[i] bytes of value i-1, then suffix i.
Status DecodeDeltaByteArray(Bytes data, std::size_t count, std::vector<std::string>& out) {
    std::vector<std::int64_t> prefixes;
    std::size_t pos = 0;
    ACT_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, prefixes, &pos));
    std::vector<std::string> suffixes;
    ACT_RETURN_IF_ERROR(DecodeDeltaLengthByteArray(data.subspan(pos), count, suffixes));
    out.reserve(out.size() + count);
    std::string previous;
    for (std::size_t i = 0; i < count; ++i) {
        if (prefixes[i] < 0 || static_cast<std::uint64_t>(prefixes[i]) > previous.size()) {
            return Corrupt("DELTA_BYTE_ARRAY prefix " + std::to_string(prefixes[i]) +
                           " longer than the previous value");
        }
        previous.resize(static_cast<std::size_t>(prefixes[i]));
        previous += suffixes[i];
        out.push_back(previous);
    }
    return Status::Ok();
}

// Decompresses one page body of `size` bytes; `out` views `scratch` (or `in` when stored).
Status Decompress(std::int32_t codec, Bytes in, std::int64_t size, std::string& scratch,
                  Bytes& out) {
    if (size < 0 || size > kMaxPageBytes)
        return Corrupt("uncompressed page size " + std::to_string(size));
    const auto n = static_cast<std::size_t>(size);
    switch (codec) {
        case kCodecUncompressed:
            if (in.size() != n) {
                return Corrupt("uncompressed page of " + std::to_string(in.size()) +
                               " bytes declares " + std::to_string(n));
            }
            out = in;
            return Status::Ok();
        case kCodecSnappy: {
            std::size_t length = 0;
            const char* src = reinterpret_cast<const char*>(in.data());
            if (snappy_uncompressed_length(src, in.size(), &length) != SNAPPY_OK || length != n) {
                return Corrupt("snappy page does not decompress to " + std::to_string(n) +
                               " bytes");
            }
            scratch.resize(n);
            if (snappy_uncompress(src, in.size(), scratch.data(), &length) != SNAPPY_OK ||
                length != n) {
                return Corrupt("snappy page is corrupt");
            }
            break;
        }
        case kCodecGzip: {
            // Deflate expands at most ~1032x: a larger declared size is corrupt, not data.
            if (static_cast<std::uint64_t>(n) >
                static_cast<std::uint64_t>(in.size()) * 1032 + 1024) {
                return Corrupt("gzip page of " + std::to_string(in.size()) + " bytes cannot hold " +
                               std::to_string(n));
            }
            scratch.resize(n);
            z_stream z{};
            if (inflateInit2(&z, 32 + MAX_WBITS) != Z_OK)
                return Status::Internal("inflateInit2 failed");
            z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
            z.avail_in = static_cast<uInt>(in.size());
            z.next_out = reinterpret_cast<Bytef*>(scratch.data());
            z.avail_out = static_cast<uInt>(n);
            const int result = inflate(&z, Z_FINISH);
            const std::size_t produced = z.total_out;
            inflateEnd(&z);
            if (result != Z_STREAM_END || produced != n) return Corrupt("gzip page is corrupt");
            break;
        }
        case kCodecZstd: {
            const unsigned long long frame = ZSTD_getFrameContentSize(in.data(), in.size());
            if (frame == ZSTD_CONTENTSIZE_ERROR) return Corrupt("zstd page is corrupt");
            if (frame != ZSTD_CONTENTSIZE_UNKNOWN && frame != n) {
                return Corrupt("zstd page decompresses to " + std::to_string(frame) +
                               " bytes, declares " + std::to_string(n));
            }
            scratch.resize(n);
            const std::size_t result = ZSTD_decompress(scratch.data(), n, in.data(), in.size());
            if (ZSTD_isError(result) || result != n) return Corrupt("zstd page is corrupt");
            break;
        }
        default:
            return Status::Unimplemented("compression codec " + std::to_string(codec));
    }
    out = Bytes(reinterpret_cast<const std::uint8_t*>(scratch.data()), n);
    return Status::Ok();
}

// ---- Thrift helpers -----------------------------------------------------------------------

// Calls on_field(field) for each field of the struct at the reader; on_field reads or skips.
template <typename OnField>
Status ForEachField(TR& r, OnField&& on_field) {
    ACT_RETURN_IF_ERROR(r.BeginStruct());
    for (;;) {
        ThriftField field;
        ACT_RETURN_IF_ERROR(r.NextField(field));
        if (field.type == TR::kStop) return Status::Ok();
        ACT_RETURN_IF_ERROR(on_field(field));
    }
}

// Calls on_element() once per element of a list<struct> field.
template <typename OnElement>
Status ForEachStruct(TR& r, const ThriftField& field, OnElement&& on_element) {
    std::uint8_t type = 0;
    std::int64_t size = 0;
    ACT_RETURN_IF_ERROR(r.ReadListBegin(field, type, size));
    if (type != TR::kStruct)
        return Corrupt("field " + std::to_string(field.id) + ": expected a list of structs");
    for (std::int64_t i = 0; i < size; ++i) ACT_RETURN_IF_ERROR(on_element());
    return Status::Ok();
}

Status ReadI32(TR& r, const ThriftField& field, std::int32_t& out) {
    std::int64_t value = 0;
    ACT_RETURN_IF_ERROR(r.ReadInteger(field, value));
    if (value < INT32_MIN || value > INT32_MAX)
        return Corrupt("field " + std::to_string(field.id) + " out of i32 range");
    out = static_cast<std::int32_t>(value);
    return Status::Ok();
}

Status ReadString(TR& r, const ThriftField& field, std::string& out) {
    std::string_view view;
    ACT_RETURN_IF_ERROR(r.ReadBinary(field, view));
    out.assign(view);
    return Status::Ok();
}

struct PageHeader {
    std::int32_t type = -1;
    std::int32_t uncompressed = -1, compressed = -1;
    std::int32_t num_values = -1;
    std::int32_t encoding = -1;
    std::int32_t definition_encoding = kEncRle, repetition_encoding = kEncRle;
    // v2 only
    std::int32_t definition_bytes = 0, repetition_bytes = 0;
    bool is_compressed = true;
};

Status ParsePageHeader(TR& r, PageHeader& h) {
    auto data_page = [&](const ThriftField&) {
        return ForEachField(r, [&](const ThriftField& f) -> Status {
            switch (f.id) {
                case 1:
                    return ReadI32(r, f, h.num_values);
                case 2:
                    return ReadI32(r, f, h.encoding);
                case 3:
                    return ReadI32(r, f, h.definition_encoding);
                case 4:
                    return ReadI32(r, f, h.repetition_encoding);
                default:
                    return r.Skip(f.type);
            }
        });
    };
    auto dictionary_page = [&](const ThriftField&) {
        return ForEachField(r, [&](const ThriftField& f) -> Status {
            switch (f.id) {
                case 1:
                    return ReadI32(r, f, h.num_values);
                case 2:
                    return ReadI32(r, f, h.encoding);
                default:
                    return r.Skip(f.type);
            }
        });
    };
    auto v2_page = [&](const ThriftField&) {
        return ForEachField(r, [&](const ThriftField& f) -> Status {
            switch (f.id) {
                case 1:
                    return ReadI32(r, f, h.num_values);
                case 4:
                    return ReadI32(r, f, h.encoding);
                case 5:
                    return ReadI32(r, f, h.definition_bytes);
                case 6:
                    return ReadI32(r, f, h.repetition_bytes);
                case 7:
                    return r.ReadBool(f, h.is_compressed);
                default:
                    return r.Skip(f.type);
            }
        });
    };
    ACT_RETURN_IF_ERROR(ForEachField(r, [&](const ThriftField& f) -> Status {
        switch (f.id) {
            case 1:
                return ReadI32(r, f, h.type);
            case 2:
                return ReadI32(r, f, h.uncompressed);
            case 3:
                return ReadI32(r, f, h.compressed);
            case 5:
                return f.type == TR::kStruct ? data_page(f) : r.Skip(f.type);
            case 7:
                return f.type == TR::kStruct ? dictionary_page(f) : r.Skip(f.type);
            case 8:
                return f.type == TR::kStruct ? v2_page(f) : r.Skip(f.type);
            default:
                return r.Skip(f.type);
        }
    }));
    if (h.type < 0 || h.uncompressed < 0 || h.compressed < 0)
        return Corrupt("missing page type or sizes");
    return Status::Ok();
}

}  // namespace

ParquetReader::ParquetReader(std::unique_ptr<MappedFile> file)
    : file_(std::move(file)), path_(file_->path()) {}

ParquetReader::~ParquetReader() = default;

std::int64_t ParquetReader::row_group_rows(int rg) const {
    ACT_CHECK(rg >= 0 && rg < num_row_groups());
    return row_groups_[static_cast<std::size_t>(rg)].num_rows;
}

Result<int> ParquetReader::FindColumn(std::string_view name) const {
    for (std::size_t i = 0; i < leaves_.size(); ++i) {
        if (leaves_[i].top_level_name == name) return static_cast<int>(i);
    }
    return Status::NotFound(path_ + ": no column '" + std::string(name) + "'");
}

std::optional<std::string> ParquetReader::key_value(std::string_view key) const {
    for (const auto& [k, v] : key_values_) {
        if (k == key) return v;
    }
    return std::nullopt;
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
    std::unique_ptr<ParquetReader> reader(new ParquetReader(std::move(file)));
    Status status = reader->ParseFooter();
    if (!status.ok()) return status.WithContext(path);
    return reader;
}

namespace {

struct SchemaNode {
    std::optional<std::int32_t> type;
    std::int32_t repetition = 0;  // required when absent (only the root omits it)
    std::string name;
    std::int32_t num_children = 0;
};

}  // namespace

Status ParquetReader::ParseFooter() {
    const auto bytes = file_->bytes();
    const Bytes data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (data.size() < 12)
        return Corrupt("file of " + std::to_string(data.size()) +
                       " bytes is too short for Parquet");
    if (std::memcmp(data.data(), parquet::kMagic, 4) != 0)
        return Corrupt("no PAR1 magic at the start");
    if (std::memcmp(data.data() + data.size() - 4, parquet::kMagic, 4) != 0) {
        return Corrupt("no PAR1 magic at the end (truncated?)");
    }
    const std::uint32_t footer_length = LoadU32(data.data() + data.size() - 8);
    if (footer_length > data.size() - 12) {
        return Corrupt("footer length " + std::to_string(footer_length) + " exceeds the file (" +
                       std::to_string(data.size()) + " bytes)");
    }
    const std::size_t footer_start = data.size() - 8 - footer_length;
    TR r(bytes.subspan(footer_start, footer_length), static_cast<std::int64_t>(footer_start));

    std::vector<SchemaNode> schema;
    bool have_schema = false, have_rows = false, have_groups = false;
    struct RawChunk {
        bool has_meta = false;
        bool external = false;
        std::int32_t type = -1, codec = 0;
        std::vector<std::string> path;
        std::int64_t num_values = -1, size = -1, data_offset = -1, dictionary_offset = -1;
    };
    std::vector<std::vector<RawChunk>> raw_chunks;
    Status status = ForEachField(r, [&](const ThriftField& f) -> Status {
        switch (f.id) {
            case 2:
                have_schema = true;
                return ForEachStruct(r, f, [&]() {
                    SchemaNode& node = schema.emplace_back();
                    return ForEachField(r, [&](const ThriftField& e) -> Status {
                        std::int32_t value = 0;
                        switch (e.id) {
                            case 1:
                                ACT_RETURN_IF_ERROR(ReadI32(r, e, value));
                                node.type = value;
                                return Status::Ok();
                            case 3:
                                return ReadI32(r, e, node.repetition);
                            case 4:
                                return ReadString(r, e, node.name);
                            case 5:
                                return ReadI32(r, e, node.num_children);
                            default:
                                return r.Skip(e.type);
                        }
                    });
                });
            case 3:
                have_rows = true;
                return r.ReadInteger(f, num_rows_);
            case 4:
                have_groups = true;
                return ForEachStruct(r, f, [&]() {
                    RowGroup& group = row_groups_.emplace_back();
                    std::vector<RawChunk>& chunks = raw_chunks.emplace_back();
                    group.num_rows = -1;
                    return ForEachField(r, [&](const ThriftField& g) -> Status {
                        if (g.id == 3) return r.ReadInteger(g, group.num_rows);
                        if (g.id != 1) return r.Skip(g.type);
                        return ForEachStruct(r, g, [&]() {
                            RawChunk& chunk = chunks.emplace_back();
                            return ForEachField(r, [&](const ThriftField& c) -> Status {
                                if (c.id == 1) {
                                    std::string file_path;
                                    ACT_RETURN_IF_ERROR(ReadString(r, c, file_path));
                                    chunk.external = !file_path.empty();
                                    return Status::Ok();
                                }
                                if (c.id != 3) return r.Skip(c.type);
                                chunk.has_meta = true;
                                return ForEachField(r, [&](const ThriftField& m) -> Status {
                                    switch (m.id) {
                                        case 1:
                                            return ReadI32(r, m, chunk.type);
                                        case 3: {
                                            std::uint8_t type = 0;
                                            std::int64_t size = 0;
                                            ACT_RETURN_IF_ERROR(r.ReadListBegin(m, type, size));
                                            if (type != TR::kBinary)
                                                return Corrupt(
                                                    "path_in_schema is not a list of strings");
                                            for (std::int64_t i = 0; i < size; ++i) {
                                                std::string_view part;
                                                ACT_RETURN_IF_ERROR(r.ReadBinaryValue(part));
                                                chunk.path.emplace_back(part);
                                            }
                                            return Status::Ok();
                                        }
                                        case 4:
                                            return ReadI32(r, m, chunk.codec);
                                        case 5:
                                            return r.ReadInteger(m, chunk.num_values);
                                        case 7:
                                            return r.ReadInteger(m, chunk.size);
                                        case 9:
                                            return r.ReadInteger(m, chunk.data_offset);
                                        case 11:
                                            return r.ReadInteger(m, chunk.dictionary_offset);
                                        default:
                                            return r.Skip(m.type);
                                    }
                                });
                            });
                        });
                    });
                });
            case 5:
                return ForEachStruct(r, f, [&]() {
                    auto& kv = key_values_.emplace_back();
                    return ForEachField(r, [&](const ThriftField& k) -> Status {
                        if (k.id == 1) return ReadString(r, k, kv.first);
                        if (k.id == 2) return ReadString(r, k, kv.second);
                        return r.Skip(k.type);
                    });
                });
            default:
                return r.Skip(f.type);
        }
    });
    if (!status.ok()) return status.WithContext("footer");
    if (!have_schema || !have_rows || !have_groups)
        return Corrupt("footer lacks the schema, num_rows or row_groups");

    // Schema: a depth-first list, each group followed by its num_children children.
    if (schema.empty() || schema[0].num_children < 0) return Corrupt("footer: empty schema");
    std::size_t index = 1;
    std::vector<std::string> names;
    auto walk = [&](auto&& self, int depth, int definition, int repetition, int repeated_definition,
                    const std::string& top) -> Status {
        if (index >= schema.size()) return Corrupt("schema ends inside a group");
        if (depth > kMaxSchemaDepth) return Corrupt("schema nested too deep");
        const SchemaNode& node = schema[index++];
        if (node.num_children < 0 || node.repetition < 0 || node.repetition > 2) {
            return Corrupt("schema element '" + node.name + "' is malformed");
        }
        if (node.repetition != static_cast<std::int32_t>(parquet::Repetition::kRequired))
            ++definition;
        if (node.repetition == static_cast<std::int32_t>(parquet::Repetition::kRepeated)) {
            ++repetition;
            repeated_definition = definition;
        }
        const std::string& top_name = depth == 0 ? node.name : top;
        names.push_back(node.name);
        if (node.num_children == 0) {
            if (!node.type)
                return Corrupt("schema element '" + node.name +
                               "' has neither a type nor children");
            ParquetColumnInfo info;
            for (std::size_t i = 0; i < names.size(); ++i) info.path += (i ? "." : "") + names[i];
            info.physical = static_cast<PhysicalType>(*node.type);
            info.max_definition_level = definition;
            info.max_repetition_level = repetition;
            columns_.push_back(std::move(info));
            leaves_.push_back(Leaf{top_name, repeated_definition});
        } else {
            if (static_cast<std::size_t>(node.num_children) > schema.size() - index) {
                return Corrupt("schema element '" + node.name +
                               "' has more children than the schema");
            }
            for (std::int32_t c = 0; c < node.num_children; ++c) {
                ACT_RETURN_IF_ERROR(
                    self(self, depth + 1, definition, repetition, repeated_definition, top_name));
            }
        }
        names.pop_back();
        return Status::Ok();
    };
    for (std::int32_t c = 0; c < schema[0].num_children; ++c)
        ACT_RETURN_IF_ERROR(walk(walk, 0, 0, 0, 0, ""));
    if (index != schema.size()) return Corrupt("schema has elements outside the root's children");

    // Row groups: one chunk per leaf, matching the schema and inside the data region.
    if (num_rows_ < 0) return Corrupt("negative num_rows");
    std::int64_t total_rows = 0;
    for (std::size_t g = 0; g < row_groups_.size(); ++g) {
        RowGroup& group = row_groups_[g];
        const std::string where = "row group " + std::to_string(g);
        if (group.num_rows < 0 || group.num_rows > num_rows_ - total_rows) {
            return Corrupt(where + ": num_rows " + std::to_string(group.num_rows) +
                           " exceeds the file's " + std::to_string(num_rows_));
        }
        total_rows += group.num_rows;
        if (raw_chunks[g].size() != leaves_.size()) {
            return Corrupt(where + ": " + std::to_string(raw_chunks[g].size()) +
                           " column chunks for " + std::to_string(leaves_.size()) + " columns");
        }
        for (std::size_t c = 0; c < leaves_.size(); ++c) {
            const RawChunk& raw = raw_chunks[g][c];
            const std::string at = where + " column '" + columns_[c].path + "'";
            if (raw.external) return Status::Unimplemented(at + ": column chunk in another file");
            if (!raw.has_meta || raw.type < 0 || raw.num_values < 0 || raw.size < 0 ||
                raw.data_offset < 0) {
                return Corrupt(at + ": incomplete column metadata");
            }
            std::string joined;
            for (std::size_t i = 0; i < raw.path.size(); ++i)
                joined += (i ? "." : "") + raw.path[i];
            if (joined != columns_[c].path ||
                raw.type != static_cast<std::int32_t>(columns_[c].physical)) {
                return Corrupt(at + ": column metadata names '" + joined + "' " +
                               TypeName(static_cast<PhysicalType>(raw.type)));
            }
            Chunk chunk;
            chunk.start = raw.data_offset;
            // A dictionary page precedes the data pages; some writers store offset 0 for "none".
            if (raw.dictionary_offset >= 4 && raw.dictionary_offset < raw.data_offset)
                chunk.start = raw.dictionary_offset;
            chunk.size = raw.size;
            chunk.num_values = raw.num_values;
            chunk.codec = raw.codec;
            const auto limit = static_cast<std::int64_t>(footer_start);
            if (chunk.start < 4 || chunk.start > limit || chunk.size > limit - chunk.start) {
                return Corrupt(at + ": column chunk [" + std::to_string(chunk.start) + ", +" +
                               std::to_string(chunk.size) + ") lies outside the data");
            }
            group.chunks.push_back(chunk);
        }
    }
    if (total_rows != num_rows_) {
        return Corrupt("row groups hold " + std::to_string(total_rows) + " rows, footer says " +
                       std::to_string(num_rows_));
    }
    return Status::Ok();
}

Status ParquetReader::ReadInt64(int rg, int column, std::vector<std::int64_t>& values,
                                std::vector<std::int64_t>* list_offsets) const {
    return ReadColumn(rg, column, PhysicalType::kInt64, values, list_offsets);
}

Status ParquetReader::ReadFloat(int rg, int column, std::vector<float>& values,
                                std::vector<std::int64_t>* list_offsets) const {
    return ReadColumn(rg, column, PhysicalType::kFloat, values, list_offsets);
}

Status ParquetReader::ReadInt32(int rg, int column, std::vector<std::int32_t>& values,
                                std::vector<std::int64_t>* list_offsets) const {
    return ReadColumn(rg, column, PhysicalType::kInt32, values, list_offsets);
}

Status ParquetReader::ReadStrings(int rg, int column, std::vector<std::string>& values,
                                  std::vector<std::int64_t>* list_offsets) const {
    return ReadColumn(rg, column, PhysicalType::kByteArray, values, list_offsets);
}

namespace {

// Decodes the pages of one column chunk. Owns the per-read state (dictionary, buffers).
template <typename T>
class ChunkDecoder {
public:
    ChunkDecoder(Bytes file, const ParquetReader::Chunk& chunk, const ParquetColumnInfo& info,
                 int repeated_definition, std::int64_t rows, std::vector<T>& values,
                 std::vector<std::int64_t>* offsets)
        : file_(file),
          chunk_(chunk),
          info_(info),
          repeated_definition_(repeated_definition),
          rows_(rows),
          values_(values),
          offsets_(offsets) {}

    Status Run() {
        std::int64_t pos = chunk_.start;
        const std::int64_t end = chunk_.start + chunk_.size;
        while (levels_seen_ < chunk_.num_values) {
            if (pos >= end) {
                return Corrupt("column chunk ends after " + std::to_string(levels_seen_) + " of " +
                               std::to_string(chunk_.num_values) + " values");
            }
            const Bytes rest =
                file_.subspan(static_cast<std::size_t>(pos), static_cast<std::size_t>(end - pos));
            TR r(std::as_bytes(rest), pos);
            PageHeader header;
            Status status = ParsePageHeader(r, header);
            const std::string where = "page header at offset " + std::to_string(pos);
            if (!status.ok()) return status.WithContext(where);
            const std::size_t header_bytes = r.position();
            if (static_cast<std::uint64_t>(header.compressed) > rest.size() - header_bytes) {
                return Corrupt(where + ": page of " + std::to_string(header.compressed) +
                               " bytes overruns the column chunk");
            }
            const Bytes body =
                rest.subspan(header_bytes, static_cast<std::size_t>(header.compressed));
            status = Page(header, body);
            if (!status.ok()) return status.WithContext("page at offset " + std::to_string(pos));
            pos += static_cast<std::int64_t>(header_bytes) + header.compressed;
        }
        return Finish();
    }

private:
    Status Page(const PageHeader& header, Bytes body) {
        if (header.type == kDictionaryPage) {
            if (has_dictionary_) return Corrupt("second dictionary page");
            if (header.num_values < 0) return Corrupt("negative dictionary size");
            if (header.encoding != kEncPlain && header.encoding != kEncPlainDictionary) {
                return Status::Unimplemented("dictionary page encoding " +
                                             std::to_string(header.encoding));
            }
            Bytes data;
            ACT_RETURN_IF_ERROR(
                Decompress(chunk_.codec, body, header.uncompressed, scratch_, data));
            has_dictionary_ = true;
            return DecodePlain(data, static_cast<std::size_t>(header.num_values), dictionary_);
        }
        if (header.type != kDataPage && header.type != kDataPageV2)
            return Status::Ok();  // index pages
        const std::int64_t n = header.num_values;
        if (n < 0 || n > chunk_.num_values - levels_seen_) {
            return Corrupt("page of " + std::to_string(n) + " values exceeds the column chunk's " +
                           std::to_string(chunk_.num_values));
        }
        // A flat column has one level entry per row.
        if (info_.max_repetition_level == 0 && n > rows_ - rows_seen_) {
            return Corrupt("page of " + std::to_string(n) + " values exceeds the row group's rows");
        }
        const auto count = static_cast<std::size_t>(n);
        Bytes values;
        repetition_.assign(count, 0);
        definition_.assign(count, 0);
        const int rep_width = BitWidth(static_cast<std::uint64_t>(info_.max_repetition_level));
        const int def_width = BitWidth(static_cast<std::uint64_t>(info_.max_definition_level));
        if (header.type == kDataPage) {
            Bytes data;
            ACT_RETURN_IF_ERROR(
                Decompress(chunk_.codec, body, header.uncompressed, scratch_, data));
            if (info_.max_repetition_level > 0) {
                ACT_RETURN_IF_ERROR(LengthPrefixedLevels(data, header.repetition_encoding,
                                                         rep_width, repetition_, "repetition"));
            }
            if (info_.max_definition_level > 0) {
                ACT_RETURN_IF_ERROR(LengthPrefixedLevels(data, header.definition_encoding,
                                                         def_width, definition_, "definition"));
            }
            values = data;
        } else {
            const std::int64_t rep_bytes = header.repetition_bytes,
                               def_bytes = header.definition_bytes;
            if (rep_bytes < 0 || def_bytes < 0 ||
                rep_bytes + def_bytes > static_cast<std::int64_t>(body.size()) ||
                rep_bytes + def_bytes > header.uncompressed) {
                return Corrupt("level sizes exceed the page");
            }
            if (info_.max_repetition_level > 0) {
                Status s = DecodeHybrid(body.first(static_cast<std::size_t>(rep_bytes)), rep_width,
                                        count, repetition_.data());
                if (!s.ok()) return s.WithContext("repetition levels");
            }
            if (info_.max_definition_level > 0) {
                Status s = DecodeHybrid(body.subspan(static_cast<std::size_t>(rep_bytes),
                                                     static_cast<std::size_t>(def_bytes)),
                                        def_width, count, definition_.data());
                if (!s.ok()) return s.WithContext("definition levels");
            }
            const Bytes rest = body.subspan(static_cast<std::size_t>(rep_bytes + def_bytes));
            const std::int64_t size = header.uncompressed - rep_bytes - def_bytes;
            if (header.is_compressed && chunk_.codec != kCodecUncompressed) {
                ACT_RETURN_IF_ERROR(Decompress(chunk_.codec, rest, size, scratch_, values));
            } else {
                ACT_RETURN_IF_ERROR(Decompress(kCodecUncompressed, rest, size, scratch_, values));
            }
        }

        std::size_t present = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (definition_[i] > info_.max_definition_level ||
                repetition_[i] > info_.max_repetition_level) {
                return Corrupt("level above the column's maximum at value " + std::to_string(i));
            }
            present += definition_[i] == info_.max_definition_level;
        }
        const std::size_t first_value = values_.size();
        Status status = Values(header.encoding, values, present);
        if (!status.ok()) return status.WithContext("values");
        levels_seen_ += n;
        return Rows(first_value, count);
    }

    // v1 levels: uint32 LE byte length, then the hybrid run; advances `data` past them.
    Status LengthPrefixedLevels(Bytes& data, std::int32_t encoding, int width,
                                std::vector<std::uint8_t>& out, const char* what) {
        if (encoding == kEncBitPacked)
            return Status::Unimplemented(std::string("BIT_PACKED ") + what + " levels");
        if (encoding != kEncRle)
            return Corrupt(std::string(what) + " level encoding " + std::to_string(encoding));
        if (data.size() < 4) return Corrupt(std::string("truncated ") + what + " levels");
        const std::uint32_t length = LoadU32(data.data());
        if (length > data.size() - 4)
            return Corrupt(std::string(what) + " levels of " + std::to_string(length) +
                           " bytes overrun the page");
        Status status = DecodeHybrid(data.subspan(4, length), width, out.size(), out.data());
        if (!status.ok()) return status.WithContext(std::string(what) + " levels");
        data = data.subspan(4 + static_cast<std::size_t>(length));
        return Status::Ok();
    }

    Status Values(std::int32_t encoding, Bytes data, std::size_t count) {
        switch (encoding) {
            case kEncPlain:
                return DecodePlain(data, count, values_);
            case kEncPlainDictionary:
            case kEncRleDictionary: {
                if (!has_dictionary_)
                    return Corrupt("dictionary-encoded page without a dictionary page");
                if (count == 0) return Status::Ok();
                if (data.empty()) return Corrupt("truncated dictionary indices");
                const int width = data[0];
                if (width > 32)
                    return Corrupt("dictionary index bit width " + std::to_string(width));
                indices_.resize(count);
                ACT_RETURN_IF_ERROR(DecodeHybrid(data.subspan(1), width, count, indices_.data()));
                values_.reserve(values_.size() + count);
                for (const std::uint32_t index : indices_) {
                    if (index >= dictionary_.size()) {
                        return Corrupt("dictionary index " + std::to_string(index) +
                                       " >= " + std::to_string(dictionary_.size()));
                    }
                    values_.push_back(dictionary_[index]);
                }
                return Status::Ok();
            }
            case kEncByteStreamSplit:
                if constexpr (!std::is_same_v<T, std::string>)
                    return DecodeByteStreamSplit(data, count, values_);
                break;
            case kEncDeltaBinaryPacked:
                if constexpr (std::is_integral_v<T>)
                    return DecodeDeltaBinaryPacked(data, count, values_);
                break;
            case kEncDeltaLengthByteArray:
                if constexpr (std::is_same_v<T, std::string>)
                    return DecodeDeltaLengthByteArray(data, count, values_);
                break;
            case kEncDeltaByteArray:
                if constexpr (std::is_same_v<T, std::string>)
                    return DecodeDeltaByteArray(data, count, values_);
                break;
            default:
                break;
        }
        return Status::Unimplemented("value encoding " + std::to_string(encoding) + " for " +
                                     TypeName(info_.physical));
    }

    // Rebuilds rows from the levels of the page just decoded (its values start at first_value).
    Status Rows(std::size_t first_value, std::size_t count) {
        if (info_.max_repetition_level == 0) {
            for (std::size_t i = 0; i < count; ++i) {
                if (definition_[i] != info_.max_definition_level) {
                    return Corrupt("unexpected null at row " +
                                   std::to_string(rows_seen_ + static_cast<std::int64_t>(i)));
                }
            }
            rows_seen_ += static_cast<std::int64_t>(count);
            return Status::Ok();
        }
        std::size_t next = first_value;
        for (std::size_t i = 0; i < count; ++i) {
            if (repetition_[i] == 0) {
                if (rows_seen_ == rows_)
                    return Corrupt("more rows than the row group's " + std::to_string(rows_));
                offsets_->push_back(static_cast<std::int64_t>(next));
                ++rows_seen_;
            } else if (rows_seen_ == 0) {
                return Corrupt("column chunk starts inside a list");
            }
            if (definition_[i] == info_.max_definition_level) {
                ++next;
            } else if (definition_[i] >= repeated_definition_) {
                return Corrupt("unexpected null list element in row " +
                               std::to_string(rows_seen_ - 1));
            }  // else: an empty (or null) list
        }
        return Status::Ok();
    }

    Status Finish() {
        if (rows_seen_ != rows_) {
            return Corrupt("column chunk holds " + std::to_string(rows_seen_) +
                           " rows, row group has " + std::to_string(rows_));
        }
        if (offsets_ != nullptr) offsets_->push_back(static_cast<std::int64_t>(values_.size()));
        return Status::Ok();
    }

    Bytes file_;
    const ParquetReader::Chunk& chunk_;
    const ParquetColumnInfo& info_;
    int repeated_definition_;
    std::int64_t rows_;
    std::vector<T>& values_;
    std::vector<std::int64_t>* offsets_;
    std::int64_t levels_seen_ = 0, rows_seen_ = 0;
    bool has_dictionary_ = false;
    std::vector<T> dictionary_;
    std::vector<std::uint8_t> repetition_, definition_;
    std::vector<std::uint32_t> indices_;
    std::string scratch_;
};

}  // namespace

template <typename T>
Status ParquetReader::ReadColumn(int rg, int column, PhysicalType type, std::vector<T>& values,
                                 std::vector<std::int64_t>* list_offsets) const {
    ACT_CHECK(rg >= 0 && rg < num_row_groups());
    ACT_CHECK(column >= 0 && column < static_cast<int>(columns_.size()));
    const ParquetColumnInfo& info = columns_[static_cast<std::size_t>(column)];
    const std::string where =
        path_ + ": column '" + info.path + "' row group " + std::to_string(rg);
    if (info.physical != type) {
        return Status::InvalidArgument(where + ": is " + TypeName(info.physical) + ", read as " +
                                       TypeName(type));
    }
    if (info.max_repetition_level > 1) return Status::Unimplemented(where + ": nested lists");
    if (info.max_repetition_level == 1 && list_offsets == nullptr) {
        return Status::InvalidArgument(where + ": a list column needs list_offsets");
    }
    if (info.max_definition_level > 255) return Status::Unimplemented(where + ": schema too deep");
    values.clear();
    if (list_offsets != nullptr) list_offsets->clear();
    std::vector<std::int64_t>* offsets = info.max_repetition_level == 1 ? list_offsets : nullptr;
    const RowGroup& group = row_groups_[static_cast<std::size_t>(rg)];
    const auto bytes = file_->bytes();
    ChunkDecoder<T> decoder(
        Bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
        group.chunks[static_cast<std::size_t>(column)], info,
        leaves_[static_cast<std::size_t>(column)].repeated_definition_level, group.num_rows, values,
        offsets);
    Status status = decoder.Run();
    if (!status.ok()) {
        values.clear();
        if (list_offsets != nullptr) list_offsets->clear();
        return status.WithContext(where);
    }
    // A flat column read with offsets: one value per row.
    if (list_offsets != nullptr && offsets == nullptr) {
        list_offsets->resize(values.size() + 1);
        for (std::size_t i = 0; i < list_offsets->size(); ++i)
            (*list_offsets)[i] = static_cast<std::int64_t>(i);
    }
    return Status::Ok();
}

}  // namespace actcache::dataset
