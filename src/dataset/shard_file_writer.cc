#include "dataset/shard_file_writer.h"

#include "core/check.h"

namespace actcache::dataset {

Status ShardFileWriter::AddRows(std::span<const std::int64_t> doc_ids, std::span<const std::int32_t> tok_pos,
                                std::span<const std::int32_t> token_ids,
                                std::span<const std::span<const std::byte>> activations) {
    const std::size_t n = doc_ids.size();
    ACT_CHECK(tok_pos.size() == n && token_ids.size() == n);
    std::vector<std::span<const std::byte>> row(activations.size());
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < activations.size(); ++c) {
            const std::size_t row_bytes = activations[c].size() / n;
            row[c] = activations[c].subspan(i * row_bytes, row_bytes);
        }
        ACT_RETURN_IF_ERROR(AddRow(doc_ids[i], tok_pos[i], token_ids[i], row));
    }
    return Status::Ok();
}

}  // namespace actcache::dataset
