// Arrow IPC schema message, written with the field slots of Arrow's format/Schema.fbs and
// format/Message.fbs:
//   Message  { version: short (V5 = 4); header_type: ubyte (Schema = 1); header: table;
//              bodyLength: long }
//   Schema   { endianness: short (Little = 0); fields: [Field]; custom_metadata: [KeyValue] }
//   Field    { name: string; nullable: bool; type_type: ubyte; type: table;
//              dictionary: table; children: [Field]; custom_metadata: [KeyValue] }
//   Int      { bitWidth: int; is_signed: bool }       Type union: Int = 2
//   FixedSizeList { listSize: int }                   Type union: FixedSizeList = 16
//   KeyValue { key: string; value: string }
#include "dataset/arrow_schema.h"

#include "core/base64.h"
#include "dataset/arrow_ipc_format.h"
#include "dataset/flatbuffer_writer.h"

namespace actcache::dataset {
namespace {

using arrow_ipc::kHeaderSchema;
using arrow_ipc::kMetadataV5;
using arrow_ipc::kPrecisionSingle;
using arrow_ipc::kTypeFixedSizeList;
using arrow_ipc::kTypeFloatingPoint;
using arrow_ipc::kTypeInt;

std::unique_ptr<FbTable> IntType(int bits, bool is_signed) {
    auto type = std::make_unique<FbTable>();
    type->Scalar32(0, bits).Scalar8(1, is_signed ? 1 : 0);
    return type;
}

std::unique_ptr<FbTable> FloatType() {
    auto type = std::make_unique<FbTable>();
    type->Scalar16(0, kPrecisionSingle);
    return type;
}

// A nullable field; Arrow's reader requires the children vector even when it is empty.
std::unique_ptr<FbTable> Field(std::string name, std::uint8_t type_type, std::unique_ptr<FbTable> type,
                               std::vector<std::unique_ptr<FbTable>> children) {
    auto field = std::make_unique<FbTable>();
    field->String(0, std::move(name))
        .Scalar8(1, 1)
        .Scalar8(2, type_type)
        .Table(3, std::move(type))
        .Tables(5, std::move(children));
    return field;
}

}  // namespace

std::string ArrowSchemaMessage(const std::vector<ActivationColumn>& columns,
                               const std::string& huggingface_json) {
    std::vector<std::unique_ptr<FbTable>> fields;
    fields.push_back(Field("doc_id", kTypeInt, IntType(64, true), {}));
    fields.push_back(Field("tok_pos", kTypeInt, IntType(32, true), {}));
    fields.push_back(Field("token_id", kTypeInt, IntType(32, true), {}));
    for (const ActivationColumn& column : columns) {
        auto list = std::make_unique<FbTable>();
        list->Scalar32(0, static_cast<std::int32_t>(column.width));
        std::vector<std::unique_ptr<FbTable>> children;
        if (column.type == ActivationType::kFloat32) {
            children.push_back(Field("item", kTypeFloatingPoint, FloatType(), {}));  // pyarrow's name
        } else {
            children.push_back(Field("item", kTypeInt, IntType(16, false), {}));
        }
        fields.push_back(Field(column.name, kTypeFixedSizeList, std::move(list), std::move(children)));
    }
    auto metadata = std::make_unique<FbTable>();
    metadata->String(0, "huggingface").String(1, huggingface_json);
    std::vector<std::unique_ptr<FbTable>> metadata_list;
    metadata_list.push_back(std::move(metadata));

    auto schema = std::make_unique<FbTable>();
    schema->Scalar16(0, 0).Tables(1, std::move(fields)).Tables(2, std::move(metadata_list));
    FbTable message;
    message.Scalar16(0, kMetadataV5).Scalar8(1, kHeaderSchema).Table(2, std::move(schema)).Scalar64(3, 0);

    return arrow_ipc::EncapsulateMessage(WriteFlatBuffer(message));
}

std::string ArrowSchemaFooterValue(const std::vector<ActivationColumn>& columns,
                                   const std::string& huggingface_json) {
    return Base64Encode(ArrowSchemaMessage(columns, huggingface_json));
}

}  // namespace actcache::dataset
