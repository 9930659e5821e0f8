#!/usr/bin/env bash
# Time curvegan against the same training loop in PyTorch, in one run, at two sizes.
#
#   bench/compare.sh [--size tutorial|ring8|both] [--steps N] [--ring8-steps N] [--seed S]
#                    [--repeat R] [--pin-curvegan] [--no-build]
#
# Sizes (default both):
#   tutorial  curvegan train --plot-every 0 (N steps, default 10001)
#             against bench/tutorial_torch.py;
#   ring8     curvegan train --config configs/previous/ring8.toml --eval-every 0 --plot-every 0
#             (G 2-400-400-400-2, D PacGAN2 4-200-200-200-1, batch 100; N steps, default
#             2000) against bench/ring8_torch.py: the networks of the ring's config before
#             the time-to-quality tuning, kept as the kernels' large size.
#
# 1. prints the CPU model, its SIMD flags and the load (uptime); builds the Rust binary with
#    `cargo build --release` at the repo root (skipped with --no-build, or when CURVEGAN_BIN
#    names a binary);
# 2. for each size, R times (interleaved, so drift hits both sides alike):
#      - the curvegan run (--quiet --out "$tmpdir/run" --steps N --seed S), timed as a
#        whole process (date +%s.%N around it);
#      - the PyTorch script (--steps N --seed S) under `taskset -c 0` (one core, one torch
#        thread), timed as a whole process too; it also reports its training loop alone;
# 3. prints, per size, a table of medians: whole-process seconds (wall, and CPU time: user +
#    system, which other work on the machine distorts less), µs per step, and the ratio
#    torch/curvegan; then both sides' rates in GFLOP/s and as a fraction of this core's limit:
#      - the limit: PyTorch's one-thread float32 product of two 1024 x 1024 matrices
#        (bench/sgemm_torch.py, on core 0), measured before the first size and after the
#        last, and their mean used;
#      - a step's work: the matrix-product FLOPs curvegan's step does (step_flops below: the
#        tutorial 2.83 MFLOP, ring8's networks 322 MFLOP), over the whole process's µs per
#        step for curvegan and the training loop's for PyTorch. PyTorch's own count of its
#        loop (FlopCounterMode, --count-flops) is printed beside: its loops do a little more
#        (the tutorial's D update also backpropagates into G; ring8's G update also takes D's
#        weight gradient). For the tutorial, if the Python has torch and safetensors, the
#    last curvegan run folder is also loaded into PyTorch by bench/check_torch_load.py and
#    its generator's MSE to 2x^2+1 shown.
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

size=both
steps=10001
ring8_steps=2000
seed=0
repeat=3
pin_curvegan=0
build=1
while (($#)); do
    case "$1" in
        --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
        --steps=*) steps="${1#*=}"; shift ;;
        --size) size="${2:?--size needs a value}"; shift 2 ;;
        --size=*) size="${1#*=}"; shift ;;
        --ring8-steps) ring8_steps="${2:?--ring8-steps needs a value}"; shift 2 ;;
        --ring8-steps=*) ring8_steps="${1#*=}"; shift ;;
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
[[ "$ring8_steps" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --ring8-steps must be a positive integer, got '$ring8_steps'" >&2; exit 2; }
case "$size" in
    tutorial) sizes=(tutorial) ;;
    ring8) sizes=(ring8) ;;
    both) sizes=(tutorial ring8) ;;
    *) echo "compare.sh: --size must be tutorial, ring8 or both, got '$size'" >&2; exit 2 ;;
esac
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
# cputime FILE CMD...: runs CMD, writes its user+system CPU seconds to FILE, returns its status
cputime() {
    local out="$1" rc
    shift
    local TIMEFORMAT='%3U %3S'
    { time "$@" 2>&3; } 3>&2 2>"$out.t" && rc=0 || rc=$?
    awk '{ printf "%.3f", $1 + $2 }' "$out.t" >"$out"
    return $rc
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# value of key=VALUE in a file (first match), empty if absent
field() { grep -oE "(^|[[:space:]])$1=[-+0-9.eE]+" "$2" 2>/dev/null | head -n 1 | sed 's/.*=//' || true; }

# ---- the machine -----------------------------------------------------------------
cpu_model="$(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)"
cpu_flags="$(grep -m 1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -xE 'avx|avx2|fma|avx512f' | tr '\n' ' ' || true)"
if [[ " $cpu_flags " == *" avx512f "* ]]; then
    kernels="AVX-512"
elif [[ " $cpu_flags " == *" avx2 "* && " $cpu_flags " == *" fma "* ]]; then
    kernels="AVX2+FMA"
else
    kernels="portable"
fi
echo "cpu: ${cpu_model:-unknown} ($(nproc 2>/dev/null || echo '?') cores); SIMD flags: ${cpu_flags:-none}; curvegan's kernels: $kernels"
echo "load before: $(uptime)"

# step_flops BATCH PACK REUSE G_WIDTHS D_WIDTHS: the matrix-product FLOPs (2 m k n a product)
# of one curvegan step of the non-saturating (or tutorial) loss, for G and D with these
# layer widths (input first, comma-separated), D seeing BATCH / PACK rows of PACK samples:
#   D's update: G forward on B noise rows; D forward on the real and fake rows, D's weight
#   gradient on both and its backward through every layer but the first;
#   G's update: G forward again unless REUSE=1 (the tutorial's one noise batch); D forward
#   on the fake rows and backward through all its layers to its input; G's weight gradient
#   and its backward through every layer but the first.
step_flops() {
    awk -v b="$1" -v pack="$2" -v reuse="$3" -v g="$4" -v d="$5" 'BEGIN {
        ng = split(g, gw, ","); nd = split(d, dw, ",")
        for (i = 1; i < ng; i++) pg += gw[i] * gw[i + 1]
        for (i = 1; i < nd; i++) pd += dw[i] * dw[i + 1]
        pg1 = gw[1] * gw[2]; pd1 = dw[1] * dw[2]; r = b / pack
        f = 2 * b * pg + 3 * 2 * (2 * r) * pd - 2 * (2 * r) * pd1
        f += (reuse ? 0 : 2 * b * pg) + 2 * 2 * r * pd + 2 * b * pg + 2 * b * (pg - pg1)
        printf "%.0f", f
    }'
}
# the limit: PyTorch's one-thread 1024^2 sgemm on core 0, GFLOP/s (empty without torch)
sgemm_limit() {
    if ((have_torch)); then
        "${pin[@]}" "$PYTHON" "$bench_dir/sgemm_torch.py" 2>/dev/null | grep -oE 'sgemm_gflops=[0-9.]+' | sed 's/.*=//' || true
    fi
}
limit_before="$(sgemm_limit)"
[[ -n "$limit_before" ]] && echo "this core's limit, before: $limit_before GFLOP/s (PyTorch's 1024^2 sgemm, one thread, core 0)"

per_step() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", s / n * 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

# compare SIZE STEPS: R interleaved timings of both sides at one size, then its table.
compare() {
    local name="$1" n="$2" r v log t0 t1 rc
    local -a cg_args
    local torch_script
    case "$name" in
        tutorial) cg_args=(train --plot-every 0); torch_script="$bench_dir/tutorial_torch.py" ;;
        ring8) cg_args=(train --config "$repo/configs/previous/ring8.toml" --eval-every 0 --plot-every 0)
               torch_script="$bench_dir/ring8_torch.py" ;;
    esac
    local -a cg_times=() cg_loop_us=() t_times=() t_loop_us=() cg_cpu_s=() t_cpu_s=()
    local t_mse="" cg_mse="" torch_ok=$have_torch
    for ((r = 1; r <= repeat; r++)); do
        # curvegan, whole process
        rm -rf "$tmpdir/run"
        log="$tmpdir/curvegan.$name.$r.log"
        t0="$(now)"
        if ! cputime "$tmpdir/cpu" "${cg_pin[@]}" "$bin" "${cg_args[@]}" --quiet --out "$tmpdir/run" --steps "$n" --seed "$seed" >"$log" 2>&1; then
            t1="$(now)"
            echo "compare.sh: curvegan run $r ($name) failed after $(elapsed "$t0" "$t1") s; its output:" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        t1="$(now)"
        cg_times+=("$(elapsed "$t0" "$t1")")
        cg_cpu_s+=("$(cat "$tmpdir/cpu")")
        # if curvegan reports a loop-only figure (us_per_step=...), keep it
        v="$(field us_per_step "$log")"; [[ -n "$v" ]] || v="$(field curvegan_us_per_step "$log")"
        [[ -n "$v" ]] && cg_loop_us+=("$v")
        echo "compare.sh: $name run $r/$repeat curvegan ${cg_times[-1]} s (CPU ${cg_cpu_s[-1]} s)" >&2

        # torch, whole process, one core
        if ((torch_ok)); then
            log="$tmpdir/torch.$name.$r.log"
            t0="$(now)"
            set +e
            cputime "$tmpdir/cpu" "${pin[@]}" "$PYTHON" "$torch_script" --steps "$n" --seed "$seed" >"$log" 2>&1
            rc=$?
            set -e
            t1="$(now)"
            if ((rc != 0)); then
                echo "compare.sh: $(basename "$torch_script") failed (exit $rc); its output:" >&2
                tail -n 20 "$log" >&2
                torch_ok=0
                torch_why="$(basename "$torch_script") exited $rc"
                continue
            fi
            t_times+=("$(elapsed "$t0" "$t1")")
            t_cpu_s+=("$(cat "$tmpdir/cpu")")
            t_loop_us+=("$(field torch_us_per_step "$log")")
            t_mse="$(field final_mse "$log")"
            echo "compare.sh: $name run $r/$repeat torch    ${t_times[-1]} s (CPU ${t_cpu_s[-1]} s; loop $(field wall_s "$log") s)" >&2
        fi
    done

    # the tutorial's generator, scored by PyTorch (best effort)
    if ((torch_ok)) && [[ "$name" == tutorial && -f "$tmpdir/run/generator.safetensors" ]]; then
        if "$PYTHON" "$bench_dir/check_torch_load.py" "$tmpdir/run" >"$tmpdir/check.log" 2>&1; then
            cg_mse="$(field final_mse "$tmpdir/check.log")"
        else
            echo "compare.sh: check_torch_load.py could not load curvegan's run folder:" >&2
            tail -n 8 "$tmpdir/check.log" >&2
            cg_mse="load failed"
        fi
    fi

    local cg_med cg_loop="-" cg_cpu="any core" t_med t_loop t_cpu
    cg_med="$(median "${cg_times[@]}")"
    ((${#cg_loop_us[@]})) && cg_loop="$(awk -v v="$(median "${cg_loop_us[@]}")" 'BEGIN { printf "%.1f", v }')"
    ((pin_curvegan)) && ((${#pin[@]})) && cg_cpu="core 0"

    echo
    echo "== $name: steps=$n seed=$seed repeat=$repeat (medians of $repeat whole-process timings)"
    echo "curvegan: $bin ${cg_args[*]}"
    local cg_cpu_med t_cpu_med
    cg_cpu_med="$(median "${cg_cpu_s[@]}")"
    printf '%-10s %10s %16s %9s %16s %10s  %s\n' "side" "process_s" "us/step(process)" "cpu_s" "us/step(loop)" "final_mse" "cpu"
    printf '%-10s %10s %16s %9s %16s %10s  %s\n' "curvegan" "$cg_med" "$(per_step "$cg_med" "$n")" "$cg_cpu_med" "$cg_loop" "${cg_mse:--}" "$cg_cpu"
    if ((torch_ok)) && ((${#t_times[@]})); then
        t_med="$(median "${t_times[@]}")"
        t_loop="$(awk -v v="$(median "${t_loop_us[@]}")" 'BEGIN { printf "%.1f", v }')"
        t_cpu="1 thread"; ((${#pin[@]})) && t_cpu="core 0, 1 thread"
        t_cpu_med="$(median "${t_cpu_s[@]}")"
        printf '%-10s %10s %16s %9s %16s %10s  %s\n' "torch" "$t_med" "$(per_step "$t_med" "$n")" "$t_cpu_med" "$t_loop" "${t_mse:--}" "$t_cpu"
        echo "ratio torch/curvegan, whole process: $(ratio "$t_med" "$cg_med") (wall), $(ratio "$t_cpu_med" "$cg_cpu_med") (CPU time)"
        if [[ "$cg_loop" != "-" ]]; then
            echo "ratio torch/curvegan, loop only:     $(ratio "$t_loop" "$cg_loop")"
        else
            echo "ratio torch loop-only / curvegan whole-process per step: $(ratio "$t_loop" "$(per_step "$cg_med" "$n")") (curvegan reports no loop time)"
        fi
    fi
    # the step's work and both rates; their fractions of the limit come at the end
    local flops torch_flops=""
    case "$name" in
        tutorial) flops="$(step_flops 64 1 1 15,128,15 15,128,1)" ;;
        ring8) flops="$(step_flops 100 2 0 2,400,400,400,2 4,200,200,200,1)" ;;
    esac
    if ((torch_ok)); then
        torch_flops="$("$PYTHON" "$torch_script" --steps 2 --seed "$seed" --count-flops 2>/dev/null | grep -oE 'flops_per_step=[0-9]+' | sed 's/.*=//' || true)"
    fi
    rates+=("$name $flops $(per_step "$cg_med" "$n") ${t_loop:--} ${torch_flops:--}")
}
rates=()

for name in "${sizes[@]}"; do
    case "$name" in
        tutorial) compare tutorial "$steps" ;;
        ring8) compare ring8 "$ring8_steps" ;;
    esac
done

limit_after="$(sgemm_limit)"
echo
if [[ -n "$limit_before" && -n "$limit_after" ]]; then
    limit="$(awk -v a="$limit_before" -v b="$limit_after" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
    echo "== this core's limit: $limit GFLOP/s (PyTorch's 1024^2 sgemm, one thread, core 0: $limit_before before, $limit_after after)"
else
    limit=""
    echo "== this core's limit: not measured (no torch: $torch_why)"
fi
printf '%-10s %12s %18s %9s %18s %9s %16s\n' "size" "MFLOP/step" "curvegan GFLOP/s" "of limit" "torch loop GFLOP/s" "of limit" "torch counts"
for row in "${rates[@]}"; do
    read -r name flops cg_us t_us t_flops <<<"$row"
    awk -v n="$name" -v f="$flops" -v c="$cg_us" -v t="$t_us" -v tf="$t_flops" -v l="$limit" 'BEGIN {
        cg = f / c / 1e3; frac = (l > 0) ? sprintf("%.2f", cg / l) : "-"
        if (t == "-") { tr = "-"; tfrac = "-" } else { tr = sprintf("%.1f", f / t / 1e3); tfrac = (l > 0) ? sprintf("%.2f", f / t / 1e3 / l) : "-" }
        tc = (tf == "-") ? "-" : sprintf("%.2f MFLOP", tf / 1e6)
        printf "%-10s %12.2f %18.1f %9s %18s %9s %16s\n", n, f / 1e6, cg, frac, tr, tfrac, tc
    }'
done
echo "(curvegan's rate: its step's FLOPs over the whole process's µs per step; torch's: over its loop's)"

echo
echo "load after: $(uptime)"
if ((have_torch)); then
    echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) via $PYTHON; its process time includes ~seconds of 'import torch'"
    echo "final_mse: MSE of 1000 G(z) curves to 2x^2+1 at linspace(-1,1,15); curvegan's via check_torch_load.py"
else
    echo "torch: not found ($torch_why); only curvegan was timed."
    echo "       install it with: python3 -m venv venv-torch && venv-torch/bin/pip install torch numpy safetensors,"
    echo "       then run with PYTHON=venv-torch/bin/python"
fi
