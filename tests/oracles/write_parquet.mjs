// Oracle: writes a Parquet file with DuckDB (@duckdb/node-api, its own C++ Parquet writer) from
// a deterministic generator, for tests that read it back with actcache's reader and compare
// against the same formulas computed in C++. Row i (0 <= i < ROWS) holds:
//   big   BIGINT      i * 1000003 - 5000000000
//   small INTEGER     (i * 7919) % 100003 - 50000
//   label VARCHAR     'label_' || (i % 37)                (repeated: dictionary-encoded)
//   text  VARCHAR     'row ' || i                          (unique)
//   lst16 USMALLINT[] [(i * 31 + x) % 65536 for x in 0 .. i % 6)
//   lst32 INTEGER[]   [i * 3 - x for x in 0 .. i % 4)
//   tiny  INTEGER     i % 100 - 50                         (repeated: dictionary-encoded)
// Usage: node write_parquet.mjs OUT.parquet ROWS ROW_GROUP_SIZE COMPRESSION [V1|V2]
import { DuckDBInstance } from '@duckdb/node-api';

const [path, rows, rowGroupSize, compression, version = 'V1'] = process.argv.slice(2);
const quoted = path.replaceAll("'", "''");
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`
  COPY (
    SELECT
      (i * 1000003 - 5000000000)::BIGINT AS big,
      ((i * 7919) % 100003 - 50000)::INTEGER AS small,
      'label_' || (i % 37)::VARCHAR AS label,
      'row ' || i::VARCHAR AS text,
      [((i * 31 + x) % 65536)::USMALLINT for x in range(i % 6)] AS lst16,
      [(i * 3 - x)::INTEGER for x in range(i % 4)] AS lst32,
      (i % 100 - 50)::INTEGER AS tiny
    FROM range(${Number(rows)}) t(i)
    ORDER BY i
  ) TO '${quoted}' (FORMAT parquet, COMPRESSION ${compression},
                    ROW_GROUP_SIZE ${Number(rowGroupSize)}, PARQUET_VERSION ${version})`);
