"""What the tests of the Python package share: the curvegan binary they compare with, and a
fresh working folder per test.

The package under test is the installed one (tools/test.sh builds the wheel with maturin and
installs it into target/py); the binary is $CURVEGAN_BIN, which tools/test.sh builds from the
same sources. The tests fail, never skip, without them.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Each test runs in a fresh folder (runs/ is relative, as in the README)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli():
    """Runs the curvegan binary with its arguments; returns its standard output, and fails
    the test naming the command and its standard error when it fails."""
    binary = os.environ.get("CURVEGAN_BIN")
    if not binary or not Path(binary).is_file():
        pytest.fail(
            "CURVEGAN_BIN must name the curvegan binary (bash tools/test.sh sets it); got "
            f"{binary!r}"
        )

    def run(*args):
        done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, f"curvegan {' '.join(map(str, args))}: {done.stderr}"
        return done.stdout

    return run
