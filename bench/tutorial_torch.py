#!/usr/bin/env python3
"""The GAN of the PyTorch tutorial (docs/src/tutorial.md), timed.

The training loop is the tutorial's own: same networks, same inverted-label
BCE losses, same statement order, 10001 steps of batch 64 with Adam lr 1e-4.
Only the plotting is gone. PyTorch runs on one thread
(torch.set_num_threads(1)); run it under `taskset -c 0` to hold it to one core.

Prints, on stdout, lines of key=value pairs meant to be parsed:

    torch_version=2.15.0+cu132 threads=1 seed=0
    torch_us_per_step=2412.3 steps=10001 wall_s=24.1
    final_mse=0.0071 final_G_loss=0.6931 final_D_loss=1.3863

torch_us_per_step and wall_s time the training loop alone (not the imports,
not the building of the networks, not the final evaluation). final_mse is
the mean squared error of 1000 fresh G(z) curves to 2x^2+1 at
linspace(-1, 1, 15).

Exit status: 0 on success, 2 on bad arguments, 3 when torch (or numpy)
cannot be imported.
"""
import argparse
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10001,
                   help="training steps (default 10001, as in the tutorial)")
    p.add_argument("--seed", type=int, default=0,
                   help="torch.manual_seed value (default 0)")
    p.add_argument("--log-every", type=int, default=0, metavar="K",
                   help="print G_loss and D_loss every K steps to stderr "
                        "(default 0: never; the tutorial plots every 1000)")
    p.add_argument("--save-dir", metavar="DIR",
                   help="after training, save G and D there as generator.safetensors and "
                        "discriminator.safetensors (torch state_dict names), for check_torch_load.py")
    p.add_argument("--count-flops", action="store_true",
                   help="count the loop's floating-point operations with PyTorch's "
                        "FlopCounterMode and print flops_per_step= (slower; not for timing)")
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error("--steps must be at least 1")
    if args.log_every < 0:
        p.error("--log-every must be >= 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)

    try:
        import numpy as np
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken install raising OSError/ValueError
        print(f"tutorial_torch.py: cannot import torch/numpy with {sys.executable}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        print("tutorial_torch.py: install them, e.g. python3 -m venv venv-torch && "
              "venv-torch/bin/pip install torch numpy safetensors", file=sys.stderr)
        return 3

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # only allowed before any inter-op work; harmless if refused
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # the tutorial draws nothing from numpy; set anyway

    # ---- the tutorial, verbatim but for plotting ------------------------------
    BATCH_SIZE = 64
    G_IN_SIZE = 15  # 生成器 输入尺寸
    G_OUT_SIZE = 15  # 生成器 输出尺寸

    PAINT_POINTS = np.vstack([np.linspace(-1, 1, G_OUT_SIZE) for _ in range(BATCH_SIZE)])  # (BATCH_SIZE, G_OUT_SIZE)

    def real_points():
        paints = 2 * np.power(PAINT_POINTS, 2) + 1
        paints = torch.from_numpy(paints).float()
        return paints

    G = nn.Sequential(
        nn.Linear(G_IN_SIZE, 128),
        nn.ReLU(),
        nn.Linear(128, G_OUT_SIZE)
    )

    D = nn.Sequential(
        nn.Linear(G_OUT_SIZE, 128),
        nn.ReLU(),
        nn.Linear(128, 1),
        nn.Sigmoid()
    )

    optimizer_G = torch.optim.Adam(G.parameters(), lr=0.0001)
    optimizer_D = torch.optim.Adam(D.parameters(), lr=0.0001)

    bceloss = nn.BCELoss()

    steps = args.steps
    log_every = args.log_every
    # --count-flops: PyTorch counts the loop's operations (entered and left by hand so that
    # the loop keeps its indentation).
    counter = None
    if args.count_flops:
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        counter.__enter__()
    t0 = time.perf_counter()
    for step in range(steps):
        real_data = real_points()  # 生成真实数据
        randn_input = torch.randn(BATCH_SIZE, G_IN_SIZE)  # 输入噪声

        eps = 1e-6  # 防止log 0 (unused, as in the tutorial)

        D_real = D(real_data)
        D_fake = D(G(randn_input))

        D_loss = bceloss(1 - D_real, torch.ones_like(D_real)) + bceloss(1 - D_fake, torch.zeros_like(D_fake))

        optimizer_D.zero_grad()
        D_loss.backward()
        optimizer_D.step()

        G_fake_out = G(randn_input)
        D_fake = D(G_fake_out)
        G_loss = bceloss(D_fake, torch.zeros_like(D_fake))

        optimizer_G.zero_grad()
        G_loss.backward()
        optimizer_G.step()

        if log_every and step % log_every == 0:  # the tutorial plots here
            print(f"step={step} G_loss={G_loss.item():.4f} D_loss={D_loss.item():.4f}",
                  file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    if counter is not None:
        counter.__exit__(None, None, None)
        print(f"flops_per_step={counter.get_total_flops() / steps:.0f}", flush=True)
    # ---- end of the tutorial ---------------------------------------------------

    with torch.no_grad():
        z = torch.randn(1000, G_IN_SIZE)
        target = torch.from_numpy(2 * np.power(np.linspace(-1, 1, G_OUT_SIZE), 2) + 1).float()
        mse = torch.mean((G(z) - target) ** 2).item()

    if args.save_dir:
        import os
        from safetensors.torch import save_file
        os.makedirs(args.save_dir, exist_ok=True)
        save_file(G.state_dict(), os.path.join(args.save_dir, "generator.safetensors"))
        save_file(D.state_dict(), os.path.join(args.save_dir, "discriminator.safetensors"))

    print(f"torch_version={torch.__version__} threads={torch.get_num_threads()} seed={args.seed}")
    print(f"torch_us_per_step={wall / steps * 1e6:.1f} steps={steps} wall_s={wall:.3f}")
    print(f"final_mse={mse:.6f} final_G_loss={G_loss.item():.4f} final_D_loss={D_loss.item():.4f}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
