"""Bad input raises CurveganError (a ValueError) with the library's message and key, before
anything is written."""

import pytest

import curvegan


@pytest.mark.parametrize(
    "keys, key, words",
    [
        (dict(batch_size=0), "batch_size", "must be at least 1, got 0"),
        (dict(optim_g_lrr=1e-3), "optim_g.lrr", "is not a config key"),
        (dict(pack="two"), "pack", "'\"two\"' is not a value it takes"),
        (dict(batch_size=None), "batch_size", "None is not a value a config key takes"),
        (dict(seed=2**64), "seed", "out of range"),
        (dict(target="quadratik"), "target", "'quadratik' is not a target"),
        (dict(target="x", data="d.csv"), "target.path", "cannot be combined"),
        (dict(n_critic=5, batch_size=32), "n_critic", "takes exactly one D update"),
        (dict(callback=print, every=0), "every", "must be at least 1"),
        (dict(config="missing.toml"), None, "missing.toml"),
    ],
)
def test_bad_settings_are_refused_naming_the_key_and_nothing_is_written(in_tmp, keys, key,
                                                                        words):
    with pytest.raises(curvegan.CurveganError) as e:
        curvegan.train(out="a", **keys)
    assert isinstance(e.value, ValueError)
    assert words in str(e.value), str(e.value)
    assert e.value.key == key
    assert not (in_tmp / "a").exists() and not (in_tmp / "runs").exists()


def test_bad_sampling_and_loading_are_refused(in_tmp):
    run = curvegan.train(steps=20, plot_every=0, out="a")
    for call, words in [
        (lambda: run.sample(3, a=1.0), "this generator is not conditional"),
        (lambda: run.sample(0), "must be at least 1"),
        (lambda: run.sample(10**12), "GiB"),
        (lambda: run.sample(-1), "non-negative"),
        (lambda: run.evaluate(n=2), "needs at least 4 samples"),
        (lambda: curvegan.load("nowhere"), "nowhere is not a run folder"),
    ]:
        with pytest.raises(curvegan.CurveganError, match=words):
            call()


def test_keys_that_hold_only_together_come_in_any_order():
    # n_critic before the loss that takes it, pack before the batch it divides; optimizer
    # keys beside `loss` stay (loss resets both optimizers first).
    run = curvegan.train(n_critic=2, pack=3, batch_size=60, optim_d_lr=3e-5, loss="wgan",
                         steps=5, plot_every=0, out="a")
    c = run.config
    assert (c["loss"], c["n_critic"], c["pack"], c["batch_size"]) == ("wgan", 2, 3, 60)
    assert (c["optim_d"]["kind"], c["optim_d"]["lr"]) == ("rmsprop", 3e-5), c["optim_d"]
