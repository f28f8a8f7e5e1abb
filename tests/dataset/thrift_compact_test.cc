// The compact protocol's encodings, checked against byte sequences worked out by hand from the
// Thrift compact protocol specification.
#include "dataset/thrift_compact.h"

#include <gtest/gtest.h>

namespace actcache::dataset {
namespace {

std::string Bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out += static_cast<char>(v);
    return out;
}

TEST(ThriftCompactTest, ShortFieldHeadersZigZagVarintsAndStop) {
    ThriftCompactWriter w;
    w.BeginStruct();
    // Consecutive ids: every header carries delta 1 in its high nibble.
    w.FieldI32(1, 0);        // 0x15, zigzag(0) = 0
    w.FieldI32(2, -1);       // 0x15, zigzag(-1) = 1
    w.FieldI64(3, 300);      // 0x16, zigzag(300) = 600 = varint 0xD8 0x04
    w.FieldBool(4, true);    // 0x11
    w.FieldBool(5, false);   // 0x12
    w.FieldBinary(7, "ab");  // delta 2: 0x28, length 2, 'a' 'b'
    w.EndStruct();
    EXPECT_EQ(w.bytes(), Bytes({0x15, 0x00, 0x15, 0x01, 0x16, 0xD8, 0x04, 0x11, 0x12, 0x28, 0x02,
                                'a', 'b', 0x00}));
}

TEST(ThriftCompactTest, LongFieldDeltasNestedStructsAndLists) {
    ThriftCompactWriter w;
    w.BeginStruct();
    w.FieldI32(20, 1);            // delta 20 > 15: type byte 0x05, zigzag(20) = 40 = 0x28, then 0x02
    w.FieldStructBegin(21);       // delta 1: 0x1C
    w.FieldI8(1, 16);             // 0x13 0x10
    w.EndStruct();                // 0x00
    w.FieldListBegin(22, ThriftCompactWriter::kI32, 2);  // 0x19, (2 << 4) | 5 = 0x25
    w.WriteI32(0);
    w.WriteI32(3);                // zigzag 6
    w.FieldListBegin(23, ThriftCompactWriter::kBinary, 15);  // 0x19, 0xF8, varint 15
    for (int i = 0; i < 15; ++i) w.WriteBinary("");
    w.EndStruct();
    std::string expected = Bytes({0x05, 0x28, 0x02, 0x1C, 0x13, 0x10, 0x00, 0x19, 0x25, 0x00, 0x06,
                                  0x19, 0xF8, 0x0F});
    expected += std::string(15, '\0');
    expected += '\0';
    EXPECT_EQ(w.bytes(), expected);
}

}  // namespace
}  // namespace actcache::dataset
