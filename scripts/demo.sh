#!/usr/bin/env bash
# README command 1: set up, build, and run actcache on a built-in default.
# Generates the small "tiny" Llama model with seeded random weights, prints its summary, and
# captures the seed's hook (the MLP output) plus the residual stream for a few tokens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=${ACTCACHE_DEMO_DIR:-demo}
./build/actcache make-model --preset tiny --seed 0 --out "$out/tiny-model"
./build/actcache forward --model "$out/tiny-model" --hook model.layers.3.mlp \
  --hook blocks.3.hook_resid_post --tokens 510,17,42,99,256,300 --out "$out/activations"
