#!/usr/bin/env python3
"""Load a curvegan run folder into PyTorch and score its generator.

Usage: check_torch_load.py RUN_DIR [--samples 1000] [--seed 0] [--curvegan PATH]

Builds the run's networks as torch modules from RUN_DIR/config.toml (the
tutorial's by default)

    G = nn.Sequential(nn.Linear(15,128), nn.ReLU(), nn.Linear(128,15))
    D = nn.Sequential(nn.Linear(15,128), nn.ReLU(), nn.Linear(128,1), nn.Sigmoid())

with g_hidden / d_hidden / activation; with g_batchnorm every hidden layer of G
is nn.Linear(bias=False), nn.BatchNorm1d, activation (indices 0, 1, 2, 3, ...);
with d_maxout = K every hidden layer of D is nn.Linear(in, width*K), Maxout(width, K)
(x.view(B, width, K).max(dim=2).values; no parameters); with spectral_norm every
Linear of D is wrapped in nn.utils.spectral_norm; with g_basis G ends with one
more, bias-free nn.Linear whose weight is the fixed smooth basis (kept frozen).
The output widths are
read from the files. It loads RUN_DIR/generator.safetensors and
RUN_DIR/discriminator.safetensors with safetensors.torch.load_file +
load_state_dict(strict=True) (so the tensor names must be torch's: 0.weight,
0.bias, 2.weight, ..., BatchNorm1d's running_mean, running_var and int64
num_batches_tracked; weights shaped [out, in]). A --data run's generator file
also holds the data's scaler, scaler.shift and scaler.scale ([channels * points]
each): they are popped from the state dict before load_state_dict, and G's
output is brought to the data's units as G(z) * scale + shift, as curvegan
samples do. For the tutorial (its shape and the quadratic target) it
draws SAMPLES curves G(z) with z ~ randn(SAMPLES, 15) and prints their mean
squared error to 2x^2+1 at linspace(-1, 1, 15):

    loaded generator=... discriminator=...
    final_mse=0.010812 samples=1000 D_real_mean=0.49 D_fake_mean=0.50

With --curvegan PATH (the curvegan binary) it also runs `curvegan sample --run
RUN_DIR -n SAMPLES --seed SEED` and the same with --noise, feeds that noise to
torch's G in eval mode (G.eval(): BatchNorm1d uses its running statistics), and
prints the largest difference to curvegan's samples:

    same_samples max_abs_diff=2.4e-07 samples=1000 (tolerance 1e-05)

(for a scaled data run the difference is divided by each point's scale: it is
measured in G's own output units, whatever the data's units).

Exit status: 0 on success, 2 on bad arguments or a missing file, 3 when
torch/safetensors cannot be imported, 4 when a file cannot be loaded into
the networks (bad file, missing/unexpected tensor names, wrong shapes), 5 when
curvegan's samples differ from torch's by more than the tolerance.
"""
import argparse
import json
import os
import subprocess
import sys
import tomllib

SAME_TOL = 1e-5


def fail(code, msg):
    print(f"check_torch_load.py: {msg}", file=sys.stderr)
    sys.exit(code)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run_dir", help="folder holding generator.safetensors and discriminator.safetensors")
    p.add_argument("--samples", type=int, default=1000, help="curves drawn from G (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the noise (default 0)")
    p.add_argument("--curvegan", metavar="PATH",
                   help="the curvegan binary: also compare its samples with torch's on the same noise")
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

    config = {}
    config_path = os.path.join(args.run_dir, "config.toml")
    if os.path.isfile(config_path):
        with open(config_path, "rb") as f:
            config = tomllib.load(f)
    sds = {}
    for name, path in paths.items():
        try:
            sds[name] = load_file(path)
        except Exception as e:
            fail(4, f"cannot read {path} as safetensors: {type(e).__name__}: {e}")
    # A data run's scaler is not a module's parameter: pop it before the strict load.
    shift = sds["generator"].pop("scaler.shift", None)
    scale = sds["generator"].pop("scaler.scale", None)
    if (shift is None) != (scale is None):
        fail(4, f"{paths['generator']} holds one of scaler.shift and scaler.scale without the other")
    if scale is not None and not (shift.shape == scale.shape and bool((scale > 0).all())):
        fail(4, f"{paths['generator']}: scaler.shift and scaler.scale are not one scaler "
                f"(shapes {tuple(shift.shape)}, {tuple(scale.shape)}; scales must be positive)")

    def data_units(out):
        """G's output in the data's units: G(z) * scale + shift (nothing without a scaler)."""
        return out if scale is None else out * scale + shift

    torch.manual_seed(args.seed)
    G, D = build(nn, torch, config, sds)

    notes = []
    for name, net in (("generator", G), ("discriminator", D)):
        path, sd = paths[name], sds[name]
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
        if set(dtypes) - {"float32", "int64"}:
            print(f"check_torch_load.py: warning: {path} holds {dtypes}, not float32; "
                  "load_state_dict converted it", file=sys.stderr)
        bad = [k for k, v in sd.items() if v.is_floating_point() and not torch.isfinite(v).all()]
        if bad:
            fail(4, f"{path} holds non-finite values in {bad}")

    G.eval()
    D.eval()
    scaled = "" if scale is None else f" scaler=[{scale.shape[0]}]"
    print(f"loaded {' '.join(notes)} strict=True{scaled}")
    kind = config.get("target", {}).get("kind", "quadratic")
    tutorial_shape = (kind == "quadratic" and G[0].in_features == 15 and G[-1].out_features == 15
                      and D[0].in_features == 15)
    if tutorial_shape:
        with torch.no_grad():
            x = torch.linspace(-1, 1, 15)
            target = 2 * x ** 2 + 1
            z = torch.randn(args.samples, 15)
            fake = G(z)
            mse = torch.mean((fake - target) ** 2).item()
            d_real = D(target.unsqueeze(0)).mean().item()
            d_fake = D(fake).mean().item()
        print(f"final_mse={mse:.6f} samples={args.samples} D_real_mean={d_real:.4f} D_fake_mean={d_fake:.4f}",
              flush=True)
    if args.curvegan:
        def sample(*extra):
            cmd = [args.curvegan, "sample", "--run", args.run_dir, "-n", str(args.samples),
                   "--seed", str(args.seed), "--format", "json", *extra]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                fail(2, f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
            return torch.tensor(json.loads(done.stdout)["curves"], dtype=torch.float32)
        z, want = sample("--noise"), sample()
        with torch.no_grad():
            got = data_units(G(z))
        # In G's output units: a data run's differences divided by each point's scale.
        diff = ((got - want) / (1 if scale is None else scale)).abs().max().item()
        print(f"same_samples max_abs_diff={diff:.3g} samples={args.samples} (tolerance {SAME_TOL:g})",
              flush=True)
        if not diff <= SAME_TOL:
            fail(5, f"torch's G(z) differs from curvegan's samples by {diff:g} > {SAME_TOL:g}")
    return 0


def activation(nn, name):
    if name == "relu":
        return nn.ReLU()
    if name == "tanh":
        return nn.Tanh()
    if name.startswith("leaky-relu"):
        slope = float(name.split(":")[1]) if ":" in name else 0.2
        return nn.LeakyReLU(slope)
    fail(2, f"config.toml: hidden activation '{name}' is not relu, leaky-relu[:SLOPE] or tanh")


def build(nn, torch, config, sds):
    """G and D as config.toml describes them (the tutorial's by default); the input and output
    widths come from the first and last weights in the files."""

    # The Maxout module the golden fixtures were made with.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
    from make_fixtures import Maxout

    act = config.get("activation", "relu")

    def weights(sd):
        keys = sorted((k for k in sd if k.endswith((".weight", ".weight_orig")) and sd[k].dim() == 2),
                      key=lambda k: int(k.split(".")[0]))
        if not keys:
            fail(4, "no Linear weights in the file")
        return sd[keys[0]].shape[1], sd[keys[-1]].shape[0]

    g_in, g_out = weights(sds["generator"])
    d_in, d_out = weights(sds["discriminator"])
    layers, n = [], g_in
    for h in config.get("g_hidden", [128]):
        if config.get("g_batchnorm", False):
            layers += [nn.Linear(n, h, bias=False), nn.BatchNorm1d(h), activation(nn, act)]
        else:
            layers += [nn.Linear(n, h), activation(nn, act)]
        n = h
    basis = config.get("g_basis", 0)
    if basis:
        # The smooth basis: G's last Linear gives the coefficients (the basis weight's
        # in-width), a frozen bias-free Linear (the file's last weight) makes the points.
        k_in = sds["generator"][max((k for k in sds["generator"] if k.endswith(".weight")),
                                    key=lambda k: int(k.split(".")[0]))].shape[1]
        G = nn.Sequential(*layers, nn.Linear(n, k_in), nn.Linear(k_in, g_out, bias=False))
        G[-1].weight.requires_grad_(False)
    else:
        G = nn.Sequential(*layers, nn.Linear(n, g_out))
    k = config.get("d_maxout", 1)
    layers, n = [], d_in
    for h in config.get("d_hidden", [128]):
        layers += [nn.Linear(n, h * k), Maxout(h, k)] if k > 1 else [nn.Linear(n, h), activation(nn, act)]
        n = h
    layers.append(nn.Linear(n, d_out))
    if config.get("spectral_norm", False):
        layers = [nn.utils.spectral_norm(m) if isinstance(m, nn.Linear) else m for m in layers]
    if config.get("loss", "tutorial") in ("tutorial", "seed"):
        layers.append(nn.Sigmoid())
    return G, nn.Sequential(*layers)


if __name__ == "__main__":
    sys.exit(main())
