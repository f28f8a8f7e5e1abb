#!/usr/bin/env python3
"""Independent re-derivation of the seed's rows, for the end-to-end tests of `actcache run`.

Written from the seed's description, sharing no code with actcache: Python's own str methods
for good(), Hugging Face's Rust tokenizers (through tests/oracles/hf_tokenizer_batch.js) for
tok(..., add_special_tokens=False, truncation=True, max_length=TRUNC_TOKS), and the chunker:

    for did, t in enumerate(corpus):
        if good(t):
            seq = [bos] + ids + [eos]
            for s in range(0, len(seq) - seq_len + 1, seq_len):   # full windows only
                window = seq[s:s + seq_len]
                rows: (did, s + j, window[j]) for each j whose token is not special

Prints one line "doc_id tok_pos token_id" per row, in order. With --windows FILE, also writes
each window as a JSON line {"doc_id", "start", "tokens"}.

    seed_reference.py CORPUS.jsonl MODEL_DIR --seq-len N --trunc-toks N [--windows FILE]
"""
import argparse
import json
import os
import subprocess
import sys


def good(t):
    t = t.strip()
    return 20 < len(t) < 30_000 and t.upper() != t and not t.isnumeric()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("model_dir")
    parser.add_argument("--seq-len", type=int, required=True)
    parser.add_argument("--trunc-toks", type=int, required=True)
    parser.add_argument("--windows")
    args = parser.parse_args()

    with open(os.path.join(args.model_dir, "config.json")) as f:
        config = json.load(f)
    bos, eos = config["bos_token_id"], config["eos_token_id"]
    tokenizer_path = os.path.join(args.model_dir, "tokenizer.json")
    with open(tokenizer_path) as f:
        special = {t["id"] for t in json.load(f)["added_tokens"] if t.get("special")}

    kept = []  # (doc_id, text)
    with open(args.corpus, encoding="utf-8") as f:
        did = 0
        for line in f:
            if not line.strip():
                continue
            text = json.loads(line)["text"]
            if good(text):
                kept.append((did, text))
            did += 1

    oracle = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles",
                          "hf_tokenizer_batch.js")
    request = "".join(json.dumps(text) + "\n" for _, text in kept)
    done = subprocess.run(["node", oracle, tokenizer_path, "encode:%d" % args.trunc_toks],
                          input=request.encode(), stdout=subprocess.PIPE, check=True)
    encodings = [json.loads(line) for line in done.stdout.decode().splitlines() if line]
    assert len(encodings) == len(kept), (len(encodings), len(kept))

    out = sys.stdout
    windows = open(args.windows, "w") if args.windows else None
    n = args.seq_len
    for (did, _), ids in zip(kept, encodings):
        seq = [bos] + ids + [eos]
        for s in range(0, len(seq) - n + 1, n):
            window = seq[s:s + n]
            if windows:
                windows.write(json.dumps({"doc_id": did, "start": s, "tokens": window}) + "\n")
            for j, token in enumerate(window):
                if token not in special:
                    out.write("%d %d %d\n" % (did, s + j, token))
    if windows:
        windows.close()


if __name__ == "__main__":
    main()
