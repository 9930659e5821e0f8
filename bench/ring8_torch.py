#!/usr/bin/env python3
"""configs/previous/ring8.toml's GAN in PyTorch, timed: the speed table's larger size.

What `curvegan train --config configs/previous/ring8.toml --eval-every 0 --plot-every 0` runs,
step for step:

- data: 8 Gaussians (sigma 0.01) centred on the unit circle at angles 2*pi*k/8, a batch of
  100 real points a step; noise z ~ N(0, I) of size 2;
- G = Linear(2,400) ReLU Linear(400,400) ReLU Linear(400,400) ReLU Linear(400,2);
- D = PacGAN2: Linear(4,200) ReLU Linear(200,200) ReLU Linear(200,200) ReLU Linear(200,1),
  fed the batch [100, 2] reshaped to [50, 4] (two samples a row), raw scores (no sigmoid);
- the non-saturating loss: D_loss = BCEWithLogits(D(real), 1) + BCEWithLogits(D(fake), 0)
  with fake = G(z_d) detached; then G_loss = BCEWithLogits(D(G(z_g)), 1) on fresh noise z_g
  through the updated D;
- Adam: G lr 1e-4, D lr 3e-4, betas (0.5, 0.999); both learning rates fall linearly to 0
  over the run (lr_t = lr * (1 - t / steps)).

With --count-flops it also prints flops_per_step=, the floating-point operations of a
step as PyTorch's FlopCounterMode counts them (its matrix products; the timing is then not
meaningful). PyTorch runs on one thread (torch.set_num_threads(1)); run it under `taskset -c 0` to hold
it to one core. Prints, on stdout, lines of key=value pairs meant to be parsed:

    torch_version=2.15.0+cu132 threads=1 seed=0
    torch_us_per_step=17000.0 steps=2000 wall_s=34.0
    final_G_loss=0.6931 final_D_loss=1.3863 high_quality=0.97

torch_us_per_step and wall_s time the training loop alone. high_quality is the fraction of
2500 fresh G(z) samples within 3 sigma of a mode (a sanity check that it learnt; short
runs learn little).

Exit status: 0 on success, 2 on bad arguments, 3 when torch cannot be imported.
"""
import argparse
import math
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=2000,
                   help="training steps (default 2000, the speed table's)")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed value (default 0)")
    p.add_argument("--count-flops", action="store_true",
                   help="count the loop's floating-point operations with PyTorch's "
                        "FlopCounterMode and print flops_per_step= (slower; not for timing)")
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error("--steps must be at least 1")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken install raising OSError/ValueError
        print(f"ring8_torch.py: cannot import torch with {sys.executable}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        return 3

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(args.seed)

    BATCH, LATENT, PACK, SIGMA = 100, 2, 2, 0.01
    angles = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
    centres = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # [8, 2]

    def real_batch():
        k = torch.randint(0, 8, (BATCH,))
        return centres[k] + SIGMA * torch.randn(BATCH, 2)

    def mlp(widths):
        layers = []
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i + 2 < len(widths):
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    G = mlp([LATENT, 400, 400, 400, 2])
    D = mlp([2 * PACK, 200, 200, 200, 1])

    def d(x):  # PacGAN: [B, 2] -> [B / PACK, 2 * PACK] -> scores
        return D(x.reshape(BATCH // PACK, 2 * PACK))

    lr_g, lr_d = 1e-4, 3e-4
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    steps = args.steps
    # --count-flops: PyTorch counts the loop's operations (entered and left by hand so that
    # the loop keeps its indentation).
    counter = None
    if args.count_flops:
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        counter.__enter__()
    t0 = time.perf_counter()
    for step in range(steps):
        decay = 1.0 - step / steps
        opt_g.param_groups[0]["lr"] = lr_g * decay
        opt_d.param_groups[0]["lr"] = lr_d * decay

        real = real_batch()
        fake = G(torch.randn(BATCH, LATENT)).detach()
        s_real, s_fake = d(real), d(fake)
        d_loss = bce(s_real, torch.ones_like(s_real)) + bce(s_fake, torch.zeros_like(s_fake))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()

        s = d(G(torch.randn(BATCH, LATENT)))
        g_loss = bce(s, torch.ones_like(s))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    wall = time.perf_counter() - t0
    if counter is not None:
        counter.__exit__(None, None, None)
        print(f"flops_per_step={counter.get_total_flops() / steps:.0f}", flush=True)

    with torch.no_grad():
        x = G(torch.randn(2500, LATENT))
        dist = torch.cdist(x, centres).min(dim=1).values
        high_quality = (dist <= 3 * SIGMA).float().mean().item()

    print(f"torch_version={torch.__version__} threads={torch.get_num_threads()} seed={args.seed}")
    print(f"torch_us_per_step={wall / steps * 1e6:.1f} steps={steps} wall_s={wall:.3f}")
    print(f"final_G_loss={g_loss.item():.4f} final_D_loss={d_loss.item():.4f} "
          f"high_quality={high_quality:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
