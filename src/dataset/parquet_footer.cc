// FileMetaData layout (apache/parquet-format parquet.thrift): version 2; schema = root "schema",
// doc_id, tok_pos, token_id, then per hook column <name> (LIST) > list (repeated) > element
// (INT32, INT(16, unsigned)); row groups; key/value metadata; created_by; TYPE_ORDER column orders.
#include "dataset/parquet_footer.h"

#include <optional>

#include "dataset/arrow_schema.h"
#include "dataset/thrift_compact.h"

namespace actcache::dataset {
namespace {

using parquet::Codec;
using parquet::PhysicalType;
namespace field = parquet::field;

Codec CodecOf(Compression compression) {
    switch (compression) {
        case Compression::kNone: return Codec::kUncompressed;
        case Compression::kSnappy: return Codec::kSnappy;
        case Compression::kZstd: return Codec::kZstd;
        case Compression::kGzip: return Codec::kGzip;
    }
    return Codec::kUncompressed;
}

}  // namespace

std::string SerializeFileMetaData(const std::vector<ActivationColumn>& columns,
                                  Compression compression, const std::vector<RowGroupInfo>& row_groups,
                                  std::int64_t total_rows) {
    ThriftCompactWriter meta;
    meta.BeginStruct();
    meta.FieldI32(field::kVersion, 2);
    // Schema: the root, three scalars, then per activation column a 3-level LIST.
    const std::int64_t n_columns = 3 + static_cast<std::int64_t>(columns.size());
    meta.FieldListBegin(field::kSchema, ThriftCompactWriter::kStruct, 1 + 3 + 3 * (n_columns - 3));
    auto element = [&](const std::string& name, std::optional<PhysicalType> type,
                       parquet::Repetition repetition, int children) -> void {
        meta.BeginStruct();
        if (type) meta.FieldI32(field::kType, static_cast<std::int32_t>(*type));
        meta.FieldI32(field::kRepetitionType, static_cast<std::int32_t>(repetition));
        meta.FieldBinary(field::kName, name);
        if (children > 0) meta.FieldI32(field::kNumChildren, children);
    };
    meta.BeginStruct();  // root
    meta.FieldBinary(field::kName, "schema");
    meta.FieldI32(field::kNumChildren, static_cast<std::int32_t>(n_columns));
    meta.EndStruct();
    element("doc_id", PhysicalType::kInt64, parquet::Repetition::kOptional, 0);
    meta.EndStruct();
    element("tok_pos", PhysicalType::kInt32, parquet::Repetition::kOptional, 0);
    meta.EndStruct();
    element("token_id", PhysicalType::kInt32, parquet::Repetition::kOptional, 0);
    meta.EndStruct();
    for (const ActivationColumn& column : columns) {
        element(column.name, std::nullopt, parquet::Repetition::kOptional, 1);
        meta.FieldI32(field::kConvertedType, static_cast<std::int32_t>(parquet::ConvertedType::kList));
        meta.FieldStructBegin(field::kLogicalType);
        meta.FieldStructBegin(field::kLogicalList);
        meta.EndStruct();
        meta.EndStruct();
        meta.EndStruct();
        element("list", std::nullopt, parquet::Repetition::kRepeated, 1);
        meta.EndStruct();
        if (column.type == ActivationType::kFloat32) {  // plain FLOAT, no annotation
            element("element", PhysicalType::kFloat, parquet::Repetition::kOptional, 0);
            meta.EndStruct();
            continue;
        }
        element("element", PhysicalType::kInt32, parquet::Repetition::kOptional, 0);
        meta.FieldI32(field::kConvertedType, static_cast<std::int32_t>(parquet::ConvertedType::kUint16));
        meta.FieldStructBegin(field::kLogicalType);
        meta.FieldStructBegin(field::kLogicalInteger);
        meta.FieldI8(field::kBitWidth, 16);
        meta.FieldBool(field::kIsSigned, false);
        meta.EndStruct();
        meta.EndStruct();
        meta.EndStruct();
    }
    meta.FieldI64(field::kNumRows, total_rows);
    meta.FieldListBegin(field::kRowGroups, ThriftCompactWriter::kStruct,
                        static_cast<std::int64_t>(row_groups.size()));
    for (std::size_t g = 0; g < row_groups.size(); ++g) {
        const RowGroupInfo& group = row_groups[g];
        std::int64_t uncompressed = 0, compressed = 0;
        meta.BeginStruct();
        meta.FieldListBegin(field::kColumns, ThriftCompactWriter::kStruct,
                            static_cast<std::int64_t>(group.columns.size()));
        for (const ColumnChunkInfo& column : group.columns) {
            uncompressed += column.uncompressed_bytes;
            compressed += column.compressed_bytes;
            meta.BeginStruct();
            // The chunk's first page (its dictionary page, if any), as pyarrow writes it.
            meta.FieldI64(field::kChunkFileOffset, column.dictionary_page_offset >= 0
                                                       ? column.dictionary_page_offset
                                                       : column.data_page_offset);
            meta.FieldStructBegin(field::kMetaData);
            meta.FieldI32(field::kColumnType, static_cast<std::int32_t>(column.type));
            // Every encoding in the chunk: the values', the levels' and the dictionary page's.
            const bool has_dictionary = column.dictionary_page_offset >= 0;
            meta.FieldListBegin(field::kEncodings, ThriftCompactWriter::kI32, has_dictionary ? 3 : 2);
            meta.WriteI32(static_cast<std::int32_t>(column.encoding));
            meta.WriteI32(static_cast<std::int32_t>(parquet::Encoding::kRle));
            if (has_dictionary) meta.WriteI32(static_cast<std::int32_t>(parquet::Encoding::kPlain));
            meta.FieldListBegin(field::kPathInSchema, ThriftCompactWriter::kBinary,
                                static_cast<std::int64_t>(column.path.size()));
            for (const std::string& part : column.path) meta.WriteBinary(part);
            meta.FieldI32(field::kCodec, static_cast<std::int32_t>(column.compressed ? CodecOf(compression)
                                                                                     : Codec::kUncompressed));
            meta.FieldI64(field::kColumnNumValues, column.num_values);
            meta.FieldI64(field::kTotalUncompressedSize, column.uncompressed_bytes);
            meta.FieldI64(field::kColumnTotalCompressedSize, column.compressed_bytes);
            meta.FieldI64(field::kDataPageOffset, column.data_page_offset);
            if (has_dictionary) meta.FieldI64(field::kDictionaryPageOffset, column.dictionary_page_offset);
            meta.FieldStructBegin(field::kColumnStatistics);
            meta.FieldI64(field::kNullCount, 0);
            if (!column.max_value.empty()) meta.FieldBinary(field::kMaxValue, column.max_value);
            if (!column.min_value.empty()) meta.FieldBinary(field::kMinValue, column.min_value);
            meta.EndStruct();
            meta.EndStruct();  // ColumnMetaData
            meta.EndStruct();  // ColumnChunk
        }
        meta.FieldI64(field::kTotalByteSize, uncompressed);
        meta.FieldI64(field::kRowGroupNumRows, group.num_rows);
        meta.FieldI64(field::kFileOffset, group.file_offset);
        meta.FieldI64(field::kTotalCompressedSize, compressed);
        meta.FieldI16(field::kOrdinal, static_cast<std::int16_t>(g));
        meta.EndStruct();
    }
    // Key/value metadata as pyarrow writes it: the Arrow schema metadata ("huggingface"), then
    // "ARROW:schema", the serialized Arrow schema that restores fixed_size_list on read.
    const std::string features = HuggingFaceFeaturesJson(columns);
    meta.FieldListBegin(field::kKeyValueMetadata, ThriftCompactWriter::kStruct, 2);
    meta.BeginStruct();
    meta.FieldBinary(field::kKey, "huggingface");
    meta.FieldBinary(field::kValue, features);
    meta.EndStruct();
    meta.BeginStruct();
    meta.FieldBinary(field::kKey, "ARROW:schema");
    meta.FieldBinary(field::kValue, ArrowSchemaFooterValue(columns, features));
    meta.EndStruct();
    meta.FieldBinary(field::kCreatedBy, "actcache version 0.1.0");
    meta.FieldListBegin(field::kColumnOrders, ThriftCompactWriter::kStruct, n_columns);
    for (std::int64_t c = 0; c < n_columns; ++c) {
        meta.BeginStruct();
        meta.FieldStructBegin(field::kTypeOrder);  // min/max follow the logical type's order
        meta.EndStruct();
        meta.EndStruct();
    }
    meta.EndStruct();
    return meta.Take();
}

}  // namespace actcache::dataset
