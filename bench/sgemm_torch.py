#!/usr/bin/env python3
"""This core's large-matrix limit: PyTorch's float32 matrix product C = A @ B of two
1024 x 1024 matrices on one thread, in GFLOP/s (2 * 1024^3 floating-point operations a product).

bench/compare.sh divides curvegan's and PyTorch's step rates by it. PyTorch's CPU build calls
an optimised BLAS (MKL or OpenBLAS, tuned per CPU kind), so this is about as fast as one core
multiplies large matrices; small products (a GAN step's) run below it.

Prints on stdout one line meant to be parsed:
    sgemm_gflops=91.2 n=1024 repeats=15 threads=1 torch_version=2.15.0
the median of --repeats timed products after --warmup untimed ones. Run it under
`taskset -c 0` to hold it to the core the other loops run on.
Exit status: 0 on success, 2 on bad arguments, 3 when torch cannot be imported.
"""
import argparse
import statistics
import sys
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1024, help="matrix size (default 1024)")
    p.add_argument("--repeats", type=int, default=15, help="timed products (default 15)")
    p.add_argument("--warmup", type=int, default=3, help="untimed products first (default 3)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.n < 1 or args.repeats < 1 or args.warmup < 0:
        p.error("--n and --repeats must be at least 1, --warmup at least 0")
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install raising OSError/ValueError
        print(f"sgemm_torch.py: cannot import torch with {sys.executable}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        return 3
    torch.set_num_threads(1)
    torch.manual_seed(0)
    n = args.n
    a, b = torch.randn(n, n), torch.randn(n, n)
    c = torch.empty(n, n)
    for _ in range(args.warmup):
        torch.mm(a, b, out=c)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append(time.perf_counter() - t0)
    gflops = 2 * n ** 3 / statistics.median(times) / 1e9
    print(f"sgemm_gflops={gflops:.1f} n={n} repeats={args.repeats} "
          f"threads={torch.get_num_threads()} torch_version={torch.__version__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
