// Oracle: reads a save_to_disk .arrow file (Arrow IPC stream) with apache-arrow (JS, its own
// IPC reader) and prints it as one JSON object:
//   { "is_stream": true, "ends_with_eos": true,
//     "fields": [{"name", "type" (e.g. "FixedSizeList[64]<Uint16>"), "nullable", "children"}],
//     "metadata": {"huggingface": "..."},
//     "batches": [rows per record batch],
//     "rows": [[doc_id as a decimal string, tok_pos, token_id, [values...], ...], ...] }
// Values of float32 lists are printed as their IEEE bit patterns (uint32), so -0, NaN payloads
// and infinities compare exactly.
//   node read_arrow_stream.mjs FILE
import { readFileSync } from 'node:fs';
import { RecordBatchReader } from 'apache-arrow';

const [file] = process.argv.slice(2);
const bytes = readFileSync(file);
const reader = RecordBatchReader.from(bytes);
reader.open();
const { schema } = reader;  // the reader forgets it once iterated to the end
const isStream = reader.isStream();
const describe = (field) => ({
  name: field.name, type: String(field.type), nullable: field.nullable,
  children: (field.type.children ?? []).map(describe),
});
const plain = (value) => {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Float32Array) return Array.from(new Uint32Array(value.buffer, value.byteOffset, value.length));
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (value && typeof value.toArray === 'function') return plain(value.toArray());
  return value;
};
const batches = [];
const rows = [];
for (const batch of reader) {
  batches.push(batch.numRows);
  const columns = batch.schema.fields.map((_, index) => batch.getChildAt(index));
  for (let r = 0; r < batch.numRows; ++r) rows.push(columns.map((column) => plain(column.get(r))));
}
const eos = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
process.stdout.write(JSON.stringify({
  is_stream: isStream,
  ends_with_eos: bytes.subarray(bytes.length - 8).equals(eos),
  fields: schema.fields.map(describe),
  metadata: Object.fromEntries(schema.metadata),
  batches,
  rows,
}));
