#!/usr/bin/env bash
# The CUDA backend's checks on a bare GPU machine (issue #10), as one command from the repository
# root, in under 8 minutes, with no network:
#
#   scripts/device-check.sh
#
# Binaries: .device/bin/ (made here by scripts/device-bundle.sh and carried over, with their
# libraries in .device/lib/), else a build with scripts/build.sh (needs the C++ dependencies,
# which the lent image lacks). Everything else is generated: the tiny and the 1B-shaped models
# (actcache make-model), the corpus (tools/make_pile_corpus.py).
#
# Stages, each logged, none stopping the others:
#   env          nvidia-smi in one line, CPU, glibc, bundle provenance
#   gtest        .device/bin/actcache_cuda_tests (when bundled)
#   kernels      .device/bin/cuda_kernels_bench: every kernel on the 1B shapes, timed (context);
#                bench/cuda/attention_peers.py: cuDNN's and PyTorch's fused attention, same shape
#   tiny, 1b     tests/cuda/compare_with_transformers.py: actcache --device cuda bf16 against the
#                CPU's bf16 and transformers' bf16, errors to actcache's f32 (tiny: layer 2, 1B:
#                layer 8)
#   writer       .device/bin/shard_sink_bench: the writer stage alone (statistics, Parquet, manifest)
#                on 0..8 encoder threads, against the GPU's rate (context: does it keep up?)
#   host         .device/bin/host_pipeline_bench: the host side of `run` (read, tokenize, rows,
#                statistics, Parquet) with a stand-in for the GPU: its top rate on these cores and
#                the cores the GPU's rate needs (context)
#   throughput   bench/model/cuda_throughput.py: tokens/s and MFU of actcache run and its forward
#                pass next to transformers (the seed's approach, and stopped after layer 8)
# and one table at the end: PASS / FAIL / SKIPPED (INFO: context, not a check) per row. Exit
# status 1 when a row failed. With $OUT set, the table and the logs are copied there.
#
# Sizes and limits (environment):
#   CHECK_BUDGET_S=420       wall-clock budget of the whole check; stages shrink or are skipped
#   CHECK_WORK=/tmp/actcache-check   models, corpus, outputs, logs
#   CHECK_SKIP=              stages to skip, comma-separated: gtest,kernels,tiny,1b,writer,host,throughput
#   CHECK_TINY_SEQS=3 CHECK_1B_SEQS=2 CHECK_MIN_LEN=128 CHECK_MAX_LEN=512   correctness sequences
#   CHECK_SEQ_LEN=4096 CHECK_BATCH=16 CHECK_RUN_BATCHES=48 CHECK_PEER_BATCHES=3   throughput
#   CHECK_PEAK_TFLOPS=       datasheet dense bf16 peak when the GPU's name is not known
#   PYTHON=                  python with torch + transformers (default /opt/torch/.venv/bin/python3)
# Dry run of this script without a GPU (its own test): CHECK_DEVICE=cpu (throughput on the CPU)
# and CHECK_STAND_IN=1 (the comparisons' 'cuda' column from the CPU's reference kernels).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
T0=$SECONDS
BUDGET=${CHECK_BUDGET_S:-420}
WORK=${CHECK_WORK:-/tmp/actcache-check}
LOGS=$WORK/logs
ROWS=$LOGS/rows.txt
SKIP=",${CHECK_SKIP:-},"
STAND_IN=${CHECK_STAND_IN:-}
[[ $STAND_IN == 0 ]] && STAND_IN=
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log "$LOGS"/device-check.md
: > "$ROWS"
if [[ -n ${PYTHON:-} ]]; then PY=$PYTHON
elif [[ -x /opt/torch/.venv/bin/python3 ]]; then PY=/opt/torch/.venv/bin/python3
else PY=python3; fi

say() { printf '[%3ds] %s\n' "$((SECONDS - T0))" "$*"; }
addrow() { printf 'ROW|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >> "$ROWS"; }
remaining() { echo $((BUDGET - (SECONDS - T0))); }
skipped() { [[ $SKIP == *",$1,"* ]]; }

# stage NAME LOG MAX_S RESERVE_S COMMAND...: runs COMMAND under a time limit of MAX_S seconds, or
# less so that RESERVE_S stay for the stages after it; its ROW lines go to the table, and a
# failure that left none (crash, time-out) becomes a FAIL row. Returns the command's status.
stage() {
    local name=$1 log=$2 max=$3 reserve=$4
    shift 4
    local left limit start rc
    left=$(($(remaining) - reserve))
    limit=$((max < left ? max : left))
    if ((limit < 15)); then
        say "$name: skipped, out of time (${left}s left for it)"
        addrow "$name" "stage" SKIPPED "out of time budget (CHECK_BUDGET_S=$BUDGET)"
        return 0
    fi
    say "$name: started (limit ${limit}s) -> $log"
    start=$SECONDS
    timeout -k 10 "$limit" "$@" > "$log" 2>&1
    rc=$?
    grep -a '^ROW|' "$log" >> "$ROWS"
    say "$name: exit $rc after $((SECONDS - start))s"
    if ((rc == 124 || rc == 137)); then
        addrow "$name" "stage" FAIL "timed out after ${limit}s; last line: $(grep -av '^ROW|' "$log" | tail -1 | cut -c1-150)"
    elif ((rc != 0)) && ! grep -aq '^ROW|.*|FAIL|' "$log"; then
        addrow "$name" "stage" FAIL "exit $rc; last line: $(tail -1 "$log" | cut -c1-150)"
    fi
    return "$rc"
}

# ---------------------------------------------------------------- env and binaries
ENVLOG=$LOGS/env.log
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "repo: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) $(git -C "$ROOT" status --short 2>/dev/null | wc -l) changed files"
    # shellcheck disable=SC1091
    echo "host: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(uname -r), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(ldd --version 2>&1 | head -1)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) $(grep -qm1 avx512_bf16 /proc/cpuinfo && echo '(avx512_bf16)')"
    echo "disk: $(df -h "$WORK" | tail -1)"
    echo "python: $PY $("$PY" --version 2>&1)"
    nvidia-smi 2>&1
    [[ -f .device/BUNDLE ]] && sed 's/^/bundle: /' .device/BUNDLE
} > "$ENVLOG" 2>&1
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm --format=csv,noheader 2>/dev/null | head -1)
if [[ -n $GPU ]]; then
    addrow env "nvidia-smi" INFO "$GPU"
else
    addrow env "nvidia-smi" FAIL "no GPU visible (nvidia-smi failed)"
fi
say "GPU: ${GPU:-none}"

BIN=
if [[ -x .device/bin/actcache ]]; then
    BIN=$ROOT/.device/bin
    libpath=$ROOT/.device/lib
    # The CUDA libraries come from the machine: the toolkit's, else the pip wheels of torch's venv.
    cands=()
    for d in /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib; do [[ -d $d ]] && cands+=("$d"); done
    pydirs=$("$PY" -c 'import nvidia.cublas, os; print(os.path.dirname(nvidia.cublas.__file__) + "/lib")' 2>/dev/null
             "$PY" -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null)
    while read -r d; do [[ -d $d ]] && cands+=("$d"); done <<< "$pydirs"
    for _ in 1 2 3; do
        ((${#cands[@]})) || break
        missing=$(LD_LIBRARY_PATH=$libpath ldd "$BIN"/* 2>/dev/null | awk '/not found/{print $1}' | sort -u)
        [[ -z $missing ]] && break
        for lib in $missing; do
            found=$(find "${cands[@]}" -maxdepth 4 -name "$lib" -print -quit 2>/dev/null)
            [[ -n $found ]] && libpath=$libpath:$(dirname "$found")
        done
    done
    if ! LD_LIBRARY_PATH=$libpath "$BIN/actcache" --version > /dev/null 2>> "$ENVLOG"; then
        # An image older than the build machine: use the bundled libstdc++ / libgcc_s.
        libpath=$ROOT/.device/lib/stdcxx:$libpath
        echo "using the bundled libstdc++" >> "$ENVLOG"
    fi
    { echo "library path: $libpath"; LD_LIBRARY_PATH=$libpath ldd "$BIN"/*; } >> "$ENVLOG" 2>&1
    # Wrappers that set the library path for the binaries alone: Python and torch keep their own.
    mkdir -p "$WORK/bin"
    for b in "$BIN"/*; do
        # shellcheck disable=SC2016  # expanded by the wrapper, when it runs
        printf '#!/usr/bin/env bash\nLD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %q "$@"\n' \
            "$libpath" "$b" > "$WORK/bin/${b##*/}"
        chmod +x "$WORK/bin/${b##*/}"
    done
    BIN=$WORK/bin
    if version=$("$BIN/actcache" --version 2>> "$ENVLOG"); then
        addrow env "binaries" INFO "bundled .device/bin ($version; $(sed -n 's/^built on: //p' .device/BUNDLE 2>/dev/null))"
    else
        addrow env "binaries" FAIL ".device/bin/actcache does not start: $(grep -a 'not found\|error' "$ENVLOG" | tail -1 | cut -c1-150)"
        BIN=
    fi
elif [[ -x build/actcache ]]; then
    BIN=$ROOT/build
    addrow env "binaries" INFO "build/ (not bundled)"
else
    say "no .device/bin: building with scripts/build.sh"
    if timeout 240 scripts/build.sh -DACTCACHE_BUILD_TESTS=ON -DACTCACHE_BUILD_BENCH=OFF > "$LOGS/build.log" 2>&1; then
        BIN=$ROOT/build
        addrow env "build" PASS "scripts/build.sh"
    else
        addrow env "build" FAIL "scripts/build.sh failed: this image lacks the project's C++ dependencies (CLI11, toml++, libcurl, snappy, gtest...); run scripts/device-bundle.sh on the build machine and carry .device ($(grep -a -m1 -i 'error\|could not find' "$LOGS/build.log" | cut -c1-100))"
    fi
fi
ACTCACHE=${BIN:+$BIN/actcache}
say "binaries: ${BIN:-none}"

# The 1B model is generated in the background while the GPU tests and the tiny model run.
M1B=$WORK/llama-3.2-1b
TINY=$WORK/tiny
MAKE_PID=
if [[ -n $BIN ]] && ! { skipped 1b && skipped throughput; } && [[ ! -f $M1B/model.safetensors ]]; then
    ( rm -rf "$M1B.tmp" && timeout 200 "$ACTCACHE" make-model --preset llama-3.2-1b --seed 0 --out "$M1B.tmp" &&
      mv "$M1B.tmp" "$M1B" ) > "$LOGS/make-model.log" 2>&1 &
    MAKE_PID=$!
    say "generating the 1B model in the background (pid $MAKE_PID)"
fi
wait_model() {
    [[ -n $MAKE_PID ]] || return 0
    local s=$SECONDS
    wait "$MAKE_PID"
    MAKE_PID=
    say "1B model ready (waited $((SECONDS - s))s): $(grep -a 'time' "$LOGS/make-model.log" | tail -1 | xargs)"
}

# ---------------------------------------------------------------- gtest
GTEST=
for g in "${BIN:-/nonexistent}/actcache_cuda_tests" "${BIN:-/nonexistent}/tests/cuda/actcache_cuda_tests"; do
    [[ -x $g ]] && GTEST=$g && break
done
if skipped gtest; then
    addrow gtest "actcache_cuda_tests" SKIPPED "CHECK_SKIP"
elif [[ -z $GTEST ]]; then
    addrow gtest "actcache_cuda_tests" SKIPPED "not in the bundle"
else
    stage gtest "$LOGS/gtest.log" 90 260 "$GTEST" --gtest_color=no
    rc=$?
    passed=$(grep -a -o '\[  PASSED  \] [0-9]* test' "$LOGS/gtest.log" | grep -o '[0-9]*' | tail -1)
    failed=$(grep -a -o '\[  FAILED  \] [0-9]* test' "$LOGS/gtest.log" | grep -o '[0-9]*' | tail -1)
    skippedn=$(grep -a -o '\[  SKIPPED \] [0-9]* test' "$LOGS/gtest.log" | grep -o '[0-9]*' | tail -1)
    total=$(grep -a -o 'Running [0-9]* test' "$LOGS/gtest.log" | grep -o '[0-9]*' | head -1)
    detail="${total:-?} tests: ${passed:-0} passed, ${failed:-0} failed, ${skippedn:-0} skipped"
    if ((rc == 0)) && [[ ${skippedn:-0} == "${total:-x}" ]]; then
        addrow gtest "actcache_cuda_tests" FAIL "$detail (all skipped: no device seen)"
    elif ((rc == 0)); then
        addrow gtest "actcache_cuda_tests" PASS "$detail"
    elif ((rc != 124 && rc != 137)); then
        addrow gtest "actcache_cuda_tests" FAIL "$detail; $(grep -a '^\[  FAILED  \] [A-Za-z]' "$LOGS/gtest.log" | head -3 | cut -c14- | tr '\n' ' ')"
    fi
fi

# ---------------------------------------------------------------- kernels
# Where the forward pass's time goes: every kernel on the 1B shapes (CUDA events), for context.
KBENCH="${BIN:-/nonexistent}/cuda_kernels_bench"
if ! skipped kernels && [[ -x $KBENCH ]]; then
    stage kernels "$LOGS/kernels.log" 60 230 "$KBENCH"
    addrow kernels "cuda_kernels_bench" INFO "$(grep -a 'one decoder layer' "$LOGS/kernels.log" | cut -c1-220)"
    addrow kernels "attention (ours)" INFO "$(grep -a '^| flash attention' "$LOGS/kernels.log" |
        awk -F'|' '{ gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $5); printf "%s%s: %s", (NR > 1 ? "; " : ""), $2, $5 }')"
fi
# Its peers: PyTorch's fused attention kernels (cuDNN's, FlashAttention-2) on the same shape.
if ! skipped kernels && [[ -n $BIN ]]; then
    stage kernels "$LOGS/attention-peers.log" 45 230 "$PY" bench/cuda/attention_peers.py
fi

# ---------------------------------------------------------------- correctness
if skipped tiny; then
    addrow tiny "compare" SKIPPED "CHECK_SKIP"
elif [[ -z $BIN ]]; then
    addrow tiny "compare" SKIPPED "no binaries"
else
    [[ -f $TINY/model.safetensors ]] || "$ACTCACHE" make-model --preset tiny --seed 0 --out "$TINY" > /dev/null 2>> "$LOGS/make-model.log"
    stage tiny "$LOGS/compare-tiny.log" 90 240 "$PY" tests/cuda/compare_with_transformers.py --model "$TINY" \
        --layer 2 --label tiny --actcache "$ACTCACHE" --seqs "${CHECK_TINY_SEQS:-3}" \
        --min-len "${CHECK_MIN_LEN:-128}" --max-len "${CHECK_MAX_LEN:-512}" ${STAND_IN:+--stand-in-cpu}
fi

if skipped 1b; then
    addrow 1b "compare" SKIPPED "CHECK_SKIP"
elif [[ -z $BIN ]]; then
    addrow 1b "compare" SKIPPED "no binaries"
else
    wait_model
    if [[ ! -f $M1B/model.safetensors ]]; then
        addrow 1b "make-model" FAIL "$(tail -1 "$LOGS/make-model.log" | cut -c1-150)"
    else
        stage 1b "$LOGS/compare-1b.log" 170 150 "$PY" tests/cuda/compare_with_transformers.py --model "$M1B" \
            --layer 8 --label 1b --actcache "$ACTCACHE" --seqs "${CHECK_1B_SEQS:-2}" \
            --min-len "${CHECK_MIN_LEN:-128}" --max-len "${CHECK_MAX_LEN:-512}" ${STAND_IN:+--stand-in-cpu}
    fi
fi

# ---------------------------------------------------------------- writer
# The writer stage on this machine's cores, without the model: MB/s of raw activation bytes per
# encoder-thread count. The 1B forward at ~360k tokens/s hands it ~1.5 GB/s.
SBENCH=
for b in "${BIN:-/nonexistent}/shard_sink_bench" "${BIN:-/nonexistent}/bench/pipeline/shard_sink_bench"; do
    [[ -x $b ]] && SBENCH=$b && break
done
if ! skipped writer && [[ -n $SBENCH ]]; then
    stage writer "$LOGS/writer.log" 60 200 "$SBENCH"
    addrow writer "shard_sink_bench" INFO "$(grep -a '^BM_ShardSink' "$LOGS/writer.log" |
        sed -E 's#.*writer_threads:([0-9]+).* MB/s=([0-9.]+)/s.*#\1 threads: \2 MB/s#' | paste -sd ';' | cut -c1-220)"
fi

# ---------------------------------------------------------------- host
# The host side of `run` on this machine's cores, the GPU replaced by a stand-in that computes
# nothing: the rate the host can take rows at, and the cores ~360k tokens/s would keep busy.
HBENCH=
for b in "${BIN:-/nonexistent}/host_pipeline_bench" "${BIN:-/nonexistent}/bench/pipeline/host_pipeline_bench"; do
    [[ -x $b ]] && HBENCH=$b && break
done
if ! skipped host && [[ -n $HBENCH ]]; then
    stage host "$LOGS/host.log" 60 200 env ACTCACHE_BENCH_DIR="$WORK" "$HBENCH" --batches 24 --actcache "$ACTCACHE"
    addrow host "host_pipeline_bench" INFO "$(grep -a '^summary: ' "$LOGS/host.log" | cut -c10-220)"
fi

# ---------------------------------------------------------------- throughput
if skipped throughput; then
    addrow throughput "stage" SKIPPED "CHECK_SKIP"
elif [[ -z $BIN ]]; then
    addrow throughput "stage" SKIPPED "no binaries"
else
    wait_model
    if [[ -f $M1B/model.safetensors ]]; then
        stage throughput "$LOGS/throughput.log" 240 5 "$PY" bench/model/cuda_throughput.py --data "$WORK" \
            --model "$M1B" --actcache "$ACTCACHE" --seq-len "${CHECK_SEQ_LEN:-4096}" --batch "${CHECK_BATCH:-16}" \
            --run-batches "${CHECK_RUN_BATCHES:-48}" --peer-batches "${CHECK_PEER_BATCHES:-3}" \
            --device "${CHECK_DEVICE:-cuda}"
    else
        addrow throughput "stage" FAIL "no 1B model: $(tail -1 "$LOGS/make-model.log" | cut -c1-150)"
    fi
fi
[[ -n $MAKE_PID ]] && kill "$MAKE_PID" 2> /dev/null

# ---------------------------------------------------------------- the table
TABLE=$LOGS/device-check.md
{
    echo "## device check: ${GPU:-no GPU}, $((SECONDS - T0)) s"
    echo
    echo "| stage | check | result | details |"
    echo "|---|---|---|---|"
    awk -F'|' '{ d = $5; for (i = 6; i <= NF; i++) d = d "/" $i; printf "| %s | %s | %s | %s |\n", $2, $3, $4, d }' "$ROWS"
    if [[ -f $LOGS/throughput.log ]] && grep -aq '^| what' "$LOGS/throughput.log"; then
        echo
        grep -a -B2 '^| what' "$LOGS/throughput.log" | head -1
        echo
        grep -a '^|' "$LOGS/throughput.log"
        echo
        grep -a '^actcache run, output on' "$LOGS/throughput.log"
    fi
    if [[ -f $LOGS/host.log ]]; then
        echo
        grep -a -A12 '^host side of' "$LOGS/host.log"
    fi
    if [[ -f $LOGS/kernels.log ]] && grep -aq '^| kernel' "$LOGS/kernels.log"; then
        echo
        grep -a '^|' "$LOGS/kernels.log"
    fi
    if [[ -f $LOGS/attention-peers.log ]] && grep -aq '^| backend' "$LOGS/attention-peers.log"; then
        echo
        grep -a -B2 '^| backend' "$LOGS/attention-peers.log" | head -1
        echo
        grep -a '^|' "$LOGS/attention-peers.log"
    fi
    echo
    echo "PASS $(grep -c '|PASS|' "$ROWS"), FAIL $(grep -c '|FAIL|' "$ROWS"), SKIPPED $(grep -c '|SKIPPED|' "$ROWS"); logs in $LOGS"
} > "$TABLE"
echo
cat "$TABLE"

if [[ -n ${OUT:-} ]]; then
    mkdir -p "$OUT"
    for f in device-check.md gtest.log kernels.log attention-peers.log compare-tiny.log compare-1b.log host.log throughput.log make-model.log env.log; do
        [[ -f $LOGS/$f ]] && tail -c 16000000 "$LOGS/$f" > "$OUT/$f"
    done
fi
! grep -q '|FAIL|' "$ROWS"
