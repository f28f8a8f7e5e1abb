#!/usr/bin/env bash
# Installs what actcache needs to build and test: Debian packages, and the npm test oracles.
# Idempotent and fast when everything is already there (a dpkg query, no network).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  clang                              # second compiler: determinism check, fuzz targets
  libcli11-dev                       # command-line parsing
  libtomlplusplus-dev                # run configs (TOML)
  libzstd-dev zlib1g-dev zstd        # corpus decompression (zstd CLI: test data)
  libsnappy-dev                      # Parquet snappy pages
  libcurl4-openssl-dev ca-certificates  # HTTP(S): corpus URLs, later the Hub
  libssl-dev                         # SHA-256 of shards (SHA-NI where the CPU has it)
  googletest libgtest-dev libgmock-dev  # tests
  libbenchmark-dev                   # bench/
  python3                            # test oracle (Python's json module)
  python3-torch python3-numpy        # test oracle: float64 references of the forward pass
  python3-fsspec                     # test oracle: the glob `datasets` resolves card data_files with
)
# Node.js and npm run the npm test oracles (tests/oracles); many machines already have them.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm test oracles (Hugging Face's Rust tokenizers, ...), pinned by tests/oracles/package-lock.json.
oracles="$(dirname "$0")/../tests/oracles"
if [ ! -f "$oracles/node_modules/.package-lock.json" ] ||
   [ "$oracles/package-lock.json" -nt "$oracles/node_modules/.package-lock.json" ]; then
  echo "setup: installing the npm test oracles"
  (cd "$oracles" && npm ci --no-audit --no-fund --loglevel=error)
fi
