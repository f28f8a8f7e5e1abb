// ArrowStreamReader on streams ArrowStreamWriter wrote (the writer's bytes are checked against
// apache-arrow in save_to_disk_writer_oracle_test.cc), and on malformed input: every error is a
// Corruption naming the file and the byte.
#include "dataset/arrow_stream_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "dataset/arrow_stream_writer.h"
#include "dataset/sample_shard.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

template <typename T>
T At(std::string_view values, std::size_t i) {
    T value;
    std::memcpy(&value, values.data() + i * sizeof(T), sizeof(T));
    return value;
}

TEST(ArrowStreamReaderTest, ReadsBackWhatTheWriterWrote) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    options.activation_columns = {{"activacion", 7, ActivationType::kBf16Bits},
                                  {"resid", 3, ActivationType::kFloat32}};
    options.max_batch_rows = 40;
    auto writer = ArrowStreamWriter::Create(dir.File("s.arrow"), options);
    ASSERT_TRUE(writer.ok());
    const SampleRows rows = WriteSampleRows(**writer, options.activation_columns, 101);

    auto reader = ArrowStreamReader::Open(dir.File("s.arrow"));
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    const auto& fields = (*reader)->fields();
    ASSERT_EQ(fields.size(), 5u);
    EXPECT_EQ(fields[0].name, "doc_id");
    EXPECT_EQ(fields[0].value_bytes, 8);
    EXPECT_EQ(fields[3].list_size, 7);
    EXPECT_FALSE(fields[3].is_float);
    EXPECT_EQ(fields[4].list_size, 3);
    EXPECT_TRUE(fields[4].is_float);
    ASSERT_EQ((*reader)->metadata().size(), 1u);
    EXPECT_EQ((*reader)->metadata()[0].first, "huggingface");

    std::vector<std::int64_t> batch_rows;
    std::size_t r0 = 0;
    ArrowRecordBatch batch;
    while (true) {
        Result<bool> more = (*reader)->Next(batch);
        ASSERT_TRUE(more.ok()) << more.status().message();
        if (!*more) break;
        batch_rows.push_back(batch.rows);
        for (std::size_t r = 0; r < static_cast<std::size_t>(batch.rows); ++r) {
            ASSERT_EQ(At<std::int64_t>(batch.values[0], r), rows.doc_ids[r0 + r]);
            ASSERT_EQ(At<std::int32_t>(batch.values[1], r), rows.tok_pos[r0 + r]);
            ASSERT_EQ(At<std::int32_t>(batch.values[2], r), rows.token_ids[r0 + r]);
            for (std::size_t i = 0; i < 7; ++i)
                ASSERT_EQ(At<std::uint16_t>(batch.values[3], r * 7 + i),
                          rows.acts[0][(r0 + r) * 7 + i]);
            ASSERT_EQ(
                std::memcmp(batch.values[4].data() + r * 12, &rows.float_acts[1][(r0 + r) * 3], 12),
                0);
        }
        r0 += static_cast<std::size_t>(batch.rows);
    }
    EXPECT_EQ(batch_rows, (std::vector<std::int64_t>{40, 40, 21}));
}

TEST(ArrowStreamReaderTest, MalformedStreamsAreCorruptionNamingTheByte) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    options.activation_columns = {{"activacion", 4, ActivationType::kBf16Bits}};
    auto writer = ArrowStreamWriter::Create(dir.File("good.arrow"), options);
    ASSERT_TRUE(writer.ok());
    WriteSampleRows(**writer, options.activation_columns, 10);
    const std::string good = testing::ReadFile(dir.File("good.arrow"));

    auto open_error = [&](const std::string& name, const std::string& bytes) {
        testing::WriteFile(dir.File(name), bytes);
        auto reader = ArrowStreamReader::Open(dir.File(name));
        EXPECT_FALSE(reader.ok()) << name;
        return reader.ok() ? Status::Ok() : reader.status();
    };
    Status file_format = open_error("file.arrow", "ARROW1\0\0" + good);
    EXPECT_EQ(file_format.code(), StatusCode::kCorruption);
    EXPECT_THAT(file_format.message(),
                HasSubstr("file.arrow: byte 0: expected the continuation marker"));
    EXPECT_THAT(open_error("short.arrow", good.substr(0, 6)).message(),
                HasSubstr("short.arrow: byte 0: truncated"));
    EXPECT_THAT(open_error("cut.arrow", good.substr(0, 40)).message(), HasSubstr("past the end"));

    // A batch whose body is cut off.
    testing::WriteFile(dir.File("body.arrow"), good.substr(0, good.size() - 20));
    auto reader = ArrowStreamReader::Open(dir.File("body.arrow"));
    ASSERT_TRUE(reader.ok());
    ArrowRecordBatch batch;
    Result<bool> next = (*reader)->Next(batch);
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(next.status().message(), HasSubstr("body.arrow: byte "));
    EXPECT_THAT(next.status().message(), HasSubstr("record batch body past the end of the file"));
}

}  // namespace
}  // namespace actcache::dataset
