#!/usr/bin/env bash
# bench/run.sh: measure our tool against its peers, in one run, on one machine.
#
# usage: bench/run.sh [options]
#   --records N        orders in the generated data set (default 200000, about 233 MB)
#   --runs N           runs per measurement; the table shows the medians (default 3)
#   --slow-runs N      runs for transmog 1.0.6 (minutes per run at 200k; default: --runs)
#   --only REGEX       run only the measurements whose name matches (bash regex), e.g.
#                      --only '^(floor|ours)' ; names: cat, floor_serde, floor_simd,
#                      floor_sonic, ours_cli_t1, ours_cli, ours_py_streaming,
#                      ours_py_batch_writer, ours_py_chunked, flatterer_t1,
#                      flatterer_t2, duckdb, transmog1_streaming,
#                      transmog1_batch_writer, transmog1_chunked, rss_<N>
#   --ours-python PY   a python that imports OUR transmog package: also measures our
#                      Python API with the same two scripts as transmog 1.0.6
#   --ours-bin PATH    measure this transmog binary instead of building target/release/transmog
#   --rss-scaling      also run our CLI on 100k and 1M records (peak RSS vs input size)
#   --rss-sizes A,B,.. record counts for --rss-scaling (default 100000,1000000)
#   --pairs N          N paired rounds of the serde_json floor then our CLI (all cores),
#                      back to back, for a ratio that machine noise moves less than the
#                      medians of separate blocks (default 5; 0 = none)
#   --timeout SECS     kill a run after SECS seconds, reported as failed (default: none)
#   --cooldown SECS    sleep SECS before each measurement (after the first) so that the
#                      load average settles; 60-90 s gives a near-idle load1 (default 0)
#   --nice N           run every measured command under `nice -n N` (negative needs root)
#   --work-dir DIR     data, venvs, outputs, logs (default ${TMPDIR:-/tmp}/transmog-bench,
#                      or $TRANSMOG_BENCH_DIR); never inside the repository
#   --results FILE     the markdown report (default bench/results/<date>-<host>.md, with
#                      -<N>rec appended when --records is not 200000)
#   --setup-only       generate data, build, create the venv, then stop
#   -h, --help         this text
#
# What it does: generates the orders data with bench/gen_orders.py (reused when
# present), computes the ground-truth counts, builds our CLI (cargo build --release
# -p transmog-cli) and the parse floor (bench/parse-floor, a standalone cargo project),
# creates a venv with the peers from PyPI (bench/requirements-peers.txt; reused while
# that file is unchanged), then measures every tool with /usr/bin/time -v (wall,
# user+sys, peak RSS), checks each output's row counts against the ground truth and
# writes a markdown report. A tool that fails is reported as failed; the run goes on.
# See BENCHMARKS.md for what each row measures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench

records=200000
runs=3
slow_runs=
only=
ours_py=
ours_bin=
rss_scaling=0
rss_sizes=100000,1000000
pairs=5
timeout_s=0
cooldown=0
measured=0
nice_level=
work=${TRANSMOG_BENCH_DIR:-${TMPDIR:-/tmp}/transmog-bench}
results=
setup_only=0

die() { echo "bench/run.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
need_int() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || die "$1 needs a positive integer, got '$2'"; }

while [ $# -gt 0 ]; do
    case $1 in
        --records) records=${2:-}; need_int "$1" "$records"; shift 2 ;;
        --runs) runs=${2:-}; need_int "$1" "$runs"; shift 2 ;;
        --slow-runs) slow_runs=${2:-}; need_int "$1" "$slow_runs"; shift 2 ;;
        --only) only=${2:-}; shift 2 ;;
        --ours-bin) ours_bin=${2:-}; [ -x "$ours_bin" ] || die "--ours-bin: '$ours_bin' is not an executable"
            ours_bin=$(realpath "$ours_bin"); shift 2 ;;
        --ours-python) ours_py=${2:-}; [ -n "$ours_py" ] || die "--ours-python needs a path"; shift 2 ;;
        --rss-scaling) rss_scaling=1; shift ;;
        --pairs) pairs=${2:-}; [[ $pairs =~ ^[0-9]+$ ]] || die "--pairs needs a count"; shift 2 ;;
        --rss-sizes) rss_sizes=${2:-}; [[ $rss_sizes =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--rss-sizes needs N,N,..."; shift 2 ;;
        --timeout) timeout_s=${2:-}; need_int "$1" "$timeout_s"; shift 2 ;;
        --cooldown) cooldown=${2:-}; [[ $cooldown =~ ^[0-9]+$ ]] || die "--cooldown needs seconds"; shift 2 ;;
        --nice) nice_level=${2:-}; [[ $nice_level =~ ^-?[0-9]+$ ]] || die "--nice needs an integer"; shift 2 ;;
        --work-dir) work=${2:-}; [ -n "$work" ] || die "--work-dir needs a path"; shift 2 ;;
        --results) results=${2:-}; [ -n "$results" ] || die "--results needs a path"; shift 2 ;;
        --setup-only) setup_only=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
slow_runs=${slow_runs:-$runs}
if [ -n "$only" ]; then
    # validate the regex once, so a typo is an error and not "nothing measured"
    rc=0; [[ x =~ $only ]] || rc=$?
    [ "$rc" -le 1 ] || die "--only: invalid regex '$only'"
fi

# ---------------------------------------------------------------- preflight
command -v python3 >/dev/null || die "python3 not found (needs Python 3.9+ with venv)"
command -v cargo >/dev/null || die "cargo not found (install a Rust toolchain, https://rustup.rs)"
[ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null \
    || die "/usr/bin/time -v does not work: install GNU time (Debian/Ubuntu: apt-get install time)"
python3 -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3 cannot create venvs (Debian/Ubuntu: apt-get install python3-venv)"
[ "$timeout_s" -eq 0 ] || command -v timeout >/dev/null || die "--timeout needs coreutils' timeout"
if [ -n "$ours_py" ]; then
    [ -x "$ours_py" ] || ours_py=$(command -v "$ours_py" || true)
    [ -n "$ours_py" ] && [ -x "$ours_py" ] || die "--ours-python: not an executable python"
    ours_py=$(cd "$(dirname "$ours_py")" && pwd)/$(basename "$ours_py")
    "$ours_py" - <<'EOF' || die "--ours-python $ours_py cannot import our transmog (transmog._native missing)"
import importlib.util, sys
sys.exit(0 if importlib.util.find_spec("transmog") and importlib.util.find_spec("transmog._native") else 1)
EOF
fi
work=$(realpath -m "$work")
case $work/ in "$ROOT"/*) die "--work-dir must be outside the repository ($work)" ;; esac
mkdir -p "$work"
data_dir=$work/data
out_dir=$work/out
log_dir=$work/logs
mkdir -p "$data_dir" "$out_dir" "$log_dir"
tsv=$work/results.tsv
: >"$tsv"
host=$(hostname -s 2>/dev/null || hostname)
day=$(date +%Y-%m-%d)
if [ -z "$results" ]; then
    suffix=; [ "$records" -eq 200000 ] || suffix=-${records}rec
    results=$BENCH/results/$day-$host$suffix.md
    # never overwrite an earlier report of the same day
    [ ! -e "$results" ] || results=$BENCH/results/$day-$host$suffix-$(date +%H%M%S).md
fi
mkdir -p "$(dirname "$results")"

# ---------------------------------------------------------------- data
# make_data N: bench data file with N records (+ N.counts.json ground truth); prints its path
make_data() {
    local n=$1 f=$data_dir/orders-$1.jsonl
    if [ ! -s "$f" ]; then
        say "generating $n records -> $f"
        python3 "$BENCH/gen_orders.py" --records "$n" --out "$f.tmp" >&2 \
            || die "gen_orders.py failed"
        mv "$f.tmp" "$f"
        rm -f "$f.counts.json"
    fi
    if [ ! -s "$f.counts.json" ]; then
        python3 "$BENCH/expected_counts.py" "$f" --json >"$f.counts.json.tmp" \
            || die "expected_counts.py failed on $f"
        mv "$f.counts.json.tmp" "$f.counts.json"
    fi
    local got
    got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$f.counts.json")
    [ "$got" = "$n" ] || die "$f holds $got records, expected $n: delete it and re-run"
    echo "$f"
}
data=$(make_data "$records")
counts=$data.counts.json
say "data: $data ($(stat -c %s "$data") bytes; $(cat "$counts"))"

# ---------------------------------------------------------------- builds
if [ -n "$ours_bin" ]; then
    say "our CLI: $ours_bin (--ours-bin, not rebuilt)"
else
    say "building our CLI: cargo build --release -p transmog-cli"
    (cd "$ROOT" && cargo build --release -p transmog-cli) >"$log_dir/build-ours.log" 2>&1 \
        || { tail -n 30 "$log_dir/build-ours.log" >&2; die "building our CLI failed (log: $log_dir/build-ours.log)"; }
    target_dir=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])') \
        || die "cargo metadata failed"
    ours_bin=$target_dir/release/transmog
    [ -x "$ours_bin" ] || die "built, but $ours_bin is missing"
fi

say "building the parse floor: bench/parse-floor (own target dir)"
floor_bin=$BENCH/parse-floor/target/release/parse-floor
floor_ok=1
cargo build --release --manifest-path "$BENCH/parse-floor/Cargo.toml" \
    --target-dir "$BENCH/parse-floor/target" >"$log_dir/build-floor.log" 2>&1 \
    || { floor_ok=0; tail -n 20 "$log_dir/build-floor.log" >&2; say "parse floor build FAILED: floor rows will be marked failed"; }

# ---------------------------------------------------------------- peers venv
venv=$work/venv-peers
peers_py=$venv/bin/python
peers_ok=1
want=$(sha256sum "$BENCH/requirements-peers.txt" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha" 2>/dev/null)" != "$want" ]; then
    say "creating the peers venv $venv from PyPI (a few minutes the first time)"
    rm -rf "$venv"
    if python3 -m venv "$venv" >"$log_dir/venv.log" 2>&1 \
        && "$peers_py" -m pip install --disable-pip-version-check -r "$BENCH/requirements-peers.txt" \
            >>"$log_dir/venv.log" 2>&1; then
        echo "$want" >"$venv/.requirements.sha"
    else
        peers_ok=0
        tail -n 20 "$log_dir/venv.log" >&2
        say "peers venv setup FAILED (log: $log_dir/venv.log): peer rows will be marked failed"
    fi
fi

if [ "$setup_only" -eq 1 ]; then
    say "setup done: data $data, ours $ours_bin, floor $floor_bin, peers $peers_py"
    exit 0
fi

# python used for the output checks (needs pyarrow)
check_py=
if [ "$peers_ok" -eq 1 ]; then
    check_py=$peers_py
elif [ -n "$ours_py" ] && "$ours_py" -c 'import pyarrow' 2>/dev/null; then
    check_py=$ours_py
fi

# ---------------------------------------------------------------- measuring
median() { sort -g | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]; else print ""}'; }
tsv_clean() { tr '\t\n' '  ' | sed 's/  */ /g; s/ $//'; }

# measure NAME LABEL INPUT RUNS CHECK_TABLES NOTE -- CMD...
#   NAME: for --only and file names; LABEL: the table's first column; CHECK_TABLES:
#   tables to check in $out_dir/NAME ('-' = no output check); NOTE: shown in the
#   table's notes. Appends one line to $tsv.
measure() {
    local name=$1 label=$2 input=$3 nruns=$4 tables=$5 note=$6
    shift 7
    if [ -n "$only" ] && ! [[ $name =~ $only ]]; then return 0; fi
    local out=$out_dir/$name log=$log_dir/$name.log tlog=$log_dir/$name.time
    local walls=() cpus=() rsss=() rc=0 r load i t0 t1
    if [ "$cooldown" -gt 0 ] && [ "$measured" -gt 0 ]; then sleep "$cooldown"; fi
    measured=$((measured + 1))
    local pre=()
    [ -n "$nice_level" ] && pre+=(nice -n "$nice_level")
    [ "$timeout_s" -gt 0 ] && pre+=(timeout "$timeout_s")
    load=$(cut -d' ' -f1 /proc/loadavg)
    say "$name: $label ($nruns run(s), load1 $load)"
    for ((i = 1; i <= nruns; i++)); do
        rm -rf "$out"
        r=0
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$tlog" "${pre[@]}" "$@" >"$log" 2>&1 || r=$?
        t1=$(date +%s%N)
        if [ "$r" -ne 0 ]; then
            rc=$r
            say "$name: run $i FAILED (exit $r); last lines of $log:"
            tail -n 5 "$log" | sed 's/^/    /' >&2
            break
        fi
        # wall from our own clock (ns; GNU time rounds to 10 ms), cpu and RSS from time -v
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')")
        cpus+=("$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$tlog")")
        rsss+=("$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$tlog")")
    done
    local mw= mc= mr= check=- extra=
    if [ "$rc" -eq 0 ]; then
        mw=$(printf '%s\n' "${walls[@]}" | median)
        mc=$(printf '%s\n' "${cpus[@]}" | median)
        mr=$(printf '%s\n' "${rsss[@]}" | median)
        if [ "$tables" != - ]; then
            if [ -z "$check_py" ]; then
                check="unchecked (no python with pyarrow)"
            else
                "$check_py" "$BENCH/check_output.py" "$counts" "$out" "$tables" >"$log_dir/$name.check" 2>&1 || true
                check=$(head -n 1 "$log_dir/$name.check" | tsv_clean)
                [ -n "$check" ] || check="check failed (see $log_dir/$name.check)"
            fi
        fi
        # the parse floor reports its own parse-only time
        extra=$(sed -n 's/.*parse_s=\([0-9.]*\).*/parse-only \1 s/p' "$log" | head -n 1)
    elif [ "$rc" -eq 124 ] && [ "$timeout_s" -gt 0 ]; then
        check="FAILED: timed out after ${timeout_s} s"
    else
        check="FAILED (exit $rc): $(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-160 | tsv_clean)"
    fi
    [ -n "$extra" ] && note="${note:+$note; }$extra"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$name" "$(tsv_clean <<<"$label")" "$(stat -c %s "$input")" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$input.counts.json")" \
        "$rc" "$mw" "$mc" "$mr" "$load" "$(printf '%s ' "${walls[@]}" | sed 's/ $//')" \
        "$(tsv_clean <<<"$check")" "$(tsv_clean <<<"$note")" "$nruns" >>"$tsv"
}

# unavailable NAME LABEL REASON: a row for a tool that could not be set up
unavailable() {
    local name=$1
    if [ -n "$only" ] && ! [[ $name =~ $only ]]; then return 0; fi
    printf '%s\t%s\t%s\t%s\t%s\t\t\t\t%s\t\t%s\t\t0\n' "$name" "$2" "$(stat -c %s "$data")" \
        "$records" 99 "$(cut -d' ' -f1 /proc/loadavg)" "FAILED: $3" >>"$tsv"
}

# machine description, before anything runs
machine=$work/machine.txt
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host=$host"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|sse4_2' | sort -u | tr '\n' ' ')"
    echo "mem=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "os=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s)"
    echo "kernel=$(uname -r)"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustc=$(rustc --version 2>/dev/null || echo '?')"
    echo "python=$(python3 --version 2>&1)"
    echo "commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (uncommitted changes)')"
    echo "ours_bin=$ours_bin"
    echo "data=$data"
    echo "data_bytes=$(stat -c %s "$data")"
    echo "counts=$(tr -d '\n' <"$counts")"
    echo "runs=$runs"
    echo "slow_runs=$slow_runs"
    echo "nice=${nice_level:-none}"
    echo "only=${only:-all}"
    if [ "$peers_ok" -eq 1 ]; then
        echo "peers=$("$peers_py" -m pip freeze 2>/dev/null | grep -i -E '^(transmog|flatterer|duckdb|pyarrow|orjson)==' | tr '\n' ' ')"
        echo "peers_python=$("$peers_py" --version 2>&1)"
    fi
    if [ -n "$ours_py" ]; then
        echo "ours_python=$ours_py ($("$ours_py" --version 2>&1))"
    fi
} >"$machine"

cat "$data" >/dev/null   # into the page cache: every tool reads from memory

t=$data
ncpu=$(nproc)

measure cat "cat (read from page cache)" "$t" "$runs" - "" -- sh -c 'cat "$1" >/dev/null' sh "$t"

for m in serde simd sonic; do
    case $m in
        serde) lbl="floor: serde_json DOM parse only, 1 thread" ;;
        simd) lbl="floor: simd-json DOM parse only, 1 thread" ;;
        sonic) lbl="floor: sonic-rs DOM parse only, 1 thread" ;;
    esac
    if [ "$floor_ok" -eq 1 ]; then
        measure "floor_$m" "$lbl" "$t" "$runs" - "" -- "$floor_bin" "$m" "$t"
    else
        unavailable "floor_$m" "$lbl" "parse-floor build failed ($log_dir/build-floor.log)"
    fi
done

if "$ours_bin" convert --help 2>/dev/null | grep -q -- '--threads'; then
    measure ours_cli_t1 "ours CLI, --threads 1" "$t" "$runs" main,line_items,discounts,payments,tags "" \
        -- "$ours_bin" convert "$t" -o "$out_dir/ours_cli_t1" --entity orders -q --threads 1
    measure ours_cli "ours CLI, default threads" "$t" "$runs" main,line_items,discounts,payments,tags "$ncpu CPUs" \
        -- "$ours_bin" convert "$t" -o "$out_dir/ours_cli" --entity orders -q
    ours_ref=ours_cli_t1
else
    measure ours_cli_t1 "ours CLI (1 thread)" "$t" "$runs" main,line_items,discounts,payments,tags \
        "the CLI has no --threads flag yet" \
        -- "$ours_bin" convert "$t" -o "$out_dir/ours_cli_t1" --entity orders -q
    ours_ref=ours_cli_t1
fi

if [ -n "$ours_py" ]; then
    measure ours_py_streaming "ours Python: stream_process(parquet)" "$t" "$runs" main,line_items,discounts,payments,tags "" \
        -- "$ours_py" "$BENCH/peers/transmog_streaming.py" ours "$t" "$out_dir/ours_py_streaming" orders
    measure ours_py_batch_writer "ours Python: process_batch + streaming writer (seed sample)" "$t" "$runs" main,line_items,discounts,payments,tags "" \
        -- "$ours_py" "$BENCH/peers/transmog_batch_writer.py" ours "$t" "$out_dir/ours_py_batch_writer" orders
    measure ours_py_chunked "ours Python: process_chunked(list) + stream_to_parquet" "$t" "$runs" main,line_items,discounts,payments,tags "" \
        -- "$ours_py" "$BENCH/peers/transmog_chunked.py" ours "$t" "$out_dir/ours_py_chunked" orders
fi

peer() {   # peer NAME LABEL RUNS TABLES NOTE SCRIPT ARGS...
    local name=$1 label=$2 n=$3 tables=$4 note=$5 script=$6
    shift 6
    if [ "$peers_ok" -eq 1 ]; then
        measure "$name" "$label" "$t" "$n" "$tables" "$note" -- "$peers_py" "$BENCH/peers/$script" "$@"
    else
        unavailable "$name" "$label" "peers venv setup failed ($log_dir/venv.log)"
    fi
}
peer flatterer_t1 "flatterer, threads=1" "$runs" main,line_items,discounts,payments "tags joined into a string column (no tags table)" \
    flatterer_parquet.py "$t" "$out_dir/flatterer_t1" orders 1
peer flatterer_t2 "flatterer, threads=2" "$runs" main,line_items,discounts,payments "tags joined into a string column (no tags table)" \
    flatterer_parquet.py "$t" "$out_dir/flatterer_t2" orders 2
peer duckdb "DuckDB read_json(sample_size=-1) -> parquet, default threads" "$runs" main "1 table, arrays/objects stay LIST/STRUCT (no child tables)" \
    duckdb_nested.py "$t" "$out_dir/duckdb"
peer transmog1_streaming "transmog 1.0.6: stream_process(parquet)" "$slow_runs" main,line_items,discounts,payments,tags "" \
    transmog_streaming.py upstream "$t" "$out_dir/transmog1_streaming" orders
peer transmog1_batch_writer "transmog 1.0.6: process_batch + streaming writer (seed sample)" "$slow_runs" main,line_items,discounts,payments,tags "" \
    transmog_batch_writer.py upstream "$t" "$out_dir/transmog1_batch_writer" orders
peer transmog1_chunked "transmog 1.0.6: process_chunked(list) + stream_to_parquet" "$slow_runs" main,line_items,discounts,payments,tags "" \
    transmog_chunked.py upstream "$t" "$out_dir/transmog1_chunked" orders

# ---------------------------------------------------------------- paired rounds
# Separate blocks of runs see different machine states (other tenants, turbo). A round
# runs the floor and our CLI back to back; the ratio of the two walls is the figure.
pairs_tsv=$work/pairs.tsv
: >"$pairs_tsv"
if [ "$pairs" -gt 0 ] && [ "$floor_ok" -eq 1 ] && { [ -z "$only" ] || [[ pairs =~ $only ]]; }; then
    say "pairs: $pairs round(s) of floor_serde then ours_cli"
    for ((i = 1; i <= pairs; i++)); do
        t0=$(date +%s%N)
        "$floor_bin" serde "$t" >/dev/null 2>&1 || { say "pairs: floor failed"; break; }
        t1=$(date +%s%N)
        rm -rf "$out_dir/pairs"
        "$ours_bin" convert "$t" -o "$out_dir/pairs" --entity orders -q >/dev/null 2>&1 \
            || { say "pairs: ours failed"; break; }
        t2=$(date +%s%N)
        awk -v i="$i" -v a="$t0" -v b="$t1" -v c="$t2" \
            'BEGIN{printf "%d\t%.3f\t%.3f\n", i, (b-a)/1e9, (c-b)/1e9}' >>"$pairs_tsv"
    done
fi

# ---------------------------------------------------------------- RSS scaling
if [ "$rss_scaling" -eq 1 ]; then
    IFS=, read -r -a sizes <<<"$rss_sizes"
    for n in "${sizes[@]}"; do
        if [ -n "$only" ] && ! [[ rss_$n =~ $only ]]; then continue; fi
        f=$(make_data "$n")
        cat "$f" >/dev/null
        t=$f counts=$f.counts.json
        measure "rss_$n" "ours CLI on $n records" "$f" "$runs" main,line_items,discounts,payments,tags "rss-scaling" \
            -- "$ours_bin" convert "$f" -o "$out_dir/rss_$n" --entity orders -q
    done
    t=$data counts=$data.counts.json
fi

# ---------------------------------------------------------------- report
python3 "$BENCH/report.py" "$tsv" "$machine" "$ours_ref" "$pairs_tsv" >"$results.tmp" || die "report.py failed"
mv "$results.tmp" "$results"
cat "$results"
say "report written to $results (raw: $tsv, logs: $log_dir, outputs: $out_dir)"
