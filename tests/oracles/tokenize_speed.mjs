// Peer for bench/tokenizer: Hugging Face's Rust tokenizers (napi) timing itself on the same
// texts. Prints {"load_ms", "single_ms", "batch_ms", "tokens"} as JSON.
// Usage: node tokenize_speed.mjs TOKENIZER_JSON TEXTS_JSONL
import tokenizers from '@anush008/tokenizers';
import { readFileSync } from 'node:fs';

const { Tokenizer } = tokenizers;
const texts = readFileSync(process.argv[3], 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
let start = performance.now();
const tokenizer = Tokenizer.fromFile(process.argv[2]);
const load_ms = performance.now() - start;
start = performance.now();
let tokens = 0;
for (const text of texts) tokens += (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds().length;
const single_ms = performance.now() - start;
start = performance.now();
const batch = await tokenizer.encodeBatch(texts, { addSpecialTokens: false });
const batch_ms = performance.now() - start;
process.stdout.write(JSON.stringify({ load_ms, single_ms, batch_ms, tokens, batch_size: batch.length }));
