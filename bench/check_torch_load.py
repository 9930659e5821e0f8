#!/usr/bin/env python3
"""Load a curvegan run folder into PyTorch and score its generator.

Usage: check_torch_load.py RUN_DIR [--samples 1000] [--seed 0]

Builds the tutorial's networks

    G = nn.Sequential(nn.Linear(15,128), nn.ReLU(), nn.Linear(128,15))
    D = nn.Sequential(nn.Linear(15,128), nn.ReLU(), nn.Linear(128,1), nn.Sigmoid())

loads RUN_DIR/generator.safetensors and RUN_DIR/discriminator.safetensors with
safetensors.torch.load_file + load_state_dict(strict=True) (so the tensor
names must be torch's: 0.weight, 0.bias, 2.weight, 2.bias; weights shaped
[out, in]), draws SAMPLES curves G(z) with z ~ randn(SAMPLES, 15) and prints
their mean squared error to 2x^2+1 at linspace(-1, 1, 15):

    loaded generator=... discriminator=...
    final_mse=0.010812 samples=1000 D_real_mean=0.49 D_fake_mean=0.50

Exit status: 0 on success, 2 on bad arguments or a missing file, 3 when
torch/safetensors cannot be imported, 4 when a file cannot be loaded into
the networks (bad file, missing/unexpected tensor names, wrong shapes).
"""
import argparse
import os
import sys


def fail(code, msg):
    print(f"check_torch_load.py: {msg}", file=sys.stderr)
    sys.exit(code)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run_dir", help="folder holding generator.safetensors and discriminator.safetensors")
    p.add_argument("--samples", type=int, default=1000, help="curves drawn from G (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the noise (default 0)")
    args = p.parse_args()
    if args.samples < 1:
        p.error("--samples must be at least 1")

    try:
        import torch
        import torch.nn as nn
        from safetensors.torch import load_file
    except Exception as e:
        fail(3, f"cannot import torch/safetensors with {sys.executable}: {type(e).__name__}: {e}\n"
                "  install them, e.g. python3 -m venv venv-torch && venv-torch/bin/pip install torch numpy safetensors")

    if not os.path.isdir(args.run_dir):
        fail(2, f"not a folder: {args.run_dir}")
    paths = {name: os.path.join(args.run_dir, f"{name}.safetensors")
             for name in ("generator", "discriminator")}
    for name, path in paths.items():
        if not os.path.isfile(path):
            fail(2, f"missing {name} weights: {path}")

    torch.manual_seed(args.seed)
    G = nn.Sequential(nn.Linear(15, 128), nn.ReLU(), nn.Linear(128, 15))
    D = nn.Sequential(nn.Linear(15, 128), nn.ReLU(), nn.Linear(128, 1), nn.Sigmoid())

    notes = []
    for name, net in (("generator", G), ("discriminator", D)):
        path = paths[name]
        try:
            sd = load_file(path)
        except Exception as e:
            fail(4, f"cannot read {path} as safetensors: {type(e).__name__}: {e}")
        expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
        found = {k: tuple(v.shape) for k, v in sd.items()}
        try:
            net.load_state_dict(sd, strict=True)
        except Exception as e:
            fail(4, f"cannot load {path} into the {name} (strict):\n"
                    f"  expected tensors: {expected}\n"
                    f"  found in file:    {found}\n"
                    f"  torch says: {e}")
        dtypes = sorted({str(v.dtype).replace('torch.', '') for v in sd.values()})
        notes.append(f"{name}={','.join(dtypes)}")
        if dtypes != ["float32"]:
            print(f"check_torch_load.py: warning: {path} holds {dtypes}, not float32; "
                  "load_state_dict converted it", file=sys.stderr)
        bad = [k for k, v in sd.items() if not torch.isfinite(v).all()]
        if bad:
            fail(4, f"{path} holds non-finite values in {bad}")

    with torch.no_grad():
        x = torch.linspace(-1, 1, 15)
        target = 2 * x ** 2 + 1
        z = torch.randn(args.samples, 15)
        fake = G(z)
        mse = torch.mean((fake - target) ** 2).item()
        d_real = D(target.unsqueeze(0)).mean().item()
        d_fake = D(fake).mean().item()

    print(f"loaded {' '.join(notes)} strict=True")
    print(f"final_mse={mse:.6f} samples={args.samples} D_real_mean={d_real:.4f} D_fake_mean={d_fake:.4f}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
