// What a writer and a reader of Arrow IPC streams (the .arrow files of save_to_disk) agree on:
// the framing of messages and the constants of Arrow's format/Message.fbs and Schema.fbs.
//
// A stream is: Schema message, RecordBatch messages, end-of-stream marker. A message is
//   u32 0xFFFFFFFF (continuation) | i32 metadata bytes M | flatbuffer Message, zero-padded so
//   that 8 + M is a multiple of kIpcAlignment | body (RecordBatch only: bodyLength bytes)
// (Arrow "Columnar format", section "Encapsulated message format").
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace actcache::dataset::arrow_ipc {

constexpr std::uint32_t kContinuation = 0xFFFFFFFFu;
// Message metadata and body buffers are padded to 8 bytes: pyarrow's default
// (IpcWriteOptions.alignment), so our files match what datasets writes; 8 is also all any
// buffer here needs (int64 the widest value) for a zero-copy memory-mapped read.
constexpr std::int64_t kAlignment = 8;
// End of stream: a continuation marker and a zero metadata length.
constexpr char kEndOfStream[8] = {'\xFF', '\xFF', '\xFF', '\xFF', 0, 0, 0, 0};

constexpr std::int16_t kMetadataV5 = 4;  // MetadataVersion.V5
// MessageHeader union.
constexpr std::uint8_t kHeaderSchema = 1;
constexpr std::uint8_t kHeaderRecordBatch = 3;
// Type union.
constexpr std::uint8_t kTypeInt = 2;
constexpr std::uint8_t kTypeFloatingPoint = 3;
constexpr std::uint8_t kTypeFixedSizeList = 16;
constexpr std::int16_t kPrecisionSingle = 1;  // Precision { HALF, SINGLE, DOUBLE }

// datasets writes record batches of at most this many rows (arrow_writer.py
// DEFAULT_MAX_BATCH_SIZE), save_to_disk included.
constexpr std::int64_t kMaxBatchRows = 1000;

inline std::int64_t PadToAlignment(std::int64_t bytes) {
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

// The message framing around a serialized flatbuffer Message (padding included).
inline std::string EncapsulateMessage(std::string flatbuffer) {
    flatbuffer.resize(
        static_cast<std::size_t>(PadToAlignment(static_cast<std::int64_t>(flatbuffer.size()))),
        '\0');
    const std::int32_t length = static_cast<std::int32_t>(flatbuffer.size());
    std::string out(8, '\0');
    std::memcpy(out.data(), &kContinuation, 4);  // x86-64: little-endian, as the format requires
    std::memcpy(out.data() + 4, &length, 4);
    return out + flatbuffer;
}

}  // namespace actcache::dataset::arrow_ipc
