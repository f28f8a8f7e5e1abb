// Oracle: parses a README.md's YAML front matter (between the first two "---" lines) with the
// npm `yaml` package (YAML 1.2, strict) and prints it as JSON.
// Usage: node parse_yaml.mjs README.md
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const text = readFileSync(process.argv[2], 'utf8');
const match = text.match(/^---\n([\s\S]*?)\n---\n/);
if (!match) { process.stderr.write('no front matter\n'); process.exit(1); }
process.stdout.write(JSON.stringify(parse(match[1], { strict: true, uniqueKeys: true })));
