#!/usr/bin/env python3
"""Compare two fixture folders (e.g. the committed one and a fresh
tools/make_fixtures.py output), file by file.

    python3 tools/compare_fixtures.py NEW_DIR [REF_DIR] [--tol 1e-6]

REF_DIR defaults to crates/curvegan/tests/fixtures. For every file of either
side: safetensors files are compared tensor by tensor (same names, dtype,
shape; max abs diff; "bit-identical" when equal), JSON files value by value
(same keys and structure; numbers by max abs diff; `f32_bits` hex strings in ulps, following their
numbers; other strings exactly). Other
files (README.md) are skipped. Needs numpy and safetensors (not torch).

Prints one line per file and a summary; exit 0 when every file exists on both
sides with the same structure and every number is within --tol (abs), else 1.
"""
import argparse
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REF = os.path.join(HERE, "..", "crates", "curvegan", "tests", "fixtures")


def files(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith((".safetensors", ".json")):
                out.add(os.path.relpath(os.path.join(d, f), root))
    return out


def cmp_json(a, b, path, diffs, problems, ulps):
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            problems.append(f"{path}: keys {list(a)} != {list(b)}")
        for k in a:
            if k in b:
                cmp_json(a[k], b[k], f"{path}.{k}", diffs, problems, ulps)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{path}: list length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            cmp_json(x, y, f"{path}[{i}]", diffs, problems, ulps)
    elif (isinstance(a, str) and isinstance(b, str) and a.startswith("0x") and b.startswith("0x")
          and ".f32_bits" in path):
        # f32 bit patterns: a difference here mirrors the float's, counted in ulps
        if a != b:
            ulps.append((abs(int(a, 16) - int(b, 16)), path))
    elif isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        if a != b:
            problems.append(f"{path}: {a!r} != {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        d = abs(float(a) - float(b)) if a != b else 0.0
        diffs.append((d, path))
    else:
        problems.append(f"{path}: type {type(a).__name__} != {type(b).__name__}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("new")
    p.add_argument("ref", nargs="?", default=DEFAULT_REF)
    p.add_argument("--tol", type=float, default=1e-6)
    args = p.parse_args()
    fa, fb = files(args.new), files(args.ref)
    bad = 0
    for rel in sorted(fa ^ fb):
        print(f"MISSING {rel}: only in {'new' if rel in fa else 'ref'}")
        bad += 1
    n_exact = 0
    for rel in sorted(fa & fb):
        a, b = os.path.join(args.new, rel), os.path.join(args.ref, rel)
        problems, worst = [], (0.0, "")
        if rel.endswith(".safetensors"):
            ta, tb = load_file(a), load_file(b)
            if sorted(ta) != sorted(tb):
                problems.append(f"tensor names differ: {sorted(set(ta) ^ set(tb))}")
            n_diff = 0
            for k in sorted(set(ta) & set(tb)):
                x, y = ta[k], tb[k]
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"{k}: {x.dtype}{list(x.shape)} != {y.dtype}{list(y.shape)}")
                    continue
                if x.tobytes() != y.tobytes():
                    n_diff += 1
                    d = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                    if d >= worst[0]:
                        worst = (d, k)
            kind = "bytes-identical" if open(a, "rb").read() == open(b, "rb").read() else (
                "bit-identical tensors" if n_diff == 0 else f"{n_diff} tensor(s) differ")
        else:
            diffs, ulps = [], []
            ja, jb = json.load(open(a)), json.load(open(b))
            cmp_json(ja, jb, "$", diffs, problems, ulps)
            nonzero = [d for d in diffs if d[0] != 0.0]
            if nonzero:
                worst = max(nonzero)
            kind = "bytes-identical" if open(a, "rb").read() == open(b, "rb").read() else (
                "same values" if not nonzero else f"{len(nonzero)} number(s) differ")
            if ulps:
                kind += f" (f32_bits: {len(ulps)} differ, by at most {max(ulps)[0]} ulp)"
        ok = not problems and worst[0] <= args.tol
        bad += not ok
        n_exact += worst[0] == 0.0 and not problems
        line = f"{'ok  ' if ok else 'FAIL'} {rel}: {kind}"
        if worst[0]:
            line += f", max abs diff {worst[0]:.3g} at {worst[1]}"
        print(line)
        for pr in problems[:10]:
            print(f"     {pr}")
    print(f"{len(fa & fb)} files compared, {n_exact} exact, {bad} failing (tol {args.tol:g})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
