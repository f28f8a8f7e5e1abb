#!/usr/bin/env bash
# Checks the make-model promise "same seed, same bytes on every machine and compiler": builds the
# actcache binary with clang next to the g++ build (build/) and requires byte-identical model
# folders from both, in bf16 and f32. Skips (exit 0, saying so) when clang++ is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang++ >/dev/null; then
  echo "compiler determinism: clang++ not installed, skipped"
  exit 0
fi
CXX=clang++ cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DACTCACHE_BUILD_TESTS=OFF -DACTCACHE_BUILD_BENCH=OFF >/dev/null
cmake --build build-clang --target actcache >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for dtype in bf16 f32; do
  for build in build build-clang; do
    "./$build/actcache" make-model --preset tiny --seed 20261126 --dtype "$dtype" \
      --out "$scratch/$build-$dtype" >/dev/null
  done
  for file in config.json model.safetensors tokenizer.json tokenizer_config.json; do
    if ! cmp -s "$scratch/build-$dtype/$file" "$scratch/build-clang-$dtype/$file"; then
      echo "compiler determinism: $file ($dtype) differs between the g++ and clang builds" >&2
      exit 1
    fi
  done
done
echo "compiler determinism: g++ and clang builds wrote byte-identical models (bf16, f32)"
