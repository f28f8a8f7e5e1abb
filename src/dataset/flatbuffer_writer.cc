#include "dataset/flatbuffer_writer.h"

#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "dataset/little_endian.h"

namespace actcache::dataset {
namespace {

class Writer {
public:
    std::string buffer;

    void Align(std::size_t alignment) {
        while (buffer.size() % alignment != 0) buffer += '\0';
    }
    void PatchUOffset(std::size_t slot, std::size_t target) {
        ACT_CHECK(target > slot);
        const std::uint32_t value = static_cast<std::uint32_t>(target - slot);
        std::memcpy(buffer.data() + slot, &value, 4);
    }

    std::size_t String(const std::string& text) {
        Align(4);
        const std::size_t position = buffer.size();
        buffer += LittleEndianBytes(static_cast<std::uint32_t>(text.size()));
        buffer += text;
        buffer += '\0';
        return position;
    }

    std::size_t TableVector(const std::vector<std::unique_ptr<FbTable>>& tables) {
        Align(4);
        const std::size_t position = buffer.size();
        buffer += LittleEndianBytes(static_cast<std::uint32_t>(tables.size()));
        const std::size_t first_slot = buffer.size();
        buffer.append(4 * tables.size(), '\0');
        for (std::size_t i = 0; i < tables.size(); ++i) {
            PatchUOffset(first_slot + 4 * i, Table(*tables[i]));
        }
        return position;
    }

    // The u32 count lands 4 bytes before an 8-aligned position, where the elements start.
    std::size_t StructVector(const std::string& bytes, std::size_t struct_bytes) {
        while ((buffer.size() + 4) % 8 != 0) buffer += '\0';
        const std::size_t position = buffer.size();
        buffer += LittleEndianBytes(static_cast<std::uint32_t>(bytes.size() / struct_bytes));
        buffer += bytes;
        return position;
    }

    // Writes the vtable, then the table, then its children; returns the table's position.
    std::size_t Table(const FbTable& table) {
        // Layout inside the table: the soffset, then fields from the widest down (no padding
        // between them once the table start is aligned to the widest).
        struct Placed {
            const FbTable::Field* field;
            std::size_t size;
            std::size_t offset = 0;
        };
        std::vector<Placed> placed;
        std::size_t widest = 4;
        int max_slot = -1;
        for (const FbTable::Field& field : table.fields) {
            const std::size_t size = field.kind == FbTable::Field::Kind::kScalar ? field.scalar.size() : 4;
            placed.push_back({&field, size});
            widest = std::max(widest, size);
            max_slot = std::max(max_slot, field.slot);
        }
        std::stable_sort(placed.begin(), placed.end(),
                         [](const Placed& a, const Placed& b) { return a.size > b.size; });
        std::size_t table_bytes = 4;
        for (Placed& p : placed) {
            while (table_bytes % p.size != 0) ++table_bytes;
            p.offset = table_bytes;
            table_bytes += p.size;
        }
        std::vector<std::uint16_t> vtable(static_cast<std::size_t>(max_slot + 1), 0);
        for (const Placed& p : placed) vtable[p.field->slot] = static_cast<std::uint16_t>(p.offset);

        Align(2);
        const std::size_t vtable_position = buffer.size();
        buffer += LittleEndianBytes(static_cast<std::uint16_t>(4 + 2 * vtable.size()));
        buffer += LittleEndianBytes(static_cast<std::uint16_t>(table_bytes));
        for (std::uint16_t offset : vtable) buffer += LittleEndianBytes(offset);
        Align(widest);
        const std::size_t table_position = buffer.size();
        buffer += LittleEndianBytes(static_cast<std::int32_t>(table_position - vtable_position));
        buffer.resize(table_position + table_bytes, '\0');
        for (const Placed& p : placed) {
            if (p.field->kind == FbTable::Field::Kind::kScalar) {
                std::memcpy(buffer.data() + table_position + p.offset, p.field->scalar.data(), p.size);
            }
        }
        for (const Placed& p : placed) {  // children after the table: forward offsets
            const std::size_t slot = table_position + p.offset;
            switch (p.field->kind) {
                case FbTable::Field::Kind::kScalar: break;
                case FbTable::Field::Kind::kString: PatchUOffset(slot, String(p.field->text)); break;
                case FbTable::Field::Kind::kTable: PatchUOffset(slot, Table(*p.field->table)); break;
                case FbTable::Field::Kind::kTableVector:
                    PatchUOffset(slot, TableVector(p.field->tables));
                    break;
                case FbTable::Field::Kind::kStructVector:
                    PatchUOffset(slot, StructVector(p.field->text, p.field->struct_bytes));
                    break;
            }
        }
        return table_position;
    }
};

FbTable::Field ScalarField(int slot, std::string bytes) {
    FbTable::Field field;
    field.slot = slot;
    field.scalar = std::move(bytes);
    return field;
}

}  // namespace

FbTable& FbTable::Scalar8(int slot, std::uint8_t value) { return AddScalar(slot, LittleEndianBytes(value)); }
FbTable& FbTable::Scalar16(int slot, std::int16_t value) { return AddScalar(slot, LittleEndianBytes(value)); }
FbTable& FbTable::Scalar32(int slot, std::int32_t value) { return AddScalar(slot, LittleEndianBytes(value)); }
FbTable& FbTable::Scalar64(int slot, std::int64_t value) { return AddScalar(slot, LittleEndianBytes(value)); }

FbTable& FbTable::AddScalar(int slot, std::string bytes) {
    fields.push_back(ScalarField(slot, std::move(bytes)));
    return *this;
}

FbTable& FbTable::String(int slot, std::string value) {
    Field field;
    field.slot = slot;
    field.kind = Field::Kind::kString;
    field.text = std::move(value);
    fields.push_back(std::move(field));
    return *this;
}
FbTable& FbTable::Table(int slot, std::unique_ptr<FbTable> table) {
    Field field;
    field.slot = slot;
    field.kind = Field::Kind::kTable;
    field.table = std::move(table);
    fields.push_back(std::move(field));
    return *this;
}
FbTable& FbTable::Tables(int slot, std::vector<std::unique_ptr<FbTable>> tables) {
    Field field;
    field.slot = slot;
    field.kind = Field::Kind::kTableVector;
    field.tables = std::move(tables);
    fields.push_back(std::move(field));
    return *this;
}

FbTable& FbTable::Structs(int slot, std::string bytes, std::size_t struct_bytes) {
    ACT_CHECK(struct_bytes > 0 && struct_bytes % 8 == 0 && bytes.size() % struct_bytes == 0);
    Field field;
    field.slot = slot;
    field.kind = Field::Kind::kStructVector;
    field.text = std::move(bytes);
    field.struct_bytes = struct_bytes;
    fields.push_back(std::move(field));
    return *this;
}

std::string WriteFlatBuffer(const FbTable& root) {
    Writer writer;
    writer.buffer.append(8, '\0');  // root uoffset, padded so the root table can be 8-aligned
    writer.PatchUOffset(0, writer.Table(root));
    return writer.buffer;
}

}  // namespace actcache::dataset
