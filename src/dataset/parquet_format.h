// Parquet format constants shared by the writer and (later) the reader
// (apache/parquet-format src/main/thrift/parquet.thrift).
#pragma once

#include <cstdint>

namespace actcache::dataset::parquet {

inline constexpr char kMagic[] = "PAR1";  // at the start and the end of every file

enum class PhysicalType : std::int32_t { kBoolean = 0, kInt32 = 1, kInt64 = 2, kFloat = 4, kByteArray = 6 };
enum class Repetition : std::int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum class ConvertedType : std::int32_t { kList = 3, kUint16 = 12 };
enum class Encoding : std::int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8, kByteStreamSplit = 9 };
enum class PageType : std::int32_t { kDataPage = 0, kDictionaryPage = 2 };
enum class Codec : std::int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

// Field ids of the structs the writer emits.
namespace field {
// PageHeader
inline constexpr std::int16_t kPageType = 1, kUncompressedPageSize = 2, kCompressedPageSize = 3,
                              kDataPageHeader = 5, kDictionaryPageHeader = 7;
// DataPageHeader
inline constexpr std::int16_t kNumValues = 1, kEncoding = 2, kDefinitionLevelEncoding = 3,
                              kRepetitionLevelEncoding = 4, kPageStatistics = 5;
// DictionaryPageHeader
inline constexpr std::int16_t kDictionaryNumValues = 1, kDictionaryEncoding = 2, kIsSorted = 3;
// Statistics
inline constexpr std::int16_t kNullCount = 3, kMaxValue = 5, kMinValue = 6;
// FileMetaData
inline constexpr std::int16_t kVersion = 1, kSchema = 2, kNumRows = 3, kRowGroups = 4,
                              kKeyValueMetadata = 5, kCreatedBy = 6, kColumnOrders = 7;
// SchemaElement
inline constexpr std::int16_t kType = 1, kRepetitionType = 3, kName = 4, kNumChildren = 5,
                              kConvertedType = 6, kLogicalType = 10;
// LogicalType (a union) and IntType
inline constexpr std::int16_t kLogicalList = 3, kLogicalInteger = 10, kBitWidth = 1, kIsSigned = 2;
// RowGroup
inline constexpr std::int16_t kColumns = 1, kTotalByteSize = 2, kRowGroupNumRows = 3,
                              kFileOffset = 5, kTotalCompressedSize = 6, kOrdinal = 7;
// ColumnChunk
inline constexpr std::int16_t kChunkFileOffset = 2, kMetaData = 3;
// ColumnMetaData
inline constexpr std::int16_t kColumnType = 1, kEncodings = 2, kPathInSchema = 3, kCodec = 4,
                              kColumnNumValues = 5, kTotalUncompressedSize = 6,
                              kColumnTotalCompressedSize = 7, kDataPageOffset = 9,
                              kDictionaryPageOffset = 11, kColumnStatistics = 12;
// KeyValue
inline constexpr std::int16_t kKey = 1, kValue = 2;
// ColumnOrder (union): TypeDefinedOrder
inline constexpr std::int16_t kTypeOrder = 1;
}  // namespace field

}  // namespace actcache::dataset::parquet
