"""The guide's Python runs as written (in a fresh folder): the README's block and the Optuna
example of docs/src/python.md."""

import re

from conftest import ROOT


def block(path, start, end):
    """The one ```python block of `path` between the lines `start` and `end`."""
    part = (ROOT / path).read_text().split(start)[1].split(end)[0]
    (code,) = re.findall(r"```python\n(.*?)```", part, re.S)
    return code


def run(code, name):
    names = {}
    exec(compile(code, name, "exec"), names)
    return names


def test_the_readmes_python_block_runs_as_written():
    names = run(block("README.md", "<!-- ANCHOR: python -->", "<!-- ANCHOR_END: python -->"),
                "README.md")
    x, g = names["x"], names["g"]
    assert x.shape == (1000, 15) and str(x.dtype) == "float32"
    assert g.status == "finished"


def test_the_optuna_example_runs_and_prunes(in_tmp):
    run(block("docs/src/python.md", "<!-- optuna -->", "<!-- /optuna -->"), "python.md")
    trials = sorted((in_tmp / "runs").iterdir())
    assert len(trials) == 6
    # Each trial's run is finished, or stopped at a checkpoint by the pruner.
    import curvegan
    assert {curvegan.load(t).status for t in trials} <= {"finished", "stopped"}
