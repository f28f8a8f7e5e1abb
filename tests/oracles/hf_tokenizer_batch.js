// Oracle: Hugging Face's Rust `tokenizers` (npm @anush008/tokenizers) in batch, for the
// differential tests of src/tokenizer/tokenizer.h. Reads JSON lines from stdin, writes one JSON
// line per input line, in order:
//   MODE encode:  input "text"                      -> [ids] (addSpecialTokens false)
//   MODE encode_special: input "text"               -> [ids] (addSpecialTokens true)
//   MODE decode:  input [ids]                       -> "text" (skip_special_tokens false)
//   MODE decode_skip: input [ids]                   -> "text" (skip_special_tokens true)
//   MODE encode:N / encode_special:N: as above with truncation to max_length N (right side).
// Usage: node hf_tokenizer_batch.js TOKENIZER_JSON MODE < in.jsonl > out.jsonl
const { Tokenizer } = require('@anush008/tokenizers');
const readline = require('readline');

(async () => {
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  const [mode, maxLength] = process.argv[3].split(':');
  if (maxLength !== undefined) tokenizer.setTruncation(Number(maxLength));
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const line of lines) {
    if (line.length === 0) continue;
    const input = JSON.parse(line);
    let result;
    if (mode === 'encode' || mode === 'encode_special') {
      const encoding = await tokenizer.encode(input, null,
                                              { addSpecialTokens: mode === 'encode_special' });
      result = Array.from(encoding.getIds());
    } else if (mode === 'decode' || mode === 'decode_skip') {
      result = await tokenizer.decode(input, mode === 'decode_skip');
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
    out.push(JSON.stringify(result));
    if (out.length >= 1024) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
})().catch((error) => {
  process.stderr.write(`hf_tokenizer_batch: ${error}\n`);
  process.exit(1);
});
