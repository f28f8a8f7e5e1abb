#!/usr/bin/env python3
"""Writes a small corpus in the Pile's format: JSON lines {"text": ..., "meta": {"pile_set_name": ...}},
optionally zstd-compressed (by the .zst suffix, through the zstd command).

The text is generated, not copied: seeded pseudo-random sentences over a small word list, with
the documents the seed's pipeline must treat specially mixed in — too short, only uppercase,
numeric, too long, special-token text, non-ASCII, empty, and documents shorter than a window.

    tools/make_pile_corpus.py OUT.jsonl[.zst] [--docs N] [--seed S] [--words-max W]
"""
import argparse
import json
import random
import subprocess
import sys

WORDS = ("the of and to in is was for on that with as by at from his her an were are which this "
         "be or has had it not first one their its new after who they have two time year can "
         "model layer token river stone light garden window market letter number sound water "
         "small large early late north south quiet bright open close under over between city "
         "road field music story paper table winter summer morning evening simple careful").split()
SETS = ["Pile-CC", "Wikipedia (en)", "StackExchange", "Github", "ArXiv", "PubMed Abstracts"]


def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 16))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def document(rng, words_max):
    target = rng.randint(1, words_max)
    parts, count = [], 0
    while count < target:
        s = sentence(rng)
        parts.append(s)
        count += s.count(" ") + 1
        if rng.random() < 0.15:
            parts.append("\n\n")
    return " ".join(parts)


def edge_case(rng, index):
    cases = [
        "short text",                                     # too short (<= 20 code points)
        "ALL CAPITALS HEADLINE WITHOUT ANY LOWER CASE",   # t.upper() == t
        "１２３４５６７８９０１２３４５６７８９０１２３",  # numeric (full-width digits)
        "   " + sentence(rng) + " " + sentence(rng) + "   ",   # surrounding space
        "Begin <|begin_of_text|> middle <|end_of_text|> " + sentence(rng),  # special-token text
        "Ünïcödé façade — naïve café, 東京 and Ελληνικά. " + sentence(rng),
        "",                                               # empty
        "x" * 30001,                                      # too long (>= 30000 code points)
        sentence(rng) + "\t" + sentence(rng) + "\r\n" + sentence(rng),
    ]
    return cases[index % len(cases)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--words-max", type=int, default=600)
    parser.add_argument("--edge-every", type=int, default=7, help="one edge case every N documents")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = []
    for i in range(args.docs):
        if args.edge_every > 0 and i % args.edge_every == args.edge_every - 1:
            text = edge_case(rng, i // args.edge_every)
        else:
            text = document(rng, args.words_max)
        record = {"text": text, "meta": {"pile_set_name": rng.choice(SETS)}}
        lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if args.out.endswith(".zst"):
        subprocess.run(["zstd", "-q", "-f", "-19", "-o", args.out], input=data, check=True)
    else:
        with open(args.out, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    sys.exit(main())
