// Oracle for parquet_reader_oracle_test: DuckDB (@duckdb/node-api) writes FLOAT columns from
// fixed formulas; the test computes the same values in C++. Row i (0 <= i < ROWS) holds:
//   f   FLOAT    i % 500 = 1: -0.0,  = 2: +inf,  = 3: -inf,  = 4: (i % 7 + 1) * 2^-149 (denormal),
//                else (i * 7 - 20000) / 8               (unique: PLAIN, or BYTE_STREAM_SPLIT in V2)
//   rep FLOAT    (i % 10) / 4                           (repeated: dictionary-encoded)
//   lst FLOAT[]  [(i * 3 + x) / 16 - 100 for x in 0 .. i % 5)
// Prints the set of value encodings DuckDB chose, as JSON: ["BYTE_STREAM_SPLIT", ...].
// Lives next to its test, so it is run with the oracles' node_modules as module root:
//   cd tests/oracles && node --input-type=module - OUT.parquet ROWS VERSION < write_float_parquet.mjs
import { DuckDBInstance } from '@duckdb/node-api';

const [path, rows, version] = process.argv.slice(2);
const quoted = path.replaceAll("'", "''");
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`
  COPY (
    SELECT
      CASE i % 500 WHEN 1 THEN '-0.0'::FLOAT WHEN 2 THEN 'inf'::FLOAT WHEN 3 THEN '-inf'::FLOAT
                   WHEN 4 THEN (i % 7 + 1)::FLOAT * '1.4e-45'::FLOAT
                   ELSE ((i * 7 - 20000) / 8)::FLOAT END AS f,
      ((i % 10) / 4)::FLOAT AS rep,
      [((i * 3 + x) / 16 - 100)::FLOAT for x in range(i % 5)] AS lst
    FROM range(${Number(rows)}) t(i)
    ORDER BY i
  ) TO '${quoted}' (FORMAT parquet, ROW_GROUP_SIZE 4096, PARQUET_VERSION ${version})`);
const result = await connection.runAndReadAll(
  `SELECT DISTINCT unnest(string_split(encodings, ', ')) AS e FROM parquet_metadata('${quoted}') ORDER BY e`);
process.stdout.write(JSON.stringify(result.getRowsJS().map((row) => row[0])));
