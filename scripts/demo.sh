#!/usr/bin/env bash
# README command 1: set up, build, and run the seed's job end to end on a built-in default.
# Generates the small "tiny" Llama model (seeded random weights) and a small Pile-format corpus
# (generated text, tools/make_pile_corpus.py), builds an activation dataset from them with the
# seed's settings scaled down (seq_len 128, 5,000 rows per shard), then inspects it.
# Running it again finds the dataset complete (delete demo/ to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=${ACTCACHE_DEMO_DIR:-demo}
mkdir -p "$out"
./build/actcache make-model --preset tiny --seed 0 --out "$out/tiny-model"
tools/make_pile_corpus.py "$out/pile-sample.jsonl.zst" --docs 200 --words-max 400 --seed 0
# The tiny model has 4 layers (0..3): its last MLP stands in for the seed's layers[8].mlp.
./build/actcache run --model "$out/tiny-model" --corpus "$out/pile-sample.jsonl.zst" \
  --hook model.layers.3.mlp --seq-len 128 --shard-size 5000 --batch 16 --output "$out/dataset"
./build/actcache inspect "$out/dataset" --rows 5
