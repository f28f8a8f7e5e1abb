#!/usr/bin/env bash
# README command 1: set up, build, and run actcache on a built-in default.
# Generates the small "tiny" Llama model with seeded random weights and prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=${ACTCACHE_DEMO_DIR:-demo}
./build/actcache make-model --preset tiny --seed 0 --out "$out/tiny-model"
