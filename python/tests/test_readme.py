"""The README's Python block runs as written (in a fresh folder)."""

import re

from conftest import ROOT


def test_the_readmes_python_block_runs_as_written():
    readme = (ROOT / "README.md").read_text()
    part = readme.split("<!-- ANCHOR: python -->")[1].split("<!-- ANCHOR_END: python -->")[0]
    (code,) = re.findall(r"```python\n(.*?)```", part, re.S)
    names = {}
    exec(compile(code, "README.md", "exec"), names)
    x, g = names["x"], names["g"]
    assert x.shape == (1000, 15) and str(x.dtype) == "float32"
    assert g.status == "finished"
