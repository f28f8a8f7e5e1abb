#!/usr/bin/env bash
# Packs the binaries built here (Debian 12) for a lent GPU machine that has CUDA but none of this
# project's C++ dependencies: .device/bin/ gets actcache (and tests/cuda/actcache_cuda_tests when it
# was built), .device/lib/ every shared library they load except
#   - glibc's own (libc, libm, libpthread, libdl, librt, libresolv, libutil, ld-linux...): they
#     must match the machine's loader and libc exactly, and the machine's are newer (glibc is
#     backward compatible; the highest GLIBC_ symbol version needed is printed below);
#   - the CUDA libraries (libcuda, libcudart, libcublas, libcublasLt, ...): the machine has its
#     own, matched to its driver; scripts/device-check.sh finds them there.
# libstdc++ and libgcc_s go to .device/lib/stdcxx/, kept apart: Debian 12's are older than a
# current Ubuntu's, and a newer libstdc++ runs binaries built against an older one, so
# device-check.sh uses the machine's own and adds stdcxx/ only when the binaries do not start
# without it (an older image). Never loading an older libstdc++ first keeps the machine's
# libraries that want a newer one (the driver's, cuBLAS's, Python's) working.
#
#   scripts/device-bundle.sh [BUILD_DIR]      (default: build; configured with CUDA)
#
# Then run scripts/device-check.sh there with `.device` carried (bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=.device
limit_mib=60

[[ -x $build/actcache ]] || { echo "device-bundle: no $build/actcache (build it first)" >&2; exit 1; }
if ! ldd "$build/actcache" | grep -q -E 'libcublas|libcudart|libcuda\.so' &&
   ! grep -a -q -E 'cudaMalloc|cuLaunchKernel|cublasLt' "$build/actcache"; then
    echo "device-bundle: warning: $build/actcache shows no CUDA runtime; was $build configured with CUDA?" >&2
fi

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/stdcxx"
bins=("$build/actcache")
[[ -x $build/tests/cuda/actcache_cuda_tests ]] && bins+=("$build/tests/cuda/actcache_cuda_tests")
[[ -x $build/bench/cuda/cuda_kernels_bench ]] && bins+=("$build/bench/cuda/cuda_kernels_bench")
[[ -x $build/bench/pipeline/shard_sink_bench ]] && bins+=("$build/bench/pipeline/shard_sink_bench")
[[ -x $build/bench/pipeline/host_pipeline_bench ]] && bins+=("$build/bench/pipeline/host_pipeline_bench")
for b in "${bins[@]}"; do
    cp -L "$b" "$out/bin/"
done

is_glibc() {
    case "$1" in
        libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*| \
        libanl.so.*|libnsl.so.*|libBrokenLocale.so.*|libmvec.so.*|libcrypt.so.*|ld-linux*|linux-vdso*) return 0 ;;
    esac
    return 1
}
is_cuda() {
    case "$1" in
        libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*|libnvrtc*|libnvJitLink*|libcufft*| \
        libcurand*|libcusparse*|libcusolver*|libnccl*|libnvidia-*|libcudnn*) return 0 ;;
    esac
    return 1
}

declare -A seen=()
skipped_cuda=()
missing=()
for b in "${bins[@]}"; do
    while read -r name arrow path _; do
        [[ $arrow == "=>" ]] || continue
        [[ -n ${seen[$name]:-} ]] && continue
        seen[$name]=1
        if is_glibc "$name"; then continue; fi
        if is_cuda "$name"; then skipped_cuda+=("$name"); continue; fi
        if [[ $path == "not" ]]; then missing+=("$name"); continue; fi
        case "$name" in
            libstdc++.so.*|libgcc_s.so.*) cp -L "$path" "$out/lib/stdcxx/$name" ;;
            *) cp -L "$path" "$out/lib/$name" ;;
        esac
    done < <(ldd "$b")
done

# Symbols and debug info are not needed there; the carry limit is.
strip --strip-unneeded "$out"/bin/* 2>/dev/null || true
glibc_max=$(for f in "$out"/bin/* "$out"/lib/*.so* "$out"/lib/stdcxx/*; do
                objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' || true
            done | sort -u -V | tail -1)
glibcxx_max=$(for f in "$out"/bin/* "$out"/lib/*.so*; do
                  objdump -T "$f" 2>/dev/null | grep -o 'GLIBCXX_[0-9.]*' || true
              done | sort -u -V | tail -1)
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null)
src=${src:-.}
{
    # shellcheck disable=SC1091
    echo "built on: $(. /etc/os-release && echo "$PRETTY_NAME"), from $src at $(git -C "$src" rev-parse --short HEAD 2>/dev/null)$(git -C "$src" diff --quiet HEAD 2>/dev/null || echo '+local changes')"
    echo "built at: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "needs: ${glibc_max:-?} (glibc), ${glibcxx_max:-?} (libstdc++; bundled in lib/stdcxx if the machine's is older)"
    echo "expects on the machine: ${skipped_cuda[*]:-(no CUDA libraries linked)}"
} > "$out/BUNDLE"

libs=("$out"/lib/*.so*)
echo "device-bundle: $(cd "$out/bin" && echo *) -> $out/bin"
echo "device-bundle: ${#libs[@]} libraries -> $out/lib, $(cd "$out/lib/stdcxx" && echo *) -> $out/lib/stdcxx"
sed 's/^/device-bundle: /' "$out/BUNDLE"
if ((${#missing[@]})); then
    echo "device-bundle: error: ldd found no ${missing[*]}" >&2
    exit 1
fi
total_kib=$(du -sk "$out" | cut -f1)
echo "device-bundle: total $((total_kib / 1024)).$(((total_kib % 1024) * 10 / 1024)) MiB (carry limit 64 MiB for everything carried)"
if ((total_kib > limit_mib * 1024)); then
    echo "device-bundle: error: over ${limit_mib} MiB; strip the binaries (strip .device/bin/*) or build Release" >&2
    exit 1
fi
