// Oracle: reads a Parquet file with two independent readers, DuckDB (@duckdb/node-api, its own
// C++ Parquet reader) and hyparquet (pure JavaScript), and prints one JSON document:
//   {"duckdb": {"types": {col: type}, "rows": [[...], ...]},
//    "hyparquet": {"schema": [...], "kv": {key: value}, "rows": [[...], ...]}}
//   "arrow": the Arrow schema stored under ARROW:schema, decoded by apache-arrow (JS), or null
//   hyparquet's "codecs": per row group, the codec of each column chunk
// Rows are arrays of the column values in file order (lists as arrays of numbers; int64 as
// numbers, exact below 2^53). Numbers JSON cannot carry are strings: "-0", "Infinity",
// "-Infinity", "NaN" (float columns; JSON.stringify would write 0 and null).
// Usage: node read_parquet.mjs FILE.parquet [--no-duckdb]   (duckdb is then null)
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readFileSync } from 'node:fs';
import { RecordBatchReader } from 'apache-arrow';

const path = process.argv[2];
const plain = (value) => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && 'items' in value) return value.items.map(plain);
  return value;
};

let duckdb = null;
if (!process.argv.includes('--no-duckdb')) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const quoted = path.replaceAll("'", "''");
  const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${quoted}')`);
  const types = {};
  for (const row of describe.getRowObjectsJS()) types[row.column_name] = row.column_type;
  const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${quoted}')`);
  duckdb = { types, rows: result.getRowsJS().map((row) => row.map(plain)) };
}

const bytes = readFileSync(path);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const metadata = parquetMetadata(buffer);
const kv = {};
for (const entry of metadata.key_value_metadata ?? []) kv[entry.key] = entry.value;
const objects = await parquetReadObjects({ file: buffer, compressors });
const columns = metadata.schema[0].num_children;
const names = metadata.schema.filter((element, index) => index > 0).map((element) => element.name);
const topNames = [];
for (let i = 1, seen = 0; seen < columns; ) {
  topNames.push(metadata.schema[i].name);
  // skip the element's subtree
  let skip = 1;
  let pending = metadata.schema[i].num_children ?? 0;
  while (pending > 0) { pending += (metadata.schema[i + skip].num_children ?? 0) - 1; skip++; }
  i += skip;
  seen++;
}
const hyRows = objects.map((object) => topNames.map((name) => plain(object[name])));
const schema = metadata.schema.map((element) => ({
  name: element.name, type: element.type ?? null, repetition: element.repetition_type ?? null,
  converted: element.converted_type ?? null, logical: element.logical_type ?? null,
}));
let arrow = null;
if (kv['ARROW:schema']) {
  const message = Buffer.from(kv['ARROW:schema'], 'base64');
  const eos = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  const reader = RecordBatchReader.from(Buffer.concat([message, eos]));
  reader.open();
  const describe = (field) => ({
    name: field.name, type: String(field.type), nullable: field.nullable,
    children: (field.type.children ?? []).map(describe),
  });
  arrow = { fields: reader.schema.fields.map(describe),
            metadata: Object.fromEntries(reader.schema.metadata) };
}
process.stdout.write(JSON.stringify({
  arrow,
  duckdb,
  hyparquet: { schema, kv, num_rows: Number(metadata.num_rows), row_groups: metadata.row_groups.length,
               rows: hyRows, names,
               // per row group, each column chunk's codec ("ZSTD", "UNCOMPRESSED", ...)
               codecs: metadata.row_groups.map((group) => group.columns.map((column) => column.meta_data.codec)) },
}));
