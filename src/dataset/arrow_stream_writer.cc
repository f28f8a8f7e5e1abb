// Layout of one record batch message (Arrow format/Message.fbs, "Columnar format" §IPC):
//
//   Message     { version V5; header_type RecordBatch (3); header; bodyLength }
//   RecordBatch { length: long (rows); nodes: [FieldNode]; buffers: [Buffer] }
//   FieldNode   struct { length: long; null_count: long }      one per field, depth first
//   Buffer      struct { offset: long; length: long }          offsets into the body
//
// Fields depth first: doc_id, tok_pos, token_id, then per column the list and its child. The
// buffers of a primitive field are validity then values; of a fixed-size list, validity only
// (its child holds the values, rows × D of them). With null_count 0 the validity buffer is
// empty (length 0 at the current offset), as Arrow C++ writes it. Each buffer starts
// 8-aligned in the body; a buffer's length excludes its padding, bodyLength includes it.
#include "dataset/arrow_stream_writer.h"

#include <cstring>

#include "core/check.h"
#include "dataset/arrow_schema.h"
#include "dataset/flatbuffer_writer.h"
#include "dataset/little_endian.h"

namespace actcache::dataset {
namespace {

// The body of one record batch and the metadata describing it, built buffer by buffer.
class BatchBuilder {
public:
    void Node(std::int64_t length) {
        nodes_ += LittleEndianBytes(length) + LittleEndianBytes(std::int64_t{0});
    }
    void EmptyBuffer() {
        buffers_ += LittleEndianBytes(static_cast<std::int64_t>(body_.size())) +
                    LittleEndianBytes(std::int64_t{0});
    }
    void Buffer(std::string_view bytes) {
        buffers_ += LittleEndianBytes(static_cast<std::int64_t>(body_.size())) +
                    LittleEndianBytes(static_cast<std::int64_t>(bytes.size()));
        body_ += bytes;
        body_.resize(static_cast<std::size_t>(
                         arrow_ipc::PadToAlignment(static_cast<std::int64_t>(body_.size()))),
                     '\0');
    }

    // The encapsulated message followed by the body.
    std::string Message(std::int64_t rows) {
        auto batch = std::make_unique<FbTable>();
        batch->Scalar64(0, rows)
            .Structs(1, std::move(nodes_), 16)
            .Structs(2, std::move(buffers_), 16);
        FbTable message;
        message.Scalar16(0, arrow_ipc::kMetadataV5)
            .Scalar8(1, arrow_ipc::kHeaderRecordBatch)
            .Table(2, std::move(batch))
            .Scalar64(3, static_cast<std::int64_t>(body_.size()));
        return arrow_ipc::EncapsulateMessage(WriteFlatBuffer(message)) + body_;
    }

private:
    std::string nodes_, buffers_, body_;
};

template <typename T>
std::string_view AsBytes(const std::vector<T>& values) {
    return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)};
}

}  // namespace

ArrowStreamWriter::ArrowStreamWriter(AtomicFile file, ArrowStreamOptions options)
    : file_(std::move(file)),
      options_(std::move(options)),
      activations_(options_.activation_columns.size()) {}

Result<std::unique_ptr<ArrowStreamWriter>> ArrowStreamWriter::Create(std::string path,
                                                                     ArrowStreamOptions options) {
    ACT_CHECK(options.max_batch_rows >= 1);
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(std::move(path)));
    std::unique_ptr<ArrowStreamWriter> writer(
        new ArrowStreamWriter(std::move(file), std::move(options)));
    const std::vector<ActivationColumn>& columns = writer->options_.activation_columns;
    ACT_RETURN_IF_ERROR(
        writer->WriteBytes(ArrowSchemaMessage(columns, HuggingFaceFeaturesJson(columns))));
    return writer;
}

Status ArrowStreamWriter::WriteBytes(std::string_view bytes) {
    ACT_RETURN_IF_ERROR(file_.Append(bytes));
    sha256_.Update(bytes);
    offset_ += static_cast<std::int64_t>(bytes.size());
    return Status::Ok();
}

Status ArrowStreamWriter::AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                                 std::span<const std::span<const std::byte>> activations) {
    ACT_CHECK(activations.size() == options_.activation_columns.size());
    doc_ids_.push_back(doc_id);
    tok_pos_.push_back(tok_pos);
    token_ids_.push_back(token_id);
    for (std::size_t c = 0; c < activations.size(); ++c) {
        const ActivationColumn& column = options_.activation_columns[c];
        ACT_CHECK(activations[c].size() ==
                  static_cast<std::size_t>(column.width) * BytesPerValue(column.type));
        activations_[c].append(reinterpret_cast<const char*>(activations[c].data()),
                               activations[c].size());
    }
    ++total_rows_;
    if (static_cast<std::int64_t>(doc_ids_.size()) >= options_.max_batch_rows) return FlushBatch();
    return Status::Ok();
}

Status ArrowStreamWriter::FlushBatch() {
    const auto rows = static_cast<std::int64_t>(doc_ids_.size());
    BatchBuilder batch;
    batch.Node(rows);
    batch.EmptyBuffer();
    batch.Buffer(AsBytes(doc_ids_));
    batch.Node(rows);
    batch.EmptyBuffer();
    batch.Buffer(AsBytes(tok_pos_));
    batch.Node(rows);
    batch.EmptyBuffer();
    batch.Buffer(AsBytes(token_ids_));
    for (std::size_t c = 0; c < activations_.size(); ++c) {
        batch.Node(rows);
        batch.EmptyBuffer();
        batch.Node(rows * options_.activation_columns[c].width);
        batch.EmptyBuffer();
        batch.Buffer(activations_[c]);
    }
    ACT_RETURN_IF_ERROR(WriteBytes(batch.Message(rows)));
    doc_ids_.clear();
    tok_pos_.clear();
    token_ids_.clear();
    for (std::string& values : activations_) values.clear();
    return Status::Ok();
}

Status ArrowStreamWriter::Finish() {
    if (!doc_ids_.empty()) ACT_RETURN_IF_ERROR(FlushBatch());
    ACT_RETURN_IF_ERROR(
        WriteBytes(std::string_view(arrow_ipc::kEndOfStream, sizeof arrow_ipc::kEndOfStream)));
    sha256_hex_ = sha256_.HexDigest();
    return file_.Commit();
}

}  // namespace actcache::dataset
