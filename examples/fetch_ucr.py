#!/usr/bin/env python3
"""Fetch public UCR/UEA time-series data sets from the `aeon` wheel on PyPI.

    python3 examples/fetch_ucr.py [--out DIR] [--wheel FILE] [NAME ...]

downloads aeon's wheel (`pip download aeon==1.6.0 --no-deps`, about 6 MB; nothing is
installed), takes the `.ts` files of the named data sets from `aeon/datasets/data/NAME/`, and
writes `DIR/NAME.ts` (default DIR: `data/ucr`): the TRAIN file's header and series followed by
the TEST file's series, one file of every row, which `curvegan train --data DIR/NAME.ts` reads
(curvegan holds out its own share for evaluation). Default names: ItalyPowerDemand, GunPoint,
JapaneseVowels, BasicMotions. `--wheel FILE` uses a wheel downloaded before.

The data sets are those of the UCR and UEA time-series classification archives; cite them as

- H. A. Dau, E. Keogh, K. Kamgar, C.-C. M. Yeh, Y. Zhu, S. Gharghabi, C. A. Ratanamahatana,
  Yanping, B. Hu, N. Begum, A. Bagnall, A. Mueen, G. Batista and Hexagon-ML, "The UCR Time
  Series Classification Archive", 2018, https://www.cs.ucr.edu/~eamonn/time_series_data_2018/
  (ItalyPowerDemand, GunPoint);
- A. Bagnall, H. A. Dau, J. Lines, M. Flynn, J. Large, A. Bostrom, P. Southam and E. Keogh,
  "The UEA multivariate time series classification archive, 2018", arXiv:1811.00075
  (JapaneseVowels — from M. Kudo, J. Toyama and M. Shimbo, Pattern Recognition Letters 20,
  1999, via the UCI repository — and BasicMotions).

The archives publish them for research use; aeon (BSD-3-Clause) ships these copies. They are
not part of curvegan's repository.

Exit status: 0 written; 1 the download or a data set failed; 2 bad arguments.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

AEON = "aeon==1.6.0"
DEFAULT = ["ItalyPowerDemand", "GunPoint", "JapaneseVowels", "BasicMotions"]


def merged(train: str, test: str) -> str:
    """TRAIN's header and series, then TEST's series (its header and comments dropped)."""
    series = [line for line in test.splitlines()
              if line.strip() and not line.lstrip().startswith(("@", "#"))]
    return train.rstrip("\n") + "\n" + "\n".join(series) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", metavar="NAME", help="data sets (default: %s)" % ", ".join(DEFAULT))
    p.add_argument("--out", default="data/ucr", help="folder of the merged .ts files (default data/ucr)")
    p.add_argument("--wheel", help="aeon's wheel, already downloaded")
    args = p.parse_args(argv)
    names = args.names or DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if wheel is None:
            cmd = [sys.executable, "-m", "pip", "download", AEON, "--no-deps", "--quiet", "-d", tmp]
            if subprocess.run(cmd).returncode != 0:
                print(f"fetch_ucr.py: `{' '.join(cmd)}` failed", file=sys.stderr)
                return 1
            wheels = glob.glob(os.path.join(tmp, "aeon-*.whl"))
            if not wheels:
                print("fetch_ucr.py: pip downloaded no aeon wheel", file=sys.stderr)
                return 1
            wheel = wheels[0]
        os.makedirs(args.out, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for name in names:
                parts = {}
                for part in ("TRAIN", "TEST"):
                    member = f"aeon/datasets/data/{name}/{name}_{part}.ts"
                    try:
                        parts[part] = z.read(member).decode("utf-8")
                    except KeyError:
                        print(f"fetch_ucr.py: {os.path.basename(wheel)} has no {member}", file=sys.stderr)
                        return 1
                path = os.path.join(args.out, f"{name}.ts")
                with open(path + ".tmp", "w") as f:
                    f.write(merged(parts["TRAIN"], parts["TEST"]))
                os.replace(path + ".tmp", path)
                rows = sum(1 for line in open(path) if line.strip() and not line.lstrip().startswith(("@", "#")))
                print(f"{path}: {rows} series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
