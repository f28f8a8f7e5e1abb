// Oracle: loads a tokenizer.json with Hugging Face's Rust `tokenizers` (npm @anush008/tokenizers)
// and, for each line of stdin (a JSON string), prints one JSON line
//   {"ids": [...], "tokens": [...], "decoded": "..."}
// encoded with add_special_tokens=true and decoded without skipping special tokens.
// Usage: node hf_tokenizer_roundtrip.js TOKENIZER_JSON < texts.jsonl
const { Tokenizer } = require('@anush008/tokenizers');
const readline = require('readline');

(async () => {
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const encoding = await tokenizer.encode(JSON.parse(line), null, { addSpecialTokens: true });
    const ids = encoding.getIds();
    const decoded = await tokenizer.decode(ids, false);
    process.stdout.write(JSON.stringify({ ids, tokens: encoding.getTokens(), decoded }) + '\n');
  }
})().catch((error) => {
  process.stderr.write(`hf_tokenizer_roundtrip: ${error}\n`);
  process.exit(1);
});
