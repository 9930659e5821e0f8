"""The callback: when it is called, what it is given, and how it stops a run."""

import numpy as np
import pytest

import curvegan

FILES = ["metrics.csv", "generator.safetensors", "discriminator.safetensors",
         "checkpoint.safetensors"]


def test_called_every_n_steps_and_at_the_last_with_the_rows_of_metrics_csv():
    calls = []
    run = curvegan.train(steps=1050, eval_every=200, plot_every=0, out="a",
                         callback=lambda step, stats: calls.append((step, stats)))
    # Every evaluation step (the default period) and the last.
    assert [s for s, _ in calls] == [0, 200, 400, 600, 800, 1000, 1049]
    m = run.metrics
    for step, stats in calls:
        row = m.iloc[step]
        for column in ["d_loss", "g_loss", "d_real", "d_fake", "mse_to_target"]:
            assert stats[column] == row[column], (step, column)
    calls.clear()
    curvegan.train(steps=30, out="b", callback=lambda s, _: calls.append(s), every=7)
    assert calls == [0, 7, 14, 21, 28, 29]


def test_returning_false_stops_at_a_checkpoint_that_resumes_byte_identical(in_tmp):
    whole = curvegan.train(steps=600, plot_every=0, out="whole")
    run = curvegan.train(steps=600, plot_every=0, out="part", every=100,
                         callback=lambda step, stats: step < 300)
    assert run.status == "stopped" and run.checkpoint_step == 301
    assert not (in_tmp / "part" / "generator.safetensors").exists()
    # The stopped run samples from its checkpoint; None (a logger's answer) never stops.
    assert run.sample(3).shape == (3, 15)
    done = curvegan.resume("part", callback=lambda step, stats: None)
    assert done.status == "finished" and done.checkpoint_step is None
    for name in FILES:
        assert (in_tmp / "part" / name).read_bytes() == (in_tmp / "whole" / name).read_bytes()
    np.testing.assert_array_equal(done.sample(10), whole.sample(10))


class Pruned(Exception):
    pass


def test_an_exception_stops_the_run_at_a_checkpoint_and_is_raised(in_tmp):
    def prune(step, stats):
        if step == 200:
            raise Pruned(stats["mse_to_target"])

    with pytest.raises(Pruned):
        curvegan.train(steps=1000, eval_every=100, plot_every=0, out="a", callback=prune)
    run = curvegan.load("a")
    assert run.status == "stopped" and run.checkpoint_step == 201


def test_an_exception_after_the_last_step_is_raised_with_the_run_finished(in_tmp):
    def fail(step, stats):
        if step == 49:
            raise Pruned()

    with pytest.raises(Pruned):
        curvegan.train(steps=50, plot_every=0, out="a", callback=fail)
    assert curvegan.load("a").status == "finished"
