"""The package trains, samples and scores as the command line does: the same files, byte for
byte (run.json's times and command aside), the same samples and scores."""

import json

import numpy as np
import pytest

import curvegan

# Files of a run folder that must be equal byte for byte.
SAME = [
    "config.toml",
    "metrics.csv",
    "generator.safetensors",
    "discriminator.safetensors",
    "checkpoint.safetensors",
    "losses.png",
]

# (command-line options, the same settings as keyword arguments)
CASES = {
    "formula": (
        ["--target", "2*x**2+1", "--steps", "1201", "--plot-every", "0"],
        dict(target="2*x**2+1", steps=1201, plot_every=0),
    ),
    "conditional-wgan-gp": (
        ["--target", "family", "--conditional", "--loss", "wgan-gp", "--lr-g", "2e-4",
         "--n-critic", "2", "--steps", "301", "--eval-every", "100", "--plot-every", "0",
         "--g-hidden", "32,32", "--pack", "2", "--batch-size", "32"],
        dict(target="family", conditional=True, loss="wgan-gp", optim_g_lr=2e-4, n_critic=2,
             steps=301, eval_every=100, plot_every=0, g_hidden=[32, 32], pack=2,
             batch_size=32),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_run_is_the_command_lines_byte_for_byte(cli, in_tmp, case):
    flags, keys = CASES[case]
    cli("train", *flags, "--out", "cli/run", "--quiet")
    run = curvegan.train(out="py/run", **keys)
    for name in SAME:
        want = (in_tmp / "cli" / "run" / name).read_bytes()
        assert (in_tmp / "py" / "run" / name).read_bytes() == want, name
    assert run.status == "finished"
    # The samples and scores of `curvegan sample` and `curvegan eval`.
    printed = json.loads(cli("sample", "cli/run", "--n", "50", "--seed", "7", "--format",
                             "json"))
    x = run.sample(50, seed=7)
    assert x.dtype == np.float32 and x.shape == (50, len(printed["x"]))
    np.testing.assert_array_equal(x, np.array(printed["curves"], dtype=np.float32))
    scores = json.loads(cli("eval", "cli/run", "--n", "300", "--seed", "3", "--json"))["metrics"]
    assert run.evaluate(n=300, seed=3) == scores


def test_a_config_file_and_keys_on_it(cli, in_tmp):
    (in_tmp / "base.toml").write_text('steps = 401\nplot_every = 0\nloss = "nonsaturating"\n')
    cli("train", "--config", "base.toml", "--batch-size", "32", "--out", "cli/run", "--quiet")
    curvegan.train(config="base.toml", batch_size=32, out="py/run")
    # The same keys as a dict of dotted keys.
    curvegan.train(config={"steps": 401, "plot_every": 0, "loss": "nonsaturating",
                           "batch_size": 32}, out="dict/run")
    # Same folder names: the figures are titled with the run's name.
    for name in SAME:
        want = (in_tmp / "cli" / "run" / name).read_bytes()
        assert (in_tmp / "py" / "run" / name).read_bytes() == want, name
        assert (in_tmp / "dict" / "run" / name).read_bytes() == want, name


def test_a_conditional_sample_with_its_condition(cli, in_tmp):
    cli("train", "--target", "family", "--conditional", "--steps", "200", "--plot-every", "0",
        "--out", "cli", "--quiet")
    run = curvegan.load("cli")
    assert run.conditions == ["a"]
    printed = json.loads(cli("sample", "cli", "--n", "4", "--condition", "a=1.8", "--format",
                             "json"))
    np.testing.assert_array_equal(run.sample(4, a=1.8), np.array(printed["curves"], np.float32))
