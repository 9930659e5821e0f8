#!/usr/bin/env python3
"""Regenerate the golden fixtures of curvegan from real PyTorch.

    python3 tools/make_fixtures.py [--out DIR] [--only NAME ...]

writes, under DIR (default: crates/curvegan/tests/fixtures next to this
script), the eleven fixture sets that the golden tests read:

    seed_gan/          5 training steps of the tutorial GAN (seed 0)
    seed_gan_forward/  single forward passes and BCE edge cases (seed 0, x from 2024)
    losses/<kind>/     six GAN losses, 3 steps each (seed 1)
    mlp/               generic MLP forward/backward and gradient-penalty pieces (seed 2)
    optim/             Adam and RMSprop on one [5,7] tensor, 4 steps (seed 3)
    ema/               moving averages of weights by torch.lerp_, 4 updates (seed 4)
    penalties/<case>/  R1, spectral norm and top-k on a packed D, 3 steps each (seed 4)
    layers/            a BatchNorm1d G and a maxout D, 3 GAN steps, eval mode (seed 4)
    classifier/        softmax cross-entropy cases and 3 Adam steps of the curve measures'
                       post-hoc classifier, an MLP 5 -> 64 -> 64 -> 3 (seed 5)
    cond_penalties/<case>/  R1 and WGAN-GP of a conditional, packed D ([x | c], gradients
                       w.r.t. x only), 3 steps each (seed 6)
    basis/             cubic B-spline design matrices (scipy), and 3 GAN steps of a G whose
                       frozen last Linear is a 2-channel basis (seed 7)

with the same file names, tensor names, shapes and JSON keys as the committed
files. crates/curvegan/tests/fixtures/README.md documents every file and the
procedure, which this script follows statement by statement; it is the
authority, this script its executable form.

Requirements: Python 3 with torch, numpy and safetensors, and scipy for the
basis set (the committed fixtures were made with torch 2.15.0+cu132 on the
CPU, numpy 2.4.6, safetensors 0.8.0; basis with scipy 1.17.1):

    python3 -m venv /tmp/venv-torch
    /tmp/venv-torch/bin/pip install torch numpy safetensors scipy
    /tmp/venv-torch/bin/python tools/make_fixtures.py --out /tmp/fixtures

Everything runs on the CPU with one thread (torch.set_num_threads(1)), in
float32. The output is deterministic for a given torch build and CPU kernel
(`torch.backends.cpu.get_cpu_capability()`, AVX512 for the committed set):
another CPU capability or torch version may change the last bits of the
matrix products, sqrt and the FMA-based optimiser kernels; see the tolerances in
crates/curvegan/tests/fixtures/README.md. Nothing here is run by CI or by `cargo test`.

Exit status: 0 written; 2 bad arguments; 3 torch/numpy/safetensors (or, for basis,
scipy) missing.
"""
import argparse
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "crates", "curvegan", "tests", "fixtures")
SETS = ["seed_gan", "seed_gan_forward", "losses", "mlp", "optim", "ema", "penalties", "layers", "classifier",
        "cond_penalties", "basis"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="fixture folder to write (default: crates/curvegan/tests/fixtures)")
    p.add_argument("--only", nargs="+", choices=SETS, metavar="NAME",
                   help="regenerate only these sets (%s)" % ", ".join(SETS))
    return p.parse_args(argv)


try:
    import numpy as np
    import safetensors
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors.torch import save_file
except Exception as e:  # ImportError, or a broken install (OSError for a missing .so)
    if __name__ == "__main__":
        parse_args(sys.argv[1:])  # --help still works
        print(f"make_fixtures.py: cannot import torch/numpy/safetensors with {sys.executable}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        print("make_fixtures.py: install them, e.g. python3 -m venv /tmp/venv-torch && "
              "/tmp/venv-torch/bin/pip install torch numpy safetensors", file=sys.stderr)
        sys.exit(3)
    raise

F32 = torch.float32
BATCH = 64
N = 15  # points per curve = G's input and output size
HIDDEN = 128


# ---- helpers -------------------------------------------------------------------

def f32_bits(v):
    """Hex IEEE-754 bit pattern of a float32 value."""
    return "0x%08x" % struct.unpack("<I", struct.pack("<f", v))[0]


def item(t):
    """A one-element f32 tensor as a Python float (exactly its f32 value)."""
    return float(t.detach().reshape(()).item())


def save(path, tensors):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file({k: v.detach().to(F32).contiguous().clone() for k, v in tensors.items()}, path)


def dump_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)  # no trailing newline, as json.dump writes it


def with_bits(rec, names):
    rec["f32_bits"] = {n: f32_bits(rec[n]) for n in names}
    return rec


def prefixed(prefix, module):
    return {f"{prefix}{k}": v for k, v in module.state_dict().items()}


def gd_weights(G, D):
    out = prefixed("G.", G)
    out.update(prefixed("D.", D))
    return out


def grads(prefix, module):
    return {f"{prefix}{k}": p.grad.detach().clone() for k, p in module.named_parameters()}


def make_G():
    return nn.Sequential(nn.Linear(N, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, N))


def make_D(sigmoid):
    layers = [nn.Linear(N, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1)]
    if sigmoid:
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def versions():
    return {
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "safetensors_version": safetensors.__version__,
        "torch_num_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "dtype": "float32",
    }


ADAM_IMPL = "torch.optim.Adam single-tensor path (CPU default: foreach=False, fused=False)"
RMSPROP_IMPL = "torch.optim.RMSprop single-tensor path (CPU default: foreach=False, fused=False)"
BCE_LOGITS_DOC = ("bce_logits(s, t) = F.binary_cross_entropy_with_logits(s, t) (reduction mean); "
                  "per element (1-t)*s - log_sigmoid(s), log_sigmoid(s) = min(s,0) - log1p(exp(-|s|)); "
                  "backward: d/ds = (sigmoid(s) - t) * upstream / N")


# ---- seed_gan: the tutorial's loop, 5 steps, seed 0 -----------------------------

def seed_gan(out):
    K = 5
    d = os.path.join(out, "seed_gan")
    torch.manual_seed(0)
    G = make_G()
    D = make_D(sigmoid=True)
    save(os.path.join(d, "init.safetensors"), gd_weights(G, D))
    optimizer_G = torch.optim.Adam(G.parameters(), lr=0.0001, foreach=False)
    optimizer_D = torch.optim.Adam(D.parameters(), lr=0.0001, foreach=False)
    bceloss = nn.BCELoss()

    # The tutorial's real_points(): 2x^2+1 in float64 (numpy), then .float().
    paint_points = np.vstack([np.linspace(-1, 1, N) for _ in range(BATCH)])
    real = torch.from_numpy(2 * np.power(paint_points, 2) + 1).float()
    save(os.path.join(d, "real.safetensors"), {"x": real})

    zs, trace = [], []
    for k in range(1, K + 1):
        real_data = real.clone()
        randn_input = torch.randn(BATCH, N)
        zs.append(randn_input.clone())

        D_real = D(real_data)
        D_fake = D(G(randn_input))
        D_loss = bceloss(1 - D_real, torch.ones_like(D_real)) + bceloss(1 - D_fake, torch.zeros_like(D_fake))
        optimizer_D.zero_grad()
        D_loss.backward()
        grad_D = grads("grad.D.", D)
        optimizer_D.step()

        G_fake_out = G(randn_input)
        D_fake_G = D(G_fake_out)
        G_loss = bceloss(D_fake_G, torch.zeros_like(D_fake_G))
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = grads("grad.G.", G)
        optimizer_G.step()

        save(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        dbg = dict(grad_D)
        dbg.update(grad_G)
        for name, net, opt in (("G", G, optimizer_G), ("D", D, optimizer_D)):
            for pname, p in net.named_parameters():
                st = opt.state[p]
                dbg[f"exp_avg.{name}.{pname}"] = st["exp_avg"]
                dbg[f"exp_avg_sq.{name}.{pname}"] = st["exp_avg_sq"]
        dbg["G_fake_out"] = G_fake_out
        save(os.path.join(d, "debug", f"step_{k}.safetensors"), dbg)

        names = ["D_real_mean", "D_fake_mean", "D_loss", "G_loss", "D_fake_mean_Gstep"]
        rec = {"step": k, "D_real_mean": item(D_real.mean()), "D_fake_mean": item(D_fake.mean()),
               "D_loss": item(D_loss), "G_loss": item(G_loss),
               "D_fake_mean_Gstep": item(D_fake_G.mean())}
        trace.append(with_bits(rec, names))

    z = torch.stack(zs)
    save(os.path.join(d, "noise.safetensors"), {"z": z})
    # Check the claim recorded in trace.json: the per-step draws equal one
    # torch.randn(K,64,15) drawn right after the init.
    torch.manual_seed(0)
    make_G(), make_D(sigmoid=True)
    same = bool(torch.equal(torch.randn(K, BATCH, N), z))

    meta = {
        "torch_version": torch.__version__,
        "seed": 0,
        "steps": K,
        "batch_size": BATCH,
        "dtype": "float32",
        "torch_num_threads": torch.get_num_threads(),
        "noise_equals_single_randn_K_64_15_after_init": same,
        "adam": {"lr": 0.0001, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.0,
                 "amsgrad": False, "maximize": False,
                 "implementation": "torch.optim.Adam single-tensor (CPU default, foreach=False, fused=False)"},
        "optimizers": "separate Adam for G.parameters() and D.parameters(), same hyperparameters",
        "loss": {
            "D_loss": "bce(1-D_real, 1) + bce(1-D_fake, 0)",
            "G_loss": "bce(D_fake_Gstep, 0)",
            "bce": "torch.nn.BCELoss(reduction='mean'); per element -(t*max(log p,-100) + (1-t)*max(log1p(-p),-100))",
        },
        "trace_fields": {
            "D_real_mean": "mean of D(real) in the D step",
            "D_fake_mean": "mean of D(G(z)) in the D step (D before its update)",
            "D_loss": "D loss of the step (before D update)",
            "G_loss": "G loss of the step, computed with the UPDATED D",
            "D_fake_mean_Gstep": "mean of D(G(z)) in the G step (updated D, G before its update)",
        },
        "steps_trace": trace,
    }
    dump_json(os.path.join(d, "trace.json"), meta)


# ---- seed_gan_forward: forward passes at init and BCE edge cases ----------------

def seed_gan_forward(out):
    d = os.path.join(out, "seed_gan_forward")
    torch.manual_seed(0)
    G = make_G()
    D = make_D(sigmoid=True)
    save(os.path.join(d, "init.safetensors"), gd_weights(G, D))

    x = torch.randn(7, N, generator=torch.Generator().manual_seed(2024)) * 1.5
    with torch.no_grad():
        G_hidden = G[1](G[0](x))
        G_x = G(x)
        D_hidden = D[1](D[0](x))
        D_logit_x = D[2](D_hidden)
        D_x = D(x)
        D_G_x = D(G_x)
    save(os.path.join(d, "forward.safetensors"),
         {"x": x, "G_x": G_x, "G_hidden": G_hidden, "D_x": D_x, "D_hidden": D_hidden,
          "D_logit_x": D_logit_x, "D_G_x": D_G_x})

    one_m = 1.0 - 2.0 ** -24
    cases = [("bce", [0.0], [0.0]), ("bce", [0.0], [1.0]), ("bce", [1.0], [1.0]), ("bce", [1.0], [0.0]),
             ("bce", [0.5], [0.0]), ("bce", [0.5], [1.0]), ("bce", [0.25], [1.0]), ("bce", [0.75], [0.0]),
             ("bce", [1e-8], [0.0]), ("bce", [1e-8], [1.0]), ("bce", [1e-44], [1.0]),
             ("bce", [one_m], [0.0]), ("bce", [one_m], [1.0]), ("bce", [0.3], [0.7]),
             ("bce", [0.0, 0.2, 0.9, 1.0], [1.0, 0.0, 1.0, 0.0]),
             ("bce", [0.0, 0.2, 0.9, 1.0], [0.0, 0.0, 1.0, 1.0])]
    dvals = [0.0, 1e-8, 0.25, 0.5, one_m, 1.0]
    for expr in ("seed_real", "seed_fake", "seed_G"):
        cases += [(expr, [v], None) for v in dvals]
        cases.append((expr, list(dvals), None))

    bce = nn.BCELoss()
    records = []
    for expr, pred_list, target_list in cases:
        pred = torch.tensor(pred_list, dtype=F32, requires_grad=True)
        if expr == "bce":
            loss = bce(pred, torch.tensor(target_list, dtype=F32))
        elif expr == "seed_real":
            loss = bce(1 - pred, torch.ones_like(pred))
        elif expr == "seed_fake":
            loss = bce(1 - pred, torch.zeros_like(pred))
        else:  # seed_G
            loss = bce(pred, torch.zeros_like(pred))
        loss.backward()
        pv = pred.detach().tolist()
        records.append({
            "expr": expr,
            "pred": pv,
            "pred_f32_bits": [f32_bits(v) for v in pv],
            "target": None if target_list is None else torch.tensor(target_list, dtype=F32).tolist(),
            "loss": item(loss),
            "loss_f32_bits": f32_bits(item(loss)),
            "grad_pred": pred.grad.tolist(),
        })

    dump_json(os.path.join(d, "cases.json"), {
        "torch_version": torch.__version__,
        "seed": 0,
        "dtype": "float32",
        "weights_file": "init.safetensors",
        "x_generation": "torch.randn(7,15, generator=torch.Generator().manual_seed(2024)) * 1.5",
        "x": x.tolist(),
        "G_x": G_x.tolist(),
        "D_x": D_x.tolist(),
        "D_G_x": D_G_x.tolist(),
        "D_logit_x": D_logit_x.tolist(),
        "bce_cases": records,
    })


# ---- losses/<kind>: six GAN losses, 3 steps, seed 1 ------------------------------

KINDS = {
    # kind: (n_critic, optimiser, weight_clip, gp_lambda, loss formulas as text)
    "minimax": (1, "adam", None, None, {
        "D_loss": "bce_logits(s_real, 1) + bce_logits(s_fake, 0)",
        "G_loss": "-bce_logits(s_fake_G, 0)  (= mean(log(1 - sigmoid(s_fake_G))), saturating)",
        "bce_logits": BCE_LOGITS_DOC}),
    "nonsaturating": (1, "adam", None, None, {
        "D_loss": "bce_logits(s_real, 1) + bce_logits(s_fake, 0)",
        "G_loss": "bce_logits(s_fake_G, 1)  (= -mean(log(sigmoid(s_fake_G))))",
        "bce_logits": BCE_LOGITS_DOC}),
    "lsgan": (1, "adam", None, None, {
        "D_loss": "0.5*mean((s_real-1)**2) + 0.5*mean(s_fake**2)",
        "G_loss": "0.5*mean((s_fake_G-1)**2)"}),
    "hinge": (1, "adam", None, None, {
        "D_loss": "mean(relu(1 - s_real)) + mean(relu(1 + s_fake))",
        "G_loss": "-mean(s_fake_G)"}),
    "wgan": (5, "rmsprop", 0.01, None, {
        "D_loss": "mean(s_fake) - mean(s_real)",
        "G_loss": "-mean(s_fake_G)",
        "after_each_D_step": "for every D parameter p: p.clamp_(-0.01, 0.01) (after optimizer_D.step())"}),
    "wgan_gp": (5, "adam_gp", None, 10.0, {
        "D_loss": "(mean(s_fake) - mean(s_real)) + 10 * gp",
        "gp": "mean((||grad_xhat sum(D(xhat))||_2 - 1)**2), norm over the 15 features of each row, "
              "xhat = eps*real + (1-eps)*fake, eps [64,1]; grad via torch.autograd.grad(create_graph=True)",
        "G_loss": "-mean(s_fake_G)"}),
}


def d_loss_of(kind, s_r, s_f):
    if kind in ("minimax", "nonsaturating"):
        return (F.binary_cross_entropy_with_logits(s_r, torch.ones_like(s_r))
                + F.binary_cross_entropy_with_logits(s_f, torch.zeros_like(s_f)))
    if kind == "lsgan":
        return 0.5 * torch.mean((s_r - 1) ** 2) + 0.5 * torch.mean(s_f ** 2)
    if kind == "hinge":
        return torch.mean(F.relu(1 - s_r)) + torch.mean(F.relu(1 + s_f))
    return torch.mean(s_f) - torch.mean(s_r)  # wgan, wgan_gp (before the penalty)


def g_loss_of(kind, s):
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(s, torch.zeros_like(s))
    if kind == "nonsaturating":
        return F.binary_cross_entropy_with_logits(s, torch.ones_like(s))
    if kind == "lsgan":
        return 0.5 * torch.mean((s - 1) ** 2)
    return -torch.mean(s)  # hinge, wgan, wgan_gp


def losses_kind(out, kind):
    K = 3
    n_critic, opt_name, clip, gp_lambda, loss_doc = KINDS[kind]
    d = os.path.join(out, "losses", kind)
    torch.manual_seed(1)
    G = make_G()
    D = make_D(sigmoid=False)
    init = gd_weights(G, D)
    save(os.path.join(d, "init.safetensors"), init)

    a = torch.rand(BATCH) + 1.0
    grid = np.linspace(-1, 1, N)
    a64 = a.double().numpy()[:, None]
    x = torch.from_numpy(a64 * grid ** 2 + (a64 - 1)).float()

    if opt_name == "rmsprop":
        hyper = {"name": "RMSprop", "lr": 5e-05, "alpha": 0.99, "eps": 1e-08, "weight_decay": 0.0,
                 "momentum": 0.0, "centered": False, "maximize": False, "implementation": RMSPROP_IMPL}
        make_opt = lambda ps: torch.optim.RMSprop(ps, lr=5e-05, alpha=0.99, eps=1e-08, foreach=False)
        update = "v = v*alpha + (1-alpha)*g*g; p -= lr * g / (sqrt(v) + eps)   (v starts at 0, no bias correction)"
    else:
        betas = (0.5, 0.9) if opt_name == "adam_gp" else (0.9, 0.999)
        hyper = {"name": "Adam", "lr": 0.0001, "betas": list(betas), "eps": 1e-08, "weight_decay": 0.0,
                 "amsgrad": False, "maximize": False, "implementation": ADAM_IMPL}
        make_opt = lambda ps: torch.optim.Adam(ps, lr=0.0001, betas=betas, eps=1e-08, foreach=False)
        update = ("m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g; "
                  "p -= (lr/(1-beta1^t)) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)")
    hyper["instances"] = ("two separate optimisers, one over G.parameters(), one over D.parameters(); "
                          "step counters separate")
    hyper["update"] = update
    optimizer_G = make_opt(G.parameters())
    optimizer_D = make_opt(D.parameters())

    z_d, z_g, eps_all, trace = [], [], [], []
    for k in range(1, K + 1):
        critic, zk, ek = [], [], []
        for i in range(1, n_critic + 1):
            z = torch.randn(BATCH, N)
            zk.append(z)
            if gp_lambda is not None:
                eps = torch.rand(BATCH, 1)
                ek.append(eps)
            fake = G(z).detach()
            s_r = D(x)
            s_f = D(fake)
            rec = {"critic_update": i}
            if gp_lambda is not None:
                xhat = (eps * x + (1 - eps) * fake).requires_grad_(True)
                s_hat = D(xhat)
                g = torch.autograd.grad(s_hat, xhat, grad_outputs=torch.ones_like(s_hat),
                                        create_graph=True)[0]
                n = g.norm(2, dim=1)
                gp = torch.mean((n - 1) ** 2)
                D_loss = d_loss_of(kind, s_r, s_f) + gp_lambda * gp
            else:
                D_loss = d_loss_of(kind, s_r, s_f)
            optimizer_D.zero_grad()
            D_loss.backward()
            grad_D = grads("grad.D.", D)  # kept from the last critic update of the step
            optimizer_D.step()
            if clip is not None:
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-clip, clip)
            rec["D_loss"] = item(D_loss)
            rec["s_real_mean"] = item(s_r.mean())
            rec["s_fake_mean"] = item(s_f.mean())
            names = ["D_loss", "s_real_mean", "s_fake_mean"]
            if gp_lambda is not None:
                rec["gp"] = item(gp)
                rec["grad_norm_mean"] = item(n.mean())
                names += ["gp", "grad_norm_mean"]
            critic.append(with_bits(rec, names))
        z_d.append(torch.stack(zk))
        if gp_lambda is not None:
            eps_all.append(torch.stack(ek))

        z = torch.randn(BATCH, N)
        z_g.append(z)
        s = D(G(z))
        G_loss = g_loss_of(kind, s)
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = grads("grad.G.", G)
        optimizer_G.step()

        save(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        gr = dict(grad_D)
        gr.update(grad_G)
        save(os.path.join(d, f"grads_step_{k}.safetensors"), gr)
        trace.append(with_bits({"step": k, "critic": critic, "G_loss": item(G_loss),
                                "s_fake_mean_Gstep": item(s.mean())},
                               ["G_loss", "s_fake_mean_Gstep"]))

    data = {"a": a, "x": x, "z_d": torch.stack(z_d), "z_g": torch.stack(z_g)}
    data_doc = "a [64], x [64,15], z_d [K,n_critic,64,15], z_g [K,64,15]"
    draws = "for k in 1..K: for i in 1..n_critic: z_d[k,i] = torch.randn(64,15); "
    if gp_lambda is not None:
        data["eps"] = torch.stack(eps_all)
        data_doc += ", eps [K,n_critic,64,1]"
        draws += "eps[k,i] = torch.rand(64,1); "
    draws += "then z_g[k] = torch.randn(64,15)"
    save(os.path.join(d, "data.safetensors"), data)

    d_update = ("D update i (i=1..n_critic): fake = G(z_d[k,i]).detach(); s_real = D(x); s_fake = D(fake); "
                + ("gp from xhat = eps[k,i]*x + (1-eps[k,i])*fake; " if gp_lambda is not None else "")
                + "optimizer_D.zero_grad(); D_loss.backward(); optimizer_D.step()"
                + ("; clamp every D parameter to [-0.01, 0.01]" if clip is not None else ""))
    meta = versions()
    meta.update({
        "seed": 1,
        "kind": kind,
        "steps": K,
        "n_critic": n_critic,
        "batch_size": BATCH,
        "architecture": {"G": "Linear(15,128) -> ReLU -> Linear(128,15)",
                         "D": "Linear(15,128) -> ReLU -> Linear(128,1)  (raw score / logit, no sigmoid)"},
        "real_batch": ("x[j,:] = a[j]*grid^2 + (a[j]-1), grid = linspace(-1,1,15), computed in float64 from "
                       "the f32 a, rounded to f32; the same x is used in every D update"),
        "rng_draw_order": [
            "torch.manual_seed(seed)",
            "G = Sequential(Linear(15,128), ReLU, Linear(128,15)) (default init)",
            "D = Sequential(Linear(15,128), ReLU, Linear(128,1)) (default init, NO sigmoid)",
            "a = torch.rand(64) + 1.0",
            draws,
        ],
        "optimizer": hyper,
        "weight_clip": clip,
        "gp_lambda": gp_lambda,
        "loss": loss_doc,
        "procedure": [
            d_update,
            "G update: s_fake_G = D(G(z_g[k])) with the updated D; optimizer_G.zero_grad(); G_loss.backward(); "
            "optimizer_G.step() (the D gradients this backward leaves are discarded by the next zero_grad)",
        ],
        "files": {
            "init.safetensors": "G.* and D.* before training",
            "data.safetensors": data_doc,
            "after_step_k.safetensors": "all weights after step k (after its G update)",
            "grads_step_k.safetensors": ("grad.D.*: D grads of the LAST critic update of step k (before its "
                                         "optimizer step / clamp); grad.G.*: G grads of the G update of step k"),
        },
        "trace_fields": {
            "D_loss": "D loss of that critic update (before the D step)",
            "s_real_mean": "mean(D(x)) in that critic update",
            "s_fake_mean": "mean(D(fake))",
            "gp": "the gradient-penalty term alone, WITHOUT the factor 10 (wgan_gp only)",
            "grad_norm_mean": "mean over the batch of ||grad_xhat D(xhat)|| (wgan_gp only)",
            "G_loss": "G loss of the step (computed with the updated D)",
            "s_fake_mean_Gstep": "mean(D(G(z_g))) in the G update",
        },
        "steps_trace": trace,
    })
    dump_json(os.path.join(d, "trace.json"), meta)


def losses(out):
    for kind in KINDS:
        losses_kind(out, kind)


# ---- mlp: generic forward/backward, seed 2 ----------------------------------------

MLP_CASES = {
    "a_relu": lambda: nn.Sequential(nn.Linear(2, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(),
                                    nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 2)),
    "b_leaky_relu": lambda: nn.Sequential(nn.Linear(16, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64),
                                          nn.LeakyReLU(0.2), nn.Linear(64, 1)),
    "c_tanh_sigmoid": lambda: nn.Sequential(nn.Linear(15, 32), nn.Tanh(), nn.Linear(32, 15), nn.Sigmoid()),
}


def mlp(out):
    d = os.path.join(out, "mlp")
    meta = versions()
    meta["cases"] = {}
    for name, build in MLP_CASES.items():
        torch.manual_seed(2)
        model = build()
        linears = [m for m in model if isinstance(m, nn.Linear)]
        n_in, n_out = linears[0].in_features, linears[-1].out_features
        x = torch.randn(9, n_in).requires_grad_(True)
        r = torch.randn(9, n_out)
        outs, h = [], x
        for m in model:
            h = m(h)
            outs.append(h)
        y = h
        L = torch.sum(y * r)
        L.backward()
        data = {"x": x, "r": r, "y": y, "L": L.reshape(1), "grad_x": x.grad}
        for i, o in enumerate(outs):
            data[f"out.{i}"] = o
        for pname, p in model.named_parameters():
            data[f"grad.{pname}"] = p.grad
        scalars = {"L": item(L)}
        if name == "b_leaky_relu":
            xg = x.detach().clone().requires_grad_(True)
            s = model(xg)
            g = torch.autograd.grad(s.sum(), xg, create_graph=True)[0]
            norm = g.norm(2, dim=1)
            P = torch.mean((norm - 1) ** 2)
            params = list(model.named_parameters())
            dP = torch.autograd.grad(P, [p for _, p in params], allow_unused=True)
            data["gp.g"] = g
            data["gp.norm"] = norm
            data["gp.P"] = P.reshape(1)
            for (pname, p), gg in zip(params, dP):
                data[f"gp.grad.{pname}"] = torch.zeros_like(p) if gg is None else gg
            scalars["P"] = item(P)
        scalars["f32_bits"] = {k: f32_bits(v) for k, v in scalars.items()}
        save(os.path.join(d, name, "weights.safetensors"), model.state_dict())
        save(os.path.join(d, name, "data.safetensors"), data)
        meta["cases"][name] = {
            "layers": [str(m) for m in model],
            "weights": {k: list(v.shape) for k, v in model.state_dict().items()},
            "data": {k: list(v.shape) for k, v in data.items()},
            "scalars": scalars,
        }
    meta["procedure"] = ("per case: torch.manual_seed(2); build the nn.Sequential (default init); "
                         "x = torch.randn(9,in); r = torch.randn(9,out); y = model(x); L = sum(y*r); grads of L "
                         "w.r.t. every parameter and x. Case b also: g = d(sum s)/dx, norm = ||g|| per row, "
                         "P = mean((norm-1)^2), dP/dparams by double backprop (create_graph=True).")
    dump_json(os.path.join(d, "cases.json"), meta)


# ---- optim: Adam and RMSprop on one [5,7] tensor, seed 3 ---------------------------

OPTIM_CASES = {
    "adam_lr1e-3_b0.9_0.999": ("Adam", dict(lr=0.001, betas=(0.9, 0.999), eps=1e-08)),
    "adam_lr1e-4_b0.5_0.9": ("Adam", dict(lr=0.0001, betas=(0.5, 0.9), eps=1e-08)),
    "rmsprop_lr5e-5_a0.99": ("RMSprop", dict(lr=5e-05, alpha=0.99, eps=1e-08)),
    "rmsprop_lr1e-3_a0.9": ("RMSprop", dict(lr=0.001, alpha=0.9, eps=1e-08)),
}


def optim(out):
    d = os.path.join(out, "optim")
    row_scale = [1.0, 0.1, 0.001, 1e-06, 1e-09]
    torch.manual_seed(3)
    p0 = torch.randn(5, 7)
    gr = torch.randn(4, 5, 7) * torch.tensor(row_scale).view(1, 5, 1)
    gr[0, 0, :3] = 0
    meta = versions()
    meta["cases"] = {}
    for name, (kind, kw) in OPTIM_CASES.items():
        p = p0.clone().requires_grad_(True)
        if kind == "Adam":
            opt = torch.optim.Adam([p], foreach=False, **kw)
            state_keys = ["exp_avg", "exp_avg_sq"]
            hyper = {"name": "Adam", "lr": kw["lr"], "betas": list(kw["betas"]), "eps": kw["eps"],
                     "weight_decay": 0.0, "amsgrad": False, "maximize": False}
        else:
            opt = torch.optim.RMSprop([p], foreach=False, **kw)
            state_keys = ["square_avg"]
            hyper = {"name": "RMSprop", "lr": kw["lr"], "alpha": kw["alpha"], "eps": kw["eps"],
                     "weight_decay": 0.0, "momentum": 0.0, "centered": False, "maximize": False}
        hyper["implementation"] = f"torch.optim.{kind} single-tensor path (CPU default)"
        ps, states = [], {k: [] for k in state_keys}
        for t in range(1, 5):
            p.grad = gr[t - 1].clone()
            opt.step()
            ps.append(p.detach().clone())
            for k in state_keys:
                states[k].append(opt.state[p][k].clone())
        tensors = {"p0": p0, "grads": gr, "p": torch.stack(ps)}
        tensors.update({k: torch.stack(v) for k, v in states.items()})
        save(os.path.join(d, f"{name}.safetensors"), tensors)
        meta["cases"][name] = {"hyperparameters": hyper,
                               "tensors": {k: list(v.shape) for k, v in tensors.items()}}
    meta["inputs"] = ("torch.manual_seed(3); p0 = torch.randn(5,7); grads = torch.randn(4,5,7) * row_scale "
                      f"(row_scale over the 5 rows = {row_scale}); grads[0,0,:3] = 0. "
                      "Same p0/grads in every case.")
    meta["procedure"] = "p = p0; for t in 1..4: p.grad = grads[t-1]; opt.step(); p[t-1] = p (after the step)"
    dump_json(os.path.join(d, "cases.json"), meta)


# ---- penalties/<case>: R1, spectral normalisation of D and G's top-k update, 3 steps, seed 4

PEN_B, PEN_N, PEN_PACK, PEN_LATENT, PEN_H = 8, 2, 2, 2, 16
PEN_CASES = {
    # case: (r1 gamma or None, spectral_norm, top-k (nu, anneal steps) or None)
    "r1": (10.0, False, None),
    "sn": (None, True, None),
    "r1_sn": (10.0, True, None),
    "topk": (None, False, (0.5, 2)),
}


def top_k_rows(rows, t, topk):
    """k_t of curvegan's top-k update: falls linearly from rows to round(nu*rows) over `anneal`
    steps (integer arithmetic), t = G updates done before this one."""
    nu, anneal = topk
    k_min = min(max(int(round(nu * rows)), 1), rows)
    if anneal == 0 or t >= anneal:
        return k_min
    return rows - (rows - k_min) * t // anneal


def penalties_case(out, case):
    from torch.nn.utils import spectral_norm
    K = 3
    gamma, sn, topk = PEN_CASES[case]
    d = os.path.join(out, "penalties", case)
    torch.manual_seed(4)
    G = nn.Sequential(nn.Linear(PEN_LATENT, PEN_H), nn.ReLU(), nn.Linear(PEN_H, PEN_N))
    wrap = spectral_norm if sn else (lambda m: m)
    width = PEN_PACK * PEN_N
    # spectral_norm(Linear) draws, after the Linear's own init: u ~ N(0,1) [out] then
    # v ~ N(0,1) [in], each normalised (eps 1e-12).
    D = nn.Sequential(wrap(nn.Linear(width, PEN_H)), nn.ReLU(), wrap(nn.Linear(PEN_H, PEN_H)), nn.ReLU(),
                      wrap(nn.Linear(PEN_H, 1)))
    D.train()
    save(os.path.join(d, "init.safetensors"), gd_weights(G, D))
    betas = (0.5, 0.999)
    hyper = {"name": "Adam", "lr": 0.001, "betas": list(betas), "eps": 1e-08, "weight_decay": 0.0,
             "amsgrad": False, "maximize": False, "implementation": ADAM_IMPL,
             "instances": "one over G.parameters(), one over D.parameters() (bias and weight_orig with spectral_norm)"}
    optimizer_G = torch.optim.Adam(G.parameters(), lr=0.001, betas=betas, eps=1e-08, foreach=False)
    optimizer_D = torch.optim.Adam(D.parameters(), lr=0.001, betas=betas, eps=1e-08, foreach=False)

    xs, z_d, z_g, trace = [], [], [], []
    for k in range(1, K + 1):
        x = torch.randn(PEN_B, PEN_N) * 2.0
        z = torch.randn(PEN_B, PEN_LATENT)
        xs.append(x)
        z_d.append(z)
        fake = G(z).detach()
        xr = x.reshape(PEN_B // PEN_PACK, width)  # PacGAN: consecutive samples side by side
        if gamma is not None:
            xr = xr.clone().requires_grad_(True)
        s_r = D(xr)
        s_f = D(fake.reshape(PEN_B // PEN_PACK, width))
        D_loss = d_loss_of("nonsaturating", s_r, s_f)
        rec = {}
        names = ["D_loss", "s_real_mean", "s_fake_mean"]
        if gamma is not None:
            g = torch.autograd.grad(s_r, xr, grad_outputs=torch.ones_like(s_r), create_graph=True)[0]
            r1 = g.pow(2).sum(dim=1).mean()
            D_loss = D_loss + (gamma / 2) * r1
            rec["r1"] = item(r1)
            rec["grad_norm_mean"] = item(g.norm(2, dim=1).mean())
            names += ["r1", "grad_norm_mean"]
        optimizer_D.zero_grad()
        D_loss.backward()
        grad_D = grads("grad.D.", D)
        optimizer_D.step()
        rec["D_loss"] = item(D_loss)
        rec["s_real_mean"] = item(s_r.mean())
        rec["s_fake_mean"] = item(s_f.mean())

        z = torch.randn(PEN_B, PEN_LATENT)
        z_g.append(z)
        s = D(G(z).reshape(PEN_B // PEN_PACK, width))
        if topk is None:
            G_loss = g_loss_of("nonsaturating", s)
        else:
            k_t = top_k_rows(PEN_B // PEN_PACK, k - 1, topk)
            G_loss = g_loss_of("nonsaturating", torch.topk(s.view(-1), k_t).values)
            rec["top_k_rows"] = k_t
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = grads("grad.G.", G)
        optimizer_G.step()
        rec["G_loss"] = item(G_loss)
        rec["s_fake_mean_Gstep"] = item(s.mean())
        names += ["G_loss", "s_fake_mean_Gstep"]
        save(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        gr = dict(grad_D)
        gr.update(grad_G)
        save(os.path.join(d, f"grads_step_{k}.safetensors"), gr)
        rec = dict({"step": k}, **rec)
        trace.append(with_bits(rec, names))
    save(os.path.join(d, "data.safetensors"),
         {"x": torch.stack(xs), "z_d": torch.stack(z_d), "z_g": torch.stack(z_g)})

    lin = "spectral_norm(Linear({}, {}))" if sn else "Linear({}, {})"
    meta = versions()
    meta.update({
        "seed": 4,
        "case": case,
        "steps": K,
        "n_critic": 1,
        "batch_size": PEN_B,
        "pack": PEN_PACK,
        "loss": "nonsaturating",
        "r1_gamma": gamma,
        "spectral_norm": sn,
        "top_k": None if topk is None else {"nu": topk[0], "anneal": topk[1]},
        "architecture": {
            "G": "Linear(2,16) -> ReLU -> Linear(16,2)",
            "D": " -> ReLU -> ".join([lin.format(width, PEN_H), lin.format(PEN_H, PEN_H), lin.format(PEN_H, 1)])
                 + "  (raw logit); D.train(): every forward call runs one power iteration",
        },
        "spectral_norm_api": ("torch.nn.utils.spectral_norm(module, name='weight', n_power_iterations=1, "
                              "eps=1e-12, dim=0); state dict keys i.bias, i.weight_orig, i.weight_u, i.weight_v"),
        "rng_draw_order": [
            "torch.manual_seed(4)",
            "G = Sequential(Linear(2,16), ReLU, Linear(16,2)) (default init)",
            "D layer by layer: Linear default init" + (", then u = normalize(randn(out)), v = normalize(randn(in))"
                                                       if sn else ""),
            "for k in 1..K: x[k] = torch.randn(8,2)*2; z_d[k] = torch.randn(8,2); z_g[k] = torch.randn(8,2)",
        ],
        "optimizer": hyper,
        "loss_formulas": {
            "D_loss": "bce_logits(s_real, 1) + bce_logits(s_fake, 0)" + (" + (gamma/2) * r1" if gamma else ""),
            "r1": "mean over D's 4 input rows of sum(g**2, dim=1), g = autograd.grad(s_real, xr, ones, "
                  "create_graph=True), xr = x.reshape(4,4) (packed real rows)",
            "G_loss": "bce_logits(s_fake_G, 1)" if topk is None else
                      "bce_logits(torch.topk(s_fake_G.view(-1), k_t).values, 1), k_t = top_k_rows(4, k-1, "
                      "(nu, anneal)) (in the trace as top_k_rows)",
            "bce_logits": BCE_LOGITS_DOC,
        },
        "procedure": [
            "D update: fake = G(z_d[k]).detach(); s_real = D(x[k].reshape(4,4)); s_fake = D(fake.reshape(4,4)); "
            "optimizer_D.zero_grad(); D_loss.backward(); optimizer_D.step()",
            "G update: s_fake_G = D(G(z_g[k]).reshape(4,4)); optimizer_G.zero_grad(); G_loss.backward(); "
            "optimizer_G.step()",
            "spectral norm: D is called 3 times per step (real, fake, G update), each call updates u (and v)",
        ],
        "files": {
            "init.safetensors": "G.* and D.* (state dict) before training",
            "data.safetensors": "x [K,8,2], z_d [K,8,2], z_g [K,8,2]",
            "after_step_k.safetensors": "all weights (state dict, with u and v) after step k",
            "grads_step_k.safetensors": "grad.D.* (of D.parameters(): bias, weight or weight_orig) of the D update "
                                        "of step k; grad.G.* of its G update",
        },
        "steps_trace": trace,
    })
    dump_json(os.path.join(d, "trace.json"), meta)


def penalties(out):
    for case in PEN_CASES:
        penalties_case(out, case)


# ---- cond_penalties/<case>: R1 and WGAN-GP of a conditional, packed D, 3 steps, seed 6

# batch, sample size, classes (one-hot condition), pack, latent, hidden width
COND_B, COND_N, COND_C, COND_PACK, COND_LATENT, COND_H = 8, 2, 3, 2, 2, 16
COND_CASES = {
    # case: (loss kind, n_critic, r1 gamma or None, gp lambda or None)
    "r1": ("nonsaturating", 1, 1.0, None),
    "wgan_gp": ("wgan_gp", 2, None, 10.0),
}
# The class means of the real samples (any data would do; these make the condition matter).
COND_CENTRES = [[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]]


def cond_penalties_case(out, case):
    K = 3
    kind, n_critic, gamma, gp_lambda = COND_CASES[case]
    B, n, c_dim, pack = COND_B, COND_N, COND_C, COND_PACK
    R, W = B // pack, pack * (n + c_dim)  # D's input rows and width: [x1|c1|x2|c2]
    d = os.path.join(out, "cond_penalties", case)
    torch.manual_seed(6)
    G = nn.Sequential(nn.Linear(COND_LATENT + c_dim, COND_H), nn.ReLU(), nn.Linear(COND_H, n))
    D = nn.Sequential(nn.Linear(W, COND_H), nn.ReLU(), nn.Linear(COND_H, COND_H), nn.ReLU(),
                      nn.Linear(COND_H, 1))
    save(os.path.join(d, "init.safetensors"), gd_weights(G, D))
    betas = (0.5, 0.999)
    hyper = {"name": "Adam", "lr": 0.001, "betas": list(betas), "eps": 1e-08, "weight_decay": 0.0,
             "amsgrad": False, "maximize": False, "implementation": ADAM_IMPL,
             "instances": "one over G.parameters(), one over D.parameters()"}
    optimizer_G = torch.optim.Adam(G.parameters(), lr=0.001, betas=betas, eps=1e-08, foreach=False)
    optimizer_D = torch.optim.Adam(D.parameters(), lr=0.001, betas=betas, eps=1e-08, foreach=False)
    centres = torch.tensor(COND_CENTRES)

    def d_in(samples, c):
        """D's input: [x | c] row by row, packed: [B, n + c] read as [R, pack*(n + c)]."""
        return torch.cat([samples, c], 1).reshape(R, W)

    def penalty_of(g):
        """g = dD/dx, [B, n] (the sample's columns only); norms per D input row, over its
        pack*n sample columns."""
        return g.reshape(R, pack * n)

    xs, cs, z_d, eps_all, z_g, trace = [], [], [], [], [], []
    for k in range(1, K + 1):
        y = torch.randint(0, c_dim, (B,))
        c = F.one_hot(y, c_dim).to(F32)
        x = centres[y] + 0.5 * torch.randn(B, n)
        xs.append(x)
        cs.append(c)
        critic, zk, ek = [], [], []
        for i in range(1, n_critic + 1):
            z = torch.randn(B, COND_LATENT)
            zk.append(z)
            if gp_lambda is not None:
                eps = torch.rand(B, 1)
                ek.append(eps)
            fake = G(torch.cat([z, c], 1)).detach()
            xr = x.clone().requires_grad_(gamma is not None)
            s_r = D(d_in(xr, c))
            s_f = D(d_in(fake, c))
            D_loss = d_loss_of(kind, s_r, s_f)
            rec = {"critic_update": i}
            names = ["D_loss", "s_real_mean", "s_fake_mean"]
            if gamma is not None:
                # R1 on the real rows, the gradient w.r.t. x only (c is data).
                g = torch.autograd.grad(s_r, xr, grad_outputs=torch.ones_like(s_r), create_graph=True)[0]
                r1 = penalty_of(g).pow(2).sum(dim=1).mean()
                D_loss = D_loss + (gamma / 2) * r1
                rec["r1"] = item(r1)
                rec["grad_norm_mean"] = item(penalty_of(g).norm(2, dim=1).mean())
                names += ["r1", "grad_norm_mean"]
            if gp_lambda is not None:
                # x interpolated, c unchanged; the gradient w.r.t. x̂ only.
                xhat = (eps * x + (1 - eps) * fake).requires_grad_(True)
                s_hat = D(d_in(xhat, c))
                g = torch.autograd.grad(s_hat, xhat, grad_outputs=torch.ones_like(s_hat), create_graph=True)[0]
                norm = penalty_of(g).norm(2, dim=1)
                gp = torch.mean((norm - 1) ** 2)
                D_loss = D_loss + gp_lambda * gp
                rec["gp"] = item(gp)
                rec["grad_norm_mean"] = item(norm.mean())
                names += ["gp", "grad_norm_mean"]
            optimizer_D.zero_grad()
            D_loss.backward()
            grad_D = grads("grad.D.", D)  # kept from the last critic update of the step
            optimizer_D.step()
            rec["D_loss"] = item(D_loss)
            rec["s_real_mean"] = item(s_r.mean())
            rec["s_fake_mean"] = item(s_f.mean())
            critic.append(with_bits(rec, names))
        z_d.append(torch.stack(zk))
        if gp_lambda is not None:
            eps_all.append(torch.stack(ek))

        z = torch.randn(B, COND_LATENT)
        z_g.append(z)
        s = D(d_in(G(torch.cat([z, c], 1)), c))
        G_loss = g_loss_of(kind, s)
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = grads("grad.G.", G)
        optimizer_G.step()
        save(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        gr = dict(grad_D)
        gr.update(grad_G)
        save(os.path.join(d, f"grads_step_{k}.safetensors"), gr)
        trace.append(with_bits({"step": k, "critic": critic, "G_loss": item(G_loss),
                                "s_fake_mean_Gstep": item(s.mean())},
                               ["G_loss", "s_fake_mean_Gstep"]))

    data = {"x": torch.stack(xs), "c": torch.stack(cs), "z_d": torch.stack(z_d), "z_g": torch.stack(z_g)}
    data_doc = "x [K,8,2], c [K,8,3] (one-hot), z_d [K,n_critic,8,2], z_g [K,8,2]"
    draws = ("for k in 1..K: y = torch.randint(0,3,(8,)); c[k] = one_hot(y,3); x[k] = centres[y] + "
             "0.5*torch.randn(8,2); for i in 1..n_critic: z_d[k,i] = torch.randn(8,2); ")
    if gp_lambda is not None:
        data["eps"] = torch.stack(eps_all)
        data_doc += ", eps [K,n_critic,8,1]"
        draws += "eps[k,i] = torch.rand(8,1); "
    draws += "then z_g[k] = torch.randn(8,2)"
    save(os.path.join(d, "data.safetensors"), data)

    cat = "cat([{}, c[k]], 1).reshape(4,10)"
    d_update = ("D update i (i=1..n_critic): fake = G(cat([z_d[k,i], c[k]], 1)).detach(); "
                + ("xr = x[k].requires_grad_(True); s_real = D(" + cat.format("xr") + "); "
                   if gamma is not None else "s_real = D(" + cat.format("x[k]") + "); ")
                + "s_fake = D(" + cat.format("fake") + "); D_loss = loss(s_real, s_fake)"
                + (" + (gamma/2)*r1" if gamma is not None else "")
                + ("; xhat = (eps[k,i]*x[k] + (1-eps[k,i])*fake).requires_grad_(True); s_hat = D("
                   + cat.format("xhat") + "); D_loss += 10*gp" if gp_lambda is not None else "")
                + "; optimizer_D.zero_grad(); D_loss.backward(); optimizer_D.step()")
    loss_doc = {"D_loss": ("bce_logits(s_real, 1) + bce_logits(s_fake, 0)" if kind == "nonsaturating"
                           else "mean(s_fake) - mean(s_real)")
                          + (" + (gamma/2) * r1" if gamma is not None else "")
                          + (" + 10 * gp" if gp_lambda is not None else ""),
                "G_loss": "bce_logits(s_fake_G, 1)" if kind == "nonsaturating" else "-mean(s_fake_G)"}
    if gamma is not None:
        loss_doc["r1"] = ("mean over D's 4 input rows of sum(g**2, dim=1), g = autograd.grad(s_real, xr, ones, "
                          "create_graph=True) [8,2] (the samples' columns only, not c), read as [4,4] (the "
                          "pack's two samples side by side)")
    if gp_lambda is not None:
        loss_doc["gp"] = ("mean over D's 4 input rows of (||g_row||_2 - 1)**2, g = autograd.grad(s_hat, xhat, ones, "
                          "create_graph=True) [8,2] (the samples' columns only, not c), read as [4,4]")
    if kind == "nonsaturating":
        loss_doc["bce_logits"] = BCE_LOGITS_DOC
    meta = versions()
    meta.update({
        "seed": 6,
        "case": case,
        "kind": kind,
        "steps": K,
        "n_critic": n_critic,
        "batch_size": B,
        "pack": pack,
        "classes": c_dim,
        "r1_gamma": gamma,
        "gp_lambda": gp_lambda,
        "architecture": {
            "G": "Linear(5,16) -> ReLU -> Linear(16,2); input [z | c], z [8,2], c [8,3]",
            "D": ("Linear(10,16) -> ReLU -> Linear(16,16) -> ReLU -> Linear(16,1) (raw score); input "
                  "cat([x, c], 1).reshape(4,10) = [x1|c1|x2|c2] per row (PacGAN 2 of [x | c])"),
        },
        "rng_draw_order": [
            "torch.manual_seed(6)",
            "G (default init), then D (default init)",
            draws,
        ],
        "class_centres": COND_CENTRES,
        "optimizer": hyper,
        "loss": loss_doc,
        "procedure": [
            "each step k uses its c[k] everywhere: G's input [z | c], D's [x | c] and [fake | c]",
            d_update,
            "G update: s_fake_G = D(cat([G(cat([z_g[k], c[k]], 1)), c[k]], 1).reshape(4,10)) with the updated D; "
            "optimizer_G.zero_grad(); G_loss.backward(); optimizer_G.step()",
        ],
        "files": {
            "init.safetensors": "G.* and D.* before training",
            "data.safetensors": data_doc,
            "after_step_k.safetensors": "all weights after step k (after its G update)",
            "grads_step_k.safetensors": ("grad.D.*: D grads of the LAST critic update of step k (before its "
                                         "optimizer step); grad.G.*: G grads of the G update of step k"),
        },
        "trace_fields": {
            "D_loss": "D loss of that critic update, with the penalty (before the D step)",
            "s_real_mean": "mean(D([x | c])) in that critic update",
            "s_fake_mean": "mean(D([fake | c]))",
            "r1": "R1's P alone, without gamma/2 (r1 case)",
            "gp": "the gradient penalty alone, without the factor 10 (wgan_gp case)",
            "grad_norm_mean": "mean over D's 4 input rows of the norm of g over the row's 4 sample columns",
            "G_loss": "G loss of the step (computed with the updated D)",
            "s_fake_mean_Gstep": "mean(D([G([z_g | c]) | c])) in the G update",
        },
        "steps_trace": trace,
    })
    dump_json(os.path.join(d, "trace.json"), meta)


def cond_penalties(out):
    for case in COND_CASES:
        cond_penalties_case(out, case)


# ---- ema: the moving average of G's weights, as torch.lerp_ computes it -----------

EMA_DECAYS = [0.999, 0.9, 0.3, 0.0]


def ema(out):
    """avg <- avg.lerp_(theta_t, 1 - decay) for t = 1..4, on a [37] tensor (vector body and tail)."""
    d = os.path.join(out, "ema")
    torch.manual_seed(4)
    avg0 = torch.randn(37)
    thetas = avg0 + torch.randn(4, 37) * torch.tensor([1.0, 0.1, 1e-3, 10.0]).view(4, 1)
    tensors = {"avg0": avg0, "thetas": thetas}
    for decay in EMA_DECAYS:
        avg = avg0.clone()
        out_t = []
        for t in range(4):
            avg.lerp_(thetas[t], 1.0 - decay)
            out_t.append(avg.clone())
        tensors[f"avg_decay{decay}"] = torch.stack(out_t)
    save(os.path.join(d, "ema.safetensors"), tensors)
    meta = versions()
    meta["decays"] = EMA_DECAYS
    meta["procedure"] = ("torch.manual_seed(4); avg0 = torch.randn(37); thetas = avg0 + torch.randn(4,37) * "
                         "[1, 0.1, 1e-3, 10] (per row); for each decay: avg = avg0; for t in 0..3: "
                         "avg.lerp_(thetas[t], 1 - decay); avg_decay{decay}[t] = avg")
    dump_json(os.path.join(d, "cases.json"), meta)


# ---- layers: BatchNorm1d in G, maxout in D, seed 4 --------------------------------

class Maxout(nn.Module):
    """max over K pieces: [B, units*K] -> [B, units]; piece j of unit u is column u*K + j."""

    def __init__(self, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces

    def forward(self, x):
        return x.view(x.shape[0], self.units, self.pieces).max(dim=2).values


LAYERS_B, LAYERS_K = 8, 3  # batch, maxout pieces


def make_bn_G():
    return nn.Sequential(nn.Linear(3, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
                         nn.Linear(16, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))


def make_maxout_D():
    K = LAYERS_K
    return nn.Sequential(nn.Linear(4, 12 * K), Maxout(12, K), nn.Linear(12, 8 * K), Maxout(8, K),
                         nn.Linear(8, 1))


def save_state(path, tensors):
    """Like save(), but int64 tensors (num_batches_tracked) stay int64, as PyTorch has them."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    out = {}
    for k, v in tensors.items():
        v = v.detach().contiguous().clone()
        out[k] = v if v.dtype == torch.int64 else v.to(F32)
    save_file(out, path)


def layers(out):
    K, B = 3, LAYERS_B
    d = os.path.join(out, "layers")
    torch.manual_seed(4)
    G = make_bn_G()
    D = make_maxout_D()
    save_state(os.path.join(d, "init.safetensors"), gd_weights(G, D))
    x = torch.randn(B, 4) * 0.5 + 1.0
    make_opt = lambda ps: torch.optim.Adam(ps, lr=0.001, betas=(0.5, 0.999), eps=1e-08, foreach=False)
    optimizer_G = make_opt(G.parameters())
    optimizer_D = make_opt(D.parameters())
    G.train()
    D.train()
    z_d, z_g, trace = [], [], []
    for k in range(1, K + 1):
        z = torch.randn(B, 3)
        z_d.append(z)
        fake_t = G(z)  # training mode: batch statistics, running statistics updated
        fake = fake_t.detach()
        s_r = D(x)
        s_f = D(fake)
        D_loss = d_loss_of("nonsaturating", s_r, s_f)
        optimizer_D.zero_grad()
        D_loss.backward()
        grad_D = grads("grad.D.", D)
        optimizer_D.step()

        zg = torch.randn(B, 3)
        z_g.append(zg)
        s = D(G(zg))  # the second training-mode forward of G in this step
        G_loss = g_loss_of("nonsaturating", s)
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = grads("grad.G.", G)
        optimizer_G.step()

        save_state(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        gr = dict(grad_D)
        gr.update(grad_G)
        gr["fake_d"] = fake
        save(os.path.join(d, f"grads_step_{k}.safetensors"), gr)
        trace.append(with_bits({"step": k, "D_loss": item(D_loss), "s_real_mean": item(s_r.mean()),
                                "s_fake_mean": item(s_f.mean()), "G_loss": item(G_loss),
                                "s_fake_mean_Gstep": item(s.mean())},
                               ["D_loss", "s_real_mean", "s_fake_mean", "G_loss", "s_fake_mean_Gstep"]))
    z_eval = torch.randn(5, 3)
    G.eval()
    with torch.no_grad():
        y_eval = G(z_eval)
    save(os.path.join(d, "data.safetensors"),
         {"x": x, "z_d": torch.stack(z_d), "z_g": torch.stack(z_g), "z_eval": z_eval, "y_eval": y_eval})
    meta = versions()
    meta.update({
        "seed": 4,
        "kind": "nonsaturating",
        "steps": K,
        "n_critic": 1,
        "batch_size": B,
        "architecture": {
            "G": ("Sequential(Linear(3,16,bias=False), BatchNorm1d(16), ReLU, Linear(16,16,bias=False), "
                  "BatchNorm1d(16), ReLU, Linear(16,4)); BatchNorm1d defaults: eps 1e-5, momentum 0.1, "
                  "affine, running stats"),
            "D": ("Sequential(Linear(4,36), Maxout(12,3), Linear(12,24), Maxout(8,3), Linear(8,1)); "
                  "Maxout(u,K)(x) = x.view(B,u,K).max(dim=2).values (no parameters; raw logit, no sigmoid)"),
        },
        "rng_draw_order": [
            "torch.manual_seed(4)",
            "G (default init: each Linear draws its weight (and bias); BatchNorm1d: weight 1, bias 0, "
            "running_mean 0, running_var 1, draws nothing)",
            "D (default init)",
            "x = torch.randn(8,4)*0.5 + 1.0",
            "for k in 1..3: z_d[k] = torch.randn(8,3); z_g[k] = torch.randn(8,3)",
            "z_eval = torch.randn(5,3)",
        ],
        "optimizer": {"name": "Adam", "lr": 0.001, "betas": [0.5, 0.999], "eps": 1e-08, "weight_decay": 0.0,
                      "amsgrad": False, "maximize": False, "implementation": ADAM_IMPL,
                      "instances": "two separate optimisers, one over G.parameters(), one over D.parameters()"},
        "loss": {"D": "bce_logits(D(x), 1) + bce_logits(D(fake), 0)", "G": "bce_logits(D(G(z_g)), 1)",
                 "bce_logits": BCE_LOGITS_DOC},
        "procedure": [
            "G.train(), D.train() throughout training",
            "D update: fake = G(z_d[k]).detach() (G's 1st training-mode forward of the step); s_real = D(x); "
            "s_fake = D(fake); optimizer_D.zero_grad(); D_loss.backward(); optimizer_D.step()",
            "G update: s = D(G(z_g[k])) (G's 2nd training-mode forward); optimizer_G.zero_grad(); "
            "G_loss.backward(); optimizer_G.step()",
            "after 3 steps: G.eval(); y_eval = G(z_eval) (running statistics, num_batches_tracked 6)",
        ],
        "files": {
            "init.safetensors": ("G.* (with G.1.* and G.4.*: weight, bias, running_mean, running_var, "
                                 "num_batches_tracked as I64 shape []) and D.* before training"),
            "data.safetensors": "x [8,4], z_d [3,8,3], z_g [3,8,3], z_eval [5,3], y_eval [5,4]",
            "after_step_k.safetensors": "the full state dicts after step k (I64 num_batches_tracked = 2k)",
            "grads_step_k.safetensors": ("grad.D.*: D grads of step k's D update; grad.G.*: G grads of its G "
                                         "update (BN weight/bias included); fake_d [8,4]: G(z_d[k]) in "
                                         "training mode, before step k's updates"),
        },
        "maxout_ties": "torch.max(dim) returns the first index of equal maxima (checked: [1,3,3,0] -> 1)",
        "steps_trace": trace,
    })
    dump_json(os.path.join(d, "trace.json"), meta)


# ---- classifier: the curve measures' post-hoc classifier, seed 5 --------------------

def classifier(out):
    """F.cross_entropy on hand-made logits, and 3 steps of the classifier's training."""
    d = os.path.join(out, "classifier")
    torch.manual_seed(5)
    tensors, cases = {}, []
    for name, rows, k, scale in [("k2", 6, 2, 1.0), ("k3", 5, 3, 3.0), ("k9", 7, 9, 1.0),
                                  ("large", 4, 3, 1000.0), ("equal", 3, 4, 0.0)]:
        z = (torch.randn(rows, k) * scale).requires_grad_(True)
        y = torch.randint(0, k, (rows,))
        loss = F.cross_entropy(z, y)
        loss.backward()
        tensors[f"{name}.logits"] = z.detach()
        tensors[f"{name}.labels"] = y.to(F32)
        tensors[f"{name}.grad"] = z.grad.detach()
        cases.append(with_bits({"name": name, "rows": rows, "classes": k, "loss": item(loss)}, ["loss"]))
    # The classifier: d -> 64 -> 64 -> K, ReLU; Adam(lr 1e-3); 3 steps on given batches.
    dim, k = 5, 3
    net = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, k))
    x = torch.randn(24, dim)
    y = torch.randint(0, k, (24,))
    snapshot = lambda prefix: {k: v.detach().clone() for k, v in prefixed(prefix, net).items()}
    tensors.update(snapshot("init."))
    tensors["x"], tensors["y"] = x, y.to(F32)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = [list(range(0, 8)), list(range(8, 16)), list(range(16, 24))]
    losses = []
    for t, b in enumerate(batches):
        opt.zero_grad()
        loss = F.cross_entropy(net(x[b]), y[b])
        loss.backward()
        opt.step()
        losses.append(item(loss))
        tensors.update(snapshot(f"step{t + 1}."))
    save(os.path.join(d, "classifier.safetensors"), tensors)
    meta = versions()
    meta["cross_entropy"] = cases
    meta["train"] = {"batches": batches, "losses": losses, "lr": 1e-3,
                     "procedure": ("torch.manual_seed(5); the five cross_entropy cases in order (z = randn(rows, K) * scale, "
                                   "y = randint(0, K, (rows,)), F.cross_entropy(z, y).backward()); then net = "
                                   "Sequential(Linear(5,64), ReLU, Linear(64,64), ReLU, Linear(64,3)) (default init), "
                                   "x = randn(24, 5), y = randint(0, 3, (24,)); Adam(lr=1e-3); for each batch b: "
                                   "zero_grad, F.cross_entropy(net(x[b]), y[b]).backward(), step; weights after each "
                                   "step as step{t}.*")}
    dump_json(os.path.join(d, "cases.json"), meta)


# ---- basis: G's smooth output basis (cubic B-splines), seed 7 -----------------------

BASIS_MATRICES = [(1, 15, 4), (1, 15, 6), (1, 150, 50), (1, 7, 7), (2, 10, 5)]  # (channels, points, k)
BASIS_B, BASIS_LATENT, BASIS_H = 8, 4, 16
BASIS_C, BASIS_P, BASIS_K = 2, 12, 5  # the GAN's G: channels, points, coefficients per channel


def bspline_knots(k):
    """Clamped uniform knots on [0, 1]: [0, 0, 0, linspace(0, 1, k - 2)..., 1, 1, 1] (k + 4)."""
    return np.concatenate([[0.0, 0.0, 0.0], np.linspace(0.0, 1.0, k - 2), [1.0, 1.0, 1.0]])


def basis_matrix(channels, points, k):
    """scipy's cubic B-spline design matrix at x_j = j/(points-1), [points, k] in float64, as
    `channels` blocks on the diagonal: [channels*points, channels*k] (nn.Linear's [out, in])."""
    from scipy.interpolate import BSpline
    x = np.arange(points) / (points - 1)
    one = BSpline.design_matrix(x, bspline_knots(k), 3).toarray()
    return np.kron(np.eye(channels), one)


def basis_name(channels, points, k):
    return (f"c{channels}_" if channels > 1 else "") + f"p{points}_k{k}"


def make_basis_G():
    """Linear(4,16), ReLU, Linear(16,2*5), Linear(10,2*12,bias=False) whose weight is the frozen
    block-diagonal basis (set after the default init, which drew it; requires_grad False)."""
    G = nn.Sequential(nn.Linear(BASIS_LATENT, BASIS_H), nn.ReLU(), nn.Linear(BASIS_H, BASIS_C * BASIS_K),
                      nn.Linear(BASIS_C * BASIS_K, BASIS_C * BASIS_P, bias=False))
    with torch.no_grad():
        G[3].weight.copy_(torch.from_numpy(basis_matrix(BASIS_C, BASIS_P, BASIS_K)).to(F32))
    G[3].weight.requires_grad_(False)
    return G


def basis(out):
    """The design matrices alone (matrix.*), and 3 GAN steps of a G with the frozen basis (gan/)."""
    try:
        import scipy
        from scipy.interpolate import BSpline  # noqa: F401
    except ImportError as e:
        print(f"make_fixtures.py: the basis set needs scipy ({e}); pip install scipy", file=sys.stderr)
        sys.exit(3)
    d = os.path.join(out, "basis")
    mats, cases = {}, []
    for channels, points, k in BASIS_MATRICES:
        m = basis_matrix(channels, points, k)
        name = basis_name(channels, points, k)
        mats[name] = torch.from_numpy(m).to(F32)
        cases.append({"name": name, "channels": channels, "points": points, "coefficients": k,
                      "shape": list(m.shape), "knots": bspline_knots(k).tolist(),
                      "row_sum_max_dev_f64": float(np.abs(m.sum(1) - 1.0).max())})
    save(os.path.join(d, "matrix.safetensors"), mats)
    meta = versions()
    meta["scipy_version"] = scipy.__version__
    meta["procedure"] = (
        "for each case: t = [0,0,0, numpy.linspace(0,1,k-2)..., 1,1,1] (k+4 clamped uniform knots), "
        "x = numpy.arange(points)/(points-1); B = scipy.interpolate.BSpline.design_matrix(x, t, 3).toarray() "
        "[points,k] in float64; the matrix is numpy.kron(numpy.eye(channels), B) [channels*points, "
        "channels*k] (B on the diagonal, channel-major rows and columns), rounded to float32")
    meta["cases"] = cases
    dump_json(os.path.join(d, "matrix.json"), meta)
    basis_gan(os.path.join(d, "gan"))


def basis_gan(d):
    K, B = 3, BASIS_B
    n = BASIS_C * BASIS_P
    torch.manual_seed(7)
    G = make_basis_G()
    D = nn.Sequential(nn.Linear(n, BASIS_H), nn.ReLU(), nn.Linear(BASIS_H, 1))
    frozen = G[3].weight.detach().clone()
    save(os.path.join(d, "init.safetensors"), gd_weights(G, D))
    # Real rows: channel 0 a*sin(2 pi u + phi), channel 1 a*cos(2 pi u + phi), u = linspace(0,1,12).
    a = torch.rand(B, 1) + 0.5
    phi = torch.rand(B, 1) * (2 * np.pi)
    u = torch.linspace(0, 1, BASIS_P)
    x = torch.cat([a * torch.sin(2 * np.pi * u + phi), a * torch.cos(2 * np.pi * u + phi)], 1)
    betas = (0.5, 0.999)
    make_opt = lambda ps: torch.optim.Adam(ps, lr=0.001, betas=betas, eps=1e-08, foreach=False)
    trainable = [p for p in G.parameters() if p.requires_grad]
    optimizer_G = make_opt(trainable)
    optimizer_D = make_opt(D.parameters())
    trainable_grads = lambda prefix, m: {f"{prefix}{k}": p.grad.detach().clone()
                                         for k, p in m.named_parameters() if p.requires_grad}
    z_d, z_g, trace, unchanged = [], [], [], []
    for k in range(1, K + 1):
        z = torch.randn(B, BASIS_LATENT)
        z_d.append(z)
        fake = G(z).detach()
        s_r = D(x)
        s_f = D(fake)
        D_loss = d_loss_of("nonsaturating", s_r, s_f)
        optimizer_D.zero_grad()
        D_loss.backward()
        grad_D = grads("grad.D.", D)
        optimizer_D.step()

        zg = torch.randn(B, BASIS_LATENT)
        z_g.append(zg)
        coeff = G[:3](zg)
        s = D(G[3](coeff))
        G_loss = g_loss_of("nonsaturating", s)
        optimizer_G.zero_grad()
        G_loss.backward()
        grad_G = trainable_grads("grad.G.", G)
        optimizer_G.step()
        assert G[3].weight.grad is None, "the basis got a gradient"
        unchanged.append(bool(torch.equal(G[3].weight, frozen)))

        save(os.path.join(d, f"after_step_{k}.safetensors"), gd_weights(G, D))
        gr = dict(grad_D)
        gr.update(grad_G)
        gr["fake_d"] = fake
        gr["coeff_g"] = coeff
        save(os.path.join(d, f"grads_step_{k}.safetensors"), gr)
        trace.append(with_bits({"step": k, "D_loss": item(D_loss), "s_real_mean": item(s_r.mean()),
                                "s_fake_mean": item(s_f.mean()), "G_loss": item(G_loss),
                                "s_fake_mean_Gstep": item(s.mean())},
                               ["D_loss", "s_real_mean", "s_fake_mean", "G_loss", "s_fake_mean_Gstep"]))
    save(os.path.join(d, "data.safetensors"), {"x": x, "z_d": torch.stack(z_d), "z_g": torch.stack(z_g)})
    meta = versions()
    meta.update({
        "seed": 7,
        "kind": "nonsaturating",
        "steps": K,
        "n_critic": 1,
        "batch_size": B,
        "basis": {"channels": BASIS_C, "points": BASIS_P, "coefficients": BASIS_K,
                  "matrix": ("G.3.weight [24,10] = matrix.json's procedure with channels 2, points 12, k 5: kron(eye(2), "
                             "BSpline.design_matrix(arange(12)/11, [0,0,0, linspace(0,1,3)..., 1,1,1], 3)), "
                             "rounded to float32"),
                  "frozen": "requires_grad False: no gradient, not in G's optimiser, never updated",
                  "unchanged_after_each_step": unchanged},
        "architecture": {
            "G": ("Sequential(Linear(4,16), ReLU, Linear(16,10), Linear(10,24,bias=False)); the last Linear's "
                  "weight is the frozen basis; output [8,24] = 2 channels x 12 points, channel-major"),
            "D": "Sequential(Linear(24,16), ReLU, Linear(16,1)) (raw logit, no sigmoid)",
        },
        "rng_draw_order": [
            "torch.manual_seed(7)",
            "G (default init of all three Linears: the basis Linear's weight is drawn too, then overwritten "
            "with the basis under torch.no_grad())",
            "D (default init)",
            "a = torch.rand(8,1) + 0.5; phi = torch.rand(8,1) * 2*pi",
            "for k in 1..3: z_d[k] = torch.randn(8,4); z_g[k] = torch.randn(8,4)",
        ],
        "real_batch": ("u = torch.linspace(0,1,12); x = cat([a*sin(2*pi*u + phi), a*cos(2*pi*u + phi)], 1) "
                       "[8,24] in float32; the same x in every D update"),
        "optimizer": {"name": "Adam", "lr": 0.001, "betas": list(betas), "eps": 1e-08, "weight_decay": 0.0,
                      "amsgrad": False, "maximize": False, "implementation": ADAM_IMPL,
                      "instances": ("one over G's trainable parameters (G.0.*, G.2.*; not G.3.weight), "
                                    "one over D.parameters()")},
        "loss": {"D": "bce_logits(D(x), 1) + bce_logits(D(fake), 0)", "G": "bce_logits(D(G(z_g)), 1)",
                 "bce_logits": BCE_LOGITS_DOC},
        "procedure": [
            "D update: fake = G(z_d[k]).detach(); s_real = D(x); s_fake = D(fake); optimizer_D.zero_grad(); "
            "D_loss.backward(); optimizer_D.step()",
            "G update: coeff = G[:3](z_g[k]) (the basis coefficients, [8,10]); s = D(G[3](coeff)) with the "
            "updated D; optimizer_G.zero_grad(); G_loss.backward(); optimizer_G.step()",
            "after each step: G.3.weight.grad is None and torch.equal(G.3.weight, the basis)",
        ],
        "files": {
            "init.safetensors": "G.0.*, G.2.*, G.3.weight (the basis) and D.* before training",
            "data.safetensors": "x [8,24], z_d [3,8,4], z_g [3,8,4]",
            "after_step_k.safetensors": "the state dicts after step k (G.3.weight still the basis)",
            "grads_step_k.safetensors": ("grad.D.*: D's gradients in step k's D update; grad.G.*: G's trainable "
                                         "parameters' in its G update (no grad.G.3.weight); fake_d [8,24]: "
                                         "G(z_d[k]) before step k's updates; coeff_g [8,10]: G[:3](z_g[k]) in the "
                                         "G update"),
        },
        "steps_trace": trace,
    })
    dump_json(os.path.join(d, "trace.json"), meta)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    out = os.path.abspath(args.out)
    for name in args.only or SETS:
        globals()[name](out)
        print(f"make_fixtures.py: wrote {os.path.join(out, name)}", file=sys.stderr)
    print(f"make_fixtures.py: torch {torch.__version__}, cpu_capability "
          f"{torch.backends.cpu.get_cpu_capability()}, threads {torch.get_num_threads()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
