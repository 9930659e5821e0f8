#!/usr/bin/env bash
# Time curvegan against the PyTorch tutorial it reimplements, in one run.
#
#   bench/compare.sh [--steps N] [--seed S] [--repeat R] [--pin-curvegan] [--no-build]
#
# 1. builds the Rust binary with `cargo build --release` at the repo root
#    (skipped with --no-build, or when CURVEGAN_BIN names a binary);
# 2. R times (interleaved, so drift hits both sides alike):
#      - curvegan train --plot-every 0 --quiet --out "$tmpdir/run" --steps N --seed S
#        timed as a whole process (date +%s.%N around it);
#      - bench/tutorial_torch.py --steps N --seed S under `taskset -c 0` (one
#        core, one torch thread), timed as a whole process too; it also reports
#        the time of its training loop alone;
# 3. prints a table of medians: whole-process seconds, µs per step, and the
#    ratio torch/curvegan. If the Python has torch and safetensors, the
#    last curvegan run folder is also loaded into PyTorch by
#    bench/check_torch_load.py and its generator's MSE to 2x^2+1 shown.
#
# Environment:
#   PYTHON        Python with torch (default python3), e.g. a virtualenv's
#                 venv-torch/bin/python. Without torch, only curvegan is timed.
#   CURVEGAN_BIN  curvegan binary to time instead of building one.
#   CARGO_TARGET_DIR  honoured when locating target/release/curvegan.
#
# Exit status: 0 on success (also when torch is missing), 1 when the build or a
# curvegan run fails, 2 on bad arguments.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

steps=10001
seed=0
repeat=3
pin_curvegan=0
build=1
while (($#)); do
    case "$1" in
        --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
        --steps=*) steps="${1#*=}"; shift ;;
        --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
        --seed=*) seed="${1#*=}"; shift ;;
        --repeat) repeat="${2:?--repeat needs a value}"; shift 2 ;;
        --repeat=*) repeat="${1#*=}"; shift ;;
        --pin-curvegan) pin_curvegan=1; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --steps must be a positive integer, got '$steps'" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "compare.sh: --seed must be a non-negative integer, got '$seed'" >&2; exit 2; }
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --repeat must be a positive integer, got '$repeat'" >&2; exit 2; }

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench_dir/.." && pwd)"

tmpdir="$(mktemp -d "${TMPDIR:-/tmp}/curvegan-compare.XXXXXX")"
trap 'rm -rf "$tmpdir"' EXIT

# ---- the curvegan binary --------------------------------------------------------
if [[ -n "${CURVEGAN_BIN:-}" ]]; then
    bin="$CURVEGAN_BIN"
    echo "compare.sh: using CURVEGAN_BIN=$bin (no build)" >&2
else
    target_dir="${CARGO_TARGET_DIR:-target}"
    [[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
    bin="$target_dir/release/curvegan"
    if ((build)); then
        echo "compare.sh: cargo build --release in $repo" >&2
        if ! (cd "$repo" && cargo build --release >&2); then
            echo "compare.sh: cargo build --release failed" >&2
            exit 1
        fi
    fi
fi
if [[ ! -x "$bin" ]]; then
    echo "compare.sh: no curvegan binary at $bin" >&2
    exit 1
fi

# ---- the Python with torch ------------------------------------------------------
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python3
fi
have_torch=0
torch_why=""
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    torch_why="no Python at '$PYTHON'"
elif torch_why="$("$PYTHON" -c 'import torch, numpy' 2>&1)"; then
    have_torch=1
else
    torch_why="$PYTHON cannot import torch/numpy: $(printf '%s\n' "$torch_why" | tail -n 1)"
fi

pin=()
if command -v taskset >/dev/null 2>&1; then
    pin=(taskset -c 0)
else
    echo "compare.sh: taskset not found; torch runs unpinned (still one thread)" >&2
fi
cg_pin=()
((pin_curvegan)) && cg_pin=("${pin[@]}")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# value of key=VALUE in a file (first match), empty if absent
field() { grep -oE "(^|[[:space:]])$1=[-+0-9.eE]+" "$2" 2>/dev/null | head -n 1 | sed 's/.*=//' || true; }

cg_times=()
cg_loop_us=()
t_times=()
t_loop_us=()
t_mse=""
for ((r = 1; r <= repeat; r++)); do
    # curvegan, whole process
    rm -rf "$tmpdir/run"
    log="$tmpdir/curvegan.$r.log"
    t0="$(now)"
    if ! "${cg_pin[@]}" "$bin" train --plot-every 0 --quiet --out "$tmpdir/run" --steps "$steps" --seed "$seed" >"$log" 2>&1; then
        t1="$(now)"
        echo "compare.sh: curvegan run $r failed after $(elapsed "$t0" "$t1") s; its output:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    t1="$(now)"
    cg_times+=("$(elapsed "$t0" "$t1")")
    # if curvegan reports a loop-only figure (us_per_step=...), keep it
    v="$(field us_per_step "$log")"; [[ -n "$v" ]] || v="$(field curvegan_us_per_step "$log")"
    [[ -n "$v" ]] && cg_loop_us+=("$v")
    echo "compare.sh: run $r/$repeat curvegan ${cg_times[-1]} s" >&2

    # torch tutorial, whole process, one core
    if ((have_torch)); then
        log="$tmpdir/torch.$r.log"
        t0="$(now)"
        set +e
        "${pin[@]}" "$PYTHON" "$bench_dir/tutorial_torch.py" --steps "$steps" --seed "$seed" >"$log" 2>&1
        rc=$?
        set -e
        t1="$(now)"
        if ((rc != 0)); then
            echo "compare.sh: tutorial_torch.py failed (exit $rc); its output:" >&2
            tail -n 20 "$log" >&2
            have_torch=0
            torch_why="tutorial_torch.py exited $rc"
            t_times=()
            t_loop_us=()
            continue
        fi
        t_times+=("$(elapsed "$t0" "$t1")")
        t_loop_us+=("$(field torch_us_per_step "$log")")
        t_mse="$(field final_mse "$log")"
        echo "compare.sh: run $r/$repeat torch    ${t_times[-1]} s (loop $(field wall_s "$log") s)" >&2
    fi
done

# curvegan's generator, scored by PyTorch (best effort)
cg_mse=""
if ((have_torch)) && [[ -f "$tmpdir/run/generator.safetensors" ]]; then
    if "$PYTHON" "$bench_dir/check_torch_load.py" "$tmpdir/run" >"$tmpdir/check.log" 2>&1; then
        cg_mse="$(field final_mse "$tmpdir/check.log")"
    else
        echo "compare.sh: check_torch_load.py could not load curvegan's run folder:" >&2
        tail -n 8 "$tmpdir/check.log" >&2
        cg_mse="load failed"
    fi
fi

# ---- report -------------------------------------------------------------------
per_step() { awk -v s="$1" -v n="$steps" 'BEGIN { printf "%.1f", s / n * 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

cg_med="$(median "${cg_times[@]}")"
cg_loop="-"
((${#cg_loop_us[@]})) && cg_loop="$(awk -v v="$(median "${cg_loop_us[@]}")" 'BEGIN { printf "%.1f", v }')"
cg_cpu="any core"; ((pin_curvegan)) && ((${#pin[@]})) && cg_cpu="core 0"

echo
echo "steps=$steps seed=$seed repeat=$repeat (medians of $repeat whole-process timings)"
echo "curvegan: $bin"
printf '%-10s %12s %16s %16s %10s  %s\n' "side" "process_s" "us/step(process)" "us/step(loop)" "final_mse" "cpu"
printf '%-10s %12s %16s %16s %10s  %s\n' "curvegan" "$cg_med" "$(per_step "$cg_med")" "$cg_loop" "${cg_mse:--}" "$cg_cpu"
if ((have_torch)) && ((${#t_times[@]})); then
    t_med="$(median "${t_times[@]}")"
    t_loop="$(awk -v v="$(median "${t_loop_us[@]}")" 'BEGIN { printf "%.1f", v }')"
    t_cpu="1 thread"; ((${#pin[@]})) && t_cpu="core 0, 1 thread"
    printf '%-10s %12s %16s %16s %10s  %s\n' "torch" "$t_med" "$(per_step "$t_med")" "$t_loop" "${t_mse:--}" "$t_cpu"
    echo
    echo "ratio torch/curvegan, whole process: $(ratio "$t_med" "$cg_med")"
    if [[ "$cg_loop" != "-" ]]; then
        echo "ratio torch/curvegan, loop only:     $(ratio "$t_loop" "$cg_loop")"
    else
        echo "ratio torch loop-only / curvegan whole-process per step: $(ratio "$t_loop" "$(per_step "$cg_med")") (curvegan reports no loop time)"
    fi
    echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) via $PYTHON; its process time includes ~seconds of 'import torch'"
    echo "final_mse: MSE of 1000 G(z) curves to 2x^2+1 at linspace(-1,1,15); curvegan's via check_torch_load.py"
else
    echo
    echo "torch: not found ($torch_why); only curvegan was timed."
    echo "       install it with: python3 -m venv venv-torch && venv-torch/bin/pip install torch numpy safetensors,"
    echo "       then run with PYTHON=venv-torch/bin/python"
fi
