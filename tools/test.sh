#!/usr/bin/env bash
# Runs every test, as CI does, on a fresh clone:
#
#   bash tools/test.sh [cargo test arguments…]
#
# 1. installs what the tests drive for real when it is missing: Debian's `tmux` (the live
#    terminal view), `chromium` (the HTML report, headless) and `slurm-wlm` + `munge` (the
#    Slurm backend); this needs root and apt-get, else the script names the missing packages
#    and stops;
# 2. starts a one-node Slurm cluster (scripts/slurm/start.sh) unless one answers already;
# 3. fetches the public UCR/UEA data sets of tests/system/ucr.rs into target/ucr with
#    examples/fetch_ucr.py (pip downloads the `aeon` wheel from PyPI) unless they are there;
# 4. makes the virtual environment target/py with tools/requirements.txt (PyPI) unless it is
#    there, and points the tests at it (CURVEGAN_PYTHON);
# 5. runs `cargo test --workspace --locked` with the given arguments;
# 6. without arguments, the Python package: builds its wheel with maturin (release), installs
#    it into target/py and runs its tests (pytest python/tests) against the curvegan binary
#    step 5 built;
# 7. stops the cluster it started (only the processes it started), also on failure or Ctrl-C.
#
# Exit status: 0 when cargo test and pytest pass, else 1 (or cargo's status), or 1 when a
# prerequisite cannot be installed or started.
#
# Quicker subsets that need none of the above: `cargo test -p curvegan` (the library) and
# `cargo test --test cli` (the binary's command line); `--test system` is the part that does.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package, for what the tests need.
needed=(tmux:tmux chromium:chromium slurmctld:slurm-wlm slurmd:slurm-wlm sinfo:slurm-wlm munged:munge python3:python3 pip3:python3-pip)
missing=()
for pair in "${needed[@]}"; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "tools/test.sh: the tests need Debian packages ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "=== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The cluster of scripts/slurm/start.sh, found by the tests through SLURM_CONF.
export SLURM_CONF=${SLURM_CONF:-${CURVEGAN_SLURM_DIR:-/tmp/curvegan-slurm}/slurm.conf}
started=0
stop_cluster() {
    if ((started)); then
        bash scripts/slurm/stop.sh || true
    fi
}
trap stop_cluster EXIT
if [[ -f $SLURM_CONF ]] && timeout 10 sinfo -h >/dev/null 2>&1; then
    echo "=== a Slurm cluster answers already ($SLURM_CONF); the tests use it"
else
    echo "=== starting a one-node Slurm cluster"
    started=1
    bash scripts/slurm/start.sh
fi

# The public data sets of tests/system/ucr.rs (fetched once; target/ is not committed).
export CURVEGAN_UCR_DIR=${CURVEGAN_UCR_DIR:-$PWD/target/ucr}
ucr_sets=(ItalyPowerDemand GunPoint JapaneseVowels BasicMotions)
for name in "${ucr_sets[@]}"; do
    if [[ ! -f $CURVEGAN_UCR_DIR/$name.ts ]]; then
        echo "=== fetching the UCR/UEA data sets into $CURVEGAN_UCR_DIR"
        python3 examples/fetch_ucr.py --out "$CURVEGAN_UCR_DIR" "${ucr_sets[@]}"
        break
    fi
done

# The Python packages the tests read files with (tools/requirements.txt) in a virtual
# environment of our own, target/py, made anew when that file changes; the tests find its
# interpreter through CURVEGAN_PYTHON.
venv=$PWD/target/py
if ! cmp -s tools/requirements.txt "$venv/requirements.txt"; then
    echo "=== installing tools/requirements.txt into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tools/requirements.txt
    cp tools/requirements.txt "$venv/requirements.txt"
fi
export CURVEGAN_PYTHON=${CURVEGAN_PYTHON:-$venv/bin/python}

status=0
cargo test --workspace --locked "$@" || status=$?

# The Python package (pyproject.toml, crates/curvegan-py, python/): a wheel as CI would ship
# it, installed into target/py, tested with pytest against the binary cargo test built from
# the same sources. Left out when arguments ask for part of the tests.
if (($# == 0)); then
    echo "=== the Python package: its wheel (maturin), installed into $venv, pytest python/tests"
    rm -rf target/wheels
    "$venv/bin/maturin" build --release --locked --quiet -i "$venv/bin/python" --out target/wheels
    "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/curvegan-*.whl
    CURVEGAN_BIN=$PWD/target/debug/curvegan "$venv/bin/python" -m pytest -q python/tests || status=1
fi
exit "$status"
