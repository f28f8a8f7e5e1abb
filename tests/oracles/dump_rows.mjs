// Oracle: reads activation shards with DuckDB (@duckdb/node-api, its own Parquet reader), in
// the order given, for the end-to-end tests of `actcache run`.
//   node dump_rows.mjs rows FILE...             one line "doc_id tok_pos token_id" per row
//   node dump_rows.mjs doc COLUMN DOC_ID FILE...  JSON lines [tok_pos, token_id, [bits...]] of
//                                                one document's rows
//   node dump_rows.mjs all COLUMN FILE...        JSON lines ["doc_id", tok_pos, token_id, [bits...]]
//                                                of every row (doc_id as a decimal string)
//   node dump_rows.mjs stats COLUMN FILE...      float64 statistics of the column, computed here
//                                                from the bf16 bit patterns (stats-f32: from
//                                                float32 values):
//       {"tokens", "sum_squared_norms", "sum_norms", "sum": [...], "sum_squares": [...]}
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, ...rest] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const quote = (path) => `'${path.replaceAll("'", "''")}'`;
const bf16 = new DataView(new ArrayBuffer(4));
const toFloat = (bits) => { bf16.setUint32(0, bits << 16); return bf16.getFloat32(0); };

async function rows(sql) {
  const result = await connection.runAndReadAll(sql);
  return result.getRowsJS();
}

if (mode === 'rows') {
  const out = [];
  for (const file of rest) {
    for (const [doc, pos, token] of await rows(`SELECT doc_id, tok_pos, token_id FROM read_parquet(${quote(file)})`)) {
      out.push(`${doc} ${pos} ${token}`);
    }
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
} else if (mode === 'doc') {
  const [column, doc, ...files] = rest;
  for (const file of files) {
    const sql = `SELECT tok_pos, token_id, "${column}" FROM read_parquet(${quote(file)}) WHERE doc_id = ${Number(doc)}`;
    for (const [pos, token, values] of await rows(sql)) {
      process.stdout.write(JSON.stringify([pos, token, values.items ?? values]) + '\n');
    }
  }
} else if (mode === 'all') {
  const [column, ...files] = rest;
  for (const file of files) {
    const sql = `SELECT doc_id, tok_pos, token_id, "${column}" FROM read_parquet(${quote(file)})`;
    for (const [doc, pos, token, values] of await rows(sql)) {
      process.stdout.write(JSON.stringify([String(doc), pos, token, values.items ?? values]) + '\n');
    }
  }
} else if (mode === 'stats' || mode === 'stats-f32') {
  const [column, ...files] = rest;
  let tokens = 0, sumSquaredNorms = 0, sumNorms = 0, sum = null, sumSquares = null;
  for (const file of files) {
    for (const [values] of await rows(`SELECT "${column}" FROM read_parquet(${quote(file)})`)) {
      const bits = values.items ?? values;
      if (sum === null) { sum = new Array(bits.length).fill(0); sumSquares = new Array(bits.length).fill(0); }
      let squaredNorm = 0;
      for (let d = 0; d < bits.length; ++d) {
        const x = mode === 'stats' ? toFloat(bits[d]) : bits[d];
        squaredNorm += x * x;
        sum[d] += x;
        sumSquares[d] += x * x;
      }
      sumSquaredNorms += squaredNorm;
      sumNorms += Math.sqrt(squaredNorm);
      ++tokens;
    }
  }
  process.stdout.write(JSON.stringify({ tokens, sum_squared_norms: sumSquaredNorms, sum_norms: sumNorms,
                                        sum, sum_squares: sumSquares }) + '\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
